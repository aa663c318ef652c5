"""Receiving inspections: open one for a lot, record each characteristic, complete it signed.

Every step is a database function (app/db/sql/inspections.sql) that checks the role, the
inspection's state and the plan; completing re-authenticates like every signature."""

from __future__ import annotations

from dataclasses import dataclass
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
class OpenInspection:
    id: int
    lot_code: str
    sample_size: int
    accept: int
    reject: int
    characteristics: list[Characteristic]


def open_inspection(session: UserSession, lot_code: str, lot_size: int | None = None) -> OpenInspection:
    with session.engine.begin() as conn:
        inspection_id = int(conn.execute(text("SELECT quality.open_inspection(:l, :n)"),
                                         {"l": lot_code, "n": lot_size}).scalar_one())
    return inspection(session, inspection_id)


def inspection(session: UserSession, inspection_id: int) -> OpenInspection:
    with session.engine.connect() as conn:
        head = conn.execute(text(
            "SELECT i.id, l.lot_code, i.sample_size, i.accept, i.reject, i.plan_id "
            "FROM quality.inspections i JOIN quality.lots l ON l.id = i.lot_id WHERE i.id = :i"),
            {"i": inspection_id}).one()
        characteristics = [Characteristic(*row) for row in conn.execute(text(
            "SELECT id, position, name, kind, required, min_value, max_value, unit "
            "FROM quality.inspection_characteristics WHERE plan_id = :p ORDER BY position"),
            {"p": head.plan_id})]
    return OpenInspection(head.id, head.lot_code, head.sample_size, head.accept, head.reject,
                          characteristics)


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
