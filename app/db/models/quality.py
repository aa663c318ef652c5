"""Schema `quality`: what Lotproof owns. Login roles read these tables; every change goes through a
SECURITY DEFINER function in the same schema."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, Text, func, text
from sqlalchemy.dialects.postgresql import TIMESTAMP
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import Base

SCHEMA = "quality"
TZ = TIMESTAMP(timezone=True)

GROUP_ROLES = (
    "lotproof_inspector",
    "lotproof_approver",
    "lotproof_compliance",
    "lotproof_admin",
    "lotproof_auditor",
)


class User(Base):
    """A person: one PostgreSQL login role. User names are never reused, so a row is never removed."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN (" + ", ".join(repr(r) for r in GROUP_ROLES) + ")", name="role"
        ),
        {"schema": SCHEMA},
    )

    username: Mapped[str] = mapped_column(Text, primary_key=True)
    printed_name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_at: Mapped[dt.datetime] = mapped_column(TZ, server_default=func.now())
    created_by: Mapped[str] = mapped_column(Text, server_default=func.session_user())


class Setting(Base):
    """Installation settings (e.g. that this is a demo database, and its demo logins)."""

    __tablename__ = "settings"
    __table_args__ = {"schema": SCHEMA}

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    value: Mapped[str] = mapped_column(Text)
