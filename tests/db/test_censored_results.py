"""A censored COA result ("<0.05", "> 10^6") is a bound, not a value: it keeps its qualifier
from the page to the spec check, where a bound below a number cannot show a minimum."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from app.db.demo.documents import coa_pdf, coa_rows
from app.db.server import ServerTarget
from app.documents.extract import extract_bytes
from app.workflows import decisions, documents
from app.workflows.session import UserSession, login
from tests.conftest import DEMO_PASSWORDS
from tests.support.coa_files import quarantine_lot_for_coa


@pytest.fixture
def inspector(db: ServerTarget) -> Iterator[UserSession]:
    session = login(db, "ivy.inspector", DEMO_PASSWORDS["ivy.inspector"])
    yield session
    session.close()


@pytest.fixture
def verifier(db: ServerTarget) -> Iterator[UserSession]:
    session = login(db, "arlo.approver", DEMO_PASSWORDS["arlo.approver"])
    yield session
    session.close()


def _censored_coa(owner: Engine, folder: Path) -> tuple[Path, str]:
    """A COA for a quarantined lot of an item with an assay minimum, whose assay is reported
    only as "<" a number above that minimum, and whose max-limited test is "<" its limit."""
    code, supplier_lot, product, supplier, category, made, expires = quarantine_lot_for_coa(
        owner, categories=("nutraceutical", "industrial_chemical"))
    rows = []
    for row in coa_rows(random.Random(5), category, out_of_spec=False):
        if row.test == "Assay":
            row = dataclasses.replace(row, value=99.9, result_text="<99.9 %")
        elif row.test in ("Lead", "Water"):
            row = dataclasses.replace(row, value=0.5, result_text=f"<0.5 {row.unit}")
        rows.append(row)
    path = folder / f"COA {supplier_lot.replace('/', '-')}.pdf"
    path.write_bytes(coa_pdf(supplier=supplier, product=product, supplier_lot=supplier_lot,
                             manufactured=made, expires=expires, rows=rows))
    return path, code


def test_a_censored_result_keeps_its_qualifier_and_cannot_show_a_minimum(
        db: ServerTarget, owner_engine: Engine, inspector: UserSession, verifier: UserSession,
        tmp_path: Path) -> None:
    path, lot = _censored_coa(owner_engine, tmp_path)
    read = extract_bytes(path.read_bytes(), path.name)
    results = {r["test"]: r for r in read.to_json_dict()["results"]}
    assert results["Assay"]["qualifier"] == "<" and results["Assay"]["value"] == 99.9
    bounded = next(r for t, r in results.items() if t in ("Lead", "Water"))
    assert bounded["qualifier"] == "<"

    outcome = documents.ingest(inspector, path, lot_code=lot)
    review = documents.review(inspector, outcome.document_id)
    assay = next(r for r in review.results if r.test == "Assay")
    assert (assay.bound, assay.shown_result) == ("<", "<99.9")  # as the review screen shows it
    for f in review.fields:
        documents.confirm_field(inspector, f.id)
    for r in review.results:
        documents.confirm_result(inspector, r.id)
    documents.verify(verifier, outcome.document_id)
    held = decisions.history(inspector, lot)[-1]
    assert (held.action, held.to_status) == ("rule_hold", "hold")
    assert held.reason is not None
    # the assay "<99.9 %" cannot show the minimum; "<0.5" against a maximum of 0.5 is fine
    assert 'Assay: result "<99.9 %" only says it is below 99.9' in held.reason, held.reason
    assert "Lead" not in held.reason and "Water" not in held.reason, held.reason
    blockers = decisions.release_blockers(verifier, lot)
    assert any("only says it is below" in b for b in blockers), blockers


def test_result_bound_reads_the_qualifier_as_written(owner_engine: Engine) -> None:
    with owner_engine.connect() as conn:
        got = [conn.execute(text("SELECT quality.result_bound(:t)"), {"t": t}).scalar()
               for t in ("<0.05", " ≤ 10 ppm", "> 10^6 cfu/g", "≥99", "0.05", "ND", None)]
    assert got == ["<", "<", ">", ">", None, None, None]
