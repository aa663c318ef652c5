"""The customer's certificate for a shipped lot: what it says is what the records say (each
result with its source, against the customer's limits where it has them, resting on the signed
release); a shipment is refused while its certificate cannot be issued; who may issue one; and
the SDS revisions each customer has been sent."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import Connection, Engine, text

from app.db.errors import DecisionRefused, NotFound
from app.db.server import ServerTarget
from app.workflows import compliance
from app.workflows import shipment_documents as docs
from app.workflows.session import UserSession
from tests.support.inspections import as_user
from tests.support.pdf_text import words


@pytest.fixture
def people(db: ServerTarget) -> Iterator[dict[str, UserSession]]:
    sessions = {name: as_user(db, name) for name in
                ("ivy.inspector", "cora.compliance", "aude.auditor", "adam.admin")}
    yield sessions
    for session in sessions.values():
        session.close()


def released_lot(conn: Connection, hazardous: bool = False) -> tuple[int, str, int]:
    """(lot id, lot code, item id) of an available lot released with a signature, in stock,
    whose item has a spec with numeric limits."""
    lot_id, code, item = conn.execute(text("""
        SELECT l.id, l.lot_code, l.item_id FROM quality.lots l JOIN erp.items i ON i.id = l.item_id
        WHERE l.status = 'available' AND i.hazardous = :h
          AND (l.expiry_date IS NULL OR l.expiry_date > current_date + 400)
          AND EXISTS (SELECT 1 FROM quality.release_signatures(l.id))
          AND EXISTS (SELECT 1 FROM erp.stock s WHERE s.lot_id = l.id AND s.qty > 1)
          AND EXISTS (SELECT 1 FROM quality.item_specs s WHERE s.item_id = l.item_id AND s.active
                        AND s.max_value IS NOT NULL)
          AND NOT EXISTS (SELECT 1 FROM quality.certificate_results(l.id, NULL) r
                          WHERE r.problem IS NOT NULL)
        ORDER BY l.id LIMIT 1"""), {"h": hazardous}).one()
    return int(lot_id), str(code), int(item)


def a_customer(conn: Connection) -> int:
    return int(conn.execute(text(
        "SELECT id FROM erp.customers WHERE min_shelf_life_days IS NULL ORDER BY id LIMIT 1"))
        .scalar_one())


def ship(owner: Engine, customer: int, lot_id: int, number: str) -> int:
    """A shipment of one unit of the lot, as the ERP records it; returns the line's id."""
    with owner.begin() as conn:
        shipment = conn.execute(text(
            "INSERT INTO erp.shipments (shipment_number, customer_id, site_id, ship_to, shipped_at) "
            "VALUES (:n, :c, (SELECT min(id) FROM erp.sites), 'Dock 4, 1 Example Way', now()) "
            "RETURNING id"), {"n": number, "c": customer}).scalar_one()
        return int(conn.execute(text(
            "INSERT INTO erp.shipment_lines (shipment_id, lot_id, qty) VALUES (:s, :l, 1) "
            "RETURNING id"), {"s": shipment, "l": lot_id}).scalar_one())


def wants_certificate(cora: UserSession, customer: int, kind: str = "CUSTOMER_COA") -> None:
    compliance.set_customer_requirements(
        cora, customer, min_days=None, min_percent=None, excluded_suppliers=[], excluded_lots=[],
        required_documents=[kind], reason="Quality agreement: our certificate with every lot")


def set_limits(cora: UserSession, customer: int, item: int, test: str, lo: Decimal | None,
               hi: Decimal | None, unit: str | None) -> None:
    with cora.engine.begin() as conn:
        conn.execute(text("SELECT quality.set_customer_spec(:c, :i, :t, :lo, :hi, :u, NULL, :r)"),
                     {"c": customer, "i": item, "t": test, "lo": lo, "hi": hi, "u": unit,
                      "r": "customer specification CS-12"})


