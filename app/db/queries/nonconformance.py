"""NCRs, CAPAs and SCARs as recorded: the board (by state and owner, overdue first), one
record with everything it links, and the moves its status machine allows now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from app.db.queries.decisions import SignatureLine

OPEN_NCR = ("open", "investigated")
OPEN_CAPA = ("open", "verified")


@dataclass(frozen=True)
class BoardRow:
    kind: str  # 'ncr' | 'capa'
    id: int
    number: str
    title: str
    status: str
    owner: str
    owner_name: str | None
    severity: str | None
    supplier: str | None
    lots: list[str]
    opened_at: dt.datetime
    due: dt.date | None  # the earliest date something is owed (action, check, answer)
    overdue: bool


_BOARD = """
SELECT 'ncr' AS kind, n.id, 'NCR-' || lpad(n.id::text, 5, '0') AS number, n.title, n.status,
       n.owner, u.printed_name, n.severity, s.name AS supplier,
       coalesce(ARRAY(SELECT l.lot_code FROM quality.ncr_lots k JOIN quality.lots l ON l.id = k.lot_id
                      WHERE k.ncr_id = n.id ORDER BY l.lot_code), '{}') AS lots,
       n.opened_at,
       (SELECT min(x.response_due) FROM quality.scars x WHERE x.ncr_id = n.id AND x.status = 'sent') AS due
FROM quality.ncrs n LEFT JOIN quality.users u ON u.username = n.owner
LEFT JOIN erp.suppliers s ON s.id = n.supplier_id
WHERE (:all OR n.status = ANY(:open_ncr))
UNION ALL
SELECT 'capa', c.id, 'CAPA-' || lpad(c.id::text, 5, '0'), c.title, c.status, c.owner, u.printed_name,
       n.severity, s.name,
       coalesce(ARRAY(SELECT l.lot_code FROM quality.ncr_lots k JOIN quality.lots l ON l.id = k.lot_id
                      WHERE k.ncr_id = c.ncr_id ORDER BY l.lot_code), '{}'),
       c.opened_at,
       CASE WHEN c.status = 'open' THEN least(
           (SELECT min(a.due_date) FROM quality.capa_actions a WHERE a.capa_id = c.id AND a.done_at IS NULL),
           c.effectiveness_due) END
