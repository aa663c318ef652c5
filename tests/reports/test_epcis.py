"""EPCIS 2.0 JSON-LD export: identifiers, CBV vocabulary, content, and the GS1 JSON schema.

The GS1 schema is read from the shared standards folder beside the project
(../shared/standards/epcis), not copied into it; the schema tests skip when it is absent (and
fail in CI, where CI=true), and a structural check written here runs always.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, text

from app.db.demo.catalog import gtin14 as demo_gtin
from app.db.engine import make_engine
from app.db.queries.tracking_events import (
    LotQuantity,
    LotRef,
    LotsNotFound,
    Party,
    Reference,
    Site,
    TrackingEvent,
    genealogy_lot_ids,
)
from app.db.server import ServerTarget
from app.reports.epcis import (
    EpcisError,
    EpcisOptions,
    build_epcis_document,
    epc_escape,
    export_epcis,
    gtin14,
    lgtin_class,
    lot_epcis_document,
    lot_events,
    sgln,
)
from tests.support.ci import skip_unless_ci

ROOT = Path(__file__).resolve().parents[2]


def _schema_dir() -> Path:
    """The shared standards folder: LOTPROOF_STANDARDS_DIR, or `shared/standards/epcis` beside
    the project or beside any folder above it (where a workspace keeps it)."""
    configured = os.environ.get("LOTPROOF_STANDARDS_DIR")
    if configured:
        return Path(configured) / "epcis"
    for folder in (ROOT, *ROOT.parents):
        candidate = folder.parent / "shared" / "standards" / "epcis"
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "standards" / "epcis"


SCHEMA_DIR = _schema_dir()
SCHEMA_PATH = SCHEMA_DIR / "EPCIS-JSON-Schema.json"

# GS1 CBV 2.0 standard business steps and dispositions (CBV 2.0 sections 7.1, 7.2), written out
# here independently of the module under test.
CBV_BIZ_STEPS = {
    "accepting", "arriving", "assembling", "collecting", "commissioning", "consigning",
    "creating_class_instance", "cycle_counting", "decommissioning", "departing", "destroying",
    "disassembling", "dispensing", "encoding", "entering_exiting", "holding", "inspecting",
    "installing", "killing", "loading", "other", "packing", "picking", "receiving", "removing",
    "repackaging", "repairing", "replacing", "reserving", "retail_selling", "sampling",
    "sensor_reporting", "shipping", "staging_outbound", "stock_taking", "stocking", "storing",
    "transporting", "unloading", "unpacking", "void_shipping",
}
CBV_DISPOSITIONS = {
    "active", "available", "completeness_inferred", "completeness_verified", "conformant",
    "container_closed", "container_open", "damaged", "destroyed", "dispensed", "disposed",
    "encoded", "expired", "in_progress", "in_transit", "inactive", "mismatch_class",
    "mismatch_instance", "mismatch_quantity", "needs_replacement", "no_pedigree_match",
    "non_conformant", "non_sellable_other", "partially_dispensed", "recalled", "reserved",
    "retail_sold", "returned", "sellable_accessible", "sellable_not_accessible", "stolen",
    "unavailable", "unknown",
}
CBV_BT_TYPES = {"bol", "cert", "desadv", "inv", "pedigree", "po", "poc", "prodorder", "recadv",
                "rma", "testprd", "testres", "upevt"}
CBV_SD_TYPES = {"owning_party", "possessing_party", "location"}

GS3A3 = r"(?:[A-Za-z0-9!'()*+,\-.:;=_]|%[0-9A-F]{2})+"
LGTIN = re.compile(rf"urn:epc:class:lgtin:(\d{{6,12}})\.(\d{{1,7}})\.({GS3A3})")
SGLN = re.compile(rf"urn:epc:id:sgln:(\d{{6,12}})\.(\d{{0,6}})\.({GS3A3})")
BT = re.compile(r"urn:epcglobal:cbv:bt:\d{13}:" + GS3A3)
OFFSET = re.compile(r"[+-](0\d|1[0-3]):[0-5]\d|[+-]14:00")


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def engine(shared_db: ServerTarget) -> Iterator[Engine]:
    e = make_engine(shared_db.admin_url)
    yield e
    e.dispose()


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as c:
        yield c


@pytest.fixture(scope="module")
def validator() -> Any:
    if not SCHEMA_PATH.exists():
        skip_unless_ci(f"GS1 EPCIS 2.0 JSON schema not found at {SCHEMA_PATH} (it is read from "
                       "the shared standards folder, not shipped with the project; "
                       "LOTPROOF_STANDARDS_DIR names another)")
    import jsonschema  # type: ignore[import-untyped]

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def _assert_valid(validator: Any, document: dict[str, Any]) -> None:
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message[:300]}" for e in errors[:5])


def _check_structure(document: dict[str, Any]) -> None:
    """What the schema checks that matters here, plus what it does not (CBV terms, URI forms)."""
    assert document["type"] == "EPCISDocument" and document["schemaVersion"] == "2.0"
    assert "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld" in document["@context"]
    dt.datetime.fromisoformat(document["creationDate"].replace("Z", "+00:00"))
    assert set(document) <= {"@context", "id", "type", "schemaVersion", "creationDate",
                             "epcisHeader", "epcisBody"}
    classes: set[str] = set()
    locations: set[str] = set()
    for vocabulary in document.get("epcisHeader", {}).get("epcisMasterData", {}).get(
            "vocabularyList", []):
        ids = {el["id"] for el in vocabulary["vocabularyElementList"]}
        if vocabulary["type"] == "urn:epcglobal:epcis:vtype:EPCClass":
            classes |= ids
        elif vocabulary["type"] == "urn:epcglobal:epcis:vtype:BusinessLocation":
            locations |= ids
    event_ids = set()
    for event in document["epcisBody"]["eventList"]:
        assert event["type"] in ("ObjectEvent", "TransformationEvent")
        when = dt.datetime.fromisoformat(event["eventTime"].replace("Z", "+00:00"))
        assert when.tzinfo is not None
        assert OFFSET.fullmatch(event["eventTimeZoneOffset"])
        assert event["eventID"].startswith("urn:uuid:") and event["eventID"] not in event_ids
        event_ids.add(event["eventID"])
        assert event["bizStep"] in CBV_BIZ_STEPS, event["bizStep"]
        assert event["disposition"] in CBV_DISPOSITIONS, event["disposition"]
        if event["type"] == "ObjectEvent":
            assert event["action"] == "OBSERVE" and "ilmd" not in event
            quantities = event["quantityList"]
        else:
            assert "action" not in event
            assert event["inputQuantityList"] and event["outputQuantityList"]
            quantities = event["inputQuantityList"] + event["outputQuantityList"]
        assert quantities
        for q in quantities:
            assert set(q) <= {"epcClass", "quantity", "uom"}
            assert LGTIN.fullmatch(q["epcClass"]), q["epcClass"]
            assert q["epcClass"] in classes
            assert isinstance(q["quantity"], int | float) and q["quantity"] > 0
            assert re.fullmatch(r"[A-Z0-9]{2,3}", q["uom"])
        for key in ("readPoint", "bizLocation"):
            if key in event:
                assert SGLN.fullmatch(event[key]["id"]) and event[key]["id"] in locations
        for bt in event.get("bizTransactionList", []):
            assert bt["type"] in CBV_BT_TYPES and BT.fullmatch(bt["bizTransaction"])
        for item in event.get("sourceList", []):
            assert item["type"] in CBV_SD_TYPES and item["source"]
        for item in event.get("destinationList", []):
            assert item["type"] in CBV_SD_TYPES and item["destination"]


def _hero_code(conn: Connection) -> str:
    return str(conn.execute(text(
        "SELECT l.lot_code FROM erp.lot_genealogy g JOIN quality.lots l ON l.id = g.parent_lot_id "
        "GROUP BY l.id, l.lot_code ORDER BY count(*) DESC, l.id LIMIT 1")).scalar_one())


def _sample_lots(conn: Connection) -> list[str]:
    """Lots with every kind of event: received, shipped, split, repacked, relabelled, kitted,
    blended, transferred (arrived and still in transit), returned."""
    return list(conn.execute(text(
        """
        (SELECT l.lot_code FROM erp.lot_genealogy g JOIN quality.lots l ON l.id = g.child_lot_id
         WHERE g.transformation IN ('kit', 'blend') ORDER BY g.id LIMIT 3)
        UNION (SELECT l.lot_code FROM erp.lot_genealogy g JOIN quality.lots l ON l.id = g.child_lot_id
               WHERE g.transformation IN ('repack', 'relabel', 'split') ORDER BY g.id LIMIT 3)
        UNION (SELECT l.lot_code FROM erp.movements m JOIN quality.lots l ON l.id = m.lot_id
               WHERE m.kind IN ('transfer_in', 'transfer_out') ORDER BY m.id LIMIT 3)
        UNION (SELECT l.lot_code FROM erp.transfers t JOIN erp.movements m ON m.transfer_id = t.id
               JOIN quality.lots l ON l.id = m.lot_id WHERE t.status = 'in_transit' LIMIT 1)
        UNION (SELECT l.lot_code FROM erp.returns r JOIN quality.lots l ON l.id = r.lot_id
               ORDER BY r.id LIMIT 2)
        UNION (SELECT lot_code FROM quality.lots WHERE origin = 'receipt' ORDER BY id LIMIT 2)
        """)).scalars())


# ----------------------------------------------------------------------------- identifiers
def test_epc_escaping_follows_the_uri_rules() -> None:
    assert epc_escape("L24-0000113") == "L24-0000113"
    assert epc_escape("AB.c_d!'()*+,:;=") == "AB.c_d!'()*+,:;="
    assert epc_escape("LOT2411/414") == "LOT2411%2F414"
    assert epc_escape("A#1") == "A%231"
    assert epc_escape('"%&/<>?') == "%22%25%26%2F%3C%3E%3F"
    assert epc_escape("a b") == "a%20b"
    assert epc_escape("é") == "%C3%A9"


def test_lgtin_sgln_and_gtin() -> None:
    gtin = demo_gtin("0614141", 2)
    assert gtin == "10614141000026"
    assert lgtin_class(gtin, "L25-0000571") == "urn:epc:class:lgtin:0614141.100002.L25-0000571"
    assert lgtin_class(gtin, "LOT2411/414") == "urn:epc:class:lgtin:0614141.100002.LOT2411%2F414"
    assert lgtin_class(gtin, "A/B#1") == "urn:epc:class:lgtin:0614141.100002.A%2FB%231"
    # A GTIN-13 gets indicator digit 0; a 9-digit company prefix moves the split.
    assert lgtin_class("4012345111118", "987") == "urn:epc:class:lgtin:4012345.011111.987"
    assert lgtin_class("10614141000026", "1", 9) == "urn:epc:class:lgtin:061414100.1002.1"
    assert sgln("0614141000010") == "urn:epc:id:sgln:0614141.00001.0"
    assert sgln("0614141000010", "A-01-2") == "urn:epc:id:sgln:0614141.00001.A-01-2"
    assert sgln("0614141000010", "BAY 3/4") == "urn:epc:id:sgln:0614141.00001.BAY%203%2F4"
    assert gtin14("4012345111118") == "04012345111118"
    for bad in ("10614141000027", "123", "ABCDEFGHIJKLMN"):
        with pytest.raises(EpcisError):
            gtin14(bad)
    with pytest.raises(EpcisError):
        lgtin_class("10614141000026", "")
    with pytest.raises(EpcisError):
        sgln("061414100001")


@given(st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=24))
def test_any_lot_code_gives_a_well_formed_lgtin_that_round_trips(lot: str) -> None:
    uri = lgtin_class("10614141000026", lot)
    match = LGTIN.fullmatch(uri)
    assert match, uri
    assert unquote(match.group(3), errors="strict") == lot


# ----------------------------------------------------------------------------- from the database
def test_every_sample_export_is_well_formed(conn: Connection) -> None:
    lots = _sample_lots(conn)
    assert len(lots) >= 8
    for code in [*lots, _hero_code(conn)]:
        for genealogy in (False, True):
            _check_structure(lot_epcis_document(conn, code, genealogy=genealogy))


def test_every_sample_export_validates_against_the_gs1_schema(conn: Connection,
                                                             validator: Any) -> None:
    for code in [*_sample_lots(conn), _hero_code(conn)]:
        for genealogy in (False, True):
            _assert_valid(validator, lot_epcis_document(conn, code, genealogy=genealogy))


def test_the_schema_and_the_cbv_lists_agree(validator: Any) -> None:
    definitions = validator.schema["definitions"]
    steps = next(a["enum"] for a in definitions["bizStep"]["anyOf"] if "enum" in a)
    dispositions = next(a["enum"] for a in definitions["disposition"]["anyOf"] if "enum" in a)
    assert set(steps) == CBV_BIZ_STEPS and set(dispositions) == CBV_DISPOSITIONS
    bt = next(a["enum"] for a in definitions["bizTransaction-type"]["anyOf"] if "enum" in a)
    assert set(bt) == CBV_BT_TYPES


def test_the_schema_examples_validate(validator: Any) -> None:
    examples = sorted(SCHEMA_DIR.glob("*.jsonld"))
    assert examples
    for path in examples:
        _assert_valid(validator, json.loads(path.read_text(encoding="utf-8")))


def test_a_source_lot_with_its_genealogy(conn: Connection) -> None:
    hero = _hero_code(conn)
    hero_id, gtin = conn.execute(text(
        "SELECT l.id, i.gtin FROM quality.lots l JOIN erp.items i ON i.id = l.item_id "
        "WHERE l.lot_code = :c"), {"c": hero}).one()
    splits = conn.execute(text(
        "SELECT t.number, c.lot_code, g.qty, ci.gtin FROM erp.lot_genealogy g "
        "JOIN erp.transformations t ON t.id = g.transformation_id "
        "JOIN quality.lots c ON c.id = g.child_lot_id JOIN erp.items ci ON ci.id = c.item_id "
        "WHERE g.parent_lot_id = :p"), {"p": hero_id}).all()
    ids = genealogy_lot_ids(conn, [hero_id], ancestors=False)
    shipped = conn.execute(text(
        "SELECT count(*) FROM erp.shipment_lines WHERE lot_id = ANY(:ids)"), {"ids": ids}).scalar()

    document = lot_epcis_document(conn, hero, genealogy=True)
    events = document["epcisBody"]["eventList"]
    hero_class = lgtin_class(gtin, hero)
    transformations = [e for e in events if e["type"] == "TransformationEvent"]
    for number, child, qty, child_gtin in splits:
        (e,) = [t for t in transformations if t["bizTransactionList"][0]["bizTransaction"]
                .endswith(f":{number}")]
        assert e["bizStep"] == "repackaging" and e["disposition"] == "active"
        (consumed,) = e["inputQuantityList"]
        assert consumed["epcClass"] == hero_class and Decimal(str(consumed["quantity"])) == qty
        assert e["outputQuantityList"][0]["epcClass"] == lgtin_class(child_gtin, child)
    shipping = [e for e in events if e["type"] == "ObjectEvent" and e["bizStep"] == "shipping"]
    assert len([e for e in shipping if e["bizTransactionList"][0]["bizTransaction"]
                .split(":")[-1].startswith("SH")]) == shipped
    receiving = [e for e in events if e.get("bizStep") == "receiving"]
    assert any(e["quantityList"][0]["epcClass"] == hero_class
               and e["bizTransactionList"][0]["type"] == "recadv" for e in receiving)


def test_a_known_shipment_event(conn: Connection) -> None:
    lot, qty, number, shipped_at, customer, gtin, uom, gln = conn.execute(text(
        """
        SELECT l.lot_code, sl.qty, s.shipment_number, s.shipped_at, c.code, i.gtin, i.uom,
               site.gln
        FROM erp.shipment_lines sl JOIN erp.shipments s ON s.id = sl.shipment_id
        JOIN erp.customers c ON c.id = s.customer_id JOIN quality.lots l ON l.id = sl.lot_id
        JOIN erp.items i ON i.id = l.item_id JOIN erp.sites site ON site.id = s.site_id
        ORDER BY sl.id LIMIT 1
        """)).one()
    document = lot_epcis_document(conn, lot)
    (e,) = [e for e in document["epcisBody"]["eventList"]
            if {"type": "desadv", "bizTransaction": f"urn:epcglobal:cbv:bt:{gln}:{number}"}
            in e.get("bizTransactionList", [])]
    assert (e["type"], e["action"], e["bizStep"], e["disposition"]) == \
        ("ObjectEvent", "OBSERVE", "shipping", "in_transit")
    (shipped,) = e["quantityList"]
    assert shipped["epcClass"] == lgtin_class(gtin, lot)
    assert Decimal(str(shipped["quantity"])) == qty
    assert shipped["uom"] == {"kg": "KGM", "L": "LTR"}[uom]
    when = dt.datetime.fromisoformat(e["eventTime"].replace("Z", "+00:00"))
    assert when == shipped_at
    assert e["readPoint"]["id"] == sgln(gln, "STAGE")
    assert {"type": "location", "source": sgln(gln)} in e["sourceList"]
    assert {"type": "owning_party",
            "destination": f"https://id.lotproof.example/party/customer/{customer}"} \
        in e["destinationList"]
    # Event ids are stable from one export to the next.
    again = lot_epcis_document(conn, lot)
    assert [x["eventID"] for x in again["epcisBody"]["eventList"]] == \
        [x["eventID"] for x in document["epcisBody"]["eventList"]]


def test_master_data_describes_products_and_locations(conn: Connection) -> None:
    document = lot_epcis_document(conn, _hero_code(conn), genealogy=True)
    vocabularies = {v["type"]: v["vocabularyElementList"]
                    for v in document["epcisHeader"]["epcisMasterData"]["vocabularyList"]}
    products = vocabularies["urn:epcglobal:epcis:vtype:EPCClass"]
    assert all(any(a["id"] == "urn:epcglobal:cbv:mda#descriptionShort" and a["attribute"]
                   for a in p["attributes"]) for p in products)
    places = {p["id"]: p for p in vocabularies["urn:epcglobal:epcis:vtype:BusinessLocation"]}
    site = places["urn:epc:id:sgln:0614141.00001.0"]
    assert {"id": "urn:epcglobal:cbv:mda#name", "attribute": "Riverbend Distribution Center"} \
        in site["attributes"]
    assert "urn:epc:id:sgln:0614141.00001.STAGE" in site["children"]


def test_unknown_lot_and_file_output(conn: Connection, tmp_path: Path) -> None:
    with pytest.raises(LotsNotFound):
        lot_epcis_document(conn, "NO-SUCH-LOT")
    hero = _hero_code(conn)
    n = export_epcis(conn, hero, tmp_path / "lot.jsonld")
    document = json.loads((tmp_path / "lot.jsonld").read_text(encoding="utf-8"))
    assert len(document["epcisBody"]["eventList"]) == n == len(lot_events(conn, hero))
    _check_structure(document)
    stream = io.BytesIO()
    assert export_epcis(conn, hero, stream, genealogy=True) > n
    _check_structure(json.loads(stream.getvalue()))


# ----------------------------------------------------------------------------- special lot codes
SITE = Site(1, "RVB", "Riverbend DC", "1 Riverbend Way", "0614141000010")


def _lot(code: str, lot_id: int = 1) -> LotRef:
    return LotRef(lot_id, code, None, "receipt", "001-25K", "10614141000019", "Citric Acid",
                  "kg", None, dt.date(2026, 1, 1), SITE)


def test_a_lot_code_with_slash_and_hash_is_escaped_and_validates(validator: Any) -> None:
    lot = _lot("AB/12#3")
    parent = _lot("P 1&2", 2)
    supplier = Party("supplier", "S/01", "Acme & Co", None, "US")
    events = [
        TrackingEvent(
            cte="receiving", source="receipt", key="receipt_line:1",
            occurred_at=dt.datetime(2024, 3, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
            site=SITE, sub_location="DOCK #2", ship_from=supplier, ship_to=SITE,
            partner=supplier, reference=Reference("Receipt", "RC/1"),
            other_references=(Reference("Purchase Order", "PO 7"),), carrier=None,
            lots=(LotQuantity(parent, Decimal("5")),),
        ),
        TrackingEvent(
            cte="transformation", source="transformation", key="transformation:1",
            occurred_at=dt.datetime(2024, 3, 2, tzinfo=dt.UTC), site=SITE, sub_location=None,
            ship_from=None, ship_to=None, partner=None, reference=Reference("Work Order", "RP1"),
            other_references=(), carrier=None, lots=(LotQuantity(lot, Decimal("2.5")),),
            inputs=(LotQuantity(parent, Decimal("2.5")),), transformation_kind="repack",
        ),
    ]
    document = build_epcis_document(events, options=EpcisOptions(id_base="https://x.example/"))
    received, repack = document["epcisBody"]["eventList"]
    assert received["quantityList"][0]["epcClass"] == \
        "urn:epc:class:lgtin:0614141.100001.P%201%262"
    assert repack["outputQuantityList"][0] == {
        "epcClass": "urn:epc:class:lgtin:0614141.100001.AB%2F12%233", "quantity": 2.5,
        "uom": "KGM"}
    assert received["readPoint"]["id"] == "urn:epc:id:sgln:0614141.00001.DOCK%20%232"
    assert received["eventTime"] == "2024-03-01T13:00:00.000Z"
    assert {"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:0614141000010:PO%207"} \
        in received["bizTransactionList"]
    assert {"type": "owning_party", "source": "https://x.example/party/supplier/S%2F01"} \
        in received["sourceList"]
    assert repack["ilmd"] == {"cbvmda:itemExpirationDate": "2026-01-01"}
    _check_structure(document)
    _assert_valid(validator, document)


def test_an_item_without_gtin_is_refused() -> None:
    lot = LotRef(1, "L1", None, "receipt", "X", None, "No GTIN", "kg", None, None, SITE)
    event = TrackingEvent(
        cte="shipping", source="shipment", key="shipment_line:1",
        occurred_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC), site=SITE, sub_location=None,
        ship_from=SITE, ship_to=None, partner=None, reference=Reference("Shipment", "SH1"),
        other_references=(), carrier=None, lots=(LotQuantity(lot, Decimal(1)),))
    with pytest.raises(EpcisError, match="no GTIN"):
        build_epcis_document([event])


def test_a_real_lot_with_a_slash_in_its_code_end_to_end(engine: Engine, tmp_path: Path,
                                                       validator: Any) -> None:
    """A lot whose code has '/' and '#' goes through the database and out escaped. The rows are
    added in a transaction that is rolled back, so the module's database stays as seeded."""
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            conn.execute(text(
                """
                WITH new_lot AS (
                    INSERT INTO erp.lots (id, lot_code, item_id, supplier_id, site_id, origin)
                    SELECT (SELECT max(id) + 1 FROM quality.lots), 'QA/7#B', i.id, 1, 1, 'receipt'
                    FROM erp.items i WHERE i.gtin IS NOT NULL ORDER BY i.id LIMIT 1
                    RETURNING id, item_id
                ), receipt AS (
                    INSERT INTO erp.receipts (id, receipt_number, supplier_id, site_id,
                                              received_at)
                    VALUES ((SELECT max(id) + 1 FROM erp.receipts), 'RC-QA/7', 1, 1,
                            '2024-06-01 09:00+00')
                    RETURNING id
                )
                INSERT INTO erp.receipt_lines (id, receipt_id, item_id, lot_id, location_id, qty)
                SELECT (SELECT max(id) + 1 FROM erp.receipt_lines), receipt.id, new_lot.item_id,
                       new_lot.id, (SELECT min(id) FROM erp.locations WHERE kind = 'dock'), 40
                FROM new_lot, receipt
                """))
            assert export_epcis(conn, "QA/7#B", tmp_path / "qa.jsonld") == 1
        finally:
            transaction.rollback()
    document = json.loads((tmp_path / "qa.jsonld").read_text(encoding="utf-8"))
    (event,) = document["epcisBody"]["eventList"]
    assert event["quantityList"][0]["epcClass"].endswith(".QA%2F7%23B")
    assert event["quantityList"][0]["quantity"] == 40
    assert event["bizTransactionList"][0]["bizTransaction"] == \
        "urn:epcglobal:cbv:bt:0614141000010:RC-QA%2F7"
    _check_structure(document)
    _assert_valid(validator, document)
