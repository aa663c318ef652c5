"""Inspection plans: compliance sets them, versioned and audited; the sample a lot needs comes
from its item's plan (for its supplier first) and the Z1.4 tables."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from app.db.server import ServerTarget
from app.workflows.session import UserSession, login
from tests.conftest import DEMO_PASSWORDS
from tests.support.coa_files import quarantine_lot_for_coa

CHECKS = [
    {"name": "Packaging intact", "kind": "seal"},
    {"name": "Label matches the PO", "kind": "label"},
    {"name": "Temperature at receipt", "kind": "temperature", "max": 8, "unit": "°C"},
    {"name": "Moisture", "kind": "measurement", "min": 0, "max": 5, "unit": "%", "required": False},
]


@pytest.fixture
def compliance(db: ServerTarget) -> Iterator[UserSession]:
    session = login(db, "cora.compliance", DEMO_PASSWORDS["cora.compliance"])
    yield session
    session.close()


def _set(session: UserSession, item: int, supplier: int | None, sampling: dict[str, Any],
         checks: list[dict[str, Any]] = CHECKS, reason: str = "receiving inspection") -> int:
    with session.engine.begin() as conn:
        return int(conn.execute(text(
            "SELECT quality.set_inspection_plan(:i, :s, CAST(:p AS jsonb), CAST(:c AS jsonb), :r)"),
            {"i": item, "s": supplier, "p": json.dumps(sampling), "c": json.dumps(checks),
             "r": reason}).scalar_one())


def _sample(session: UserSession, lot: str, size: int | None = None) -> Any:
    with session.engine.connect() as conn:
        return conn.execute(text("SELECT * FROM quality.inspection_sample(:l, :n)"),
                            {"l": lot, "n": size}).one()


def _lot(owner: Engine) -> tuple[str, int, int]:
    code = quarantine_lot_for_coa(owner)[0]
    with owner.connect() as conn:
        item, supplier = conn.execute(text(
            "SELECT item_id, supplier_id FROM quality.lots WHERE lot_code = :c"), {"c": code}).one()
    return code, item, supplier


def test_plans_are_versioned_audited_and_give_the_lot_its_sample(
        db: ServerTarget, owner_engine: Engine, compliance: UserSession) -> None:
    lot, item, supplier = _lot(owner_engine)
    assert _set(compliance, item, None, {"kind": "z14", "level": "II", "aql": 2.5}) == 1
    sample = _sample(compliance, lot, 1000)
    assert (sample.code, sample.sample_size, sample.accept, sample.reject) == ("J", 80, 5, 6)
    assert (sample.plan_version, sample.severity, sample.full_inspection) == (1, "normal", False)
    # a plan for this lot's supplier goes before the item's plan for every supplier
    assert _set(compliance, item, supplier, {"kind": "sqrt"}) == 1
    sample = _sample(compliance, lot, 100)
    assert (sample.sampling, sample.sample_size) == ("sqrt", 11)
    assert _set(compliance, item, supplier, {"kind": "fixed", "count": 5},
                reason="supplier on probation: fixed sample") == 2
    assert _sample(compliance, lot, 3).sample_size == 3  # never more than the lot
    with owner_engine.connect() as conn:
        active = conn.execute(text(
            "SELECT version, active FROM quality.inspection_plans WHERE item_id = :i "
            "AND supplier_id = :s ORDER BY version"), {"i": item, "s": supplier}).all()
        checks = conn.execute(text(
            "SELECT c.position, c.name, c.required, c.max_value FROM quality.inspection_characteristics c "
            "JOIN quality.inspection_plans p ON p.id = c.plan_id WHERE p.item_id = :i "
            "AND p.supplier_id = :s AND p.active ORDER BY c.position"),
            {"i": item, "s": supplier}).all()
        trail = conn.execute(text(
            "SELECT username, reason FROM audit.trail WHERE action = 'inspection_plan.change' "
            "ORDER BY id")).all()
    assert active == [(1, False), (2, True)]
    assert [(c.position, c.name, c.required) for c in checks][:2] == [
        (1, "Packaging intact", True), (2, "Label matches the PO", True)]
    assert checks[3].required is False and float(checks[2].max_value) == 8
    assert ("cora.compliance", "supplier on probation: fixed sample") in trail


@pytest.mark.parametrize(("sampling", "checks", "message"), [
    ({"kind": "z14", "level": "II", "aql": 3.0}, CHECKS, "AQL 3.0 is not one of the standard's"),
    ({"kind": "z14", "level": "V", "aql": 2.5}, CHECKS, "inspection level V"),
    ({"kind": "fixed", "count": 0}, CHECKS, "at least 1 unit"),
    ({"kind": "every other"}, CHECKS, "not every other"),
    ({"kind": "sqrt"}, [], "at least one characteristic"),
    ({"kind": "sqrt"}, [{"name": "Odour", "kind": "smell"}], "not smell"),
    ({"kind": "sqrt"}, [{"name": "pH", "kind": "measurement"}], "needs a minimum or a maximum"),
    ({"kind": "sqrt"}, [{"name": "pH", "kind": "measurement", "min": 8, "max": 6}], "minimum is above"),
])
def test_bad_plans_are_refused_with_the_reason(
        owner_engine: Engine, compliance: UserSession, sampling: dict[str, Any],
        checks: list[dict[str, Any]], message: str) -> None:
    _lot_code, item, _supplier = _lot(owner_engine)
    with pytest.raises(DBAPIError, match=message):
        _set(compliance, item, None, sampling, checks)


def test_only_compliance_sets_plans_and_always_with_a_reason(
        db: ServerTarget, owner_engine: Engine, compliance: UserSession) -> None:
    _lot_code, item, _supplier = _lot(owner_engine)
    for username in ("ivy.inspector", "adam.admin", "arlo.approver"):
        session = login(db, username, DEMO_PASSWORDS[username])
        try:
            with pytest.raises(DBAPIError, match="change inspection plans"):
                _set(session, item, None, {"kind": "sqrt"})
            with session.engine.connect() as conn, pytest.raises(DBAPIError, match="permission denied"):
                conn.execute(text("UPDATE quality.inspection_plans SET fixed_count = 1"))
        finally:
            session.close()
    with pytest.raises(DBAPIError, match="needs a reason"):
        _set(compliance, item, None, {"kind": "sqrt"}, reason="  ")
