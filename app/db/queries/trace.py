"""Forward and backward traceability, computed in the database in one round trip.

The genealogy walk is a recursive CTE over the indexed `erp.lot_genealogy` edges. It carries the
path it took, refuses to revisit a lot on its own path (so rework cycles end), and reports each
lot once, at the shallowest depth it was reached, with that path. The same statement then collects
what the traced lots became: stock by location, stock in transit, shipments, open order
allocations and customer returns (forward), or source lots with their suppliers and receipts
(backward). Quantities carried through each transformation come with every edge.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Connection, text

Direction = Literal["forward", "backward"]
MAX_DEPTH = 100


@dataclass(frozen=True)
class TracedLot:
    lot_id: int
    lot_code: str
    depth: int
    path: list[str]  # lot codes from the start lot to this one
    via: str | None  # transformation that made this lot from the previous one on the path
    via_qty: Decimal | None  # quantity of the previous lot that went into this one
    item: str
    item_sku: str
    status: str
    origin: str
    supplier: str | None
    supplier_lot_code: str | None
    uom: str


@dataclass(frozen=True)
class StockAt:
    lot_code: str
    site: str
    location: str
    qty: Decimal
    in_transit: bool
    transfer: str | None


@dataclass(frozen=True)
class ShipmentLine:
    lot_code: str
    shipment: str
    customer_code: str
    customer: str
    ship_to: str | None
    contact: str | None
    email: str | None
    shipped_at: dt.datetime
    qty: Decimal
    unit_cost: Decimal


@dataclass(frozen=True)
class OpenAllocation:
    allocation_id: int
    lot_code: str
    order: str
    customer: str
    requested: dt.date | None
    qty: Decimal
    flagged: bool


@dataclass(frozen=True)
class ReturnLine:
    lot_code: str
    rma: str
    customer: str
    returned_at: dt.datetime
    qty: Decimal
    reason: str


@dataclass(frozen=True)
class SourceLot:
    lot_code: str
    supplier: str | None
    supplier_code: str | None
    supplier_lot_code: str | None
    receipt: str | None
    received_at: dt.datetime | None
    po: str | None
    qty: Decimal | None


@dataclass
class Trace:
    start: list[str]
    direction: Direction
    lots: list[TracedLot]
    stock: list[StockAt] = field(default_factory=list)
    shipments: list[ShipmentLine] = field(default_factory=list)
    allocations: list[OpenAllocation] = field(default_factory=list)
    returns: list[ReturnLine] = field(default_factory=list)
    sources: list[SourceLot] = field(default_factory=list)

    @property
    def max_depth(self) -> int:
        return max((lot.depth for lot in self.lots), default=0)

    @property
    def lot_codes(self) -> list[str]:
        return [lot.lot_code for lot in self.lots]


_WALK = """
WITH RECURSIVE walk(lot_id, depth, path, via, via_qty) AS (
    SELECT l.id, 0, ARRAY[l.id], NULL::text, NULL::numeric
    FROM erp.lots l WHERE l.lot_code = ANY(:codes)
  UNION ALL
    SELECT g.{next}, w.depth + 1, w.path || g.{next}, g.transformation, g.qty
    FROM walk w JOIN erp.lot_genealogy g ON g.{this} = w.lot_id
    WHERE g.{next} <> ALL(w.path) AND w.depth < {max_depth}
),
traced AS (
    SELECT DISTINCT ON (lot_id) lot_id, depth, path, via, via_qty
    FROM walk ORDER BY lot_id, depth, path
)
"""

_LOTS = """
    SELECT coalesce(json_agg(json_build_object(
        'lot_id', l.id, 'lot_code', l.lot_code, 'depth', t.depth,
        'path', (SELECT array_agg(p.lot_code ORDER BY x.n) FROM unnest(t.path)
                 WITH ORDINALITY AS x(id, n) JOIN erp.lots p ON p.id = x.id),
        'via', t.via, 'via_qty', t.via_qty, 'item', i.name, 'item_sku', i.sku,
        'status', l.status, 'origin', l.origin, 'supplier', s.name,
        'supplier_lot_code', l.supplier_lot_code, 'uom', i.uom) ORDER BY t.depth, l.lot_code),
        '[]')
    FROM traced t JOIN erp.lots l ON l.id = t.lot_id JOIN erp.items i ON i.id = l.item_id
    LEFT JOIN erp.suppliers s ON s.id = l.supplier_id
