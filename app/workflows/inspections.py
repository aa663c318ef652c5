"""Receiving inspections: open one for a lot, record each characteristic, complete it signed.

Every step is a database function (app/db/sql/inspections.sql) that checks the role, the
inspection's state and the plan; completing re-authenticates like every signature."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import text

from app.workflows.session import UserSession
from app.workflows.signing import Credentials, sign


@dataclass(frozen=True)
class Characteristic:
    id: int
    position: int
    name: str
    kind: str
    required: bool
    min_value: Decimal | None
    max_value: Decimal | None
    unit: str | None


@dataclass(frozen=True)
class Result:
    characteristic_id: int
    value: Decimal | None
    passed: bool
    note: str | None


@dataclass(frozen=True)
class OpenInspection:
    id: int
    lot_code: str
    sample_size: int
    accept: int
    reject: int
    characteristics: list[Characteristic]
    status: str = "open"
    severity: str = "normal"
    item: str = ""
    supplier: str | None = None
    results: dict[int, Result] = field(default_factory=dict)
    attachments: tuple[str, ...] = ()

    @property
    def skipped(self) -> bool:
        return self.status == "skipped"


@dataclass(frozen=True)
class AwaitingInspection:
    """A quarantined lot whose item has an inspection plan and no completed inspection yet."""

    lot_code: str
    item: str
    supplier: str | None
    received_at: Any
    inspection_id: int | None  # the open inspection, when one was started


def awaiting(session: UserSession, limit: int = 200) -> list[AwaitingInspection]:
    """The inspector's inbox: lots to inspect, oldest receipt first."""
    with session.engine.connect() as conn:
        rows = conn.execute(text("""
            SELECT l.lot_code, i.name AS item, s.name AS supplier, l.created_at,
                   (SELECT x.id FROM quality.inspections x WHERE x.lot_id = l.id AND x.status = 'open')
            FROM quality.lots l JOIN erp.items i ON i.id = l.item_id
            LEFT JOIN erp.suppliers s ON s.id = l.supplier_id
            WHERE l.status = 'quarantine'
              AND EXISTS (SELECT 1 FROM quality.inspection_plans p WHERE p.item_id = l.item_id
                            AND p.active AND (p.supplier_id = l.supplier_id OR p.supplier_id IS NULL))
              AND NOT EXISTS (SELECT 1 FROM quality.inspections x WHERE x.lot_id = l.id
                                AND x.status IN ('passed', 'failed', 'skipped'))
            ORDER BY l.created_at, l.lot_code LIMIT :n"""), {"n": limit})
        return [AwaitingInspection(*row) for row in rows]


def open_inspection_of(session: UserSession, lot_code: str) -> int | None:
    """The lot's open inspection, when one was started."""
    with session.engine.connect() as conn:
        found = conn.execute(text(
            "SELECT i.id FROM quality.inspections i JOIN quality.lots l ON l.id = i.lot_id "
            "WHERE l.lot_code = :l AND i.status = 'open'"), {"l": lot_code}).scalar()
    return int(found) if found is not None else None


def start(session: UserSession, lot_code: str, lot_size: int | None = None) -> OpenInspection:
    """The lot's open inspection, or a new one (which the skip-lot rule may record as skipped)."""
    existing = open_inspection_of(session, lot_code)
    if existing is not None:
        return inspection(session, existing)
    return open_inspection(session, lot_code, lot_size)


def open_inspection(session: UserSession, lot_code: str, lot_size: int | None = None) -> OpenInspection:
    with session.engine.begin() as conn:
        inspection_id = int(conn.execute(text("SELECT quality.open_inspection(:l, :n)"),
                                         {"l": lot_code, "n": lot_size}).scalar_one())
    return inspection(session, inspection_id)


