"""Recalls and mock recalls: open from one or more lots, see the impact (where every affected lot
went, who received it, what is still here, what it is worth), prove the mass balance, hold
everything still in hand with one signature, and hand out the evidence.

A mock recall runs the same flow as an exercise: nothing is held, nothing is sent, and the time
from opening to the complete report is recorded.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TextIO

from sqlalchemy import text

from app.db.queries import recall_costs as cost_queries
from app.db.queries import recalls as q
from app.db.queries import trace as trace_queries
from app.db.queries.recall_costs import RecallCosts
from app.db.queries.recalls import BalanceLine, RecallRow
from app.db.queries.trace import Trace
from app.reports import recall_report
from app.reports.recall_report import CustomerLine, RecallReportData
from app.workflows.session import UserSession
from app.workflows.signing import Credentials, sign, translated

__all__ = ["BalanceLine", "CustomerExposure", "RecallCosts", "RecallImpact", "RecallRow", "complete_report",
           "hold_all", "impact", "list_recalls", "notifications_pdf", "open_recall", "recall",
           "report_pdf", "write_notifications"]


@dataclass
class CustomerExposure:
    customer_code: str
    customer: str
    contact: str | None
    email: str | None
    ship_to: set[str] = field(default_factory=set)
    shipments: set[str] = field(default_factory=set)
    lots: set[str] = field(default_factory=set)
    qty: Decimal = Decimal(0)
    value: Decimal = Decimal(0)
    first: str = ""
    last: str = ""


@dataclass
class RecallImpact:
    recall: RecallRow
    trace: Trace
    customers: list[CustomerExposure]
    balance: list[BalanceLine]
    balance_total: BalanceLine
    costs: RecallCosts

    @property
    def on_hand(self) -> Decimal:
        return sum((s.qty for s in self.trace.stock if not s.in_transit), Decimal(0))

    @property
    def in_transit(self) -> Decimal:
        return sum((s.qty for s in self.trace.stock if s.in_transit), Decimal(0))

    @property
    def shipped(self) -> Decimal:
        return sum((c.qty for c in self.customers), Decimal(0))

    @property
    def open_orders(self) -> Decimal:
        return sum((a.qty for a in self.trace.allocations), Decimal(0))

    @property
    def exposure(self) -> Decimal:
        """Shipped quantity times the item's unit cost."""
        return sum((c.value for c in self.customers), Decimal(0))

    def summary(self) -> dict[str, Any]:
        return {"lots": len(self.trace.lots), "customers": len(self.customers),
                "shipments": len(self.trace.shipments), "on_hand": str(self.on_hand),
                "in_transit": str(self.in_transit), "shipped": str(self.shipped),
                "open_orders": str(self.open_orders), "exposure": str(self.exposure),
                "unexplained": str(self.balance_total.unexplained),
                "max_depth": self.trace.max_depth, "currency": self.costs.currency,
                "stock_at_cost": str(self.costs.stock_value),
                "shipped_at_price": str(self.costs.shipped_value),
                "open_receivables": str(self.costs.open_receivables),
                "replacement_cost": str(self.costs.replacement_cost)}


def open_recall(session: UserSession, lot_codes: list[str], reason: str, recall_class: str,
                regulator_reference: str | None = None, *, mock: bool = False) -> RecallRow:
    with translated(), session.engine.begin() as conn:
        recall_id = conn.execute(
            text("SELECT quality.open_recall(:lots, :reason, :class, :ref, :mock)"),
            {"lots": lot_codes, "reason": reason, "class": recall_class,
             "ref": regulator_reference, "mock": mock}).scalar_one()
        found = q.recall(conn, int(recall_id))
    assert found is not None
    return found


def recall(session: UserSession, recall_id: int) -> RecallRow:
    with session.engine.connect() as conn:
        found = q.recall(conn, recall_id)
    if found is None:
        raise LookupError(f"no recall {recall_id}")
    return found


def list_recalls(session: UserSession, *, mock: bool | None = None) -> list[RecallRow]:
    with session.engine.connect() as conn:
        return q.recalls(conn, mock=mock)


