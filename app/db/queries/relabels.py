"""Relabel and repack requests, as the people deciding them read them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, text

from app.db.errors import NotFound


@dataclass(frozen=True)
class RelabelRequest:
    id: int
    kind: str
    lot_code: str
    item: str
    new_lot_code: str
    new_sku: str
    qty: Decimal
    uom: str
    reason: str
    labels: str
    state: str
    requested_by: str
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str | None
    signature_valid: bool | None
    child_lot_code: str | None

    @property
    def number(self) -> str:
        return f"{self.kind.upper()}-{self.id:06d}"


_SELECT = """
    SELECT r.id, r.kind, p.lot_code, pi.sku || ' ' || pi.name, r.new_lot_code, ni.sku, r.qty,
           ni.uom, r.reason, r.labels, r.state, coalesce(ru.printed_name, r.requested_by),
           r.requested_at, coalesce(du.printed_name, r.decided_by), r.decided_at,
           r.decision_note,
           CASE WHEN r.signature_id IS NOT NULL THEN quality.signature_valid(r.signature_id) END,
           c.lot_code
    FROM quality.relabel_requests r
    JOIN quality.lots p ON p.id = r.lot_id JOIN erp.items pi ON pi.id = p.item_id
    JOIN erp.items ni ON ni.id = r.new_item_id
    LEFT JOIN quality.lots c ON c.id = r.child_lot_id
    LEFT JOIN quality.users ru ON ru.username = r.requested_by
    LEFT JOIN quality.users du ON du.username = r.decided_by"""


def request(conn: Connection, request_id: int) -> RelabelRequest:
    row = conn.execute(text(_SELECT + " WHERE r.id = :i"), {"i": request_id}).one_or_none()
    if row is None:
        raise NotFound(f"there is no relabel or repack request {request_id}")
    return RelabelRequest(*row)


def requests(conn: Connection, *, lot_code: str | None = None,
             open_only: bool = False) -> list[RelabelRequest]:
    where = ["true"]
    if lot_code:
        where.append("(p.lot_code = :lot OR c.lot_code = :lot)")
    if open_only:
        where.append("r.state IN ('requested', 'approved')")
    return [RelabelRequest(*r) for r in conn.execute(text(
        _SELECT + " WHERE " + " AND ".join(where) + " ORDER BY r.requested_at DESC, r.id DESC"),
        {"lot": lot_code})]