FROM quality.capas c LEFT JOIN quality.users u ON u.username = c.owner
LEFT JOIN quality.ncrs n ON n.id = c.ncr_id LEFT JOIN erp.suppliers s ON s.id = n.supplier_id
WHERE (:all OR c.status = ANY(:open_capa))
"""


def board(conn: Connection, today: dt.date, *, include_closed: bool = False) -> list[BoardRow]:
    """Open NCRs and CAPAs: overdue first, then by owner and state, oldest first."""
    rows = [BoardRow(*[*row, row.due is not None and row.due < today])
            for row in conn.execute(text(_BOARD), {"all": include_closed, "open_ncr": list(OPEN_NCR),
                                                   "open_capa": list(OPEN_CAPA)})]
    rows.sort(key=lambda r: (not r.overdue, r.owner_name or r.owner, r.status, r.opened_at))
    return rows


@dataclass(frozen=True)
class Move:
    action: str
    to_status: str
    roles: list[str]
    signed: bool
    label: str


def moves(conn: Connection, kind: str, status: str) -> list[Move]:
    """What the status machine allows from `status` (the workstation offers these, the
    database functions enforce them)."""
    return [Move(*row) for row in conn.execute(text(
        "SELECT action, to_status, roles, signed, label FROM quality.qm_transitions "
        "WHERE record_kind = :k AND from_status = :s ORDER BY label"), {"k": kind, "s": status})]


@dataclass(frozen=True)
class NcrLot:
    lot_code: str
    status: str
    hold_reason: str | None


@dataclass(frozen=True)
class CapaActionRow:
    id: int
    kind: str
    description: str
    owner: str
    owner_name: str | None
    due_date: dt.date
    done_at: dt.datetime | None
    done_by: str | None
    done_note: str | None


@dataclass(frozen=True)
class CapaDetail:
    id: int
    number: str
    ncr_id: int | None
    title: str
    owner: str
    owner_name: str | None
    status: str
    effectiveness_criteria: str
    effectiveness_due: dt.date
    effective: bool | None
    effectiveness_evidence: str | None
    checked_by: str | None
    checked_at: dt.datetime | None
    opened_by: str
    opened_at: dt.datetime
    closed_by: str | None
    closed_at: dt.datetime | None
    signature_id: int | None
    actions: list[CapaActionRow]


@dataclass(frozen=True)
class ScarRow:
    id: int
    number: str
    ncr_id: int
    supplier: str
    supplier_id: int
    request: str
    response_due: dt.date
    status: str
    sent_at: dt.datetime | None
    response: str | None
    responded_on: dt.date | None
    close_note: str | None
    closed_at: dt.datetime | None
    opened_by: str
    opened_at: dt.datetime


@dataclass(frozen=True)
class NcrDetail:
    id: int
    number: str
    source: str
    source_ref: str | None
    item: str | None
    item_sku: str | None
    supplier: str | None
    severity: str
    title: str
    found: str
    containment: str | None
    root_cause: str | None
    root_cause_method: str | None
    root_cause_detail: dict[str, Any] | None
    disposition: str | None
    disposition_note: str | None
    status: str
    owner: str
    opened_by: str
    opened_by_name: str | None
    opened_at: dt.datetime
    closed_by: str | None
    closed_at: dt.datetime | None
    signature_id: int | None
    lots: list[NcrLot]
    capas: list[CapaDetail]
    scars: list[ScarRow]


def ncr(conn: Connection, ncr_id: int) -> NcrDetail:
    head = conn.execute(text("""
        SELECT n.id, 'NCR-' || lpad(n.id::text, 5, '0'), n.source, n.source_ref, i.name, i.sku,
               s.name, n.severity, n.title, n.found, n.containment, n.root_cause,
               n.root_cause_method, n.root_cause_detail, n.disposition, n.disposition_note,
               n.status, n.owner, n.opened_by, u.printed_name, n.opened_at, n.closed_by,
               n.closed_at, n.signature_id
        FROM quality.ncrs n LEFT JOIN erp.items i ON i.id = n.item_id
        LEFT JOIN erp.suppliers s ON s.id = n.supplier_id
        LEFT JOIN quality.users u ON u.username = n.opened_by
        WHERE n.id = :n"""), {"n": ncr_id}).one()
    lots = [NcrLot(*row) for row in conn.execute(text("""
        SELECT l.lot_code, l.status, d.reason
        FROM quality.ncr_lots k JOIN quality.lots l ON l.id = k.lot_id
        LEFT JOIN quality.lot_decisions d ON d.id = k.hold_decision_id
        WHERE k.ncr_id = :n ORDER BY l.lot_code"""), {"n": ncr_id})]
    capas = [capa(conn, int(c)) for c in conn.execute(text(
        "SELECT id FROM quality.capas WHERE ncr_id = :n ORDER BY id"), {"n": ncr_id}).scalars()]
    return NcrDetail(*[*head, lots, capas, scars(conn, ncr_id=ncr_id)])


def capa(conn: Connection, capa_id: int) -> CapaDetail:
    head = conn.execute(text("""
        SELECT c.id, 'CAPA-' || lpad(c.id::text, 5, '0'), c.ncr_id, c.title, c.owner, u.printed_name,
               c.status, c.effectiveness_criteria, c.effectiveness_due, c.effective,
               c.effectiveness_evidence, c.checked_by, c.checked_at, c.opened_by, c.opened_at,
               c.closed_by, c.closed_at, c.signature_id
        FROM quality.capas c LEFT JOIN quality.users u ON u.username = c.owner WHERE c.id = :c"""),
        {"c": capa_id}).one()
    actions = [CapaActionRow(*row) for row in conn.execute(text("""
        SELECT a.id, a.kind, a.description, a.owner, u.printed_name, a.due_date, a.done_at,
               a.done_by, a.done_note
        FROM quality.capa_actions a LEFT JOIN quality.users u ON u.username = a.owner
        WHERE a.capa_id = :c ORDER BY a.id"""), {"c": capa_id})]
    return CapaDetail(*[*head, actions])


def scars(conn: Connection, *, ncr_id: int | None = None,
          supplier_id: int | None = None) -> list[ScarRow]:
    return [ScarRow(*row) for row in conn.execute(text("""
        SELECT x.id, 'SCAR-' || lpad(x.id::text, 5, '0'), x.ncr_id, s.name, x.supplier_id,
               x.request, x.response_due, x.status, x.sent_at, x.response, x.responded_on,
               x.close_note, x.closed_at, x.opened_by, x.opened_at
        FROM quality.scars x JOIN erp.suppliers s ON s.id = x.supplier_id
        WHERE (CAST(:n AS bigint) IS NULL OR x.ncr_id = :n)
          AND (CAST(:s AS integer) IS NULL OR x.supplier_id = :s)
        ORDER BY x.id"""), {"n": ncr_id, "s": supplier_id})]


def ncrs_of_lot(conn: Connection, lot_code: str) -> list[tuple[int, str, str, str]]:
    """(id, number, status, title) of the NCRs naming a lot, for its dossier and detail."""
    return [(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in conn.execute(text("""
        SELECT n.id, 'NCR-' || lpad(n.id::text, 5, '0'), n.status, n.title
        FROM quality.ncrs n JOIN quality.ncr_lots k ON k.ncr_id = n.id
        JOIN quality.lots l ON l.id = k.lot_id WHERE l.lot_code = :l ORDER BY n.id"""),
        {"l": lot_code})]


def ncrs_of_supplier(conn: Connection, supplier_id: int) -> list[tuple[int, str, str, str]]:
    return [(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in conn.execute(text("""
        SELECT n.id, 'NCR-' || lpad(n.id::text, 5, '0'), n.status, n.title
        FROM quality.ncrs n WHERE n.supplier_id = :s ORDER BY n.id"""), {"s": supplier_id})]


def owners(conn: Connection) -> list[tuple[str, str]]:
    """(user name, "Printed Name (Role)") of the people who may own quality work."""
    return [(str(r[0]), f"{r[1]} ({str(r[2]).removeprefix('lotproof_').title()})")
            for r in conn.execute(text(
                "SELECT username, printed_name, role FROM quality.users WHERE active "
                "AND role IN ('lotproof_inspector', 'lotproof_approver', 'lotproof_compliance') "
                "ORDER BY printed_name"))]


@dataclass(frozen=True)
class InspectionSummary:
    """A receiving inspection of a lot, as its dossier shows it."""

    id: int
    status: str
    severity: str
    sample_size: int
    accept: int
    reject: int
    defects: int | None
    completed_by: str | None
    completed_at: dt.datetime | None
    results: list[str]  # "Temperature at receipt 5.0 °C: pass"


def lot_inspections(conn: Connection, lot_code: str) -> list[InspectionSummary]:
    return [InspectionSummary(*[*row[:9], list(row[9] or [])]) for row in conn.execute(text("""
        SELECT i.id, i.status, i.severity, i.sample_size, i.accept, i.reject, i.defects,
               coalesce(u.printed_name, i.completed_by), i.completed_at,
               ARRAY(SELECT c.name || coalesce(' ' || r.value::text || coalesce(' ' || c.unit, ''), '')
                            || ': ' || CASE WHEN r.passed THEN 'pass' ELSE 'FAIL' END
                            || coalesce(' (' || r.note || ')', '')
                     FROM quality.inspection_results r
                     JOIN quality.inspection_characteristics c ON c.id = r.characteristic_id
                     WHERE r.inspection_id = i.id ORDER BY c.position)
        FROM quality.inspections i JOIN quality.lots l ON l.id = i.lot_id
        LEFT JOIN quality.users u ON u.username = i.completed_by
        WHERE l.lot_code = :l ORDER BY i.id"""), {"l": lot_code})]


def signatures_of(conn: Connection, record_type: str, record_id: int) -> list[SignatureLine]:
    """The signatures on an NCR or CAPA, each checked against the record as it is now."""
    return [SignatureLine(*row) for row in conn.execute(text(
        "SELECT id, printed_name, username, role, meaning, signed_at, quality.signature_valid(id) "
        "FROM quality.signatures WHERE record_type = :t AND record_id = :r ORDER BY id"),
        {"t": record_type, "r": record_id})]


@dataclass(frozen=True)
class Step:
    """One step in a record's history, from the audit trail: when, who, what, the words given."""

    at: dt.datetime
    who: str
    action: str
    words: str | None


