"""Lotproof's quality work on the Tryton demo's data, through the workflow and report functions the
built-in ERP's tests use: a recall and its signed mass hold, the FSMA 204 and EPCIS exports, the
exception queue, the lot dossier and evidence bundle, and the lot screen. What each should show is
read from Tryton's own tables (stock_lot, stock_move, stock_shipment_in/out, production,
party_party), never from the `erp` views under test."""

from __future__ import annotations

import csv
import json
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection

from app.db.demo.load import DEMO_USERS
from app.db.engine import make_engine
from app.reports.epcis import lgtin_class, lot_epcis_document
from app.reports.evidence_bundle import MANIFEST
from app.reports.fsma204 import FSMA_COLUMNS, export_fsma204_lots
from app.workflows import compliance, evidence, lot_view, recalls
from app.workflows.session import UserSession, login
from app.workflows.signing import Credentials
from tests.reports.test_epcis import SCHEMA_PATH
from tests.support import pdf_text
from tests.support.ci import skip_unless_ci
from tests.tryton.conftest import TrytonDemo

# The first test to use a fixture waits for the Tryton databases (about 7 minutes here).
pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]

PASSWORDS = {username: password for username, _n, _r, password in DEMO_USERS}

# ----------------------------------------------------------------------------- Tryton's own data
# A lot and, transitively, every lot a done production made from it.
_DESCENDANTS = """
    WITH RECURSIVE down(lot) AS (
        SELECT id FROM stock_lot WHERE number = %s
        UNION
        SELECT o.lot FROM down
        JOIN stock_move i ON i.lot = down.lot AND i.production_input IS NOT NULL
            AND i.state = 'done'
        JOIN stock_move o ON o.production_output = i.production_input AND o.state = 'done'
            AND o.lot IS NOT NULL)
"""

# Done moves to a customer of a customer shipment: lot, shipment, customer, day, quantity
# (Tryton keeps quantities as floats; they are compared here as numeric).
_CUSTOMER_MOVES = """
    SELECT l.number, s.number, p.name, coalesce(p.code, 'P' || p.id), m.effective_date,
           m.internal_quantity::numeric
    FROM stock_move m JOIN stock_location t ON t.id = m.to_location AND t.type = 'customer'
    JOIN stock_shipment_out s ON m.shipment = 'stock.shipment.out,' || s.id
    JOIN party_party p ON p.id = s.customer JOIN stock_lot l ON l.id = m.lot
    WHERE m.state = 'done' AND m.lot = ANY(%s)
"""

# On hand by lot and location: done moves into a storage location minus those out of it.
_ON_HAND = """
    SELECT l.number, coalesce(loc.code, 'L' || loc.id),
           sum(CASE WHEN m.to_location = loc.id THEN m.internal_quantity::numeric
                    ELSE -m.internal_quantity::numeric END)
    FROM stock_move m JOIN stock_location loc ON loc.id IN (m.from_location, m.to_location)
    JOIN stock_lot l ON l.id = m.lot
    WHERE m.state = 'done' AND loc.type = 'storage' AND m.lot = ANY(%s)
    GROUP BY l.number, loc.id, loc.code
    HAVING sum(CASE WHEN m.to_location = loc.id THEN m.internal_quantity
                    ELSE -m.internal_quantity END) <> 0
"""

# A lot's supplier receipt: supplier, shipment number and reference, day, quantity, product.
_RECEIPT = """
    SELECT p.name, coalesce(p.code, 'P' || p.id), s.number, s.reference, m.effective_date,
           m.internal_quantity::numeric, coalesce(pp.code, t.code), t.name, u.symbol
    FROM stock_lot l JOIN stock_move m ON m.lot = l.id AND m.state = 'done'
    JOIN stock_location f ON f.id = m.from_location AND f.type = 'supplier'
    JOIN stock_shipment_in s ON m.shipment = 'stock.shipment.in,' || s.id
    JOIN party_party p ON p.id = s.supplier
    JOIN product_product pp ON pp.id = l.product JOIN product_template t ON t.id = pp.template
    JOIN product_uom u ON u.id = t.default_uom
    WHERE l.number = %s
"""


