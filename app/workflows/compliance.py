"""Compliance rules and the exception queue: change a rule (a new version, with a reason), ask
whether a lot may ship to a customer and which lots to allocate, record quality events (also from
a data-logger CSV), inspect returns, work the exceptions of one's role."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import text

from app.db.queries import compliance as q
from app.db.queries.compliance import (
    CustomerRulesRow,
    DocumentRequirementRow,
    EventRow,
    ExceptionRow,
    ItemChoice,
    RetentionRow,
    ReturnRow,
    RouteRow,
    SpecLine,
    SpecVersionRow,
    SupplierApprovalRow,
)
from app.workflows.session import UserSession
from app.workflows.signing import translated

__all__ = [
    "RETURN_DISPOSITIONS",
    "CustomerRulesRow",
    "DocumentRequirementRow",
    "EventRow",
    "ExceptionRow",
    "Excursion",
    "ItemChoice",
    "RetentionRow",
    "ReturnRow",
    "RouteRow",
    "SpecLine",
    "SpecVersionRow",
    "SupplierApprovalRow",
    "check_shipment",
    "close_exception",
    "current_spec",
    "customer_rules",
    "document_requirements",
    "exception_count",
    "exceptions",
    "find_excursions",
    "import_logger_csv",
    "inspect_return",
    "items",
    "locations",
    "recent_events",
    "record_event",
    "refresh_exceptions",
    "retention_report",
    "returns",
    "routes",
    "set_customer_requirements",
    "set_document_requirements",
    "set_item_equivalent",
    "set_item_specs",
    "set_route",
    "set_supplier_approval",
    "spec_versions",
    "suggest_allocation",
    "supplier_approvals",
]


def _read(session: UserSession, fn: Any, *args: Any) -> Any:
    with session.engine.connect() as conn:
        return fn(conn, *args)


def items(session: UserSession) -> list[ItemChoice]:
    return list(_read(session, q.items))


def current_spec(session: UserSession, item_id: int) -> list[SpecLine]:
    return list(_read(session, q.current_spec, item_id))


def spec_versions(session: UserSession, item_id: int) -> list[SpecVersionRow]:
    return list(_read(session, q.spec_versions, item_id))


def supplier_approvals(session: UserSession) -> list[SupplierApprovalRow]:
    return list(_read(session, q.supplier_approvals))


def customer_rules(session: UserSession) -> list[CustomerRulesRow]:
    return list(_read(session, q.customer_rules))


def routes(session: UserSession) -> list[RouteRow]:
    return list(_read(session, q.routes))


def retention_report(session: UserSession) -> list[RetentionRow]:
    return list(_read(session, q.retention_report))


def recent_events(session: UserSession) -> list[EventRow]:
    return list(_read(session, q.recent_events))


def returns(session: UserSession) -> list[ReturnRow]:
    return list(_read(session, q.returns))


def locations(session: UserSession) -> list[tuple[int, str]]:
    """Storage and transit locations, as (id, "SITE / CODE — name") for a chooser."""
    with session.engine.connect() as conn:
        return [(int(i), str(label)) for i, label in conn.execute(text("""
            SELECT l.id, s.code || ' / ' || l.code || ' — ' || l.name
            FROM erp.locations l JOIN erp.sites s ON s.id = l.site_id
            WHERE l.kind IN ('warehouse', 'zone', 'in_transit', 'staging', 'dock')
            ORDER BY s.code, l.code"""))]


def exceptions(session: UserSession, *, all_roles: bool = False) -> list[ExceptionRow]:
    role = None if all_roles else session.person.role
    return list(_read(session, q.open_exceptions, role))


def exception_count(session: UserSession) -> int:
    """All open exceptions of the person's role (the queue shows the most urgent first)."""
    return int(_read(session, q.count_open_exceptions, session.person.role))


def _write(session: UserSession, sql: str, params: dict[str, Any]) -> Any:
    with translated(), session.engine.begin() as conn:
        return conn.execute(text(sql), params).scalar()


def set_item_specs(session: UserSession, item_id: int, tests: list[dict[str, Any]],
                   reason: str) -> int:
    """A new version of the item's specification; returns its number."""
    return int(_write(session, "SELECT quality.set_item_specs(:i, CAST(:t AS jsonb), :r)",
                      {"i": item_id, "t": json.dumps(tests, default=str), "r": reason}))


