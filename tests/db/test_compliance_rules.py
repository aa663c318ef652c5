"""Compliance rules act at the point of decision, in the database: receipts, specifications,
shipments, allocations, quality events, SDS review, and the exception queue that routes the work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from app.db.demo.documents import simple_pdf
from app.db.errors import DecisionRefused
from app.db.server import ServerTarget
from app.documents.extract import extract_bytes
from app.workflows import compliance, decisions, documents
from app.workflows.session import UserSession, login
from app.workflows.signing import Credentials
from tests.conftest import DEMO_PASSWORDS
from tests.support.coa_files import coa_for_a_quarantine_lot


def _login(db: ServerTarget, username: str) -> Iterator[UserSession]:
    session = login(db, username, DEMO_PASSWORDS[username])
    yield session
    session.close()


@pytest.fixture
def inspector(db: ServerTarget) -> Iterator[UserSession]:
    yield from _login(db, "ivy.inspector")


@pytest.fixture
def compliance_officer(db: ServerTarget) -> Iterator[UserSession]:
    yield from _login(db, "cora.compliance")


@pytest.fixture
def approver(db: ServerTarget) -> Iterator[UserSession]:
    yield from _login(db, "arlo.approver")


def _one(owner: Engine, sql: str, **params: Any) -> Any:
    with owner.connect() as conn:
        return conn.execute(text(sql), params).one()


def _scalar(owner: Engine, sql: str, **params: Any) -> Any:
    with owner.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def _open_exception(owner: Engine, type_: str, key: str) -> Any:
    with owner.connect() as conn:
        return conn.execute(text(
            "SELECT id, owner_role, severity, title FROM quality.exceptions "
            "WHERE type = :t AND key = :k AND closed_at IS NULL"), {"t": type_, "k": key}).first()


def _verify_all(session: UserSession, verifier: UserSession, document_id: int) -> None:
    """The inspector confirms every value; a second person verifies."""
    review = documents.review(session, document_id)
    for f in review.fields:
        documents.confirm_field(session, f.id)
    for r in review.results:
        documents.confirm_result(session, r.id)
    documents.verify(verifier, document_id)


def test_an_out_of_spec_coa_holds_the_lot_and_routes_an_exception_closed_by_acting(
        db: ServerTarget, owner_engine: Engine, inspector: UserSession,
        compliance_officer: UserSession, approver: UserSession, tmp_path: Path) -> None:
    path, lot, _ = coa_for_a_quarantine_lot(owner_engine, tmp_path, seed=5, out_of_spec=True)
    outcome = documents.ingest(inspector, path, lot_code=lot)
    _verify_all(inspector, approver, outcome.document_id)
    assert decisions.lot_state(inspector, lot).status == "hold"  # type: ignore[union-attr]
    held = decisions.history(inspector, lot)[-1]
    assert held.action == "rule_hold" and held.reason is not None
    assert held.reason.startswith("Out of specification: ")

    lot_id = _scalar(owner_engine, "SELECT id FROM quality.lots WHERE lot_code = :c", c=lot)
    exception = _open_exception(owner_engine, "out_of_spec", f"lot:{lot_id}")
    assert exception is not None and exception.owner_role == "lotproof_compliance"
    assert "is outside the spec" in exception.title
    # Routed: compliance sees it in its queue, the inspector does not.
    assert any(e.id == exception.id for e in compliance.exceptions(compliance_officer))
    assert not any(e.id == exception.id for e in compliance.exceptions(inspector))

    # Acting on the lot closes the exception, in the same transaction, with an audit entry.
    decisions.reject(approver, Credentials("arlo.approver", DEMO_PASSWORDS["arlo.approver"]),
                     lot, "Assay out of specification", expected_status="hold")
    closed = _one(owner_engine, "SELECT closed_at, closed_by, close_reason FROM quality.exceptions "
                                "WHERE id = :e", e=exception.id)
    assert closed.closed_at is not None and closed.closed_by == "arlo.approver"
    audit = _one(owner_engine, """
        SELECT count(*) AS n FROM audit.trail WHERE record_type = 'quality.exceptions'
          AND record_id = :e AND username = 'arlo.approver'
          AND old_values ->> 'closed_at' IS NULL AND new_values ->> 'closed_at' IS NOT NULL""", e=str(exception.id))
    assert audit.n == 1


def test_a_receipt_from_a_suspended_supplier_lands_on_hold(
        owner_engine: Engine, compliance_officer: UserSession) -> None:
    supplier_id, item_id, category, site_id = _one(owner_engine, """
        SELECT s.id, i.id, i.category, l.site_id FROM quality.lots l
        JOIN erp.items i ON i.id = l.item_id JOIN erp.suppliers s ON s.id = l.supplier_id
        WHERE s.approval_status = 'approved' AND l.origin = 'receipt' ORDER BY l.id LIMIT 1""")
    compliance.set_supplier_approval(compliance_officer, supplier_id, category, "suspended",
                                     "Audit found pest activity")
    with owner_engine.begin() as conn:  # the ERP receives a new lot from that supplier
        for code, item in (("RCV-SUSP-1", item_id),):
            conn.execute(text("""
                INSERT INTO erp.lots (lot_code, item_id, supplier_id, supplier_lot_code,
                                      manufacture_date, expiry_date, origin, site_id)
                VALUES (:c, :i, :s, 'SUP-LOT-9', current_date, current_date + 400, 'receipt',
                        :site)"""), {"c": code, "i": item, "s": supplier_id, "site": site_id})
    status, reason, versions = _one(owner_engine, """
        SELECT l.status, d.reason, d.rule_versions FROM quality.lots l
        JOIN quality.lot_decisions d ON d.lot_id = l.id WHERE l.lot_code = 'RCV-SUSP-1'""")
    assert status == "hold"
    assert "which is suspended for" in reason
    assert "supplier_approval_id" in versions  # the approval that applied is recorded

    # A supplier approved for the category again: the next receipt stays in quarantine.
    compliance.set_supplier_approval(compliance_officer, supplier_id, category, "approved",
                                     "Corrective actions verified")
    with owner_engine.begin() as conn:
        conn.execute(text("""
            INSERT INTO erp.lots (lot_code, item_id, supplier_id, origin, site_id)
            VALUES ('RCV-OK-1', :i, :s, 'receipt', :site)"""),
            {"i": item_id, "s": supplier_id, "site": site_id})
    assert _scalar(owner_engine, "SELECT status FROM quality.lots WHERE lot_code = 'RCV-OK-1'") \
        == "quarantine"
    with pytest.raises(DecisionRefused, match="status must be one of"):
        compliance.set_supplier_approval(compliance_officer, supplier_id, category, "maybe", "x")


def test_a_customer_needing_180_days_is_refused_a_90_day_lot_and_allocation_skips_it(
        owner_engine: Engine, compliance_officer: UserSession, approver: UserSession) -> None:
    item_id = _scalar(owner_engine, """
        SELECT l.item_id FROM quality.lots l JOIN erp.stock s ON s.lot_id = l.id
        JOIN erp.locations loc ON loc.id = s.location_id AND loc.kind = 'bin'
        WHERE l.status = 'available' AND s.qty > 0
        GROUP BY l.item_id HAVING count(DISTINCT l.id) >= 3 ORDER BY l.item_id LIMIT 1""")
    lots = [r[0] for r in owner_engine.connect().execute(text("""
        SELECT DISTINCT l.lot_code FROM quality.lots l JOIN erp.stock s ON s.lot_id = l.id
        JOIN erp.locations loc ON loc.id = s.location_id AND loc.kind = 'bin'
        WHERE l.item_id = :i AND l.status = 'available' AND s.qty > 0 ORDER BY 1"""),
        {"i": item_id})]
    short, long_a, long_b = lots[:3]
    today = dt.date.today()
    with owner_engine.begin() as conn:  # the dates of three lots of one item, set up
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # (the ERP may only
        # shorten the shelf life of a lot Lotproof has decided on)
        for code, days in ((short, 90), (long_a, 400), (long_b, 500)):
            conn.execute(text("UPDATE erp.lots SET expiry_date = :d, manufacture_date = :m "
                              "WHERE lot_code = :c"),
                         {"d": today + dt.timedelta(days=days),
                          "m": today - dt.timedelta(days=200), "c": code})
    customer_id = _scalar(owner_engine, "SELECT min(id) FROM erp.customers")
    compliance.set_customer_requirements(
        compliance_officer, customer_id, min_days=180, min_percent=None, excluded_suppliers=[],
        excluded_lots=[], required_documents=[], reason="Customer quality agreement rev. 4")

    check = compliance.check_shipment(approver, short, customer_id, Decimal("1"), today)
    assert not check.allowed
    assert any("90 days of shelf life left at shipment" in r and "at least 180" in r
               for r in check.reasons), check.reasons
    assert compliance.check_shipment(approver, long_a, customer_id, Decimal("1"), today).allowed

    suggested = compliance.suggest_allocation(approver, item_id, customer_id,
                                              Decimal("1000000"), today)
    codes = [line.lot_code for line in suggested]
    assert short not in codes and long_a in codes and long_b in codes
    expiries = [line.expiry_date for line in suggested if line.expiry_date is not None]
    assert expiries == sorted(expiries)  # first expiring first
    # Enough for a small order: the first lot that satisfies the customer covers it.
    small = compliance.suggest_allocation(approver, item_id, customer_id, Decimal("1"), today)
    assert len(small) == 1 and small[0].take == Decimal("1") and small[0].lot_code != short

    # The ERP's own shipment through the guarded tables asks the same question.
    compliance.set_customer_requirements(
        compliance_officer, customer_id, min_days=None, min_percent=80, excluded_suppliers=[],
        excluded_lots=[long_b], required_documents=[], reason="Percent rule and one excluded lot")
    check = compliance.check_shipment(approver, long_a, customer_id, Decimal("1"), today)
    assert any("% of the shelf life left" in r for r in check.reasons), check.reasons
    check = compliance.check_shipment(approver, long_b, customer_id, Decimal("1"), today)
    assert any("has excluded lot" in r for r in check.reasons), check.reasons


def test_an_sds_past_its_review_period_raises_an_exception(
        owner_engine: Engine, inspector: UserSession, compliance_officer: UserSession,
        approver: UserSession) -> None:
    item_id, supplier_id, product = _one(owner_engine, """
        SELECT i.id, l.supplier_id, i.name FROM erp.items i JOIN quality.lots l ON l.item_id = i.id
        WHERE l.supplier_id IS NOT NULL ORDER BY i.id LIMIT 1""")
    data = simple_pdf("SAFETY DATA SHEET", "Fictional Chemicals Ltd", [
        f"1. Identification: {product}", "2. Hazard identification: see label",
        "Revision date: 2021-03-01", "Test document"])
    outcome = documents.store(inspector, data, "SDS old.pdf", extract_bytes(data, "SDS old.pdf"))
    if outcome.kind != "sds":
        documents.set_kind(inspector, outcome.document_id, "sds", "It is a safety data sheet")
    documents.link_item(inspector, outcome.document_id, item_id, supplier_id)
    _verify_all(inspector, approver, outcome.document_id)
    assert _scalar(owner_engine, "SELECT revision_date FROM quality.documents WHERE id = :d",
                   d=outcome.document_id) == dt.date(2021, 3, 1)

    compliance.refresh_exceptions(compliance_officer)
    exception = _open_exception(owner_engine, "sds_out_of_date", f"document:{outcome.document_id}")
    assert exception is not None and exception.owner_role == "lotproof_compliance"
    assert "older than 1095 days" in exception.title
    assert any(e.id == exception.id for e in compliance.exceptions(compliance_officer))
    # Closed by hand with a reason (e.g. a new revision requested from the supplier).
    with pytest.raises(DecisionRefused, match="needs a reason"):
        compliance.close_exception(compliance_officer, exception.id, " ")
    compliance.close_exception(compliance_officer, exception.id, "New revision requested")
    assert _open_exception(owner_engine, "sds_out_of_date",
                           f"document:{outcome.document_id}") is None


def test_a_spec_change_is_a_new_version_and_old_decisions_keep_naming_the_old_one(
        owner_engine: Engine, compliance_officer: UserSession, approver: UserSession,
        inspector: UserSession) -> None:
    lot, item_id, decided_version = _one(owner_engine, """
        SELECT l.lot_code, l.item_id, (d.rule_versions ->> 'spec_version')::int
        FROM quality.lot_decisions d JOIN quality.lots l ON l.id = d.lot_id
        WHERE d.action = 'release' AND d.state = 'done' AND l.status = 'available'
          AND d.rule_versions ? 'spec_version' ORDER BY d.id LIMIT 1""")
    spec = compliance.current_spec(compliance_officer, item_id)
    assert spec, "the demo item has a specification"
    tests = [{"test": s.test, "method": s.method, "min": s.min_value, "max": s.max_value,
              "text": s.text_requirement, "unit": s.unit} for s in spec]
    tests.append({"test": "Heavy metals", "max": "10", "unit": "ppm",
                  "coa_acceptable": False})
    new_version = compliance.set_item_specs(compliance_officer, item_id, tests,
                                            "Heavy metals added after customer audit")
    assert new_version == decided_version + 1
    versions = compliance.spec_versions(compliance_officer, item_id)
    assert [v.version for v in versions][:2] == [new_version, decided_version]
    assert versions[0].reason == "Heavy metals added after customer audit"
    # The old spec lines are kept, inactive, with their version.
    assert _scalar(owner_engine, """
        SELECT count(*) FROM quality.item_specs s JOIN quality.spec_versions v
          ON v.id = s.spec_version_id WHERE s.item_id = :i AND v.version = :v AND NOT s.active""",
                   i=item_id, v=decided_version) == len(spec)

    decisions.hold(inspector, Credentials("ivy.inspector", DEMO_PASSWORDS["ivy.inspector"]),
                   lot, "Customer complaint under investigation", expected_status="available")
    rows = owner_engine.connect().execute(text("""
        SELECT d.action, (d.rule_versions ->> 'spec_version')::int FROM quality.lot_decisions d
        JOIN quality.lots l ON l.id = d.lot_id WHERE l.lot_code = :c ORDER BY d.id"""),
        {"c": lot}).all()
    assert ("release", decided_version) in rows
    assert rows[-1] == ("hold", new_version)
    # Only compliance officers change specifications, and never without a reason.
    with pytest.raises(DecisionRefused):
        compliance.set_item_specs(approver, item_id, tests[:1], "why not")
    with pytest.raises(DecisionRefused, match="needs a reason"):
        compliance.set_item_specs(compliance_officer, item_id, tests[:1], "")


def test_a_logger_excursion_holds_the_lot_in_storage_and_raises_an_exception(
        owner_engine: Engine, inspector: UserSession) -> None:
    lot = _scalar(owner_engine, """
        SELECT l.lot_code FROM quality.lots l JOIN erp.stock s ON s.lot_id = l.id
        WHERE l.status = 'available' AND s.qty > 0 ORDER BY l.id LIMIT 1""")
    csv_text = ("Timestamp,Temperature (°C)\n"
                "2026-07-01T10:00:00,4.1\n2026-07-01T10:15:00,9.6\n"
                "2026-07-01T10:30:00,11.2\n2026-07-01T10:45:00,5.0\n"
                "2026-07-01T11:00:00,4.4\n")
    found = compliance.find_excursions(csv_text, Decimal("2"), Decimal("8"))
    assert len(found) == 1 and found[0].readings == 2 and found[0].maximum == Decimal("11.2")
    events = compliance.import_logger_csv(inspector, csv_text, limit_min=Decimal("2"),
                                          limit_max=Decimal("8"), lot_code=lot,
                                          logger="Reefer logger 7")
    assert len(events) == 1
    assert decisions.lot_state(inspector, lot).status == "hold"  # type: ignore[union-attr]
    assert decisions.history(inspector, lot)[-1].reason.startswith(  # type: ignore[union-attr]
        f"Temperature excursion (event {events[0]})")
    assert _open_exception(owner_engine, "temperature_excursion", f"event:{events[0]}") is not None
    with pytest.raises(compliance.LoggerFileError, match="line 3"):
        compliance.find_excursions("time,temp\n2026-07-01T10:00,4\nnot a date,5\n", None,
                                   Decimal("8"))


def test_a_test_the_supplier_coa_cannot_stand_in_for_asks_for_own_testing(
        owner_engine: Engine, compliance_officer: UserSession, approver: UserSession) -> None:
    lot, item_id = _one(owner_engine, """
        SELECT l.lot_code, l.item_id FROM quality.lots l WHERE l.status = 'quarantine'
          AND NOT EXISTS (SELECT 1 FROM quality.lot_decisions d WHERE d.lot_id = l.id)
        ORDER BY l.id LIMIT 1""")
    tests = [s.as_rule() for s in compliance.current_spec(compliance_officer, item_id)]
    tests.append({"test": "Pesticide screen", "text": "Complies", "coa_acceptable": False})
    compliance.set_item_specs(compliance_officer, item_id, tests, "Own testing of pesticides")
    blockers = decisions.release_blockers(approver, lot)
    assert "Pesticide screen needs own testing: the supplier COA does not stand in for it" \
        in blockers
    assert not any("no verified COA result for Pesticide screen" in b for b in blockers)


def test_documents_required_of_a_supplier_block_release_until_verified(
        owner_engine: Engine, compliance_officer: UserSession, approver: UserSession) -> None:
    lot, supplier_id = _one(owner_engine, """
        SELECT l.lot_code, l.supplier_id FROM quality.lots l JOIN erp.items i ON i.id = l.item_id
        WHERE l.status = 'quarantine' AND l.supplier_id IS NOT NULL
          AND NOT 'ALLERGEN_STATEMENT' = ANY(i.required_documents)
          AND NOT EXISTS (SELECT 1 FROM quality.lot_decisions d WHERE d.lot_id = l.id)
          AND NOT EXISTS (SELECT 1 FROM quality.document_links k JOIN quality.documents d
                          ON d.id = k.document_id WHERE d.kind = 'allergen_statement'
                          AND (k.supplier_id = l.supplier_id OR k.item_id = l.item_id))
        ORDER BY l.id LIMIT 1""")
    before = decisions.release_blockers(approver, lot)
    assert not any("allergen statement" in b for b in before)
    version = compliance.set_document_requirements(
        compliance_officer, supplier_id=supplier_id, documents=["allergen_statement", " "],
        reason="Supplier handles peanuts on the same line")
    assert version == 1
    assert "no verified allergen statement for the item or supplier" in \
        decisions.release_blockers(approver, lot)
    row = next(r for r in compliance.document_requirements(compliance_officer)
               if r.scope == "supplier" and r.id == supplier_id)
    assert row.documents == ["ALLERGEN_STATEMENT"] and row.version == 1
    with pytest.raises(DecisionRefused, match="COA, SDS or ALLERGEN_STATEMENT"):
        compliance.set_document_requirements(compliance_officer, supplier_id=supplier_id,
                                             documents=["HALAL"], reason="x")
    with pytest.raises(DecisionRefused):
        compliance.set_document_requirements(approver, supplier_id=supplier_id,
                                             documents=["COA"], reason="not mine to change")


@pytest.fixture
def auditor(db: ServerTarget) -> Iterator[UserSession]:
    yield from _login(db, "aude.auditor")


def test_only_compliance_changes_rules_and_the_auditor_records_nothing(
        owner_engine: Engine, inspector: UserSession, auditor: UserSession,
        compliance_officer: UserSession) -> None:
    supplier_id, category = _one(owner_engine, """
        SELECT s.id, i.category FROM erp.suppliers s JOIN quality.lots l ON l.supplier_id = s.id
        JOIN erp.items i ON i.id = l.item_id ORDER BY s.id LIMIT 1""")
    customer_id = _scalar(owner_engine, "SELECT min(id) FROM erp.customers")
    lot = _scalar(owner_engine, "SELECT lot_code FROM quality.lots WHERE status = 'available' "
                                "ORDER BY id LIMIT 1")
    for session in (inspector, auditor):
        with pytest.raises(DecisionRefused):
            compliance.set_supplier_approval(session, supplier_id, category, "suspended", "x")
        with pytest.raises(DecisionRefused):
            compliance.set_customer_requirements(
                session, customer_id, min_days=10, min_percent=None, excluded_suppliers=[],
                excluded_lots=[], required_documents=[], reason="x")
        with pytest.raises(DecisionRefused):
            compliance.set_route(session, "old_hold", "lotproof_inspector", 1, "low", True, "x")
    with pytest.raises(DecisionRefused):
        compliance.record_event(auditor, "damage", "Crushed drum", lot_code=lot)
    with pytest.raises(DecisionRefused):
        compliance.refresh_exceptions(auditor)
    compliance.refresh_exceptions(compliance_officer)
    routed_elsewhere = _scalar(owner_engine, """
        SELECT id FROM quality.exceptions WHERE closed_at IS NULL
          AND owner_role = 'lotproof_approver' ORDER BY id LIMIT 1""")
    assert routed_elsewhere is not None
    with pytest.raises(DecisionRefused):  # the inspector does not own the approvers' work
        compliance.close_exception(inspector, routed_elsewhere, "not mine")
    assert _scalar(owner_engine, "SELECT closed_at FROM quality.exceptions WHERE id = :e",
                   e=routed_elsewhere) is None