def _lot_ids(db: TrytonDemo, number: str) -> list[int]:
    return [int(i) for (i,) in db.rows(_DESCENDANTS + "SELECT lot FROM down", number)]


def _genealogy_lot(db: TrytonDemo) -> str:
    """A received lot that went into a production and was shipped, whose production's output
    lots were shipped too and one of them is still in stock: the one whose customer moves
    (its own and its descendants') are the most."""
    return str(db.rows("""
        WITH made AS (
            SELECT i.lot AS parent, o.lot AS child FROM stock_move i
            JOIN stock_move o ON o.production_output = i.production_input AND o.state = 'done'
            WHERE i.production_input IS NOT NULL AND i.state = 'done'),
        shipped AS (
            SELECT m.lot, count(*) AS n FROM stock_move m
            JOIN stock_location t ON t.id = m.to_location AND t.type = 'customer'
            WHERE m.state = 'done' GROUP BY m.lot),
        stocked AS (
            SELECT m.lot FROM stock_move m
            JOIN stock_location loc ON loc.id IN (m.from_location, m.to_location)
            WHERE m.state = 'done' AND loc.type = 'storage'
            GROUP BY m.lot HAVING sum(CASE WHEN m.to_location = loc.id THEN m.internal_quantity
                                           ELSE -m.internal_quantity END) > 0)
        SELECT l.number FROM stock_lot l JOIN shipped own ON own.lot = l.id
        WHERE EXISTS (SELECT 1 FROM stock_move r JOIN stock_location f ON f.id = r.from_location
                      WHERE r.lot = l.id AND f.type = 'supplier' AND r.state = 'done')
          AND EXISTS (SELECT 1 FROM made JOIN shipped c ON c.lot = made.child
                      WHERE made.parent = l.id)
          AND EXISTS (SELECT 1 FROM made JOIN stocked c ON c.lot = made.child
                      WHERE made.parent = l.id)
        ORDER BY own.n + (SELECT coalesce(sum(c.n), 0) FROM made
                          JOIN shipped c ON c.lot = made.child WHERE made.parent = l.id) DESC,
                 l.number
        LIMIT 1""")[0][0])


@contextmanager
def _session(db: TrytonDemo, username: str) -> Iterator[UserSession]:
    session = login(db.target, username, PASSWORDS[username])
    try:
        yield session
    finally:
        session.close()


@contextmanager
def _owner(db: TrytonDemo) -> Iterator[Connection]:
    engine = make_engine(db.target.admin_url)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