def impact(session: UserSession, recall_id: int) -> RecallImpact:
    """The full impact, from the recall's source lots forward (one trace query) and the mass
    balance of every lot in scope."""
    with session.reader.connect() as conn:
        row = q.recall(conn, recall_id)
        if row is None:
            raise LookupError(f"no recall {recall_id}")
        found = trace_queries.trace(conn, row.sources, "forward")
        balance = q.mass_balance(conn, found.lot_codes)
        costs = cost_queries.recall_costs(conn, row.sources)
    return RecallImpact(row, found, _customers(found), balance, q.balance_total(balance), costs)


def _customers(found: Trace) -> list[CustomerExposure]:
    by_code: dict[str, CustomerExposure] = {}
    for s in found.shipments:
        c = by_code.setdefault(s.customer_code, CustomerExposure(
            s.customer_code, s.customer, s.contact, s.email))
        if s.ship_to:
            c.ship_to.add(s.ship_to)
        c.shipments.add(s.shipment)
        c.lots.add(s.lot_code)
        c.qty += s.qty
        c.value += s.qty * s.unit_cost
        shipped = s.shipped_at.date().isoformat()
        c.first = min(c.first or shipped, shipped)
        c.last = max(c.last, shipped)
    return sorted(by_code.values(), key=lambda c: (-c.qty, c.customer))


def hold_all(session: UserSession, credentials: Credentials, recall_id: int,
             meaning: str = "Placed on hold (recall)") -> dict[str, int]:
    """One signature holds every affected lot still in hand and flags open allocations."""
    def work(conn: Any) -> Any:
        return conn.execute("SELECT quality.recall_hold(%s, %s)", (recall_id, meaning)).fetchone()[0]

    outcome = sign(session, credentials, work)
    data = outcome if isinstance(outcome, dict) else json.loads(str(outcome))
    return {str(k): int(v) for k, v in data.items()}


def complete_report(session: UserSession, recall_id: int, summary: dict[str, Any]) -> float:
    """Record that the recall's report is complete; returns minutes since it was opened."""
    with translated(), session.engine.begin() as conn:
        elapsed = conn.execute(text("SELECT quality.complete_recall_report(:r, CAST(:s AS jsonb))"),
                               {"r": recall_id, "s": json.dumps(summary)}).scalar_one()
    return float(elapsed.total_seconds()) / 60


def write_notifications(result: RecallImpact, out: TextIO) -> None:
    """The customer notification list: who to call, where it went, which lots, how much."""
    writer = csv.writer(out)
    costs = result.costs
    writer.writerow(["recall", "customer_code", "customer", "contact", "email", "ship_to",
                     "shipments", "lots", "quantity", "first_shipped", "last_shipped",
                     "currency", "value_at_cost", "open_receivables", "replacement_cost",
                     "substitute_lots"])
    for c in result.customers:
        receivable, replacement, subs = costs.for_customer(c.customer_code)
        writer.writerow([result.recall.number, c.customer_code, c.customer, c.contact or "",
                         c.email or "", "; ".join(sorted(c.ship_to)),
                         " ".join(sorted(c.shipments)), " ".join(sorted(c.lots)), c.qty,
                         c.first, c.last, costs.currency, c.value, receivable, replacement,
                         " ".join(f"{x.lot_code}:{x.take}" for x in subs)])


def report_data(session: UserSession, result: RecallImpact) -> RecallReportData:
    with session.reader.connect() as conn:
        signatures = q.recall_signatures(conn, result.recall.id)
    return RecallReportData(
        recall=result.recall, lots=result.trace.lots, stock=result.trace.stock,
        customers=[CustomerLine(
            c.customer, " ".join(x for x in (c.contact, c.email) if x),
            "; ".join(sorted(c.ship_to)), len(c.shipments), ", ".join(sorted(c.lots)[:6])
            + (f" +{len(c.lots) - 6}" if len(c.lots) > 6 else ""), c.qty, c.value, c.first,
            c.last) for c in result.customers],
        open_orders=len(result.trace.allocations), open_order_qty=result.open_orders,
        totals={"on_hand": result.on_hand, "in_transit": result.in_transit,
                "shipped": result.shipped, "exposure": result.exposure},
        costs=result.costs,
        balance=result.balance, balance_total=result.balance_total, signatures=signatures,
        generated_by=f"{session.person.printed_name} ({session.person.username})")


def report_pdf(session: UserSession, result: RecallImpact) -> bytes:
    return recall_report.render_report(report_data(session, result))


def notifications_pdf(session: UserSession, result: RecallImpact) -> bytes:
    return recall_report.render_notifications(report_data(session, result))
