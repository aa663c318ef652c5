"""Reading the compliance rules in force and the exception queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text


@dataclass(frozen=True)
class SpecLine:
    test: str
    method: str | None
    min_value: Decimal | None
    max_value: Decimal | None
    text_requirement: str | None
    unit: str | None
    coa_acceptable: bool

    def as_rule(self) -> dict[str, Any]:
        return {"test": self.test, "method": self.method,
                "min": None if self.min_value is None else str(self.min_value),
                "max": None if self.max_value is None else str(self.max_value),
                "text": self.text_requirement, "unit": self.unit,
                "coa_acceptable": self.coa_acceptable}


@dataclass(frozen=True)
class SpecVersionRow:
    id: int
    version: int
    reason: str
    created_by: str
    created_at: dt.datetime


@dataclass(frozen=True)
class ItemChoice:
    id: int
    sku: str
    name: str
    category: str


def items(conn: Connection) -> list[ItemChoice]:
    return [ItemChoice(*r) for r in conn.execute(text(
        "SELECT id, sku, name, category FROM erp.items ORDER BY sku"))]


def current_spec(conn: Connection, item_id: int) -> list[SpecLine]:
    return [SpecLine(*r) for r in conn.execute(text(
        "SELECT test, method, min_value, max_value, text_requirement, unit, coa_acceptable "
        "FROM quality.item_specs WHERE item_id = :i AND active ORDER BY id"), {"i": item_id})]


def spec_versions(conn: Connection, item_id: int) -> list[SpecVersionRow]:
    return [SpecVersionRow(*r) for r in conn.execute(text(
        "SELECT id, version, reason, created_by, created_at FROM quality.spec_versions "
        "WHERE item_id = :i ORDER BY version DESC"), {"i": item_id})]


@dataclass(frozen=True)
class SupplierApprovalRow:
    supplier_id: int
    supplier: str
    category: str
    status: str
    version: int | None
    reason: str | None
    set_by: str | None


def supplier_approvals(conn: Connection) -> list[SupplierApprovalRow]:
    """Every supplier for every category it supplies, with the status that applies now."""
    return [SupplierApprovalRow(*r) for r in conn.execute(text("""
        SELECT s.id, s.name, c.category, coalesce(a.status, s.approval_status), a.version,
               a.reason, a.set_by
        FROM erp.suppliers s
        CROSS JOIN (SELECT DISTINCT category FROM erp.items) c
        LEFT JOIN LATERAL (SELECT * FROM quality.supplier_approvals x
                           WHERE x.supplier_id = s.id AND x.category = c.category
                           ORDER BY x.version DESC LIMIT 1) a ON true
        WHERE EXISTS (SELECT 1 FROM quality.lots l JOIN erp.items i ON i.id = l.item_id
                      WHERE l.supplier_id = s.id AND i.category = c.category)
           OR a.status IS NOT NULL
        ORDER BY s.name, c.category"""))]


@dataclass(frozen=True)
class CustomerRulesRow:
    customer_id: int
    code: str
    name: str
    min_days: int | None
    min_percent: int | None
    excluded_suppliers: list[int]
    excluded_lots: list[str]
    required_documents: list[str]
    version: int | None


def customer_rules(conn: Connection) -> list[CustomerRulesRow]:
    return [CustomerRulesRow(*r) for r in conn.execute(text("""
        SELECT c.id, c.code, c.name, r.min_days, r.min_percent, r.excluded_suppliers,
               r.excluded_lots, r.required_documents, r.version
        FROM erp.customers c CROSS JOIN LATERAL quality.customer_rules(c.id) r
        ORDER BY c.name"""))]


@dataclass(frozen=True)
class ExceptionRow:
    id: int
    type: str
    type_title: str
    severity: str
    owner_role: str
    priority: int
    lot_code: str | None
    title: str
    opened_at: dt.datetime
    details: dict[str, Any] | None


SEVERITY_RANK = "array_position(ARRAY['critical', 'high', 'medium', 'low'], e.severity)"


def open_exceptions(conn: Connection, owner_role: str | None, limit: int = 2000) -> list[ExceptionRow]:
    """The queue of one role (or all), most urgent first: priority, severity, then age."""
    return [ExceptionRow(*r) for r in conn.execute(text(f"""
        SELECT e.id, e.type, r.title, e.severity, e.owner_role, e.priority, l.lot_code, e.title,
               e.opened_at, e.details
        FROM quality.exceptions e JOIN quality.exception_routes r ON r.type = e.type
        LEFT JOIN quality.lots l ON l.id = e.lot_id
        WHERE e.closed_at IS NULL AND (CAST(:role AS text) IS NULL OR e.owner_role = :role)
        ORDER BY e.priority, {SEVERITY_RANK}, e.opened_at, e.id
        LIMIT :limit"""), {"role": owner_role, "limit": limit})]


def count_open_exceptions(conn: Connection, owner_role: str | None) -> int:
    return int(conn.execute(text(
        "SELECT count(*) FROM quality.exceptions WHERE closed_at IS NULL "
        "AND (CAST(:role AS text) IS NULL OR owner_role = :role)"), {"role": owner_role}
    ).scalar_one())


@dataclass(frozen=True)
class RouteRow:
    type: str
    title: str
    owner_role: str
    severity: str
    priority: int
    enabled: bool
    open_count: int


def routes(conn: Connection) -> list[RouteRow]:
    return [RouteRow(*r) for r in conn.execute(text("""
        SELECT r.type, r.title, r.owner_role, r.severity, r.priority, r.enabled,
               (SELECT count(*) FROM quality.exceptions e WHERE e.type = r.type
                AND e.closed_at IS NULL)
        FROM quality.exception_routes r ORDER BY r.priority, r.type"""))]


@dataclass(frozen=True)
class RetentionRow:
    record_type: str
    years: int
    basis: str
    reached: int
    oldest: dt.datetime | None


def retention_report(conn: Connection) -> list[RetentionRow]:
    """How many records of each kind have reached the end of their retention period (nothing is
    removed by Lotproof; this is the list a records manager reviews)."""
    return [RetentionRow(*r) for r in conn.execute(text("""
        WITH ages AS (
            SELECT 'fsma204_tracking_event' AS record_type, m.moved_at AS at FROM erp.movements m
            WHERE m.kind IN ('receipt', 'shipment', 'transfer_in', 'transfer_out', 'split',
                             'repack', 'relabel', 'kit', 'blend', 'rework')
            UNION ALL SELECT 'coa_document', d.uploaded_at FROM quality.documents d
            WHERE d.kind = 'coa'
            UNION ALL SELECT 'quality_decision', d.created_at FROM quality.lot_decisions d
            UNION ALL SELECT 'audit_trail', t.at FROM audit.trail t
            UNION ALL SELECT 'recall', r.opened_at FROM quality.recalls r)
        SELECT r.record_type, r.years, r.basis,
               count(a.at) FILTER (WHERE a.at < now() - make_interval(years => r.years)),
               min(a.at) FILTER (WHERE a.at < now() - make_interval(years => r.years))
        FROM quality.retention_rules r LEFT JOIN ages a ON a.record_type = r.record_type
        GROUP BY r.record_type, r.years, r.basis ORDER BY r.record_type"""))]


@dataclass(frozen=True)
class EventRow:
    id: int
    kind: str
    subject: str
    occurred_at: dt.datetime
    description: str
    source: str
    recorded_by: str


def recent_events(conn: Connection, limit: int = 500) -> list[EventRow]:
    return [EventRow(*r) for r in conn.execute(text("""
        SELECT e.id, e.kind,
               concat_ws(' / ', 'lot ' || l.lot_code, 'shipment ' || s.shipment_number,
                         'location ' || loc.code),
               e.occurred_at, e.description, e.source, e.recorded_by
        FROM quality.quality_events e
        LEFT JOIN quality.lots l ON l.id = e.lot_id
        LEFT JOIN erp.shipments s ON s.id = e.shipment_id
        LEFT JOIN erp.locations loc ON loc.id = e.location_id
        ORDER BY e.occurred_at DESC, e.id DESC LIMIT :n"""), {"n": limit})]


@dataclass(frozen=True)
class ReturnRow:
    id: int
    rma_number: str
    lot_code: str
    customer: str
    qty: Decimal
    returned_at: dt.datetime
    reason_code: str
    outcome: str | None
    disposition: str | None
    inspected_by: str | None


def returns(conn: Connection, days: int = 365) -> list[ReturnRow]:
    """Returns of the last `days`, those not yet inspected first."""
    return [ReturnRow(*r) for r in conn.execute(text("""
        SELECT r.id, r.rma_number, l.lot_code, c.name, r.qty, r.returned_at, r.reason_code,
               x.outcome, x.disposition, x.inspected_by
        FROM erp.returns r JOIN quality.lots l ON l.id = r.lot_id
        JOIN erp.customers c ON c.id = r.customer_id
        LEFT JOIN quality.return_inspections x ON x.return_id = r.id  -- one per return (its key)
        WHERE r.returned_at > now() - make_interval(days => :d)
        ORDER BY x.outcome IS NOT NULL, r.returned_at DESC"""), {"d": days})]


@dataclass(frozen=True)
class DocumentRequirementRow:
    scope: str  # item or supplier
    id: int
    code: str
    name: str
    erp_documents: list[str]  # the item's list in the ERP (items only)
    documents: list[str]  # what compliance added
    version: int | None
    reason: str | None


def document_requirements(conn: Connection) -> list[DocumentRequirementRow]:
    """Every item and supplier with the documents required of its lots."""
    return [DocumentRequirementRow(*r) for r in conn.execute(text("""
        SELECT 'item', i.id, i.sku, i.name, i.required_documents,
               coalesce(r.documents, '{}'), r.version, r.reason
        FROM erp.items i
        LEFT JOIN LATERAL (SELECT * FROM quality.document_requirements x WHERE x.item_id = i.id
                           ORDER BY x.version DESC LIMIT 1) r ON true
        UNION ALL
        SELECT 'supplier', s.id, s.code, s.name, '{}'::text[],
               coalesce(r.documents, '{}'), r.version, r.reason
        FROM erp.suppliers s
        LEFT JOIN LATERAL (SELECT * FROM quality.document_requirements x
                           WHERE x.supplier_id = s.id ORDER BY x.version DESC LIMIT 1) r ON true
        ORDER BY 1, 3"""))]