# ----------------------------------------------------------------------------- 1. recall
def test_recall_impact_and_signed_mass_hold_of_a_tryton_lot(lotproof_tryton: TrytonDemo) -> None:
    db = lotproof_tryton
    source = _genealogy_lot(db)
    ids = _lot_ids(db, source)
    numbers = {n for (n,) in db.rows("SELECT number FROM stock_lot WHERE id = ANY(%s)", ids)}
    outputs = {n for (n,) in db.rows("""
        SELECT DISTINCT lo.number FROM stock_move i
        JOIN stock_move o ON o.production_output = i.production_input AND o.state = 'done'
        JOIN stock_lot li ON li.id = i.lot JOIN stock_lot lo ON lo.id = o.lot
        WHERE li.number = %s AND i.state = 'done'""", source)}
    assert outputs and outputs < numbers
    moves = db.rows(_CUSTOMER_MOVES, ids)
    customers: dict[str, tuple[Decimal, set[str], set[str]]] = {}
    for lot, shipment, customer, _code, _day, qty in moves:
        total, shipments, lots = customers.get(customer, (Decimal(0), set(), set()))
        customers[customer] = (total + qty, shipments | {shipment}, lots | {lot})
    assert len(customers) >= 3 and any(lots & outputs for _q, _s, lots in customers.values())
    on_hand = {(lot, loc): qty for lot, loc, qty in db.rows(_ON_HAND, ids) if qty > 0}
    in_hand = {lot for lot, _loc in on_hand}
    assert in_hand & outputs
    status_before = dict(db.rows(
        "SELECT lot_code, status FROM quality.lots WHERE id = ANY(%s)", ids))

    with _session(db, "cora.compliance") as cora:
        opened = recalls.open_recall(cora, [source], "Supplier reports Salmonella in the lot",
                                     "I", "FDA-2026-T001")
        assert opened.sources == [source] and opened.lots == len(ids)
        result = recalls.impact(cora, opened.id)

        assert set(result.trace.lot_codes) == numbers
        made = {lot.lot_code: lot for lot in result.trace.lots if lot.depth == 1}
        assert set(made) == outputs and all(lot.path == [source, code]
                                            for code, lot in made.items())
        assert {c.customer: (c.qty, c.shipments, c.lots) for c in result.customers} == customers
        assert result.shipped == sum(qty for *_x, qty in moves)
        # what it costs, from Tryton's own prices and invoices
        [(priced, open_amount)] = db.rows("""
            SELECT coalesce(sum(m.internal_quantity::numeric(14, 3)
                                * sl.unit_price::numeric(12, 4)), 0),
                   (SELECT coalesce(sum(inv.total_amount_cache), 0) FROM account_invoice inv
                    WHERE inv.type = 'out' AND inv.state = 'posted' AND inv.id IN (
                        SELECT il.invoice FROM account_invoice_line il
                        JOIN stock_move x ON il.origin = x.origin
                        WHERE x.lot = ANY(%s) AND x.origin LIKE 'sale.line,%%'))
            FROM stock_move m JOIN stock_location d ON d.id = m.to_location
            JOIN sale_line sl ON m.origin = 'sale.line,' || sl.id
            WHERE m.lot = ANY(%s) AND d.type = 'customer' AND m.state = 'done'
              AND m.shipment LIKE 'stock.shipment.out,%%'""", ids, ids)
        assert result.costs.shipped_value == priced > 0
        assert result.costs.open_receivables == open_amount
        assert result.costs.stock_value > 0 and result.costs.needs
        assert all(sub.lot_code not in numbers for sub in result.costs.substitutes)
        assert {(s.lot_code, s.location): s.qty for s in result.trace.stock} == on_hand
        # The mass balance from Tryton's moves: what each lot received or was made of, went
        # into productions, to customers, and is still on hand.
        balance = {line.lot_code: line for line in result.balance}
        assert set(balance) == numbers
        for number in numbers:
            line = balance[number]
            received, produced, consumed = db.rows("""
                SELECT coalesce(sum(m.internal_quantity::numeric)
                                FILTER (WHERE f.type = 'supplier'), 0),
                       coalesce(sum(m.internal_quantity::numeric)
                                FILTER (WHERE m.production_output IS NOT NULL), 0),
                       coalesce(sum(m.internal_quantity::numeric)
                                FILTER (WHERE m.production_input IS NOT NULL), 0)
                FROM stock_move m JOIN stock_location f ON f.id = m.from_location
                JOIN stock_lot l ON l.id = m.lot WHERE l.number = %s AND m.state = 'done'""",
                number)[0]
            shipped = sum((qty for lot, *_x, qty in moves if lot == number), Decimal(0))
            held = sum((qty for (lot, _l), qty in on_hand.items() if lot == number), Decimal(0))
            assert (line.received, line.produced, line.consumed, line.shipped, line.on_hand) == (
                received, produced, consumed, shipped, held), number
            assert line.unexplained == 0, line

        outcome = recalls.hold_all(cora, Credentials("cora.compliance",
                                                     PASSWORDS["cora.compliance"]), opened.id)
    assert outcome["held"] + outcome["already_on_hold"] == len(in_hand)
    after = {code: (status, kind, recall) for code, status, kind, recall in db.rows("""
        SELECT l.lot_code, l.status, s.hold_kind, s.recall_id FROM quality.lots l
        JOIN quality.lot_state s ON s.lot_id = l.id WHERE l.id = ANY(%s)""", ids)}
    assert {code: after[code] for code in in_hand} == {
        code: ("hold", "recall", opened.id) for code in in_hand}
    assert {code: after[code][0] for code in numbers - in_hand} == {
        code: status_before[code] for code in numbers - in_hand}
    assert db.rows("SELECT count(*) FROM quality.signatures WHERE record_type = 'recall' "
                   "AND record_id = %s", opened.id) == [(1,)]