def test_the_certificate_says_what_the_records_say(
        owner_engine: Engine, people: dict[str, UserSession]) -> None:
    ivy, cora = people["ivy.inspector"], people["cora.compliance"]
    with owner_engine.connect() as conn:
        lot_id, code, item = released_lot(conn)
        customer = a_customer(conn)
        specs = conn.execute(text(
            "SELECT test, max_value, unit FROM quality.item_specs WHERE item_id = :i AND active "
            "ORDER BY id"), {"i": item}).all()
        results = {r.test.lower(): r for r in conn.execute(text(
            "SELECT test, value, unit, result_text FROM quality.lot_results(:l)"), {"l": lot_id})}
        signer = conn.execute(text(
            "SELECT printed_name, meaning FROM quality.release_signatures(:l)"),
            {"l": lot_id}).first()
    assert signer is not None
    wants_certificate(cora, customer)
    limited = next(s for s in specs if s.max_value is not None)
    set_limits(cora, customer, item, limited.test, None, limited.max_value * 2, limited.unit)
    ship(owner_engine, customer, lot_id, "SH-CERT-1")

    out = docs.issue(ivy, "SH-CERT-1")
    [cert] = out.certificates
    said = words(out.pdf)
    assert "Certificate of Analysis" in said and cert.number in said
    assert code in said and "SH-CERT-1" in said
    for spec in specs:  # every test of the spec, with the verified result
        assert spec.test in said
        r = results[spec.test.lower()]
        shown = r.result_text or f"{Decimal(r.value).normalize():f}"
        assert shown in said, (spec.test, shown)
    rows = {r["test"]: r for r in cert.content["results"]}
    assert rows[limited.test]["limits_from"] == "customer"
    assert Decimal(str(rows[limited.test]["max_value"])) == limited.max_value * 2
    assert all(r["source"] == "supplier COA" and r["passed"] for r in rows.values())
    assert "supplier's COA" in said and "DOES NOT CONFORM" not in said
    assert f"{signer.printed_name}" in said and signer.meaning in said
    assert cert.sha256[:16] in said
    assert cert.sha256 == hashlib.sha256(
        _content_text(owner_engine, cert.id).encode()).hexdigest()

    # The record is kept: a superuser rewriting it afterwards is seen on the reprint.
    assert "NOT VALID" not in words(docs.reprint(ivy, cert.id))
    with owner_engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("UPDATE quality.issued_certificates SET content = jsonb_set(content, "
                          "'{lot,lot_code}', '\"L-OTHER\"') WHERE id = :c"), {"c": cert.id})
    assert "NOT VALID" in words(docs.reprint(ivy, cert.id))


def _content_text(owner: Engine, certificate: int) -> str:
    with owner.connect() as conn:
        return str(conn.execute(text(
            "SELECT content::text FROM quality.issued_certificates WHERE id = :c"),
            {"c": certificate}).scalar_one())


def test_a_shipment_is_refused_while_its_certificate_cannot_be_issued(
        owner_engine: Engine, people: dict[str, UserSession]) -> None:
    ivy, cora = people["ivy.inspector"], people["cora.compliance"]
    with owner_engine.connect() as conn:
        lot_id, code, item = released_lot(conn)
        customer = a_customer(conn)
    line = ship(owner_engine, customer, lot_id, "SH-CERT-2")  # before the customer asked
    wants_certificate(cora, customer)
    set_limits(cora, customer, item, "Lead (Pb)", None, Decimal("0.5"), "ppm")
    with owner_engine.connect() as conn:
        allowed, reasons = conn.execute(text(
            "SELECT * FROM quality.check_shipment(:l, :c, 1)"), {"l": code, "c": customer}).one()
    assert allowed is False
    assert any("requires a certificate of analysis with the shipment: no verified result for "
               "Lead (Pb)" in r for r in reasons), reasons
    with owner_engine.begin() as conn, pytest.raises(Exception, match="cannot be shipped"):
        conn.execute(text("INSERT INTO erp.shipment_lines (shipment_id, lot_id, qty) "
                          "SELECT shipment_id, lot_id, 1 FROM erp.shipment_lines WHERE id = :l"),
                     {"l": line})
    with pytest.raises(DecisionRefused, match="no verified result for Lead"):
        docs.issue(ivy, "SH-CERT-2")
    with pytest.raises(NotFound, match="has 1 line"):
        docs.issue(ivy, "SH-CERT-2", line=2)
    with pytest.raises(NotFound, match="no shipment SH-NONE"):
        docs.issue(ivy, "SH-NONE")


