"""Forward and backward traceability, computed in the database in one round trip.

The work is done by `quality.trace_forward` and `quality.trace_backward` (app/db/sql/trace.sql).
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


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _when(value: Any) -> dt.datetime:
    return dt.datetime.fromisoformat(str(value))


def trace(conn: Connection, lot_codes: list[str], direction: Direction) -> Trace:
    """The lots reached from `lot_codes` and what they became (or came from), in one query."""
    function = "quality.trace_forward" if direction == "forward" else "quality.trace_backward"
    raw = conn.execute(text(f"SELECT {function}(:codes)"), {"codes": list(lot_codes)}).scalar_one()
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