def set_supplier_approval(session: UserSession, supplier_id: int, category: str, status: str,
                          reason: str) -> int:
    return int(_write(session, "SELECT quality.set_supplier_approval(:s, :c, :st, :r)",
                      {"s": supplier_id, "c": category, "st": status, "r": reason}))


def set_customer_requirements(session: UserSession, customer_id: int, *,
                              min_days: int | None, min_percent: int | None,
                              excluded_suppliers: list[int], excluded_lots: list[str],
                              required_documents: list[str], reason: str) -> int:
    return int(_write(session,
                      "SELECT quality.set_customer_requirements(:c, :d, :p, :s, :l, :docs, :r)",
                      {"c": customer_id, "d": min_days, "p": min_percent,
                       "s": excluded_suppliers, "l": excluded_lots, "docs": required_documents,
                       "r": reason}))


def set_item_equivalent(session: UserSession, item_id: int, equivalent_item_id: int, *,
                        active: bool, reason: str) -> int:
    """Accept (or no longer accept) `equivalent_item_id` in place of `item_id`: a recall then
    offers its lots as substitutes."""
    return int(_write(session, "SELECT quality.set_item_equivalent(:a, :b, :on, :r)",
                      {"a": item_id, "b": equivalent_item_id, "on": active, "r": reason}))


def document_requirements(session: UserSession) -> list[DocumentRequirementRow]:
    return list(_read(session, q.document_requirements))


def set_document_requirements(session: UserSession, *, item_id: int | None = None,
                              supplier_id: int | None = None, documents: list[str],
                              reason: str) -> int:
    """Documents required of every lot of an item, or of everything from a supplier (a new
    version, with a reason); they add to the item's list in the ERP."""
    return int(_write(session, "SELECT quality.set_document_requirements(:i, :s, :d, :r)",
                      {"i": item_id, "s": supplier_id, "d": documents, "r": reason}))


def set_route(session: UserSession, exception_type: str, owner_role: str, priority: int,
              severity: str, enabled: bool, reason: str) -> None:
    _write(session, "SELECT quality.set_exception_route(:t, :o, :p, :s, :e, :r)",
           {"t": exception_type, "o": owner_role, "p": priority, "s": severity, "e": enabled,
            "r": reason})


def refresh_exceptions(session: UserSession) -> dict[str, int]:
    """Rebuild the whole queue: open what breaks a rule now, close what no longer does."""
    with translated(), session.engine.begin() as conn:
        raw = conn.execute(text("SELECT quality.refresh_exceptions()")).scalar_one()
    data = raw if isinstance(raw, dict) else json.loads(raw)
    return {str(k): int(v) for k, v in data.items()}


def close_exception(session: UserSession, exception_id: int, reason: str) -> None:
    _write(session, "SELECT quality.close_exception(:e, :r)", {"e": exception_id, "r": reason})


@dataclass(frozen=True)
class ShipmentCheck:
    allowed: bool
    reasons: list[str]


def check_shipment(session: UserSession, lot_code: str, customer_id: int, qty: Decimal,
                   ship_date: dt.date | None = None) -> ShipmentCheck:
    with session.engine.connect() as conn:
        allowed, reasons = conn.execute(
            text("SELECT * FROM quality.check_shipment(:l, :c, :q, :d)"),
            {"l": lot_code, "c": customer_id, "q": qty, "d": ship_date or dt.date.today()}).one()
    return ShipmentCheck(bool(allowed), list(reasons))


@dataclass(frozen=True)
class AllocationLine:
    lot_code: str
    expiry_date: dt.date | None
    available: Decimal
    take: Decimal


def suggest_allocation(session: UserSession, item_id: int, customer_id: int, qty: Decimal,
                       ship_date: dt.date | None = None) -> list[AllocationLine]:
    with session.engine.connect() as conn:
        return [AllocationLine(*r) for r in conn.execute(
            text("SELECT * FROM quality.suggest_allocation(:i, :c, :q, :d)"),
            {"i": item_id, "c": customer_id, "q": qty, "d": ship_date or dt.date.today()})]