def test_a_lot_without_a_signed_release_gets_no_certificate(
        owner_engine: Engine, people: dict[str, UserSession]) -> None:
    with owner_engine.connect() as conn:
        lot_id, code = conn.execute(text("""
            SELECT l.id, l.lot_code FROM quality.lots l WHERE l.status = 'available'
              AND NOT EXISTS (SELECT 1 FROM quality.lot_decisions d WHERE d.lot_id = l.id)
              AND EXISTS (SELECT 1 FROM erp.stock s WHERE s.lot_id = l.id AND s.qty > 1)
            ORDER BY l.id LIMIT 1""")).one()
        customer = a_customer(conn)
    ship(owner_engine, customer, lot_id, "SH-CERT-3")
    with pytest.raises(DecisionRefused, match=f"lot {code} has no signed release"):
        docs.issue(people["ivy.inspector"], "SH-CERT-3", kind="coc")


@pytest.mark.parametrize("who", ["aude.auditor", "adam.admin"])
def test_only_quality_people_issue_certificates(
        who: str, owner_engine: Engine, people: dict[str, UserSession]) -> None:
    with owner_engine.connect() as conn:
        lot_id, _, _ = released_lot(conn)
        customer = a_customer(conn)
    ship(owner_engine, customer, lot_id, "SH-CERT-4")
    with pytest.raises(DecisionRefused, match=r"permission denied|may not|not allowed"):
        docs.issue(people[who], "SH-CERT-4", kind="coa")
    with owner_engine.connect() as conn:
        assert conn.execute(text(
            "SELECT count(*) FROM quality.issued_certificates c JOIN erp.shipments s "
            "ON s.id = c.shipment_id WHERE s.shipment_number = 'SH-CERT-4'")).scalar() == 0


def test_the_demo_has_a_certificate_issued_under_a_customers_own_limit(
        owner_engine: Engine, people: dict[str, UserSession]) -> None:
    from app.workflows.demo_certificates import SHIPMENT

    [need] = docs.needs(people["aude.auditor"], SHIPMENT)
    assert need.required and need.issued_id is not None and need.blockers == []
    said = words(docs.reprint(people["aude.auditor"], need.issued_id))
    assert "your spec" in said and "our spec" in said and "NOT VALID" not in said