# ----------------------------------------------------------------------------- 2. exports
@pytest.fixture(scope="module")
def validator() -> Any:
    """The GS1 EPCIS 2.0 JSON schema, as tests/reports/test_epcis.py reads it."""
    if not SCHEMA_PATH.exists():
        skip_unless_ci(f"GS1 EPCIS 2.0 JSON schema not found at {SCHEMA_PATH}")
    import jsonschema  # type: ignore[import-untyped]

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def test_fsma204_and_epcis_exports_of_a_tryton_lot_with_genealogy(
        lotproof_tryton_shared: TrytonDemo, validator: Any, tmp_path: Path) -> None:
    db = lotproof_tryton_shared
    source = _genealogy_lot(db)
    ids = _lot_ids(db, source)
    moves = db.rows(_CUSTOMER_MOVES, ids)
    supplier, _code, receipt, _ref, received_on, received, *_p = db.rows(_RECEIPT, source)[0]
    productions = {number: (inputs, outputs) for number, inputs, outputs in db.rows("""
        SELECT p.number,
               array_agg(DISTINCT li.number) FILTER (WHERE m.production_input = p.id),
               array_agg(DISTINCT lo.number) FILTER (WHERE m.production_output = p.id)
        FROM production p JOIN stock_move m ON p.id IN (m.production_input, m.production_output)
            AND m.state = 'done'
        LEFT JOIN stock_lot li ON li.id = m.lot AND m.production_input = p.id
        LEFT JOIN stock_lot lo ON lo.id = m.lot AND m.production_output = p.id
        WHERE p.state = 'done' AND p.id IN (SELECT coalesce(production_input, production_output)
                                             FROM stock_move WHERE lot = ANY(%s))
        GROUP BY p.number""", ids)}
    assert moves and productions

    # FSMA 204: one shipping row per customer move of the lot and its descendants.
    with _owner(db) as conn:
        export = export_fsma204_lots(conn, [source], tmp_path / "fsma.csv", descendants=True)
    with open(tmp_path / "fsma.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == FSMA_COLUMNS and len(rows) == export.rows
    shipping = [r for r in rows if r["Event Type"] == "Shipping"
                and r["Event Detail"] == "Shipment to customer"]
    assert Counter((r["Traceability Lot Code"], r["Reference Document Number"],
                    r["Trading Partner"], r["Event Date"], Decimal(r["Quantity"]))
                   for r in shipping) == Counter(
        (lot, shipment, customer, day.isoformat(), qty)
        for lot, shipment, customer, _c, day, qty in moves)
    (receiving,) = [r for r in rows if r["Event Type"] == "Receiving"
                    and r["Traceability Lot Code"] == source]
    assert (receiving["Reference Document Number"], receiving["Trading Partner"],
            receiving["Event Date"], Decimal(receiving["Quantity"])) == (
        receipt, supplier, received_on.isoformat(), received)
    made = {(r["Reference Document Number"], r["Traceability Lot Code"])
            for r in rows if r["Event Detail"].endswith("output (new lot)")}
    assert made == {(number, lot) for number, (_i, outputs) in productions.items()
                    for lot in outputs}

    # EPCIS: the same shipments as ObjectEvents of the lots' LGTINs (Tryton's GTIN and lot
    # number), the productions as TransformationEvents, and a document GS1's schema accepts.
    gtins = dict(db.rows("""
        SELECT l.number, (SELECT i.code FROM product_identifier i WHERE i.product = l.product
                          AND i.type IN ('ean', 'gtin') ORDER BY i.sequence, i.id LIMIT 1)
        FROM stock_lot l WHERE l.id = ANY(%s) OR l.id IN (
            SELECT x.lot FROM stock_move x JOIN stock_move y
              ON coalesce(x.production_input, x.production_output)
               = coalesce(y.production_input, y.production_output)
            WHERE y.lot = ANY(%s))""", ids, ids))
    with _owner(db) as conn:
        document = lot_epcis_document(conn, source, genealogy=True)
    events = document["epcisBody"]["eventList"]
    shipped = [e for e in events if e["type"] == "ObjectEvent" and e["bizStep"] == "shipping"
               and e["bizTransactionList"][0]["type"] == "desadv"
               and any(d["type"] == "owning_party" for d in e.get("destinationList", []))]
    assert Counter(
        (q["epcClass"], Decimal(str(q["quantity"])), e["eventTime"][:10],
         e["bizTransactionList"][0]["bizTransaction"].rsplit("/", 1)[-1],
         next(d["destination"] for d in e["destinationList"] if d["type"] == "owning_party")
         .rsplit("/", 1)[-1])
        for e in shipped for q in e["quantityList"]) == Counter(
        (lgtin_class(gtins[lot], lot), qty, day.isoformat(), shipment, code)
        for lot, shipment, _n, code, day, qty in moves)
    transformations = {
        e["bizTransactionList"][0]["bizTransaction"].rsplit("/", 1)[-1]: (
            sorted(q["epcClass"] for q in e["inputQuantityList"]),
            sorted(q["epcClass"] for q in e["outputQuantityList"]))
        for e in events if e["type"] == "TransformationEvent"}
    assert transformations == {
        number: (sorted(lgtin_class(gtins[lot], lot) for lot in inputs),
                 sorted(lgtin_class(gtins[lot], lot) for lot in outputs))
        for number, (inputs, outputs) in productions.items()}
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message[:300]}" for e in errors[:5])