def inspection(session: UserSession, inspection_id: int) -> OpenInspection:
    with session.engine.connect() as conn:
        head = conn.execute(text(
            "SELECT i.id, l.lot_code, i.sample_size, i.accept, i.reject, i.plan_id, i.status, "
            "i.severity, it.name AS item, s.name AS supplier "
            "FROM quality.inspections i JOIN quality.lots l ON l.id = i.lot_id "
            "JOIN erp.items it ON it.id = l.item_id LEFT JOIN erp.suppliers s ON s.id = l.supplier_id "
            "WHERE i.id = :i"),
            {"i": inspection_id}).one()
        characteristics = [Characteristic(*row) for row in conn.execute(text(
            "SELECT id, position, name, kind, required, min_value, max_value, unit "
            "FROM quality.inspection_characteristics WHERE plan_id = :p ORDER BY position"),
            {"p": head.plan_id})]
        results = {int(row[0]): Result(*row) for row in conn.execute(text(
            "SELECT characteristic_id, value, passed, note FROM quality.inspection_results "
            "WHERE inspection_id = :i"), {"i": inspection_id})}
        attachments = tuple(conn.execute(text(
            "SELECT file_name FROM quality.inspection_attachments WHERE inspection_id = :i "
            "ORDER BY id"), {"i": inspection_id}).scalars())
    return OpenInspection(head.id, head.lot_code, head.sample_size, head.accept, head.reject,
                          characteristics, head.status, head.severity, head.item, head.supplier,
                          results, attachments)


def attach(session: UserSession, inspection_id: int, file_name: str, content: bytes) -> int:
    """Attaches a photo or file to an open inspection (its digest is signed with it)."""
    with session.engine.begin() as conn:
        return int(conn.execute(text("SELECT quality.attach_inspection_file(:i, :f, :c)"),
                                {"i": inspection_id, "f": file_name, "c": content}).scalar_one())


def ncr_of(session: UserSession, inspection_id: int) -> int | None:
    """The NCR a failed inspection opened."""
    with session.engine.connect() as conn:
        found = conn.execute(text(
            "SELECT id FROM quality.ncrs WHERE source = 'inspection' AND source_ref = :r "
            "ORDER BY id LIMIT 1"), {"r": str(inspection_id)}).scalar()
    return int(found) if found is not None else None


def record(session: UserSession, inspection_id: int, characteristic_id: int, *,
           value: Decimal | float | None = None, passed: bool | None = None,
           note: str | None = None) -> bool:
    """Records one result; returns whether it passed (measured values against their limits)."""
    with session.engine.begin() as conn:
        return bool(conn.execute(text(
            "SELECT quality.record_inspection_result(CAST(:i AS bigint), CAST(:c AS bigint), "
            "CAST(:v AS numeric), CAST(:p AS boolean), CAST(:n AS text))"),
            {"i": inspection_id, "c": characteristic_id, "v": value, "p": passed,
             "n": note}).scalar_one())


def complete(session: UserSession, credentials: Credentials, inspection_id: int, defects: int,
             meaning: str = "Inspected") -> str:
    """Completes the inspection with a signature; returns 'passed' or 'failed'."""
    def work(conn: Any) -> str:
        row = conn.execute("SELECT quality.complete_inspection(%s, %s, %s)",
                           (inspection_id, defects, meaning)).fetchone()
        return str(row[0])

    return sign(session, credentials, work)


@dataclass(frozen=True)
class Entry:
    """One result as the inspector entered it."""

    characteristic_id: int
    value: Decimal | None
    passed: bool | None
    note: str | None


def record_many(session: UserSession, inspection_id: int, entries: list[Entry]) -> None:
    """Records every entered result in one transaction (all or none), so a refusal leaves the
    inspection as it was and the form as it is."""
    with session.engine.begin() as conn:
        for e in entries:
            conn.execute(text(
                "SELECT quality.record_inspection_result(CAST(:i AS bigint), CAST(:c AS bigint), "
                "CAST(:v AS numeric), CAST(:p AS boolean), CAST(:n AS text))"),
                {"i": inspection_id, "c": e.characteristic_id, "v": e.value, "p": e.passed,
                 "n": e.note})
