"""FSMA 204 sortable spreadsheet: the CTEs read from the ERP tables, and the XLSX/CSV files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook
from sqlalchemy import Connection, Engine, event, text

from app.db.engine import make_engine
from app.db.queries.tracking_events import (
    ItemNotFound,
    LotQuantity,
    LotRef,
    LotsNotFound,
    Party,
    Reference,
    Site,
    TrackingEvent,
    events_for_item,
    events_for_lots,
    genealogy_lot_ids,
    lot_ids_for_codes,
)
from app.db.server import ServerTarget
from app.reports.fsma204 import (
    FSMA_COLUMNS,
    export_fsma204_item,
    export_fsma204_lots,
    fsma_rows,
    write_fsma204,
    write_fsma_csv,
    write_fsma_xlsx,
)

KDE_COLUMNS = (
    "Traceability Lot Code", "Traceability Lot Code Source", "Product Description", "Quantity",
    "Unit of Measure", "Event Type", "Event Date", "Location Description",
    "Ship From Location Description", "Ship To Location Description",
    "Reference Document Type", "Reference Document Number",
)


@pytest.fixture(scope="module")
def engine(shared_db: ServerTarget) -> Iterator[Engine]:
    e = make_engine(shared_db.admin_url)
    yield e
    e.dispose()


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as c:
        yield c


def _hero(conn: Connection) -> tuple[int, str]:
    """The source lot split into the most child lots (the demo's recall scenario)."""
    row = conn.execute(text(
        "SELECT l.id, l.lot_code FROM erp.lot_genealogy g "
        "JOIN quality.lots l ON l.id = g.parent_lot_id "
        "GROUP BY l.id, l.lot_code ORDER BY count(*) DESC, l.id LIMIT 1")).one()
    return int(row[0]), str(row[1])


def _one_shipment(conn: Connection, lot_id: int) -> Any:
    return conn.execute(text(
        """
        SELECT sl.id, sl.qty, s.shipment_number, s.shipped_at, c.name, s.ship_to, l.lot_code,
               so.order_number, s.carrier
        FROM erp.shipment_lines sl JOIN erp.shipments s ON s.id = sl.shipment_id
        JOIN erp.customers c ON c.id = s.customer_id JOIN quality.lots l ON l.id = sl.lot_id
        LEFT JOIN erp.sales_orders so ON so.id = s.order_id
        WHERE sl.lot_id = :lot ORDER BY sl.id LIMIT 1
        """), {"lot": lot_id}).one()


# ----------------------------------------------------------------------------- the events
def test_a_source_lot_and_its_descendants_give_every_cte(conn: Connection) -> None:
    hero_id, hero_code = _hero(conn)
    ids = genealogy_lot_ids(conn, [hero_id], ancestors=False)
    children = set(conn.execute(text(
        "SELECT child_lot_id FROM erp.lot_genealogy WHERE parent_lot_id = :p"),
        {"p": hero_id}).scalars())
    assert children and children <= set(ids) and hero_id in ids

    events = events_for_lots(conn, ids)
    by_source: dict[str, list[TrackingEvent]] = {}
    for e in events:
        by_source.setdefault(e.source, []).append(e)

    n_lines = conn.execute(text(
        "SELECT count(*) FROM erp.shipment_lines WHERE lot_id = ANY(:ids)"),
        {"ids": ids}).scalar_one()
    n_receipts = conn.execute(text(
        "SELECT count(*) FROM erp.receipt_lines WHERE lot_id = ANY(:ids)"),
        {"ids": ids}).scalar_one()
    n_transformations = conn.execute(text(
        "SELECT count(DISTINCT transformation_id) FROM erp.lot_genealogy "
        "WHERE parent_lot_id = ANY(:ids) OR child_lot_id = ANY(:ids)"), {"ids": ids}).scalar_one()
    assert len(by_source["shipment"]) == n_lines > 0
    assert len(by_source.get("receipt", [])) == n_receipts == 1  # the hero was received once
    assert len(by_source["transformation"]) == n_transformations >= len(children)
    assert [e.occurred_at for e in events] == sorted(e.occurred_at for e in events)
    assert len({e.key for e in events}) == len(events)

    receipt = by_source["receipt"][0]
    assert receipt.cte == "receiving" and receipt.lots[0].lot.lot_code == hero_code
    assert isinstance(receipt.partner, Party) and receipt.partner.kind == "supplier"
    assert receipt.reference.type == "Receipt" and receipt.reference.number.startswith("RC")
    assert any(r.type == "Purchase Order" for r in receipt.other_references)


def test_a_known_shipment_has_its_customer_quantity_and_date(conn: Connection) -> None:
    hero_id, _ = _hero(conn)
    child = conn.execute(text(
        "SELECT min(child_lot_id) FROM erp.lot_genealogy WHERE parent_lot_id = :p"),
        {"p": hero_id}).scalar_one()
    ship = _one_shipment(conn, child)
    events = events_for_lots(conn, [child])
    match = [e for e in events if e.key == f"shipment_line:{ship.id}"]
    assert len(match) == 1
    e = match[0]
    assert (e.cte, e.source) == ("shipping", "shipment")
    assert e.occurred_at == ship.shipped_at
    assert e.reference == Reference("Shipment", ship.shipment_number)
    assert Reference("Sales Order", ship.order_number) in e.other_references
    assert isinstance(e.ship_to, Party) and e.ship_to.name == ship.name
    assert e.ship_to.address == ship.ship_to and e.partner == e.ship_to
    assert isinstance(e.ship_from, Site) and e.ship_from == e.site and e.site.gln
    assert e.carrier == ship.carrier and e.sub_location == "STAGE"
    assert [(q.lot.lot_code, q.qty) for q in e.lots] == [(ship.lot_code, ship.qty)]
    lot = e.lots[0].lot
    assert lot.origin == "split" and lot.item_gtin and len(lot.item_gtin) == 14
    assert lot.tlc_source == e.site  # the child's code was assigned where it was split


def test_a_kit_or_blend_has_all_its_inputs_and_its_output(conn: Connection) -> None:
    tid, child = conn.execute(text(
        "SELECT transformation_id, min(child_lot_id) FROM erp.lot_genealogy "
        "WHERE transformation IN ('kit', 'blend') GROUP BY transformation_id "
        "HAVING count(*) > 1 ORDER BY transformation_id LIMIT 1")).one()
    parents: dict[str, Decimal] = dict(conn.execute(text(
        "SELECT l.lot_code, g.qty FROM erp.lot_genealogy g "
        "JOIN quality.lots l ON l.id = g.parent_lot_id "
        "WHERE g.transformation_id = :t"), {"t": tid}).all())
    made = conn.execute(text(
        "SELECT qty FROM erp.movements WHERE lot_id = :c AND transformation_id = :t "
        "AND to_location_id IS NOT NULL"), {"c": child, "t": tid}).scalar_one()

    (e,) = [e for e in events_for_lots(conn, [child]) if e.key == f"transformation:{tid}"]
    assert e.cte == "transformation" and e.transformation_kind in ("kit", "blend")
    assert {q.lot.lot_code: q.qty for q in e.inputs} == parents
    assert len(e.lots) == 1 and e.lots[0].lot.id == child and e.lots[0].qty == made
    assert abs(sum(parents.values()) - made) <= Decimal("0.005")  # a kit is its parts
    assert e.reference.type == "Work Order" and e.lots[0].lot.origin == e.transformation_kind

    # The same event is found from any of its inputs.
    some_parent = lot_ids_for_codes(conn, [next(iter(parents))])
    assert f"transformation:{tid}" in {x.key for x in events_for_lots(conn, some_parent)}


def test_transfers_ship_from_one_site_and_are_received_at_the_other(conn: Connection) -> None:
    lot, number, from_site, to_site = conn.execute(text(
        "SELECT m.lot_id, t.transfer_number, fs.code, ts.code FROM erp.movements m "
        "JOIN erp.transfers t ON t.id = m.transfer_id JOIN erp.sites fs ON fs.id = t.from_site_id "
        "JOIN erp.sites ts ON ts.id = t.to_site_id "
        "WHERE m.kind = 'transfer_in' ORDER BY m.id LIMIT 1")).one()
    events = [e for e in events_for_lots(conn, [lot]) if e.reference.number == number]
    assert {(e.cte, e.source) for e in events} == {("shipping", "transfer_out"),
                                                   ("receiving", "transfer_in")}
    out = next(e for e in events if e.source == "transfer_out")
    arrival = next(e for e in events if e.source == "transfer_in")
    assert out.site.code == from_site and arrival.site.code == to_site
    assert isinstance(arrival.ship_from, Site) and arrival.ship_from.code == from_site
    assert out.occurred_at < arrival.occurred_at and out.lots[0].qty == arrival.lots[0].qty


def test_customer_returns_are_receiving_events(conn: Connection) -> None:
    lot, rma, qty, customer = conn.execute(text(
        "SELECT r.lot_id, r.rma_number, r.qty, c.name FROM erp.returns r "
        "JOIN erp.customers c ON c.id = r.customer_id ORDER BY r.id LIMIT 1")).one()
    (e,) = [e for e in events_for_lots(conn, [lot]) if e.reference.number == rma]
    assert (e.cte, e.source, e.reference.type) == ("receiving", "return", "Return Authorization")
    assert isinstance(e.ship_from, Party) and e.ship_from.name == customer
    assert e.lots[0].qty == qty and e.sub_location == "RETURNS"


def test_the_number_of_queries_does_not_grow_with_the_lots(engine: Engine) -> None:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    with engine.connect() as conn:
        hero_id, _ = _hero(conn)
        many = genealogy_lot_ids(conn, [hero_id], ancestors=False)
        assert len(many) > 3
        event.listen(conn, "before_cursor_execute", count)
        events_for_lots(conn, many[:1])
        one = len(statements)
        statements.clear()
        events_for_lots(conn, many)
        assert len(statements) == one <= 10
        event.remove(conn, "before_cursor_execute", count)


def test_events_for_an_item_in_a_date_range(conn: Connection) -> None:
    sku, first = conn.execute(text(
        "SELECT i.sku, min(s.shipped_at) FROM erp.shipment_lines sl "
        "JOIN erp.shipments s ON s.id = sl.shipment_id JOIN quality.lots l ON l.id = sl.lot_id "
        "JOIN erp.items i ON i.id = l.item_id GROUP BY i.sku ORDER BY count(*) DESC LIMIT 1")).one()
    start = first.date() + dt.timedelta(days=60)
    end = start + dt.timedelta(days=90)
    events = events_for_item(conn, sku, start, end)
    assert events
    lo = dt.datetime.combine(start, dt.time(), dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC)
    assert all(lo <= e.occurred_at < hi for e in events)
    assert all(any(q.lot.item_sku == sku for q in e.all_lots) for e in events)
    expected = conn.execute(text(
        "SELECT count(*) FROM erp.shipment_lines sl JOIN erp.shipments s ON s.id = sl.shipment_id "
        "JOIN quality.lots l ON l.id = sl.lot_id JOIN erp.items i ON i.id = l.item_id "
        "WHERE i.sku = :sku AND s.shipped_at >= :lo AND s.shipped_at < :hi"),
        {"sku": sku, "lo": lo, "hi": hi}).scalar_one()
    assert sum(e.source == "shipment" for e in events) == expected > 0

    with pytest.raises(ItemNotFound):
        events_for_item(conn, "NO-SUCH-SKU", start, end)
    with pytest.raises(ValueError):
        events_for_item(conn, sku, end, start)


def test_unknown_lot_codes_are_named(conn: Connection) -> None:
    _, hero_code = _hero(conn)
    with pytest.raises(LotsNotFound) as info:
        lot_ids_for_codes(conn, [hero_code, "NOPE-1", "NOPE-2"])
    assert info.value.codes == ["NOPE-1", "NOPE-2"]
    assert events_for_lots(conn, []) == []


# ----------------------------------------------------------------------------- the files
def test_xlsx_has_the_kde_columns_frozen_header_filter_and_typed_cells(
        conn: Connection, tmp_path: Path) -> None:
    hero_id, hero_code = _hero(conn)
    result = export_fsma204_lots(conn, [hero_code], tmp_path / "fsma.xlsx", descendants=True)
    ids = genealogy_lot_ids(conn, [hero_id], ancestors=False)
    assert result.rows == len(list(fsma_rows(events_for_lots(conn, ids)))) > result.events > 0

    wb = load_workbook(tmp_path / "fsma.xlsx")
    ws = wb.active
    assert ws is not None
    header = next(ws.iter_rows(min_row=1, max_row=1, values_only=True))
    assert header == FSMA_COLUMNS and set(KDE_COLUMNS) <= set(header)
    assert ws["A1"].font.b
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:X{result.rows + 1}"
    rows = [dict(zip(header, r, strict=True))
            for r in ws.iter_rows(min_row=2, values_only=True)]
    assert len(rows) == result.rows

    child = conn.execute(text(
        "SELECT min(child_lot_id) FROM erp.lot_genealogy WHERE parent_lot_id = :p"),
        {"p": hero_id}).scalar_one()
    ship = _one_shipment(conn, child)
    found = [r for r in rows if r["Reference Document Number"] == ship.shipment_number]
    assert len(found) == 1
    row = found[0]
    shipped = ship.shipped_at.astimezone(dt.UTC).replace(tzinfo=None)
    assert row["Event Type"] == "Shipping" and row["Event Detail"] == "Shipment to customer"
    assert row["Traceability Lot Code"] == ship.lot_code
    assert row["Trading Partner"] == ship.name
    assert ship.ship_to in row["Ship To Location Description"]
    assert Decimal(str(row["Quantity"])) == ship.qty and row["Unit of Measure"] in ("kg", "L")
    assert row["Event Date"] == dt.datetime.combine(shipped.date(), dt.time())
    assert row["Event Date and Time (UTC)"] == shipped
    assert ws.cell(row=2, column=3).number_format == "yyyy\\-mm\\-dd"
    # Identifiers stay text: no lost leading zeros, no scientific notation.
    assert isinstance(row["GTIN"], str) and len(row["GTIN"]) == 14
    assert row["Location GLN"] == "0614141000010"  # the hero lot lives at the first site
    assert row["Traceability Lot Code Source Reference"].startswith("GLN 0")

    splits = [r for r in rows if r["Event Type"] == "Transformation"]
    inputs = [r for r in splits if r["Event Detail"].endswith("input (consumed)")]
    outputs = [r for r in splits if r["Event Detail"].endswith("output (new lot)")]
    assert inputs and len(inputs) == len(outputs)
    assert all(r["Traceability Lot Code"] == hero_code for r in inputs)
    assert all(r["Related Traceability Lot Codes"] == hero_code for r in outputs)
    assert {r["Reference Document Number"] for r in inputs} == \
        {r["Reference Document Number"] for r in outputs}


def test_csv_has_the_same_rows_as_text(conn: Connection, tmp_path: Path) -> None:
    _, hero_code = _hero(conn)
    xlsx = export_fsma204_lots(conn, [hero_code], tmp_path / "a.xlsx", descendants=True)
    result = export_fsma204_lots(conn, [hero_code], tmp_path / "a.csv", descendants=True)
    assert result.rows == xlsx.rows
    with open(tmp_path / "a.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0].keys()) == FSMA_COLUMNS and len(rows) == result.rows
    shipping = [r for r in rows if r["Event Type"] == "Shipping"]
    assert shipping
    for r in shipping:
        dt.date.fromisoformat(r["Event Date"])
        dt.datetime.strptime(r["Event Date and Time (UTC)"], "%Y-%m-%d %H:%M:%S")
        assert Decimal(r["Quantity"]) > 0 and r["GTIN"].isdigit() and len(r["GTIN"]) == 14
        assert r["Location GLN"].startswith("0")


def test_item_export_and_suffixes(conn: Connection, tmp_path: Path) -> None:
    sku = conn.execute(text("SELECT sku FROM erp.items ORDER BY id LIMIT 1")).scalar_one()
    result = export_fsma204_item(conn, sku, dt.date(2000, 1, 1), dt.date(2100, 1, 1),
                                 tmp_path / "item.csv")
    assert result.rows >= result.events > 0
    with pytest.raises(ValueError, match=r"\.xlsx or \.csv"):
        write_fsma204([], tmp_path / "x.pdf")
    with pytest.raises(ValueError, match=r"\.xlsx or \.csv"):
        export_fsma204_item(conn, sku, dt.date(2000, 1, 1), dt.date(2100, 1, 1),
                            tmp_path / "x.txt")
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "x.txt").exists()
    assert write_fsma204([], tmp_path / "empty.xlsx") == 0
    ws = load_workbook(tmp_path / "empty.xlsx").active
    assert ws is not None and ws.max_row == 1


def test_streams_for_callers_that_keep_the_file_in_memory(conn: Connection) -> None:
    _, hero_code = _hero(conn)
    xlsx = io.BytesIO()
    result = export_fsma204_lots(conn, [hero_code], xlsx, descendants=True, fmt="xlsx")
    assert result.path is None and result.rows > 0 and not xlsx.closed
    ws = load_workbook(io.BytesIO(xlsx.getvalue())).active
    assert ws is not None and ws.max_row == result.rows + 1
    text_out = io.BytesIO()
    assert write_fsma204(events_for_lots(conn, lot_ids_for_codes(conn, [hero_code])), text_out,
                         fmt="csv") > 0
    assert text_out.getvalue().startswith("\ufeffEvent Type,".encode())
    with pytest.raises(ValueError, match="fmt="):
        write_fsma204([], io.BytesIO())


# ----------------------------------------------------------------------------- without a database
SITE = Site(1, "RVB", "Riverbend DC", "1 Riverbend Way", "0614141000010")


def _event(n: int, *, lot_code: str = "L24-0000001", partner_name: str = "Acme Foods",
           description: str = "Citric Acid, 25 kg bag") -> TrackingEvent:
    lot = LotRef(n, lot_code, "SUP-1", "receipt", "001-25K", "10614141000019", description,
                 "kg", dt.date(2024, 1, 1), dt.date(2026, 1, 1), SITE)
    customer = Party("customer", "C00001", partner_name, "12 Main St", "US")
    return TrackingEvent(
        cte="shipping", source="shipment", key=f"shipment_line:{n}",
        occurred_at=dt.datetime(2024, 5, 1, 10, 30, tzinfo=dt.UTC) + dt.timedelta(minutes=n),
        site=SITE, sub_location="STAGE", ship_from=SITE, ship_to=customer, partner=customer,
        reference=Reference("Shipment", f"SH{n:08d}"), other_references=(), carrier=None,
        lots=(LotQuantity(lot, Decimal("12.500")),),
    )


def test_hostile_text_stays_text(tmp_path: Path) -> None:
    nasty = "=HYPERLINK(\"http://x\")&<b>\x07 "
    e = _event(1, lot_code="  LOT<1>&", partner_name=nasty, description="Ünïcödé ✓")
    write_fsma_xlsx([e], tmp_path / "t.xlsx")
    write_fsma_csv([e], tmp_path / "t.csv")
    ws = load_workbook(tmp_path / "t.xlsx").active
    assert ws is not None
    row = dict(zip(FSMA_COLUMNS, next(ws.iter_rows(min_row=2, values_only=True)), strict=True))
    assert row["Trading Partner"] == nasty.replace("\x07", "")
    assert ws.cell(row=2, column=FSMA_COLUMNS.index("Trading Partner") + 1).data_type == "s"
    assert row["Traceability Lot Code"] == "  LOT<1>&"
    assert row["Product Description"] == "Ünïcödé ✓"
    assert row["Quantity"] == 12.5
    with open(tmp_path / "t.csv", encoding="utf-8-sig", newline="") as f:
        (csv_row,) = list(csv.DictReader(f))
    assert csv_row["Trading Partner"] == nasty and csv_row["Quantity"] == "12.5"


def test_the_package_is_well_formed(tmp_path: Path) -> None:
    write_fsma_xlsx([_event(n) for n in range(3)], tmp_path / "p.xlsx")
    with zipfile.ZipFile(tmp_path / "p.xlsx") as zf:
        names = zf.namelist()
        assert names[0] == "[Content_Types].xml"
        assert {"_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                "xl/worksheets/sheet1.xml", "docProps/core.xml"} <= set(names)
        for name in names:
            ElementTree.fromstring(zf.read(name))  # every part parses as XML
        workbook = zf.read("xl/workbook.xml").decode()
    assert "'FSMA 204 CTEs'!$A$1:$X$4" in workbook


def test_twenty_thousand_rows_are_written_quickly(tmp_path: Path) -> None:
    events = [_event(n, lot_code=f"L24-{n:07d}", partner_name=f"Customer {n % 500}")
              for n in range(20_000)]
    start = time.perf_counter()
    assert write_fsma_xlsx(events, tmp_path / "big.xlsx") == 20_000
    elapsed = time.perf_counter() - start
    assert elapsed < 8, f"{elapsed:.1f} s"  # ~1.5 s here; openpyxl write-only: ~18 s
    # (Reading 20,000 rows back through openpyxl would take longer than the test may.)
    with zipfile.ZipFile(tmp_path / "big.xlsx") as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode("utf-8")
    tail = sheet[sheet.index('<row r="20001">'):]
    assert "<t>L24-0019999</t>" in tail and '<autoFilter ref="A1:X20001"/>' in tail
