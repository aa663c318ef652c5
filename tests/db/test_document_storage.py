"""Documents in the shared database: stored once, all or nothing, linked, reviewed, verified."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from app.db.engine import make_engine
from app.db.errors import DecisionRefused
from app.db.server import ServerTarget
from app.documents.lot_matching import confusable_key
from app.workflows import decisions, documents
from app.workflows.session import UserSession, login
from app.workflows.signing import Credentials
from tests.conftest import DEMO_PASSWORDS
from tests.support.coa_files import coa_for_a_quarantine_lot


@pytest.fixture
def inspector(db: ServerTarget) -> Iterator[UserSession]:
    session = login(db, "ivy.inspector", DEMO_PASSWORDS["ivy.inspector"])
    yield session
    session.close()


@pytest.fixture
def verifier(db: ServerTarget) -> Iterator[UserSession]:
    """The second person who verifies what the inspector entered (EU GMP Annex 11 §6)."""
    session = login(db, "arlo.approver", DEMO_PASSWORDS["arlo.approver"])
    yield session
    session.close()


def _count(owner: Engine, sql: str, **params: object) -> int:
    with owner.connect() as conn:
        return int(conn.execute(text(sql), params).scalar_one())


def test_a_coa_is_stored_once_matched_to_its_lot_reviewed_and_lets_the_lot_release(
        db: ServerTarget, owner_engine: Engine, inspector: UserSession, verifier: UserSession,
        tmp_path: Path) -> None:
    path, lot, supplier_lot = coa_for_a_quarantine_lot(owner_engine, tmp_path)
    outcome = documents.ingest(inspector, path)
    assert outcome.created and outcome.kind == "coa"
    assert outcome.lot_number == supplier_lot
    assert outcome.linked_lots == [lot]  # matched by the supplier lot code read from the page
    again = documents.ingest(inspector, path, lot_code=lot)
    assert not again.created and again.document_id == outcome.document_id
    assert _count(owner_engine, "SELECT count(*) FROM quality.documents WHERE file_name = :n",
                  n=path.name) == 1

    review = documents.review(inspector, outcome.document_id)
    assert review.summary.status == "new" and review.links == [f"lot {lot}"]
    lot_field = next(f for f in review.fields if f.name == "lot_number")
    assert lot_field.value == supplier_lot and lot_field.page == 1
    assert lot_field.bbox is not None and len(lot_field.bbox) == 4
    assert lot_field.method == "text" and supplier_lot in (lot_field.source_text or "")
    assert len(review.results) == 3

    with pytest.raises(DecisionRefused, match="not yet confirmed"):
        documents.verify(inspector, outcome.document_id)
    with pytest.raises(DecisionRefused, match="needs a reason"):
        documents.correct_field(inspector, lot_field.id, "X", "  ")
    product = next(f for f in review.fields if f.name == "product_name")
    corrected = f"{product.value} 25 kg"
    documents.correct_field(inspector, product.id, corrected, "Typo on the COA")
    for f in review.fields:
        documents.confirm_field(inspector, f.id)
    for r in review.results:
        documents.confirm_result(inspector, r.id)
    with pytest.raises(DecisionRefused, match="another person verifies"):
        documents.verify(inspector, outcome.document_id)  # who entered and corrected it
    documents.verify(verifier, outcome.document_id)
    reviewed = documents.review(inspector, outcome.document_id)
    fixed = next(f for f in reviewed.fields if f.name == "product_name")
    assert fixed.value == product.value  # the value as read is kept
    assert fixed.current == corrected and fixed.corrected_by == "ivy.inspector"
    with pytest.raises(DecisionRefused, match="can no longer be changed"):
        documents.confirm_field(inspector, fixed.id)

    with owner_engine.connect() as conn:
        audit = conn.execute(text(
            "SELECT action, reason, old_values ->> 'corrected_value', "
            "new_values ->> 'corrected_value' FROM audit.trail "
            "WHERE action = 'document.field.correct' AND username = 'ivy.inspector' "
            "AND new_values ->> 'id' = :f"), {"f": str(product.id)}).one()
    assert audit[0] == "document.field.correct" and audit[1] == "Typo on the COA"
    assert audit[2] is None and audit[3] == corrected

    blockers = decisions.release_blockers(inspector, lot)
    assert not any("COA" in b for b in blockers)
    assert not any(b.startswith(("Moisture", "Assay", "Water", "Lead")) for b in blockers)


def test_an_out_of_spec_coa_holds_the_lot_and_blocks_its_release(
        db: ServerTarget, owner_engine: Engine, inspector: UserSession, verifier: UserSession,
        tmp_path: Path) -> None:
    path, lot, _ = coa_for_a_quarantine_lot(owner_engine, tmp_path, seed=4, out_of_spec=True)
    outcome = documents.ingest(inspector, path, lot_code=lot)
    review = documents.review(inspector, outcome.document_id)
    for f in review.fields:
        documents.confirm_field(inspector, f.id)
    for r in review.results:
        documents.confirm_result(inspector, r.id)
    documents.verify(verifier, outcome.document_id)
    # Verifying the COA applied the company's spec: the lot is on hold, the failing row named.
    held = decisions.history(inspector, lot)[-1]
    assert (held.action, held.to_status) == ("rule_hold", "hold")
    assert held.reason is not None and held.reason.startswith("Out of specification: ")
    assert "is outside the spec" in held.reason
    assert held.signatures == []  # the system holds; people sign what they decide
    approver = login(db, "arlo.approver", DEMO_PASSWORDS["arlo.approver"])
    try:
        blockers = decisions.release_blockers(approver, lot)
        assert any("is outside the spec" in b for b in blockers), blockers
        with pytest.raises(DecisionRefused, match="is outside the spec"):
            decisions.release(approver, Credentials("arlo.approver",
                                                    DEMO_PASSWORDS["arlo.approver"]),
                              lot, "Looked again", "hold")
    finally:
        approver.close()


@pytest.mark.parametrize(("content", "problem"), [
    (b"", "empty"),
    (b"%PDF-1.7\n1 0 obj <<>> endobj\ntruncated", "PDF"),
    (b"PK\x03\x04 this is a zip file", "ZIP"),
])
def test_bad_files_are_refused_by_name_and_nothing_is_stored(
        owner_engine: Engine, inspector: UserSession, tmp_path: Path, content: bytes,
        problem: str) -> None:
    before = _count(owner_engine, "SELECT count(*) FROM quality.documents")
    path = tmp_path / "supplier-coa.pdf"
    path.write_bytes(content)
    with pytest.raises(documents.DocumentError) as info:
        documents.ingest(inspector, path)
    assert "supplier-coa.pdf" in str(info.value)
    assert problem.lower() in str(info.value).lower()
    assert _count(owner_engine, "SELECT count(*) FROM quality.documents") == before


def test_an_auditor_cannot_store_documents(db: ServerTarget, owner_engine: Engine,
                                           tmp_path: Path) -> None:
    path, lot, _ = coa_for_a_quarantine_lot(owner_engine, tmp_path)
    auditor = login(db, "aude.auditor", DEMO_PASSWORDS["aude.auditor"])
    try:
        with pytest.raises(DecisionRefused, match="permission denied"):
            documents.ingest(auditor, path, lot_code=lot)
    finally:
        auditor.close()


def test_a_gs1_scan_finds_its_lot_and_a_bad_one_is_named(inspector: UserSession,
                                                         owner_engine: Engine) -> None:
    with owner_engine.connect() as conn:
        supplier_lot, gtin, code = conn.execute(text(
            "SELECT l.supplier_lot_code, i.gtin, l.lot_code FROM quality.lots l "
            "JOIN erp.items i ON i.id = l.item_id WHERE l.origin = 'receipt' "
            "AND l.supplier_lot_code ~ '^[A-Z0-9-]+$' "
            "AND (SELECT count(*) FROM quality.lots o WHERE o.supplier_lot_code = "
            "l.supplier_lot_code) = 1 LIMIT 1")).one()
    expiry = (dt.date.today() + dt.timedelta(days=300)).strftime("%y%m%d")
    found = documents.scan(inspector, f"(01){gtin}(17){expiry}(10){supplier_lot.lower()}")
    assert [c.lot_code for c in found.lots] == [code]
    assert found.data.gtin == gtin
    with pytest.raises(documents.GS1Error):
        documents.scan(inspector, f"(01){gtin[:-1]}{(int(gtin[-1]) + 1) % 10}(10)ABC")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 -_/.#:",
               min_size=1, max_size=16))
def test_the_database_lot_key_equals_the_python_one(read_engine: Engine, code: str) -> None:
    with read_engine.connect() as conn:
        in_db = conn.execute(text("SELECT quality.lot_match_key(:c)"), {"c": code}).scalar_one()
    assert in_db == confusable_key(code)


@pytest.fixture(scope="module")
def read_engine(shared_db: ServerTarget) -> Iterator[Engine]:
    engine = make_engine(shared_db.admin_url)
    yield engine
    engine.dispose()
