"""One lot in full: attributes, stock by location, movement history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, text


@dataclass(frozen=True)
class LotAttributes:
    id: int
    lot_code: str
    supplier_lot_code: str | None
    status: str
    origin: str
    item_sku: str
    item_name: str
    item_gtin: str | None
    uom: str
    category: str
    hazardous: bool
    shelf_life_days: int | None
    required_documents: list[str]
    supplier_code: str | None
    supplier_name: str | None
    supplier_status: str | None
    manufacture_date: dt.date | None
    expiry_date: dt.date | None
    site_code: str
    created_at: dt.datetime
    receipt_number: str | None
    received_at: dt.datetime | None
    po_number: str | None
    on_hand: Decimal


@dataclass(frozen=True)
class StockLine:
    site_code: str
    location_code: str
    location_kind: str
    qty: Decimal


@dataclass(frozen=True)
class MovementLine:
    moved_at: dt.datetime
    kind: str
    qty: Decimal
    from_location: str | None
    to_location: str | None
    reference: str | None


@dataclass(frozen=True)
class LotDetail:
    lot: LotAttributes
    stock: list[StockLine]
    movements: list[MovementLine]


class LotNotFound(LookupError):
    pass


def lot_detail(conn: Connection, lot_code: str) -> LotDetail:
    row = conn.execute(
        text(
            """
            SELECT l.id, l.lot_code, l.supplier_lot_code, l.status, l.origin, i.sku, i.name, i.gtin,
                   i.uom, i.category, i.hazardous, i.shelf_life_days, i.required_documents,
                   s.code, s.name, s.approval_status, l.manufacture_date, l.expiry_date,
                   site.code, l.created_at, r.receipt_number, r.received_at, po.po_number,
                   coalesce((SELECT sum(qty) FROM erp.stock WHERE lot_id = l.id), 0)
            FROM quality.lots l
            JOIN erp.items i ON i.id = l.item_id
            JOIN erp.sites site ON site.id = l.site_id
            LEFT JOIN erp.suppliers s ON s.id = l.supplier_id
            LEFT JOIN erp.receipt_lines rl ON rl.lot_id = l.id
            LEFT JOIN erp.receipts r ON r.id = rl.receipt_id
            LEFT JOIN erp.purchase_orders po ON po.id = r.po_id
            WHERE l.lot_code = :code
            """
        ),
        {"code": lot_code},
    ).first()
    if row is None:
        raise LotNotFound(f"no lot {lot_code!r}")
    lot = LotAttributes(*row)
    stock = [
        StockLine(*r)
        for r in conn.execute(
            text(
                """
                SELECT coalesce(site.code, loc.code), loc.code, loc.kind, st.qty
                FROM erp.stock st JOIN erp.locations loc ON loc.id = st.location_id
                -- goods between sites may be in a location of no site (Transit in Tryton)
                LEFT JOIN erp.sites site ON site.id = loc.site_id
                WHERE st.lot_id = :id AND st.qty <> 0 ORDER BY site.code, loc.code
                """
            ),
            {"id": lot.id},
        )
    ]
    movements = [
        MovementLine(*r)
        for r in conn.execute(
            text(
                """
                SELECT m.moved_at, m.kind, m.qty,
                       fs.code || ' ' || f.code, ts.code || ' ' || t.code, m.reference
                FROM erp.movements m
                LEFT JOIN erp.locations f ON f.id = m.from_location_id
                LEFT JOIN erp.sites fs ON fs.id = f.site_id
                LEFT JOIN erp.locations t ON t.id = m.to_location_id
                LEFT JOIN erp.sites ts ON ts.id = t.site_id
                WHERE m.lot_id = :id ORDER BY m.moved_at, m.id
                """
            ),
            {"id": lot.id},
        )
    ]
    return LotDetail(lot, stock, movements)
