"""Round 2, documents: the link checks of round 1 compare what a document says with what it is
linked to, but only on some of the paths that make a document count for a release.

- Round 1 closed "another product's SDS / allergen statement linked to the ITEM or SUPPLIER";
  linked to the LOT instead, quality.document_mismatches runs no "already linked to another
  item" check (it looks only when the new link has no lot), the demo's documents name no
  product, and quality.release_blockers counts any verified SDS / statement linked to the lot.
- A COA that states no lot number (the reader found none, or the field is blank) has no
  lot-number mismatch with ANY lot, so one COA counts as the verified COA of whatever lot it is
  linked to.
"""

from __future__ import annotations

import json
import secrets

import pytest

from app.db.server import ServerTarget, connect
from tests.security.support import (
    attempt,
    blockers_of,
    make_lot,
    owner_rows,
    release,
    status_of,
    url_of,
    verify_document,
)


def _released(ok: bool, outcome: object) -> bool:
    return bool(ok and outcome and outcome[0][0].get("state") == "done")  # type: ignore[index]


@pytest.mark.parametrize("kind", ["SDS", "ALLERGEN_STATEMENT"])
def test_another_products_document_linked_to_the_lot_satisfies_the_release(
        db: ServerTarget, kind: str) -> None:
    """Attack: an item needs a verified SDS (or allergen statement); the inspector links a
    verified document of that kind that already belongs to another item and supplier to the
    LOT (quality.link_document(doc, lot_code)) instead of to the item, and one approver
    releases the lot.
    Safe outcome: the foreign document does not satisfy the release (the blocker stays or the
    link carries a mismatch a second person must confirm); the lot is not released."""
    lot = make_lot(db, required_documents=(kind,))
    before = blockers_of(db, lot)
    assert before, f"set-up: {lot.code} must wait for a {kind}"
    doc, owner_item, owner_supplier = owner_rows(db, """
        SELECT d.id, i.name, s.name FROM quality.documents d
        JOIN quality.document_links k ON k.document_id = d.id
        LEFT JOIN erp.items i ON i.id = k.item_id LEFT JOIN erp.suppliers s ON s.id = k.supplier_id
        WHERE d.kind = %s AND d.status = 'verified' AND d.superseded_by_id IS NULL
          AND k.item_id IS NOT NULL ORDER BY d.id LIMIT 1""", (kind.lower(),))[0]
    ok, out = attempt(db, "ivy.inspector", "SELECT quality.link_document(%s, %s)",
                      (doc, lot.code))
    link = owner_rows(db, "SELECT id, mismatches, confirmed_by FROM quality.document_links "
                          "WHERE document_id = %s AND lot_id = %s", (doc, lot.id))
    after = blockers_of(db, lot)
    ok_release, outcome = release(db, "arlo.approver", lot)
    assert not _released(ok_release, outcome) and status_of(db, lot) != "available", (
        f"{lot.code} ({lot.item_name}, {lot.supplier_name}) was released on {kind} document "
        f"{doc}, which belongs to {owner_item!r} of {owner_supplier!r}: link to the lot "
        f"{'ok' if ok else out} {link}; blockers {before} -> {after}; release {outcome}")


def test_a_coa_that_states_no_lot_number_counts_for_any_lot(db: ServerTarget) -> None:
    """Attack: the inspector stores a COA of the right product and supplier whose extraction has
    no lot number (blank), links it to a lot it was never issued for, confirms the values; a
    compliance officer verifies it; one approver releases the lot with no override.
    Safe outcome: a COA without a lot number is not the lot's COA (the 'no verified COA'
    blocker stays, or the link needs a reason and never counts); the lot is not released."""
    lot = make_lot(db)
    before = blockers_of(db, lot)
    extraction = {
        "kind": "coa", "kind_confidence": 0.99,
        "fields": {
            "lot_number": {"value": "  ", "page": 1, "confidence": 0.2, "method": "text",
                           "source_text": ""},
            "product_name": {"value": lot.item_name, "page": 1, "confidence": 0.99,
                             "method": "text", "source_text": lot.item_name},
            "supplier": {"value": lot.supplier_name, "page": 1, "confidence": 0.99,
                         "method": "text", "source_text": lot.supplier_name},
        },
        "results": [],
    }
    content = b"%PDF-1.4\n% COA, lot number unreadable " + secrets.token_hex(16).encode()
    with connect(url_of(db, "ivy.inspector")) as conn:
        doc = int(str(conn.execute(
            "SELECT document_id FROM quality.store_document(%s, %s, %s, 1, %s)",
            ("COA unknown lot.pdf", "application/pdf", content,
             json.dumps(extraction))).fetchone()[0]))  # type: ignore[index]
        conn.execute("SELECT quality.link_document(%s, %s)", (doc, lot.code))
        for (fid,) in conn.execute("SELECT id FROM quality.extracted_fields "
                                   "WHERE document_id = %s", (doc,)).fetchall():
            conn.execute("SELECT quality.confirm_field(%s)", (fid,))
    verify_document(db, "cora.compliance", doc)
    link = owner_rows(db, "SELECT mismatches FROM quality.document_links WHERE document_id = %s",
                      (doc,))
    after = blockers_of(db, lot)
    ok, outcome = release(db, "arlo.approver", lot)
    assert not _released(ok, outcome) and status_of(db, lot) != "available", (
        f"COA {doc} states no lot number, yet counts as the verified COA of {lot.code} "
        f"(link mismatches {link}); blockers {before} -> {after}; release {outcome}")
