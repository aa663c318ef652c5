"""A quarantined lot whose item has an inspection plan (and a spec asking for an in-house
identity test), and recording every characteristic of its plan: shared by the database, GUI
and report tests of receiving inspection."""

from __future__ import annotations

import json

from sqlalchemy import Engine, text

from app.db.server import ServerTarget
from app.workflows import inspections
from app.workflows.session import UserSession, login
from tests.conftest import DEMO_PASSWORDS
from tests.support.coa_files import quarantine_lot_for_coa

CHECKS = [
    {"name": "Packaging intact", "kind": "seal"},
    {"name": "Temperature at receipt", "kind": "temperature", "max": 8, "unit": "°C"},
    {"name": "Identity (FTIR)", "kind": "identity"},
    {"name": "Remarks", "kind": "visual", "required": False},
]


def as_user(db: ServerTarget, username: str) -> UserSession:
    return login(db, username, DEMO_PASSWORDS[username])


def set_plan(db: ServerTarget, item: int, supplier: int | None, sampling: dict[str, object],
             checks: list[dict[str, object]]) -> None:
    compliance = as_user(db, "cora.compliance")
    try:
        with compliance.engine.begin() as conn:
            conn.execute(text(
                "SELECT quality.set_inspection_plan(:i, :s, CAST(:p AS jsonb), CAST(:c AS jsonb), :r)"),
                {"i": item, "s": supplier, "p": json.dumps(sampling), "c": json.dumps(checks),
                 "r": "receiving inspection"})
    finally:
        compliance.close()


def planned_lot(db: ServerTarget, owner: Engine, checks: list[dict[str, object]] | None = None) -> str:
    """A quarantined receipt lot; its item's spec asks for Identity (FTIR) tested in house and
    its plan (Z1.4 level II, AQL 2.5) checks `checks` (default CHECKS)."""
    code = quarantine_lot_for_coa(owner)[0]
    with owner.connect() as conn:
        item = conn.execute(text("SELECT item_id FROM quality.lots WHERE lot_code = :c"),
                            {"c": code}).scalar_one()
    compliance = as_user(db, "cora.compliance")
    try:
        with compliance.engine.begin() as conn:
            conn.execute(text("SELECT quality.set_item_specs(:i, CAST(:t AS jsonb), :r)"), {
                "i": item, "r": "identity tested in house",
                "t": json.dumps([{"test": "Identity (FTIR)", "text": "Conforms",
                                  "coa_acceptable": False}])})
    finally:
        compliance.close()
    set_plan(db, item, None, {"kind": "z14", "level": "II", "aql": 2.5}, checks or CHECKS)
    return code


def record_all(session: UserSession, opened: inspections.OpenInspection, *,
               temperature: float = 5.0) -> None:
    by_name = {c.name: c for c in opened.characteristics}
    inspections.record(session, opened.id, by_name["Packaging intact"].id, passed=True)
    inspections.record(session, opened.id, by_name["Temperature at receipt"].id, value=temperature)
    inspections.record(session, opened.id, by_name["Identity (FTIR)"].id, passed=True)
