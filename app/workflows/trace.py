"""Tracing lots forward to where they went and backward to where they came from."""

from __future__ import annotations

import csv
from typing import TextIO

from app.db.queries import trace as q
from app.db.queries.trace import Direction, Trace
from app.workflows.session import UserSession

__all__ = ["Direction", "Trace", "trace", "write_csv"]


def trace(session: UserSession, lot_codes: list[str], direction: Direction) -> Trace:
    with session.reader.connect() as conn:
        return q.trace(conn, lot_codes, direction)


def write_csv(result: Trace, out: TextIO) -> None:
    """One row per finding, sortable: what kind, which lot, how deep, and the details."""
    writer = csv.writer(out)
    writer.writerow(["record", "lot_code", "depth", "path", "via", "qty", "uom_or_unit",
                     "party", "where", "reference", "date", "status"])
    depth = {lot.lot_code: lot for lot in result.lots}
    for lot in result.lots:
        writer.writerow(["lot", lot.lot_code, lot.depth, " > ".join(lot.path), lot.via or "",
                         lot.via_qty if lot.via_qty is not None else "", lot.uom,
                         lot.supplier or "", lot.item_sku, lot.supplier_lot_code or "", "",
                         lot.status])
    for s in result.stock:
        writer.writerow(["in_transit" if s.in_transit else "stock", s.lot_code,
                         depth[s.lot_code].depth, "", "", s.qty, "", "", f"{s.site} {s.location}",
                         s.transfer or "", "", ""])
    for sh in result.shipments:
        writer.writerow(["shipment", sh.lot_code, depth[sh.lot_code].depth, "", "", sh.qty, "",
                         sh.customer, sh.ship_to or "", sh.shipment, sh.shipped_at.isoformat(),
                         ""])
    for a in result.allocations:
        writer.writerow(["open_order", a.lot_code, depth[a.lot_code].depth, "", "", a.qty, "",
                         a.customer, "", a.order, a.requested.isoformat() if a.requested else "",
                         "flagged" if a.flagged else ""])
    for r in result.returns:
        writer.writerow(["return", r.lot_code, depth[r.lot_code].depth, "", "", r.qty, "",
                         r.customer, "", r.rma, r.returned_at.isoformat(), r.reason])
    for src in result.sources:
        writer.writerow(["source", src.lot_code, depth[src.lot_code].depth, "", "",
                         src.qty if src.qty is not None else "", "", src.supplier or "", "",
                         f"{src.receipt or ''} {src.po or ''}".strip(),
                         src.received_at.isoformat() if src.received_at else "",
                         src.supplier_lot_code or ""])
