"""Schema `audit`: the append-only, hash-chained audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, Text
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import Base

SCHEMA = "audit"
TZ = TIMESTAMP(timezone=True)


class TrailEntry(Base):
    """One change: who, where, when (server clock), what, old and new values, why. Each row
    carries the hash of the row before it, so a changed, removed or inserted row breaks the chain."""

    __tablename__ = "trail"
    __table_args__ = (
        Index("ix_trail_record", "record_type", "record_id"),
        Index("ix_trail_at", "at"),
        Index("ix_trail_username_at", "username", "at"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(TZ)
    username: Mapped[str] = mapped_column(Text)
    printed_name: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str | None] = mapped_column(Text)
    workstation: Mapped[str | None] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    record_type: Mapped[str] = mapped_column(Text)
    record_id: Mapped[str | None] = mapped_column(Text)
    lot_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    old_values: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    new_values: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    reason: Mapped[str | None] = mapped_column(Text)
    signature_id: Mapped[int | None] = mapped_column(BigInteger)
    prev_hash: Mapped[str] = mapped_column(Text)
    row_hash: Mapped[str] = mapped_column(Text)


class ChainHead(Base):
    """The last row of the chain, so removing rows from the end is detected too."""

    __tablename__ = "chain_head"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(Text)
