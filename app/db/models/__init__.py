"""Typed SQLAlchemy models of every schema Lotproof uses; `Base.metadata` is what migrations build."""

from app.db.models import erp, quality
from app.db.models.base import Base

__all__ = ["Base", "erp", "quality"]