def record_event(session: UserSession, kind: str, description: str, *,
                 lot_code: str | None = None, shipment: str | None = None,
                 location_id: int | None = None, occurred_at: dt.datetime | None = None,
                 ended_at: dt.datetime | None = None, measured_min: Decimal | None = None,
                 measured_max: Decimal | None = None, limit_min: Decimal | None = None,
                 limit_max: Decimal | None = None, source: str = "entered") -> int:
    return int(_write(session, """SELECT quality.record_quality_event(:k, :lot, :sh, :loc, :at,
        :end, :mmin, :mmax, :lmin, :lmax, :d, :src)""", {
        "k": kind, "lot": lot_code, "sh": shipment, "loc": location_id,
        "at": occurred_at or dt.datetime.now(dt.UTC), "end": ended_at, "mmin": measured_min,
        "mmax": measured_max, "lmin": limit_min, "lmax": limit_max, "d": description,
        "src": source}))


@dataclass(frozen=True)
class Excursion:
    started: dt.datetime
    ended: dt.datetime
    minimum: Decimal
    maximum: Decimal
    readings: int


class LoggerFileError(ValueError):
    """The data-logger file cannot be read; the message names the line and the problem."""


def find_excursions(data: str, limit_min: Decimal | None,
                    limit_max: Decimal | None) -> list[Excursion]:
    """Periods where a data logger's readings left the limits. The CSV has a timestamp column
    (ISO 8601) and a temperature column; headers are matched by name."""
    reader = csv.reader(io.StringIO(data))
    header = [h.strip().lower() for h in next(reader, [])]
    when = next((i for i, h in enumerate(header) if h in ("timestamp", "time", "datetime",
                                                          "date")), None)
    temp = next((i for i, h in enumerate(header) if h.startswith(("temp", "value", "°c"))),
                None)
    if when is None or temp is None:
        raise LoggerFileError("the file needs a 'timestamp' and a 'temperature' column")
    found: list[Excursion] = []
    current: list[tuple[dt.datetime, Decimal]] = []
    for line_no, row in enumerate(reader, start=2):
        if not row or not any(cell.strip() for cell in row):
            continue
        try:
            at = dt.datetime.fromisoformat(row[when].strip())
            value = Decimal(row[temp].strip().replace(",", "."))
        except (ValueError, IndexError, InvalidOperation) as exc:
            raise LoggerFileError(f"line {line_no}: cannot read {row!r}") from exc
        if at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
        outside = ((limit_min is not None and value < limit_min)
                   or (limit_max is not None and value > limit_max))
        if outside:
            current.append((at, value))
        elif current:
            found.append(_excursion(current))
            current = []
    if current:
        found.append(_excursion(current))
    return found


def _excursion(points: list[tuple[dt.datetime, Decimal]]) -> Excursion:
    values = [v for _t, v in points]
    return Excursion(points[0][0], points[-1][0], min(values), max(values), len(points))


def import_logger_csv(session: UserSession, data: str, *, limit_min: Decimal | None,
                      limit_max: Decimal | None, lot_code: str | None = None,
                      shipment: str | None = None, location_id: int | None = None,
                      logger: str = "data logger") -> list[int]:
    """Record one temperature excursion event per period outside the limits."""
    events = []
    for e in find_excursions(data, limit_min, limit_max):
        events.append(record_event(
            session, "temperature_excursion",
            f"{logger}: {e.readings} reading(s) between {e.minimum} and {e.maximum} °C outside "
            f"{limit_min if limit_min is not None else '—'}–"
            f"{limit_max if limit_max is not None else '—'} °C from {e.started:%Y-%m-%d %H:%M} "
            f"to {e.ended:%Y-%m-%d %H:%M}",
            lot_code=lot_code, shipment=shipment, location_id=location_id,
            occurred_at=e.started, ended_at=e.ended, measured_min=e.minimum,
            measured_max=e.maximum, limit_min=limit_min, limit_max=limit_max,
            source="logger_csv"))
    return events


#: What an inspected customer return may become (a return's disposition, not a lot's: those are
#: `app.db.lot_status.DISPOSITIONS`).
RETURN_DISPOSITIONS = ("return_to_stock", "scrap", "return_to_vendor", "rework")


def inspect_return(session: UserSession, return_id: int, outcome: str, reason: str,
                   disposition: str | None = None) -> None:
    _write(session, "SELECT quality.inspect_return(:r, :o, :why, :d)",
           {"r": return_id, "o": outcome, "why": reason, "d": disposition})
