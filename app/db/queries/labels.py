"""The labels printed for a lot, as the database kept them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from app.db.errors import NotFound


@dataclass(frozen=True)
class LabelRow:
    id: int
    kind: str
    size: str
    sscc: str | None
    printed_by: str
    printed_at: dt.datetime
    content: dict[str, Any]


_SELECT = """
    SELECT p.id, p.kind, p.size, p.sscc, coalesce(u.printed_name, p.printed_by), p.printed_at,
           p.content
    FROM quality.printed_labels p LEFT JOIN quality.users u ON u.username = p.printed_by"""


def label(conn: Connection, label_id: int) -> LabelRow:
    row = conn.execute(text(_SELECT + " WHERE p.id = :i"), {"i": label_id}).one_or_none()
    if row is None:
        raise NotFound(f"there is no label {label_id}")
    return LabelRow(*row)


def labels_of_lot(conn: Connection, lot_code: str) -> list[LabelRow]:
    return [LabelRow(*r) for r in conn.execute(text(
        _SELECT + " JOIN quality.lots l ON l.id = p.lot_id WHERE l.lot_code = :c "
        "ORDER BY p.printed_at DESC, p.id DESC"), {"c": lot_code})]