# ----------------------------------------------------------------------------- 3. exceptions
def _receive_in_tryton(db: TrytonDemo, number: str) -> tuple[str, str]:
    """A new lot bought and received from a supplier through Tryton, as a Tryton user would: a
    purchase, confirmed; its move given the supplier's lot and received on a supplier shipment,
    then put away. Returns the supplier's name and the day Tryton received it."""
    from proteus import Model

    supplier_id, product_id, warehouse_id, price, payment_term_id = db.rows("""
        SELECT o.party, pl.product, o.warehouse, pl.unit_price, o.payment_term
        FROM purchase_line pl JOIN purchase_purchase o ON o.id = pl.purchase
        JOIN erp.items i ON i.id = pl.product
        WHERE 'COA' = ANY(i.required_documents)
          AND quality.supplier_status(o.party, i.category) = 'approved'
        ORDER BY pl.id DESC LIMIT 1""")[0]
    config = db.config()

    def model(name: str) -> Any:
        return Model.get(name, config=config)

    Location = model("stock.location")
    purchase = model("purchase.purchase")()
    purchase.party = model("party.party")(supplier_id)
    purchase.warehouse = Location(warehouse_id)
    purchase.payment_term = model("account.invoice.payment_term")(payment_term_id)
    purchase.invoice_method = "manual"
    line = purchase.lines.new()
    line.product = model("product.product")(product_id)
    line.quantity = 40
    line.unit_price = price
    purchase.click("quote")
    purchase.click("confirm")
    assert purchase.state == "processing"
    (move,) = purchase.moves
    lot = model("stock.lot")(number=number, product=line.product)
    lot.save()
    move.lot = lot
    move.save()
    shipment = model("stock.shipment.in")()
    shipment.supplier = purchase.party
    shipment.warehouse = purchase.warehouse
    shipment.incoming_moves.append(model("stock.move")(move.id))
    shipment.save()
    shipment.click("receive")
    shipment.click("do")
    assert shipment.state == "done"
    name, day = db.rows("""
        SELECT p.name, m.effective_date FROM stock_move m JOIN stock_lot l ON l.id = m.lot
        JOIN stock_shipment_in s ON m.shipment = 'stock.shipment.in,' || s.id
        JOIN party_party p ON p.id = s.supplier JOIN stock_location f ON f.id = m.from_location
        WHERE l.number = %s AND f.type = 'supplier' AND m.state = 'done'""", number)[0]
    return str(name), day.isoformat()


