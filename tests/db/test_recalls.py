"""Recalls: scope, impact, mass balance, one signed mass hold, mock recalls that hold nothing."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from app.db.errors import DecisionRefused
from app.db.server import ServerTarget
from app.workflows import decisions, recalls
from app.workflows.session import UserSession, login
from app.workflows.signing import Credentials
from tests.conftest import DEMO_PASSWORDS

COMPLIANCE = Credentials("cora.compliance", DEMO_PASSWORDS["cora.compliance"])


@pytest.fixture
def cora(db: ServerTarget) -> Iterator[UserSession]:
    session = login(db, "cora.compliance", DEMO_PASSWORDS["cora.compliance"])
    yield session
    session.close()


def hero_lot(owner: Engine) -> str:
    """The demo's source lot split into many lots that reached many customers."""
    with owner.connect() as conn:
        return str(conn.execute(text(
            "SELECT l.lot_code FROM erp.lot_genealogy g JOIN quality.lots l ON l.id = g.parent_lot_id"
            " GROUP BY l.lot_code ORDER BY count(*) DESC LIMIT 1")).scalar_one())


def test_impact_mass_balance_and_one_signed_hold(cora: UserSession, owner_engine: Engine,
                                                 db: ServerTarget) -> None:
    source = hero_lot(owner_engine)
    with owner_engine.begin() as conn:  # an open order on a child lot, for the ERP flag
        child, line = conn.execute(text(
            "SELECT l.id, (SELECT min(id) FROM erp.sales_order_lines) FROM erp.lot_genealogy g "
            "JOIN quality.lots l ON l.id = g.child_lot_id JOIN quality.lots p ON p.id = g.parent_lot_id "
            "WHERE p.lot_code = :s AND l.status = 'available' LIMIT 1"), {"s": source}).one()
        conn.execute(text("INSERT INTO erp.allocations (order_line_id, lot_id, qty, status) "
                          "VALUES (:l, :lot, 1, 'open')"), {"l": line, "lot": child})
    opened = recalls.open_recall(cora, [source], "Salmonella reported by the supplier", "I",
                                 "FDA-2026-0001")
    assert opened.number.startswith("R-") and opened.state == "open"
    result = recalls.impact(cora, opened.id)
    assert len(result.trace.lots) >= 6 and len(result.customers) >= 10
    assert result.shipped == sum((s.qty for s in result.trace.shipments), start=result.shipped * 0)
    assert result.exposure > 0 and len(result.trace.allocations) >= 1
    assert result.balance_total.unexplained == 0  # the demo's records account for every kg
    assert result.balance_total.received > 0 and result.balance_total.shipped > 0

    with pytest.raises(DecisionRefused, match="permission denied for function recall_hold"):
        approver = login(db, "arlo.approver", DEMO_PASSWORDS["arlo.approver"])
        try:
            recalls.hold_all(approver, Credentials("arlo.approver",
                                                   DEMO_PASSWORDS["arlo.approver"]), opened.id)
        finally:
            approver.close()
    outcome = recalls.hold_all(cora, COMPLIANCE, opened.id)
    in_hand = {s.lot_code for s in result.trace.stock}
    assert outcome["held"] + outcome["already_on_hold"] == len(in_hand) > 0
    assert outcome["allocations_flagged"] >= 1
    with owner_engine.connect() as conn:
        rows = conn.execute(text("""
            SELECT l.lot_code, l.status, s.hold_kind, s.recall_id FROM quality.lots l
            JOIN quality.lot_state s ON s.lot_id = l.id WHERE l.lot_code = ANY(:codes)"""),
            {"codes": list(in_hand)}).all()
        flagged = conn.execute(text(
            "SELECT f.reason FROM erp.allocations a JOIN quality.allocation_flags f "
            "ON f.allocation_id = a.id WHERE a.lot_id = :l AND a.status = 'open'"),
            {"l": child}).scalar_one()
        signatures = conn.execute(text(
            "SELECT count(*) FROM quality.signatures WHERE record_type = 'recall'")).scalar_one()
    assert {(status, kind, rid) for _c, status, kind, rid in rows} == {
        ("hold", "recall", opened.id)}
    assert flagged.startswith(f"Recall {opened.number}")
    assert signatures == 1  # one signed decision for the whole recall
    history = decisions.history(cora, sorted(in_hand)[0])[-1]
    assert history.action == "recall_hold" and history.reason.startswith(f"Recall {opened.number}")
    assert [s.meaning for s in history.signatures] == ["Placed on hold (recall)"]
    assert history.signatures[0].valid
    with pytest.raises(DecisionRefused, match="already"):
        recalls.hold_all(cora, COMPLIANCE, opened.id)

    pdf = recalls.report_pdf(cora, recalls.impact(cora, opened.id))
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
    notes = io.StringIO()
    recalls.write_notifications(result, notes)
    assert len(notes.getvalue().splitlines()) == len(result.customers) + 1


def test_a_mock_recall_holds_nothing_and_is_timed(cora: UserSession,
                                                  owner_engine: Engine) -> None:
    source = hero_lot(owner_engine)
    with owner_engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM quality.lots WHERE status = 'hold'")).scalar()
    mock = recalls.open_recall(cora, [source], "Annual mock recall exercise", "II", mock=True)
    assert mock.number.startswith("MOCK-")
    result = recalls.impact(cora, mock.id)
    with pytest.raises(DecisionRefused, match="mock recall: it holds nothing"):
        recalls.hold_all(cora, COMPLIANCE, mock.id)
    minutes = recalls.complete_report(cora, mock.id, result.summary())
    assert 0 <= minutes < 5
    history = recalls.list_recalls(cora, mock=True)
    assert history[0].id == mock.id and history[0].minutes_to_report is not None
    assert history[0].summary is not None and history[0].summary["unexplained"] == "0.000"
    with owner_engine.connect() as conn:
        after = conn.execute(text("SELECT count(*) FROM quality.lots WHERE status = 'hold'")).scalar()
    assert after == before


def test_only_compliance_opens_recalls_and_lots_must_exist(db: ServerTarget,
                                                           cora: UserSession) -> None:
    inspector = login(db, "ivy.inspector", DEMO_PASSWORDS["ivy.inspector"])
    try:
        with pytest.raises(DecisionRefused, match="permission denied"):
            recalls.open_recall(inspector, ["L24-0000001"], "x", "I")
    finally:
        inspector.close()
    with pytest.raises(DecisionRefused, match="no lot NOPE"):
        recalls.open_recall(cora, ["NOPE"], "x", "I")
    with pytest.raises(DecisionRefused, match="class must be"):
        recalls.open_recall(cora, ["L24-0000001"], "x", "IV")
