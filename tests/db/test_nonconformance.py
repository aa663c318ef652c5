"""What follows a failure: an NCR opened by the failed inspection, investigated and closed by a
second person with a signature; a CAPA closed only after its effectiveness check; overdue CAPA
work in the owner's queue; a SCAR counted in the supplier scorecard; the denied paths."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from app.db.errors import DecisionRefused
from app.db.queries import nonconformance as qm
from app.db.queries.supplier_scorecard import scorecard
from app.db.server import ServerTarget
from app.workflows import inspections
from app.workflows import nonconformance as nc
from app.workflows.session import UserSession
from app.workflows.signing import Credentials
from tests.conftest import DEMO_PASSWORDS
from tests.support.inspections import as_user, planned_lot, record_all

Refused = (DBAPIError, DecisionRefused)


def _credentials(username: str) -> Credentials:
    return Credentials(username, DEMO_PASSWORDS[username])


@pytest.fixture
def people(db: ServerTarget) -> Iterator[dict[str, UserSession]]:
    sessions = {name: as_user(db, name) for name in
                ("ivy.inspector", "arlo.approver", "cora.compliance", "aude.auditor")}
    yield sessions
    for session in sessions.values():
        session.close()


@pytest.fixture
def failed(db: ServerTarget, owner_engine: Engine, people: dict[str, UserSession]) -> tuple[str, int]:
    """A lot whose receiving inspection failed: (lot code, the NCR it opened)."""
    ivy = people["ivy.inspector"]
    lot = planned_lot(db, owner_engine)
    opened = inspections.open_inspection(ivy, lot, lot_size=1000)
    record_all(ivy, opened, temperature=14.0)
    assert inspections.complete(ivy, _credentials("ivy.inspector"), opened.id, defects=0) == "failed"
    ncr_id = inspections.ncr_of(ivy, opened.id)
    assert ncr_id is not None
    return lot, ncr_id


def test_a_failed_inspection_opens_an_ncr_that_names_the_lot_and_its_hold(
        failed: tuple[str, int], people: dict[str, UserSession]) -> None:
    lot, ncr_id = failed
    with people["aude.auditor"].engine.connect() as conn:
        detail = qm.ncr(conn, ncr_id)
    assert (detail.source, detail.status, detail.severity) == ("inspection", "open", "major")
    assert "Temperature at receipt 14" in detail.found
    assert [x.lot_code for x in detail.lots] == [lot]
    assert detail.lots[0].status == "hold"
    assert detail.lots[0].hold_reason is not None and "Receiving inspection" in detail.lots[0].hold_reason
    assert detail.supplier is not None and detail.item is not None


def test_an_ncr_is_closed_by_a_second_person_with_a_signature(
        failed: tuple[str, int], people: dict[str, UserSession], owner_engine: Engine) -> None:
    _, ncr_id = failed
    ivy, arlo = people["ivy.inspector"], people["arlo.approver"]
    # closing before the investigation: the status machine refuses
    with pytest.raises(Refused, match="NCR that is open cannot be moved by close"):
        nc.close_ncr(arlo, _credentials("arlo.approver"), ncr_id)
    with pytest.raises(DBAPIError, match="chain of whys"):
        nc.record_investigation(ivy, ncr_id, "5_whys", "cold chain broken", {"whys": ["warm"]})
    nc.record_investigation(ivy, ncr_id, "5_whys", "The carrier's reefer was switched off at the hub", {
        "whys": ["Product arrived at 14 °C", "Reefer unit off for 6 h", "Switched off at the hub",
                 "Hub procedure does not name reefer loads"]})
    nc.record_containment(ivy, ncr_id, "Lot held; other lots on the same truck checked")
    # an inspector may not decide what becomes of the material
    with pytest.raises(DBAPIError, match="record disposition NCRs"):
        nc.record_disposition(ivy, ncr_id, "return_to_vendor", "temperature abuse")
    nc.record_disposition(arlo, ncr_id, "return_to_vendor", "temperature abuse in transit")
    with people["arlo.approver"].engine.connect() as conn:
        status = qm.ncr(conn, ncr_id).status
        assert {m.action for m in qm.moves(conn, "ncr", status)} >= {"close", "cancel"}
    signature = nc.close_ncr(arlo, _credentials("arlo.approver"), ncr_id)
    with owner_engine.connect() as conn:
        assert conn.execute(text("SELECT status FROM quality.ncrs WHERE id = :n"),
                            {"n": ncr_id}).scalar_one() == "closed"
        assert conn.execute(text("SELECT quality.signature_valid(:s)"), {"s": signature}).scalar_one()
        conn.execute(text("UPDATE quality.ncrs SET root_cause = 'unknown' WHERE id = :n"), {"n": ncr_id})
        assert not conn.execute(text("SELECT quality.signature_valid(:s)"), {"s": signature}).scalar_one()
        conn.rollback()
    with pytest.raises(DBAPIError, match="closed cannot be moved by record investigation"):
        nc.record_investigation(arlo, ncr_id, "other", "changed afterwards")


def test_whoever_opened_an_ncr_cannot_close_it(
        db: ServerTarget, owner_engine: Engine, people: dict[str, UserSession]) -> None:
    cora = people["cora.compliance"]
    lot = planned_lot(db, owner_engine)
    ncr_id = nc.open_ncr(cora, source="complaint", severity="minor", title="Customer: label smudged",
                         found="Two cartons with an unreadable lot label", lots=[lot])
    nc.record_investigation(cora, ncr_id, "fishbone", "Label stock absorbs ink",
                            {"categories": {"Material": "new label stock", "Machine": "printer ok"}})
    nc.record_containment(cora, ncr_id, "Cartons relabelled")
    nc.record_disposition(cora, ncr_id, "use_as_is", "contents unaffected")
    with pytest.raises(Refused, match="another person reviews and closes it"):
        nc.close_ncr(cora, _credentials("cora.compliance"), ncr_id)


def test_what_opening_an_ncr_refuses(people: dict[str, UserSession]) -> None:
    ivy = people["ivy.inspector"]
    with pytest.raises(DBAPIError, match="permission denied for function open_ncr"):
        nc.open_ncr(people["aude.auditor"], source="manual", severity="minor", title="x", found="y",
                    lots=[])
    with pytest.raises(DBAPIError, match="no lot NO-SUCH-LOT"):
        nc.open_ncr(ivy, source="manual", severity="minor", title="x", found="y", lots=["NO-SUCH-LOT"])
    with pytest.raises(DBAPIError, match="minor, major or critical"):
        nc.open_ncr(ivy, source="manual", severity="bad", title="x", found="y", lots=[])
    with pytest.raises(DBAPIError, match="names the lots, the item or the supplier"):
        nc.open_ncr(ivy, source="manual", severity="minor", title="x", found="y", lots=[])
    with pytest.raises(DBAPIError, match="what was found is needed"):
        nc.open_ncr(ivy, source="manual", severity="minor", title="x", found=" ", supplier_id=1)


def test_a_capa_closes_only_after_its_effectiveness_check_and_not_by_its_owner(
        failed: tuple[str, int], people: dict[str, UserSession], owner_engine: Engine) -> None:
    _, ncr_id = failed
    ivy, arlo, cora = people["ivy.inspector"], people["arlo.approver"], people["cora.compliance"]
    today = dt.date.today()
    with pytest.raises(DBAPIError, match="open CAPAs"):
        nc.open_capa(ivy, ncr_id, "Reefer loads", "ivy.inspector", "no warm receipts", today)
    with pytest.raises(DBAPIError, match="cannot own quality work"):
        nc.open_capa(cora, ncr_id, "Reefer loads", "aude.auditor", "no warm receipts", today)
    capa_id = nc.open_capa(cora, ncr_id, "Reefer loads at the hub", "arlo.approver",
                           "No receipt above 8 °C from this carrier in 3 months", today + dt.timedelta(90))
    corrective = nc.add_action(cora, capa_id, "corrective", "Carrier retrains hub staff",
                               "ivy.inspector", today + dt.timedelta(14))
    preventive = nc.add_action(cora, capa_id, "preventive", "Data logger in every reefer load",
                               "arlo.approver", today + dt.timedelta(30))
    with pytest.raises(DBAPIError, match="every action is done; open: Carrier retrains"):
        nc.record_effectiveness(cora, capa_id, True, "no warm receipts")
    with pytest.raises(Refused, match="cannot be moved by close"):
        nc.close_capa(arlo, _credentials("arlo.approver"), capa_id)
    with pytest.raises(DBAPIError, match="its owner \\(or compliance\\) marks it done"):
        nc.complete_action(ivy, preventive, "loggers bought")
    nc.complete_action(ivy, corrective, "Training record received from the carrier")
    nc.complete_action(arlo, preventive, "Loggers in use from this week")
    with pytest.raises(DBAPIError, match="check effectiveness CAPAs"):
        nc.record_effectiveness(ivy, capa_id, True, "an inspector judging it")
    with pytest.raises(Refused, match=r"you own CAPA .*another person checks"):
        nc.record_effectiveness(arlo, capa_id, True, "I checked my own work")
    # not effective: the CAPA stays open for more actions
    nc.record_effectiveness(cora, capa_id, False, "One warm receipt in week 2")
    with people["cora.compliance"].engine.connect() as conn:
        assert qm.capa(conn, capa_id).status == "open"
    nc.add_action(cora, capa_id, "corrective", "Carrier audit", "ivy.inspector", today + dt.timedelta(7))
    with people["cora.compliance"].engine.connect() as conn:
        audit_action = qm.capa(conn, capa_id).actions[-1].id
    nc.complete_action(ivy, audit_action, "Audit done, hub procedure changed")
    nc.record_effectiveness(cora, capa_id, True, "No warm receipts in 3 months (42 loads)")
    with pytest.raises(Refused, match=r"you own CAPA .*another person closes it"):
        nc.close_capa(arlo, _credentials("arlo.approver"), capa_id)
    signature = nc.close_capa(cora, _credentials("cora.compliance"), capa_id)
    with owner_engine.connect() as conn:
        assert conn.execute(text("SELECT status, closed_by FROM quality.capas WHERE id = :c"),
                            {"c": capa_id}).one() == ("closed", "cora.compliance")
        assert conn.execute(text("SELECT quality.signature_valid(:s)"), {"s": signature}).scalar_one()


def test_an_overdue_capa_action_enters_its_owners_queue(
        failed: tuple[str, int], people: dict[str, UserSession], owner_engine: Engine) -> None:
    _, ncr_id = failed
    cora, ivy = people["cora.compliance"], people["ivy.inspector"]
    today = dt.date.today()
    capa_id = nc.open_capa(cora, ncr_id, "Reefer loads", "cora.compliance", "no warm receipts",
                           today + dt.timedelta(60))
    action = nc.add_action(cora, capa_id, "corrective", "Retrain hub staff", "ivy.inspector",
                           today + dt.timedelta(3))
    with owner_engine.begin() as conn:  # four days pass
        conn.execute(text("UPDATE quality.capa_actions SET due_date = :d WHERE id = :a"),
                     {"d": today - dt.timedelta(1), "a": action})
    with ivy.engine.begin() as conn:
        conn.execute(text("SELECT quality.refresh_exceptions(NULL, ARRAY['capa_action_overdue'])"))
    with owner_engine.connect() as conn:
        queued = conn.execute(text(
            "SELECT owner_role, title FROM quality.exceptions WHERE type = 'capa_action_overdue' "
            "AND key = :k AND closed_at IS NULL"), {"k": f"capa_action:{action}"}).one()
    assert queued.owner_role == "lotproof_inspector"  # Ivy's role, not the route's default
    assert "Retrain hub staff" in queued.title
    with ivy.engine.connect() as conn:
        assert qm.board(conn, today)[0].overdue
    nc.complete_action(ivy, action, "done")
    with owner_engine.connect() as conn:
        assert conn.execute(text(
            "SELECT closed_at IS NOT NULL FROM quality.exceptions WHERE key = :k"),
            {"k": f"capa_action:{action}"}).scalar_one()


def test_a_scar_is_sent_answered_closed_and_counted_in_the_scorecard(
        failed: tuple[str, int], people: dict[str, UserSession], owner_engine: Engine) -> None:
    lot, ncr_id = failed
    arlo, ivy = people["arlo.approver"], people["ivy.inspector"]
    today = dt.date.today()
    with pytest.raises(DBAPIError, match="request supplier corrective actions"):
        nc.open_scar(ivy, ncr_id, "Explain", today + dt.timedelta(14))
    scar_id = nc.open_scar(arlo, ncr_id, "Find and correct the cause of the warm delivery",
                           today + dt.timedelta(14))
    with pytest.raises(DBAPIError, match="SCAR that is draft cannot be moved by record response"):
        nc.record_scar_response(arlo, scar_id, "done", today)
    nc.send_scar(arlo, scar_id)
    with owner_engine.connect() as conn:
        received = conn.execute(text(
            "SELECT min(r.received_at)::date, l.supplier_id FROM quality.lots l "
            "JOIN erp.receipt_lines rl ON rl.lot_id = l.id JOIN erp.receipts r ON r.id = rl.receipt_id "
            "WHERE l.lot_code = :l GROUP BY l.supplier_id"), {"l": lot}).one()
        card = {s.supplier_id: s for s in scorecard(conn, received[0], today).suppliers}
    assert card[received[1]].open_scars == 1
    assert card[received[1]].ncrs == 1
    nc.record_scar_response(arlo, scar_id, "Hub procedure changed; 8D report attached", today)
    nc.judge_scar_response(arlo, scar_id, False, "8D lacks the verification step",
                           today + dt.timedelta(7))
    nc.record_scar_response(arlo, scar_id, "Verification added", today)
    nc.judge_scar_response(arlo, scar_id, True, "Root cause and verification convincing")
    with owner_engine.connect() as conn:
        card = {s.supplier_id: s for s in scorecard(conn, received[0], today).suppliers}
        assert qm.scars(conn, ncr_id=ncr_id)[0].status == "closed"
    assert (card[received[1]].open_scars, card[received[1]].scars_closed) == (0, 1)
    assert card[received[1]].mean_scar_days is not None and card[received[1]].mean_scar_days < 1


def test_the_status_machines_are_data_nobody_rewrites(
        people: dict[str, UserSession], owner_engine: Engine) -> None:
    with people["aude.auditor"].engine.connect() as conn:
        assert {m.action for m in qm.moves(conn, "capa", "verified")} == {"close"}
    with pytest.raises(DBAPIError, match="permission denied"), people["cora.compliance"].engine.begin() as conn:
        conn.execute(text("UPDATE quality.qm_transitions SET roles = '{lotproof_inspector}'"))
    with pytest.raises(DBAPIError, match="permission denied"), people["cora.compliance"].engine.begin() as conn:
        conn.execute(text("UPDATE quality.ncrs SET status = 'closed'"))


def test_the_demo_has_inspection_work_to_show(owner_engine: Engine) -> None:
    with owner_engine.connect() as conn:
        counts = conn.execute(text("""
            SELECT (SELECT count(*) FROM quality.inspection_plans WHERE active),
                   (SELECT count(*) FROM quality.ncrs WHERE status = 'investigated'),
                   (SELECT count(*) FROM quality.capa_actions WHERE done_at IS NULL),
                   (SELECT count(*) FROM quality.scars WHERE status = 'sent')""")).one()
    assert tuple(counts) == (1, 1, 1, 1)


@pytest.mark.parametrize("call", [
    "SELECT quality._open_ncr('manual', NULL, '{}', 1, 1, 'minor', 'x', 'y')",
    "SELECT quality._ncr_link_lots(1, '{1}')",
    "SELECT quality._qm_move('ncr', 'close', 'investigated')",
    "SELECT quality._skip_lot(NULL::quality.lots, 1)",
])
def test_the_internal_steps_are_not_callable_by_a_login(people: dict[str, UserSession], call: str) -> None:
    """An NCR opened, or lots linked, by calling the helpers the rules use: refused."""
    with pytest.raises(DBAPIError, match="permission denied"), people["cora.compliance"].engine.begin() as conn:
        conn.execute(text(call))