def test_exception_queue_finds_what_tryton_received_and_had_returned(
        lotproof_tryton: TrytonDemo) -> None:
    db = lotproof_tryton
    number = "QA-TRYTON-0001"
    supplier, received_on = _receive_in_tryton(db, number)
    assert db.rows("SELECT status FROM quality.lots WHERE lot_code = %s", number) == [
        ("quarantine",)]

    with _session(db, "cora.compliance") as cora:
        outcome = compliance.refresh_exceptions(cora)
    assert outcome["opened"] >= 1
    with _session(db, "ivy.inspector") as ivy:
        queue = compliance.exceptions(ivy)
        count = compliance.exception_count(ivy)
    assert count == len(queue)
    (new,) = [e for e in queue if e.lot_code == number]
    assert (new.type, new.owner_role) == ("missing_document", "lotproof_inspector")
    assert new.details == {"lot": number, "supplier": supplier}
    assert new.title == f"{number}: no verified COA (received {received_on})"

    # Every quarantined lot waiting for its COA names the supplier Tryton received it from.
    waiting = {e.lot_code: e.details for e in queue
               if e.type in ("missing_document", "supplier_document_overdue")}
    assert number in waiting
    for lot, details in waiting.items():
        assert details is not None
        assert details["supplier"] == db.rows(_RECEIPT, lot)[0][0], lot

    # Every customer return Tryton received in the last 60 days waits for its inspection.
    returned = db.rows("""
        SELECT r.number, l.number, p.name, m.effective_date
        FROM stock_shipment_out_return r
        JOIN stock_move m ON m.shipment = 'stock.shipment.out.return,' || r.id AND m.state = 'done'
        JOIN stock_location f ON f.id = m.from_location AND f.type = 'customer'
        JOIN stock_lot l ON l.id = m.lot JOIN party_party p ON p.id = r.customer
        WHERE m.effective_date > current_date - 60""")
    assert returned
    inspections = {(e.details or {}).get("rma"): (e.lot_code, e.title) for e in queue
                   if e.type == "return_awaiting_inspection"}
    assert inspections == {
        rma: (lot, f"{lot} returned by {customer} on {day.isoformat()} (customer_return)")
        for rma, lot, customer, day in returned}


