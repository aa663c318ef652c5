"""The printed NCR report, CAPA log and SCAR letter say what the records hold, and a printout of
a record changed after signing says so."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from app.db.server import ServerTarget
from app.workflows import inspections, qm_reports
from app.workflows import nonconformance as nc
from app.workflows.session import UserSession
from app.workflows.signing import Credentials
from tests.conftest import DEMO_PASSWORDS
from tests.support.inspections import as_user, planned_lot, record_all
from tests.support.pdf_text import words


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
def closed_ncr(db: ServerTarget, owner_engine: Engine,
               people: dict[str, UserSession]) -> tuple[str, int]:
    """A failed receiving inspection's NCR, investigated by 5 whys and closed with a signature."""
    ivy, arlo = people["ivy.inspector"], people["arlo.approver"]
    lot = planned_lot(db, owner_engine)
    opened = inspections.open_inspection(ivy, lot, lot_size=1000)
    record_all(ivy, opened, temperature=14.0)
    inspections.complete(ivy, _credentials("ivy.inspector"), opened.id, defects=0)
    ncr_id = inspections.ncr_of(ivy, opened.id)
    assert ncr_id is not None
    nc.record_containment(ivy, ncr_id, "Lot held; the other lots on the truck checked")
    nc.record_investigation(ivy, ncr_id, "5_whys", "Reefer switched off at the hub",
                            {"whys": ["Arrived at 14 °C", "Reefer off for 6 h",
                                      "Hub procedure silent on reefer loads"]})
    nc.record_disposition(arlo, ncr_id, "return_to_vendor", "temperature abuse in transit")
    nc.close_ncr(arlo, _credentials("arlo.approver"), ncr_id)
    return lot, ncr_id


def test_the_ncr_report_holds_the_investigation_the_lots_and_a_valid_signature(
        closed_ncr: tuple[str, int], people: dict[str, UserSession], owner_engine: Engine) -> None:
    lot, ncr_id = closed_ncr
    pdf = qm_reports.ncr_report_pdf(people["aude.auditor"], ncr_id)
    said = words(pdf)
    assert f"Nonconformance report NCR-{ncr_id:05d}" in said
    assert lot in said and "Temperature at receipt 14" in said
    assert "Why 1? Arrived at 14 °C" in said and "Why 3? Hub procedure silent" in said
    assert "return to vendor: temperature abuse in transit" in said
    assert "Arlo" in said and "Closed" in said and " valid " in f"{said} "
    assert "NOT VALID" not in said
    assert "ncr: investigation" in said  # the history, from the audit trail
    with owner_engine.begin() as conn:  # a superuser rewrites the root cause afterwards
        conn.execute(text("UPDATE quality.ncrs SET root_cause = 'unknown' WHERE id = :n"),
                     {"n": ncr_id})
    assert "NOT VALID: changed after signing" in words(
        qm_reports.ncr_report_pdf(people["aude.auditor"], ncr_id))


def test_the_capa_log_lists_actions_overdue_work_and_the_closing_signature(
        closed_ncr: tuple[str, int], people: dict[str, UserSession], owner_engine: Engine) -> None:
    _, ncr_id = closed_ncr
    ivy, cora = people["ivy.inspector"], people["cora.compliance"]
    today = dt.date.today()
    done = nc.open_capa(cora, ncr_id, "Reefer loads at the hub", "arlo.approver",
                        "No receipt above 8 °C in 3 months", today + dt.timedelta(90))
    action = nc.add_action(cora, done, "corrective", "Carrier retrains hub staff", "ivy.inspector",
                           today + dt.timedelta(14))
    nc.complete_action(ivy, action, "Training record received")
    nc.record_effectiveness(cora, done, True, "No warm receipts in 42 loads")
    nc.close_capa(cora, _credentials("cora.compliance"), done)
    late = nc.open_capa(cora, ncr_id, "Data loggers", "cora.compliance", "every load logged",
                        today + dt.timedelta(60))
    late_action = nc.add_action(cora, late, "preventive", "Buy data loggers", "ivy.inspector",
                                today + dt.timedelta(3))
    with owner_engine.begin() as conn:
        conn.execute(text("UPDATE quality.capa_actions SET due_date = :d WHERE id = :a"),
                     {"d": today - dt.timedelta(2), "a": late_action})
    said = words(qm_reports.capa_log_pdf(people["aude.auditor"]))
    assert f"CAPA-{done:05d} — Reefer loads at the hub" in said
    assert "effective — No warm receipts in 42 loads" in said
    assert "Closed after effectiveness check" in said and "NOT VALID" not in said
    assert f"Overdue: action due {today - dt.timedelta(2)}" in said
    assert f"{today - dt.timedelta(2)} OVERDUE" in said
    assert "with overdue work" in said and "1 with overdue work" in said


def test_the_scar_letter_names_the_suppliers_own_lot_and_records_the_answers(
        closed_ncr: tuple[str, int], people: dict[str, UserSession], owner_engine: Engine) -> None:
    lot, ncr_id = closed_ncr
    arlo = people["arlo.approver"]
    today = dt.date.today()
    scar_id = nc.open_scar(arlo, ncr_id, "Find and correct the cause of the warm delivery",
                           today + dt.timedelta(14))
    nc.send_scar(arlo, scar_id)
    nc.record_scar_response(arlo, scar_id, "Hub procedure changed; 8D attached", today)
    nc.judge_scar_response(arlo, scar_id, False, "8D lacks the verification step",
                           today + dt.timedelta(7))
    with owner_engine.connect() as conn:
        supplier_lot, supplier = conn.execute(text(
            "SELECT l.supplier_lot_code, s.name FROM quality.lots l "
            "JOIN erp.suppliers s ON s.id = l.supplier_id WHERE l.lot_code = :l"), {"l": lot}).one()
    said = words(qm_reports.scar_letter_pdf(people["aude.auditor"], scar_id))
    assert f"Supplier corrective action request SCAR-{scar_id:05d}" in said
    assert supplier in said and lot in said
    if supplier_lot:
        assert supplier_lot in said
    assert "Find and correct the cause of the warm delivery" in said
    assert f"Answer due {today + dt.timedelta(7)}" in said
    assert "Hub procedure changed; 8D attached" in said  # the answer, and when
    assert "8D lacks the verification step" in said  # the judgement
    assert "scar: send" in said and "scar: ask again" in said
    with pytest.raises(LookupError, match="SCAR-99999 does not exist"):
        qm_reports.scar_letter_pdf(arlo, 99999)