"""

_FORWARD = _WALK + """
SELECT json_build_object(
  'lots', (""" + _LOTS + """),
  'stock', (SELECT coalesce(json_agg(json_build_object(
        'lot_code', l.lot_code, 'site', site.code, 'location', loc.code, 'qty', st.qty,
        'in_transit', loc.kind = 'in_transit',
        'transfer', CASE WHEN loc.kind = 'in_transit' THEN (
            SELECT m.reference FROM erp.movements m WHERE m.lot_id = st.lot_id
              AND m.kind = 'transfer_out' AND m.to_location_id = st.location_id
            ORDER BY m.moved_at DESC LIMIT 1) END)
        ORDER BY l.lot_code, site.code, loc.code), '[]')
      FROM traced t JOIN erp.stock st ON st.lot_id = t.lot_id AND st.qty > 0
      JOIN erp.lots l ON l.id = t.lot_id
      JOIN erp.locations loc ON loc.id = st.location_id JOIN erp.sites site ON site.id = loc.site_id),
  'shipments', (SELECT coalesce(json_agg(json_build_object(
        'lot_code', l.lot_code, 'shipment', sh.shipment_number, 'customer_code', c.code,
        'customer', c.name, 'ship_to', sh.ship_to, 'contact', c.contact_name,
        'email', c.contact_email, 'shipped_at', sh.shipped_at, 'qty', sl.qty,
        'unit_cost', i.unit_cost) ORDER BY c.name, sh.shipped_at, sh.shipment_number), '[]')
      FROM traced t JOIN erp.shipment_lines sl ON sl.lot_id = t.lot_id
      JOIN erp.lots l ON l.id = t.lot_id JOIN erp.items i ON i.id = l.item_id
      JOIN erp.shipments sh ON sh.id = sl.shipment_id JOIN erp.customers c ON c.id = sh.customer_id),
  'allocations', (SELECT coalesce(json_agg(json_build_object(
        'allocation_id', a.id, 'lot_code', l.lot_code, 'order', o.order_number,
        'customer', c.name, 'requested', o.requested_date, 'qty', a.qty,
        'flagged', a.flagged) ORDER BY o.requested_date, o.order_number), '[]')
      FROM traced t JOIN erp.allocations a ON a.lot_id = t.lot_id AND a.status = 'open'
      JOIN erp.lots l ON l.id = t.lot_id
      JOIN erp.sales_order_lines ol ON ol.id = a.order_line_id
      JOIN erp.sales_orders o ON o.id = ol.order_id JOIN erp.customers c ON c.id = o.customer_id),
  'returns', (SELECT coalesce(json_agg(json_build_object(
        'lot_code', l.lot_code, 'rma', r.rma_number, 'customer', c.name,
        'returned_at', r.returned_at, 'qty', r.qty, 'reason', r.reason_code)
        ORDER BY r.returned_at), '[]')
      FROM traced t JOIN erp.returns r ON r.lot_id = t.lot_id
      JOIN erp.lots l ON l.id = t.lot_id JOIN erp.customers c ON c.id = r.customer_id)
)
"""

_BACKWARD = _WALK + """
SELECT json_build_object(
  'lots', (""" + _LOTS + """),
  'sources', (SELECT coalesce(json_agg(json_build_object(
        'lot_code', l.lot_code, 'supplier', s.name, 'supplier_code', s.code,
        'supplier_lot_code', l.supplier_lot_code, 'receipt', r.receipt_number,
        'received_at', r.received_at, 'po', po.po_number, 'qty', rl.qty)
        ORDER BY l.lot_code), '[]')
      FROM traced t JOIN erp.lots l ON l.id = t.lot_id
      LEFT JOIN erp.suppliers s ON s.id = l.supplier_id
      LEFT JOIN erp.receipt_lines rl ON rl.lot_id = l.id
      LEFT JOIN erp.receipts r ON r.id = rl.receipt_id
      LEFT JOIN erp.purchase_orders po ON po.id = r.po_id
      WHERE NOT EXISTS (SELECT 1 FROM erp.lot_genealogy g WHERE g.child_lot_id = l.id))
)
"""

FORWARD_SQL = _FORWARD.format(this="parent_lot_id", next="child_lot_id", max_depth=MAX_DEPTH)
BACKWARD_SQL = _BACKWARD.format(this="child_lot_id", next="parent_lot_id", max_depth=MAX_DEPTH)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _when(value: Any) -> dt.datetime:
    return dt.datetime.fromisoformat(str(value))


def trace(conn: Connection, lot_codes: list[str], direction: Direction) -> Trace:
    """The lots reached from `lot_codes` and what they became (or came from), in one query."""
    sql = FORWARD_SQL if direction == "forward" else BACKWARD_SQL
    raw = conn.execute(text(sql), {"codes": list(lot_codes)}).scalar_one()
    data: dict[str, Any] = raw if isinstance(raw, dict) else json.loads(raw)
    lots = [TracedLot(
        lot_id=d["lot_id"], lot_code=d["lot_code"], depth=d["depth"], path=d["path"],
        via=d["via"], via_qty=_decimal(d["via_qty"]), item=d["item"], item_sku=d["item_sku"],
        status=d["status"], origin=d["origin"], supplier=d["supplier"],
        supplier_lot_code=d["supplier_lot_code"], uom=d["uom"]) for d in data["lots"]]
    result = Trace(list(lot_codes), direction, lots)
    if direction == "forward":
        result.stock = [StockAt(s["lot_code"], s["site"], s["location"], Decimal(str(s["qty"])),
                                s["in_transit"], s["transfer"]) for s in data["stock"]]
        result.shipments = [ShipmentLine(
            s["lot_code"], s["shipment"], s["customer_code"], s["customer"], s["ship_to"],
            s["contact"], s["email"], _when(s["shipped_at"]), Decimal(str(s["qty"])),
            Decimal(str(s["unit_cost"]))) for s in data["shipments"]]
        result.allocations = [OpenAllocation(
            a["allocation_id"], a["lot_code"], a["order"], a["customer"],
            dt.date.fromisoformat(a["requested"]) if a["requested"] else None,
            Decimal(str(a["qty"])), a["flagged"]) for a in data["allocations"]]
        result.returns = [ReturnLine(r["lot_code"], r["rma"], r["customer"],
                                     _when(r["returned_at"]), Decimal(str(r["qty"])),
                                     r["reason"]) for r in data["returns"]]
    else:
        result.sources = [SourceLot(
            s["lot_code"], s["supplier"], s["supplier_code"], s["supplier_lot_code"],
            s["receipt"], _when(s["received_at"]) if s["received_at"] else None, s["po"],
            _decimal(s["qty"])) for s in data["sources"]]
    return result
