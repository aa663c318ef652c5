"""Receiving inspection, recorded and signed: a pass stands in for the own testing a
specification asks for; a failure holds the lot at once and says why."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from app.db.errors import DecisionRefused, SignatureRefused
from app.db.queries import chart_data
from app.db.server import ServerTarget
from app.workflows import decisions, evidence, inspections
from app.workflows.session import UserSession
from app.workflows.signing import Credentials
from tests.conftest import DEMO_PASSWORDS
from tests.support import pdf_text
from tests.support.coa_files import quarantine_lot_for_coa
from tests.support.inspections import CHECKS, as_user, planned_lot, record_all

IVY = Credentials("ivy.inspector", DEMO_PASSWORDS["ivy.inspector"])
_session = as_user
_record_all = record_all


@pytest.fixture
def inspector(db: ServerTarget) -> Iterator[UserSession]:
    session = _session(db, "ivy.inspector")
    yield session
    session.close()


@pytest.fixture
def lot(db: ServerTarget, owner_engine: Engine) -> str:
    """A quarantined lot whose item's specification asks for an in-house identity test, with
    an inspection plan that checks it."""
    return planned_lot(db, owner_engine)


def test_a_passed_inspection_is_the_own_testing_the_release_asks_for(
        db: ServerTarget, lot: str, inspector: UserSession, owner_engine: Engine) -> None:
    before = decisions.release_blockers(inspector, lot)
    assert any("Identity (FTIR) needs own testing" in b for b in before), before
    opened = inspections.open_inspection(inspector, lot, lot_size=1000)
    assert (opened.sample_size, opened.accept, opened.reject) == (80, 5, 6)
    _record_all(inspector, opened)
    assert inspections.complete(inspector, IVY, opened.id, defects=2) == "passed"
    after = decisions.release_blockers(inspector, lot)
    assert not any("needs own testing" in b for b in after), after
    with owner_engine.connect() as conn:
        signature = conn.execute(text(
            "SELECT signature_id FROM quality.inspections WHERE id = :i"), {"i": opened.id}).scalar_one()
        assert conn.execute(text("SELECT quality.signature_valid(:s)"), {"s": signature}).scalar_one()
        # a superuser who rewrites a signed result breaks the signature
        conn.execute(text("UPDATE quality.inspection_results SET passed = true, note = 'edited' "
                          "WHERE inspection_id = :i AND note IS NULL AND value IS NOT NULL"),
                     {"i": opened.id})
        assert not conn.execute(text("SELECT quality.signature_valid(:s)"), {"s": signature}).scalar_one()
        conn.rollback()


def test_a_failed_inspection_holds_the_lot_and_says_why(
        db: ServerTarget, lot: str, inspector: UserSession) -> None:
    opened = inspections.open_inspection(inspector, lot, lot_size=1000)
    _record_all(inspector, opened, temperature=12.5)  # above the 8 °C limit
    assert inspections.complete(inspector, IVY, opened.id, defects=6) == "failed"
    held = decisions.history(inspector, lot)[-1]
    assert (held.action, held.to_status) == ("rule_hold", "hold")
    assert held.reason is not None and "Temperature at receipt 12.5 °C" in held.reason
    assert "6 nonconforming in a sample of 80 (rejects at 6)" in held.reason


def test_what_an_inspection_refuses(db: ServerTarget, lot: str, inspector: UserSession) -> None:
    opened = inspections.open_inspection(inspector, lot, lot_size=1000)
    by_name = {c.name: c for c in opened.characteristics}
    with pytest.raises((DBAPIError, DecisionRefused), match="already has an open inspection"):
        inspections.open_inspection(inspector, lot)
    with pytest.raises(DBAPIError, match="is measured: give the value"):
        inspections.record(inspector, opened.id, by_name["Temperature at receipt"].id, passed=True)
    with pytest.raises(DBAPIError, match="needs a note"):
        inspections.record(inspector, opened.id, by_name["Packaging intact"].id, passed=False)
    with pytest.raises((DBAPIError, DecisionRefused), match="no result yet for Packaging intact"):
        inspections.complete(inspector, IVY, opened.id, defects=0)
    auditor = _session(db, "aude.auditor")
    try:
        with pytest.raises(DBAPIError, match="inspect lots"):
            inspections.record(auditor, opened.id, by_name["Packaging intact"].id, passed=True)
    finally:
        auditor.close()
    _record_all(inspector, opened)
    # signing as someone else with their password typed in is refused: the session is Ivy's
    with pytest.raises(SignatureRefused, match="your own user name"):
        inspections.complete(inspector, Credentials("arlo.approver", DEMO_PASSWORDS["arlo.approver"]),
                             opened.id, defects=0)
    assert inspections.complete(inspector, IVY, opened.id, defects=0) == "passed"
    with pytest.raises(DBAPIError, match="is completed"):
        inspections.record(inspector, opened.id, by_name["Remarks"].id, passed=True)


def test_two_failed_lots_switch_the_supplier_to_tightened_inspection(
        db: ServerTarget, owner_engine: Engine, inspector: UserSession) -> None:
    """Z1.4 section 8: 2 of 5 or fewer consecutive lots not accepted -> tightened."""
    first = quarantine_lot_for_coa(owner_engine)[0]
    with owner_engine.begin() as conn:
        item, supplier = conn.execute(text(
            "SELECT item_id, supplier_id FROM quality.lots WHERE lot_code = :c"), {"c": first}).one()
        # two more lots of the same item from the same supplier, received as the ERP receives
        conn.execute(text(
            "INSERT INTO erp_builtin.lots (lot_code, item_id, supplier_id, supplier_lot_code, "
            "manufacture_date, expiry_date, origin, site_id) "
            "SELECT l.lot_code || '-' || n, l.item_id, l.supplier_id, l.supplier_lot_code || '-' || n, "
            "l.manufacture_date, l.expiry_date, 'receipt', l.site_id "
            "FROM erp_builtin.lots l, generate_series(2, 3) n WHERE l.lot_code = :c"), {"c": first})
    codes = [first, f"{first}-2", f"{first}-3"]
    compliance = _session(db, "cora.compliance")
    try:
        with compliance.engine.begin() as conn:
            conn.execute(text(
                "SELECT quality.set_inspection_plan(:i, :s, CAST(:p AS jsonb), CAST(:c AS jsonb), :r)"),
                {"i": item, "s": supplier, "p": json.dumps({"kind": "z14", "level": "II", "aql": 2.5}),
                 "c": json.dumps(CHECKS), "r": "receiving inspection"})
    finally:
        compliance.close()
    for code in codes[:2]:
        opened = inspections.open_inspection(inspector, code, lot_size=1000)
        _record_all(inspector, opened, temperature=20)
        assert inspections.complete(inspector, IVY, opened.id, defects=0) == "failed"
    opened = inspections.open_inspection(inspector, codes[2], lot_size=1000)
    assert (opened.sample_size, opened.accept, opened.reject) == (80, 3, 4)  # Table II-B


def test_own_measurements_feed_the_trend_chart_and_the_dossier(
        db: ServerTarget, owner_engine: Engine, inspector: UserSession) -> None:
    checks = [{"name": "Moisture", "kind": "measurement", "max": 6, "unit": "%"},
              {"name": "Packaging intact", "kind": "seal"}]
    code = planned_lot(db, owner_engine, checks)
    opened = inspections.open_inspection(inspector, code, lot_size=500)
    by_name = {c.name: c for c in opened.characteristics}
    inspections.record(inspector, opened.id, by_name["Moisture"].id, value=4.25)
    inspections.record(inspector, opened.id, by_name["Packaging intact"].id, passed=True)
    assert inspections.complete(inspector, IVY, opened.id, defects=0) == "passed"
    with inspector.engine.connect() as conn:
        item = conn.execute(text("SELECT item_id FROM quality.lots WHERE lot_code = :c"),
                            {"c": code}).scalar_one()
        points = [r for r in chart_data.trend_rows(conn, item, "moisture") if r.lot_code == code]
    assert [(p.value, p.source, p.document_id) for p in points] == [(Decimal("4.25"), "inspection", None)]
    words = pdf_text.words(evidence.lot_dossier(inspector, code))
    assert "Receiving inspections" in words and "Moisture 4.25 %: pass" in words
