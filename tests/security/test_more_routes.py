"""Routes beyond the known findings that work today.

- Another product's SDS or allergen statement, linked to the item or supplier with
  quality.link_document, satisfies the release check for documents of that kind (the same gap as
  the mismatched COA, for the documents that are linked to items and suppliers).
- A lot whose expiry date has passed stays `available` until someone runs quality.expire_lots,
  and the guard triggers on erp.allocations / erp.shipment_lines only look at the status: the
  ERP allocates and ships expired stock. A date that decides whether goods may leave should come
  from the server at the moment of shipping.
"""

from __future__ import annotations

import psycopg
import pytest

from app.db.server import ServerTarget, connect
from tests.security.support import (
    ErpAccount,
    attempt,
    blockers_of,
    make_lot,
    owner_one,
    owner_rows,
    release,
    status_of,
)


@pytest.mark.parametrize("kind", ["SDS", "ALLERGEN_STATEMENT"])
def test_another_products_verified_document_satisfies_the_release(db: ServerTarget,
                                                                 kind: str) -> None:
    """Attack: an item needs a verified SDS (or allergen statement); the inspector links a
    verified document of that kind that belongs to another product and supplier to this item
    (or supplier) with quality.link_document, and one approver releases the lot.
    Safe outcome: the foreign document does not satisfy the release (the blocker stays, the lot
    is not released without an override) or the link is refused."""
    lot = make_lot(db, required_documents=(kind,))
    before = blockers_of(db, lot)
    assert before, f"set-up: {lot.code} must wait for a {kind}"
    doc, owner_item = owner_rows(db, """
        SELECT d.id, (SELECT i.name FROM quality.document_links k JOIN erp.items i
                      ON i.id = k.item_id WHERE k.document_id = d.id LIMIT 1)
        FROM quality.documents d WHERE d.kind = %s AND d.status = 'verified'
          AND d.superseded_by_id IS NULL ORDER BY d.id LIMIT 1""", (kind.lower(),))[0]
    if kind == "SDS":
        ok, out = attempt(db, "ivy.inspector", "SELECT quality.link_document(%s, NULL, %s)",
                          (doc, lot.item_id))
    else:
        ok, out = attempt(db, "ivy.inspector",
                          "SELECT quality.link_document(%s, NULL, NULL, %s)",
                          (doc, lot.supplier_id))
    after = blockers_of(db, lot)
    ok_release, outcome = release(db, "arlo.approver", lot)
    released = ok_release and outcome[0][0].get("state") == "done"
    assert not released and status_of(db, lot) != "available", (
        f"{lot.code} ({lot.item_name}) was released on {kind} document {doc} of "
        f"{owner_item!r}: link {'ok' if ok else out}; blockers {before} -> {after}; "
        f"release {outcome}")


def test_the_erp_allocates_and_ships_a_lot_past_its_expiry_date(
        db: ServerTarget, erp_account: ErpAccount) -> None:
    """Attack: a released lot's expiry date passes (nobody has run the expiry check yet, so it
    is still `available`); the ERP's account allocates it to an order and puts it on a shipment.
    Safe outcome: both inserts are refused (the guard compares the expiry date with the
    server's date)."""
    lot = make_lot(db, required_documents=())
    ok, outcome = release(db, "arlo.approver", lot)
    assert ok and status_of(db, lot) == "available", f"set-up: release {outcome}"
    owner_rows(db, "UPDATE erp.lots SET expiry_date = current_date - 1 WHERE id = %s",
               (lot.id,))  # time passes
    order_line, shipment = owner_rows(db, """
        SELECT (SELECT id FROM erp.sales_order_lines ORDER BY id LIMIT 1),
               (SELECT id FROM erp.shipments ORDER BY id LIMIT 1)""")[0]
    accepted = []
    for table, sql, params in (
            ("erp.allocations",
             "INSERT INTO erp.allocations (order_line_id, lot_id, qty) VALUES (%s, %s, 1)",
             (order_line, lot.id)),
            ("erp.shipment_lines",
             "INSERT INTO erp.shipment_lines (shipment_id, order_line_id, lot_id, qty) "
             "VALUES (%s, %s, %s, 1)", (shipment, order_line, lot.id))):
        try:
            with connect(erp_account.url(db)) as conn:
                conn.execute(sql, params)
            accepted.append(table)
        except psycopg.Error:
            pass
    expiry = owner_one(db, "SELECT expiry_date FROM quality.lots WHERE id = %s", (lot.id,))
    assert not accepted, (f"{lot.code} expired on {expiry} (status still "
                          f"{status_of(db, lot)}) and was accepted into {accepted}")
