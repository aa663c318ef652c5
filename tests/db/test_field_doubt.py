"""Why the reader doubts a value reaches the reviewer: the stored extraction keeps each field's
doubt and the review query returns it beside the confidence (the review screen shows it as the
field's tooltip)."""

from __future__ import annotations

import random
from pathlib import Path

from sqlalchemy import Engine

from app.db.demo.documents import coa_pdf, coa_rows
from app.db.server import ServerTarget
from app.workflows import documents
from app.workflows.session import login
from tests.conftest import DEMO_PASSWORDS
from tests.support.coa_files import quarantine_lot_for_coa


def test_dates_out_of_order_are_doubted_in_the_review(
        db: ServerTarget, owner_engine: Engine, tmp_path: Path) -> None:
    code, supplier_lot, product, supplier, category, made, expires = quarantine_lot_for_coa(
        owner_engine)
    path = tmp_path / "COA swapped dates.pdf"
    # printed the wrong way round: made after it expires
    path.write_bytes(coa_pdf(supplier=supplier, product=product, supplier_lot=supplier_lot,
                             manufactured=expires, expires=made,
                             rows=coa_rows(random.Random(3), category, out_of_spec=False)))
    session = login(db, "ivy.inspector", DEMO_PASSWORDS["ivy.inspector"])
    try:
        outcome = documents.ingest(session, path, lot_code=code)
        review = documents.review(session, outcome.document_id)
    finally:
        session.close()
    assert review is not None
    by_name = {f.name: f for f in review.fields}
    for name in ("manufacture_date", "expiry_date"):
        assert by_name[name].confidence <= 0.6
        assert "not before the expiry date" in (by_name[name].doubt or ""), by_name[name]
    assert by_name["lot_number"].doubt is None and by_name["lot_number"].confidence >= 0.9