def history(conn: Connection, table: str, record_id: int, prefix: str) -> list[Step]:
    """The steps (`ncr.*`, `capa.*`, `scar.*`) the audit trail holds for one row of `table`;
    one step writes several rows (the status and the fields), shown once."""
    seen: set[tuple[str, str | None]] = set()
    steps: list[Step] = []
    for at, who, action, words in conn.execute(text(
            "SELECT at, coalesce(printed_name, username), action, reason FROM audit.trail "
            "WHERE record_type = :t AND record_id = :r AND action LIKE :p ORDER BY id"),
            {"t": table, "r": str(record_id), "p": prefix + ".%"}):
        key = (f"{action}@{at:%Y%m%d%H%M%S}", words)
        if key not in seen:
            seen.add(key)
            steps.append(Step(at, who, action, words))
    return steps


def supplier_contact(conn: Connection, supplier_id: int) -> tuple[str, str | None, str | None]:
    """(name, contact person, contact e-mail) of a supplier."""
    row = conn.execute(text("SELECT name, contact_name, contact_email FROM erp.suppliers "
                            "WHERE id = :s"), {"s": supplier_id}).one()
    return str(row[0]), row[1], row[2]


def all_capas(conn: Connection, *, include_closed: bool = True) -> list[CapaDetail]:
    """Every CAPA, oldest first, for the CAPA log."""
    return [capa(conn, int(c)) for c in conn.execute(text(
        "SELECT id FROM quality.capas WHERE :all OR status = ANY(:open) ORDER BY id"),
        {"all": include_closed, "open": list(OPEN_CAPA)}).scalars()]
