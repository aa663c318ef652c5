"""What a recall costs and what can replace it (quality.recall_costs, app/db/sql/recall_costs.sql),
in one round trip."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

ZERO = Decimal(0)


@dataclass(frozen=True)
class Receivable:
    invoice: str
    order: str
    customer_code: str
    customer: str
    invoiced_at: dt.datetime
    due_date: dt.date | None
    amount: Decimal
    open: Decimal


@dataclass(frozen=True)
class Substitute:
    customer_code: str
    customer: str
    for_sku: str  # the affected item it replaces
    lot_code: str
    item_sku: str
    equivalent: bool  # of an equivalent item, not the same one
    expiry_date: dt.date | None
    available: Decimal
    take: Decimal
    unit_cost: Decimal
    value: Decimal


@dataclass(frozen=True)
class Need:
    """What one customer must be given back of one item: shipped plus still to ship from the
    affected lots, and how much of it no substitute covers."""

    customer_code: str
    customer: str
    item_sku: str
    item: str
    uom: str
    shipped: Decimal
    allocated: Decimal
    short: Decimal

    @property
    def qty(self) -> Decimal:
        return self.shipped + self.allocated


@dataclass
class RecallCosts:
    currency: str
    stock_value: Decimal = ZERO  # in hand, at cost
    in_transit_value: Decimal = ZERO
    shipped_value: Decimal = ZERO  # at the price it was sold for
    unpriced_lines: int = 0  # shipment lines with no sales price in the ERP
    receivables: list[Receivable] = field(default_factory=list)
    needs: list[Need] = field(default_factory=list)
    substitutes: list[Substitute] = field(default_factory=list)

    @property
    def open_receivables(self) -> Decimal:
        return sum((r.open for r in self.receivables), ZERO)

    @property
    def replacement_cost(self) -> Decimal:
        return sum((s.value for s in self.substitutes), ZERO)

    def money(self, value: Decimal) -> str:
        return f"{value:,.2f} {self.currency}"

    def substitutes_for(self, need: Need) -> list[Substitute]:
        """The substitutes offered for one customer's need of one item, first expiring first."""
        return [s for s in self.substitutes
                if s.customer_code == need.customer_code and s.for_sku == need.item_sku]

    def for_customer(self, code: str) -> tuple[Decimal, Decimal, list[Substitute]]:
        """(open receivables, replacement cost, substitutes) of one customer."""
        subs = [s for s in self.substitutes if s.customer_code == code]
        return (sum((r.open for r in self.receivables if r.customer_code == code), ZERO),
                sum((s.value for s in subs), ZERO), subs)


def _d(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(str(value))


def _date(value: Any) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(str(value)[:10])


def recall_costs(conn: Connection, lot_codes: list[str]) -> RecallCosts:
    raw = conn.execute(text("SELECT quality.recall_costs(:codes)"),
                       {"codes": list(lot_codes)}).scalar_one()
    data: dict[str, Any] = raw if isinstance(raw, dict) else json.loads(raw)
    currency = str(conn.execute(text("SELECT quality.setting('currency', 'USD')")).scalar_one())
    customers: dict[str, dict[str, str]] = data["customers"]
    items: dict[str, dict[str, str]] = data["items"]

    def customer(cid: Any) -> tuple[str, str]:
        c = customers.get(str(cid), {"code": str(cid), "name": str(cid)})
        return c["code"], c["name"]

    costs = RecallCosts(currency)
    for s in data["stock"]:
        if s["in_transit"]:
            costs.in_transit_value += _d(s["value"])
        else:
            costs.stock_value += _d(s["value"])
    for line in data["shipped"]:
        if line["unit_price"] is None:
            costs.unpriced_lines += 1
        costs.shipped_value += _d(line["value"])
    names = {c["code"]: c["name"] for c in customers.values()}
    by_id = {str(k): v["code"] for k, v in customers.items()}
    for r in data["receivables"]:
        code = by_id.get(str(r["customer_id"]), str(r["customer_id"]))
        costs.receivables.append(Receivable(
            r["invoice"], r["order"], code, names.get(code, code),
            dt.datetime.fromisoformat(str(r["invoiced_at"])), _date(r["due_date"]),
            _d(r["amount"]), _d(r["open"])))
    for n in data["needs"]:
        code, name = customer(n["customer_id"])
        item = items.get(str(n["item_id"]), {"sku": str(n["item_id"]), "name": "", "uom": ""})
        costs.needs.append(Need(code, name, item["sku"], item["name"], item["uom"],
                                _d(n["shipped"]), _d(n["allocated"]), _d(n["short"])))
    for s in data["substitutes"]:
        code, name = customer(s["customer_id"])
        for_item = items.get(str(s["item_id"]), {"sku": str(s["item_id"])})
        costs.substitutes.append(Substitute(
            code, name, for_item["sku"], s["lot_code"], s["item_sku"], bool(s["equivalent"]),
            _date(s["expiry_date"]), _d(s["available"]), _d(s["take"]), _d(s["unit_cost"]),
            _d(s["value"])))
    return costs