# ----------------------------------------------------------------------------- 4. dossier
def test_lot_dossier_and_evidence_bundle_of_a_tryton_lot(lotproof_tryton_shared: TrytonDemo,
                                                         tmp_path: Path) -> None:
    db = lotproof_tryton_shared
    (number,) = db.rows("""
        SELECT l.number FROM stock_lot l JOIN quality.document_links k ON k.lot_id = l.id
        JOIN quality.documents d ON d.id = k.document_id
        WHERE d.kind = 'coa' AND d.status = 'verified'
        ORDER BY l.number LIMIT 1""")[0]
    supplier, supplier_code, receipt, reference, _day, received, sku, product, uom = db.rows(
        _RECEIPT, number)[0]

    with _session(db, "aude.auditor") as aude:
        pdf = evidence.lot_dossier(aude, number)
        bundle = evidence.evidence_bundle(aude, number, tmp_path / f"evidence-{number}.zip")
    words = pdf_text.words(pdf)
    assert f"Lot dossier {number}" in words and f"Supplier lot {number}" in words
    assert f"Supplier {supplier_code} {supplier}" in words
    assert product in words and sku in words
    assert str(reference) in words and receipt in words
    assert f"{received.normalize():f} {uom}" in words

    assert evidence.verify_bundle(bundle.path) == [] and bundle.altered_documents == []
    with zipfile.ZipFile(bundle.path) as zf:
        manifest = json.loads(zf.read(MANIFEST))
        dossier = pdf_text.words(zf.read(f"dossier-{number}.pdf"))
    assert manifest["lot_code"] == number and manifest["item"] == f"{sku} {product}"
    assert [f["kind"] for f in manifest["files"]].count("document") >= 1
    assert f"Lot dossier {number}" in dossier and supplier in dossier


# ----------------------------------------------------------------------------- 5. lot screen
def test_lot_screen_of_a_tryton_lot_in_several_places(lotproof_tryton_shared: TrytonDemo,
                                                      ) -> None:
    """A received lot with stock in more than one location, some of it between warehouses
    (Tryton's Transit, a location of no warehouse)."""
    db = lotproof_tryton_shared
    (number,) = db.rows("""
        WITH held AS (
            SELECT m.lot, loc.id AS location,
                   sum(CASE WHEN m.to_location = loc.id THEN m.internal_quantity
                            ELSE -m.internal_quantity END) AS qty
            FROM stock_move m
            JOIN stock_location loc ON loc.id IN (m.from_location, m.to_location)
            WHERE m.state = 'done' AND loc.type = 'storage' AND m.lot IS NOT NULL
            GROUP BY m.lot, loc.id)
        SELECT l.number FROM stock_lot l JOIN held h ON h.lot = l.id AND h.qty > 0
        JOIN stock_location loc ON loc.id = h.location
        WHERE EXISTS (SELECT 1 FROM stock_move r JOIN stock_location f ON f.id = r.from_location
                      WHERE r.lot = l.id AND f.type = 'supplier' AND r.state = 'done')
        GROUP BY l.id, l.number
        HAVING count(*) >= 2 AND bool_or(NOT EXISTS (
            SELECT 1 FROM stock_location w WHERE w.type = 'warehouse'
              AND w."left" <= loc."left" AND w."right" >= loc."right"))
        ORDER BY count(*) DESC, l.number LIMIT 1""")[0]
    supplier, supplier_code, receipt, _ref, received_on, _qty, sku, product, uom = db.rows(
        _RECEIPT, number)[0]
    (lot_id,) = db.rows("SELECT id FROM stock_lot WHERE number = %s", number)[0]
    on_hand = {loc: qty for _lot, loc, qty in db.rows(_ON_HAND, [lot_id])}
    assert len(on_hand) >= 2
    expiry, moves = db.rows("""
        SELECT l.expiration_date,
               array_agg(m.internal_quantity::numeric ORDER BY m.internal_quantity)
        FROM stock_lot l JOIN stock_move m ON m.lot = l.id AND m.state = 'done'
        WHERE l.id = %s GROUP BY l.expiration_date""", lot_id)[0]

    with _session(db, "ivy.inspector") as ivy:
        view = lot_view.lot_view(ivy, number)
    lot = view.detail.lot
    assert (lot.lot_code, lot.supplier_lot_code, lot.origin) == (number, number, "receipt")
    assert (lot.item_sku, lot.item_name, lot.uom) == (sku, product, uom)
    assert (lot.supplier_code, lot.supplier_name) == (supplier_code, supplier)
    assert lot.receipt_number == receipt and lot.received_at is not None
    assert lot.received_at.date() == received_on and lot.expiry_date == expiry
    assert lot.on_hand == sum(on_hand.values())
    assert {s.location_code: s.qty for s in view.detail.stock} == on_hand
    assert sorted(m.qty for m in view.detail.movements) == moves
    assert view.state.status == lot.status


