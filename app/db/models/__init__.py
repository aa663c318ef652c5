"""Typed SQLAlchemy models of every schema Lotproof uses; `Base.metadata` is what migrations build."""

from app.db.models import audit, erp, quality
from app.db.models.base import Base

__all__ = ["Base", "audit", "erp", "quality"]
