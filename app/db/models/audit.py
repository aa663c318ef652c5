"""Schema `audit`: the append-only, hash-chained audit trail."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, Text, Uuid, func, text
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


class Context(Base):
    """What the audit trigger records for the changes of this transaction (action, reason,
    signature), one row per server process. Written only by Lotproof's functions, so no session
    can name an action or borrow a signature for its own changes; a row left by an earlier
    transaction of the same process is ignored (its `xact` differs)."""

    __tablename__ = "context"
    __table_args__ = {"schema": SCHEMA}

    backend_pid: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    xact: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    signature_id: Mapped[int | None] = mapped_column(BigInteger)


class Identity(Base):
    """This database's identity, under which workstations and verify runs witness the chain
    head outside the database (app/db/audit_witness.py)."""

    __tablename__ = "identity"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=text("gen_random_uuid()"))
    created_at: Mapped[dt.datetime] = mapped_column(TZ, server_default=func.now())