# ----------------------------------------------------------------------------- 6. what leaves
def test_shipment_certificates_labels_and_relabel_control_on_tryton(
        lotproof_tryton: TrytonDemo) -> None:
    """A Tryton shipment's certificate needs, a shipment refused for a certificate that cannot be
    issued, a label carrying the GTIN kept in Tryton's product identifiers, and a relabel that
    waits for Tryton to make the new lot."""
    from app.db.errors import DecisionRefused
    from app.documents.gs1 import parse_gs1
    from app.workflows import labels, relabels
    from app.workflows import shipment_documents as docs
    from tests.db.test_labels import decoded

    db = lotproof_tryton
    shipment, customer, lots = db.rows("""
        SELECT s.number, s.customer, array_agg(DISTINCT l.number ORDER BY l.number)
        FROM stock_shipment_out s
        JOIN stock_move m ON m.shipment = 'stock.shipment.out,' || s.id AND m.state = 'done'
        JOIN stock_location t ON t.id = m.to_location AND t.type = 'customer'
        JOIN stock_lot l ON l.id = m.lot
        WHERE s.state = 'done' GROUP BY s.id ORDER BY s.id LIMIT 1""")[0]
    with _session(db, "cora.compliance") as cora:
        compliance.set_customer_requirements(
            cora, customer, min_days=None, min_percent=None, excluded_suppliers=[],
            excluded_lots=[], required_documents=["CUSTOMER_COA"],
            reason="Quality agreement: our COA with every lot")
        needs = docs.needs(cora, shipment)
    assert sorted({n.lot_code for n in needs}) == sorted(lots)
    assert all(n.kind == "coa" and n.required and n.blockers for n in needs)
    (allowed, reasons), = db.rows("SELECT * FROM quality.check_shipment(%s, %s, 0)",
                                  lots[0], customer)
    assert not allowed and any("requires a certificate of analysis" in r for r in reasons)
    with _session(db, "ivy.inspector") as ivy, pytest.raises(DecisionRefused,
                                                             match="cannot be issued"):
        docs.issue(ivy, shipment, 1)

    # the GTIN in Tryton's product identifiers is the one the label carries
    number, gtin = db.rows("""
        SELECT l.number, (SELECT i.code FROM product_identifier i WHERE i.product = l.product
                          AND i.type IN ('ean', 'gtin') ORDER BY i.sequence, i.id LIMIT 1)
        FROM stock_lot l JOIN quality.lots q ON q.lot_code = l.number
        WHERE q.status = 'available' AND EXISTS (
            SELECT 1 FROM product_identifier i WHERE i.product = l.product
              AND i.type IN ('ean', 'gtin'))
        ORDER BY l.id LIMIT 1""")[0]
    gtin = str(gtin).zfill(14)
    db.rows("INSERT INTO quality.settings (key, value) VALUES ('gs1_company_prefix', '0614141') "
            "ON CONFLICT (key) DO NOTHING RETURNING key")
    with _session(db, "ivy.inspector") as ivy:
        printed = labels.print_labels(ivy, number, "lot")
        found = [parse_gs1(b.text) for b in decoded(printed.pdf)[0]]
        assert {d.gtin for d in found if d.gtin} == {gtin} and number in {d.lot for d in found}

        asked = relabels.request(ivy, number, "relabel", "Tryton label misprinted",
                                 Decimal("1"), new_lot_code=f"{number}-RL")
    with _session(db, "arlo.approver") as arlo:
        relabels.approve(arlo, Credentials("arlo.approver", PASSWORDS["arlo.approver"]),
                         asked.id)
    with _session(db, "ivy.inspector") as ivy, pytest.raises(
            DecisionRefused, match=f"has not made lot {number}-RL from lot {number} yet"):
        relabels.carry_out(ivy, asked.id)