def test_a_customer_is_sent_each_sds_revision_once(
        owner_engine: Engine, people: dict[str, UserSession]) -> None:
    ivy = people["ivy.inspector"]
    with owner_engine.connect() as conn:
        lot_id, item = conn.execute(text("""
            SELECT l.id, l.item_id FROM quality.lots l JOIN erp.items i ON i.id = l.item_id
            WHERE i.hazardous AND l.status = 'available'
              AND EXISTS (SELECT 1 FROM quality._current_sds(l.item_id))
              AND EXISTS (SELECT 1 FROM erp.stock s WHERE s.lot_id = l.id AND s.qty > 1)
            ORDER BY l.id LIMIT 1""")).one()
        customer = int(conn.execute(text(
            "SELECT min(id) FROM erp.customers c WHERE NOT EXISTS (SELECT 1 FROM erp.shipments s "
            "JOIN erp.shipment_lines sl ON sl.shipment_id = s.id JOIN quality.lots l "
            "ON l.id = sl.lot_id WHERE s.customer_id = c.id AND l.item_id = :i)"),
            {"i": item}).scalar_one())
    ship(owner_engine, customer, lot_id, "SH-SDS-1")
    [due] = docs.sds_due(ivy, "SH-SDS-1")
    assert due.why == "first shipment of the item to the customer"
    missing = {(m.customer_id, m.item_id) for m in docs.customers_missing_sds(ivy)}
    assert (customer, item) in missing
    [(name, content)] = docs.send_sds(ivy, "SH-SDS-1")
    assert content.startswith(b"%PDF") and name
    assert docs.sds_due(ivy, "SH-SDS-1") == []
    assert (customer, item) not in {(m.customer_id, m.item_id)
                                    for m in docs.customers_missing_sds(ivy)}
    with owner_engine.begin() as conn:  # the supplier revises the SDS; it is verified
        old = conn.execute(text("SELECT id FROM quality._current_sds(:i)"), {"i": item}).scalar()
        new = conn.execute(text("""
            INSERT INTO quality.documents (sha256, file_name, mime_type, size_bytes, page_count,
                content, kind, revision_date, status, uploaded_by, uploaded_at, verified_by,
                verified_at)
            SELECT md5(random()::text) || sha256, 'SDS rev 2.pdf', mime_type, size_bytes, page_count,
                   content, kind, current_date, 'verified', uploaded_by, now(), verified_by, now()
            FROM quality.documents WHERE id = :d RETURNING id"""), {"d": old}).scalar_one()
        conn.execute(text("INSERT INTO quality.document_links (document_id, item_id, linked_by, "
                          "linked_at) VALUES (:d, :i, 'cora.compliance', now())"),
                     {"d": new, "i": item})
        conn.execute(text("UPDATE quality.documents SET superseded_by_id = :n WHERE id = :o"),
                     {"n": new, "o": old})
    ship(owner_engine, customer, lot_id, "SH-SDS-2")
    [again] = docs.sds_due(ivy, "SH-SDS-2")
    assert again.document_id == new and again.why.startswith("the SDS was revised")
    assert dt.date.today() == again.revision_date


def test_own_inspection_results_stand_on_the_certificate_and_say_so(
        db: ServerTarget, owner_engine: Engine, people: dict[str, UserSession]) -> None:
    from app.workflows import inspections
    from app.workflows.signing import Credentials
    from tests.conftest import DEMO_PASSWORDS
    from tests.support.inspections import planned_lot, record_all

    ivy = people["ivy.inspector"]
    lot = planned_lot(db, owner_engine)
    opened = inspections.open_inspection(ivy, lot, lot_size=1000)
    record_all(ivy, opened)
    inspections.complete(ivy, Credentials("ivy.inspector", DEMO_PASSWORDS["ivy.inspector"]),
                         opened.id, defects=0)
    with owner_engine.connect() as conn:
        rows = {r.test: r for r in conn.execute(text(
            "SELECT r.* FROM quality.lots l, quality.certificate_results(l.id, NULL) r "
            "WHERE l.lot_code = :l"), {"l": lot})}
    identity = rows["Identity (FTIR)"]
    assert identity.source == "own inspection" and identity.result_text == "Conforms"
    assert identity.passed and identity.source_ref.startswith(f"receiving inspection {opened.id}")


def test_a_customer_profile_gives_a_compact_certificate_of_conformance(
        owner_engine: Engine, people: dict[str, UserSession]) -> None:
    ivy, cora = people["ivy.inspector"], people["cora.compliance"]
    with owner_engine.connect() as conn:
        lot_id, code, _ = released_lot(conn)
        customer = a_customer(conn)
    with cora.engine.begin() as conn:
        conn.execute(text("SELECT quality.set_certificate_profile(:c, 'coc', 'compact', :s, :r)"),
                     {"c": customer, "s": "Conforms to purchase specification PS-7, rev. C.",
                      "r": "customer asks for a CoC only"})
    wants_certificate(cora, customer, "COC")
    ship(owner_engine, customer, lot_id, "SH-COC-1")
    out = docs.issue(ivy, "SH-COC-1")
    said = words(out.pdf)
    assert "Certificate of Conformance" in said and out.certificates[0].number.startswith("COC-")
    assert "Conforms to purchase specification PS-7, rev. C." in said and code in said
    assert "Method" not in said and "GTIN" not in said  # the compact template
    with cora.engine.begin() as conn, pytest.raises(Exception, match="templates are standard"):
        conn.execute(text("SELECT quality.set_certificate_profile(:c, 'coc', 'fancy', NULL, 'x')"),
                     {"c": customer})
