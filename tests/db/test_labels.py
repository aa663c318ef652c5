"""Labels: every printed barcode read back from the rendered page and parsed by the GS1 reader
equals the lot's data; pallet labels carry SSCCs never issued twice; status labels say the
status and its reason; what GS1's rules or the lot's state refuse is refused, and not recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pypdfium2 as pdfium
import pytest
import zxingcpp
from sqlalchemy import Connection, Engine, text

from app.db.errors import DecisionRefused
from app.db.server import ServerTarget
from app.documents.gs1 import GS1Data, parse_gs1
from app.documents.reading import PDFIUM_LOCK
from app.reports.gs1_symbols import LabelDataError
from app.reports.labels import SIZES, PrintedLabel, bars, render
from app.workflows import decisions
from app.workflows import labels as label_flow
from app.workflows.session import UserSession
from app.workflows.signing import Credentials
from tests.conftest import DEMO_PASSWORDS
from tests.support.inspections import as_user
from tests.support.pdf_text import page_texts

DPI = 300


@pytest.fixture
def people(db: ServerTarget) -> Iterator[dict[str, UserSession]]:
    sessions = {name: as_user(db, name) for name in
                ("ivy.inspector", "arlo.approver", "aude.auditor")}
    yield sessions
    for session in sessions.values():
        session.close()


def decoded(pdf: bytes) -> list[list[zxingcpp.Barcode]]:
    """The barcodes found on each page rendered at a label printer's 300 dpi."""
    pages = []
    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(pdf)
        try:
            for page in document:
                image = page.render(scale=DPI / 72).to_pil().convert("L")
                pages.append(zxingcpp.read_barcodes(image))
                page.close()
        finally:
            document.close()
    return pages


def merged(found: list[zxingcpp.Barcode], fmt: zxingcpp.BarcodeFormat) -> GS1Data:
    """The GS1 data of every symbol of one format on a page, parsed by Lotproof's GS1 reader."""
    texts = [b.text for b in found if b.format == fmt]
    assert texts, f"no {fmt} found among {[(b.format, b.text) for b in found]}"
    return parse_gs1("".join(sorted(texts, key=lambda t: t[1:3] != "00")))


def lot_with_gtin(conn: Connection, category: str, *, status: str = "available") -> str:
    return str(conn.execute(text("""
        SELECT l.lot_code FROM quality.lots l JOIN erp.items i ON i.id = l.item_id
        WHERE l.status = :s AND i.gtin IS NOT NULL AND i.category = :c
          AND l.expiry_date IS NOT NULL AND l.manufacture_date IS NOT NULL
        ORDER BY l.id LIMIT 1"""), {"s": status, "c": category}).scalar_one())


def lot_row(conn: Connection, code: str) -> tuple[str, dt.date, dt.date]:
    gtin, made, expires = conn.execute(text(
        "SELECT i.gtin, l.manufacture_date, l.expiry_date FROM quality.lots l "
        "JOIN erp.items i ON i.id = l.item_id WHERE l.lot_code = :c"), {"c": code}).one()
    return str(gtin), made, expires


@pytest.mark.parametrize("size", sorted(SIZES))
def test_lot_label_barcodes_read_back_as_the_lots_data(
        people: dict[str, UserSession], owner_engine: Engine, size: str) -> None:
    with owner_engine.connect() as conn:
        chemical = lot_with_gtin(conn, "industrial_chemical")
        food = lot_with_gtin(conn, "food_ingredient")
    for code, date_ai in ((chemical, "17"), (food, "15")):
        printed = label_flow.print_labels(people["ivy.inspector"], code, "lot", size)
        with owner_engine.connect() as conn:
            gtin, made, expires = lot_row(conn, code)
        (page,) = decoded(printed.pdf)
        for fmt in (zxingcpp.BarcodeFormat.Code128, zxingcpp.BarcodeFormat.DataMatrix):
            data = merged(page, fmt)
            assert data.gtin == gtin.zfill(14) and data.lot == code
            assert data.production_date == made
            if date_ai == "17":
                assert data.expiry == expires and "15" not in data.other
            else:  # food carries best before
                assert data.other["15"] == f"{expires:%y%m%d}" and data.expiry is None
        label_text = page_texts(printed.pdf)[0]
        assert code in label_text and ("BEST BEFORE" if date_ai == "15" else "EXPIRY") in \
            label_text.upper()
        with pdfium.PdfDocument(printed.pdf) as document:  # type: ignore[attr-defined]
            w, h = document[0].get_size()
        assert (round(w), round(h)) == tuple(round(v) for v in SIZES[size])


def test_pallet_labels_carry_new_valid_ssccs(
        people: dict[str, UserSession], owner_engine: Engine) -> None:
    with owner_engine.connect() as conn:
        code = lot_with_gtin(conn, "nutraceutical")
        gtin, _made, expires = lot_row(conn, code)
    printed = label_flow.print_labels(people["ivy.inspector"], code, "pallet", "100x150",
                                      copies=3, units=40)
    ssccs = [r.sscc for r in printed.labels]
    assert len(set(ssccs)) == 3 and all(s and s.startswith("00614141") for s in ssccs)
    for page, sscc in zip(decoded(printed.pdf), ssccs, strict=True):
        for fmt in (zxingcpp.BarcodeFormat.Code128, zxingcpp.BarcodeFormat.DataMatrix):
            data = merged(page, fmt)
            assert data.sscc == sscc  # the GS1 reader checks the SSCC's check digit
            assert data.other["02"] == gtin.zfill(14) and data.other["37"] == "40"
            assert data.lot == code and data.expiry == expires
    # a second print never repeats a serial
    again = label_flow.print_labels(people["ivy.inspector"], code, "pallet", "4x6", units=12)
    assert again.labels[0].sscc not in ssccs
    with pytest.raises(DecisionRefused, match="how many units"):
        label_flow.print_labels(people["ivy.inspector"], code, "pallet", "4x6")


def test_hold_label_says_on_hold_and_why(people: dict[str, UserSession],
                                         owner_engine: Engine) -> None:
    with owner_engine.connect() as conn:
        code = lot_with_gtin(conn, "food_ingredient")
    ivy = people["ivy.inspector"]
    with pytest.raises(DecisionRefused, match="status label marks stock"):
        label_flow.print_labels(ivy, code, "status")
    decisions.hold(ivy, Credentials("ivy.inspector", DEMO_PASSWORDS["ivy.inspector"]), code,
                   "Torn bags found at put-away", expected_status="available")
    printed = label_flow.print_labels(ivy, code, "status", "100x150")
    page_text = page_texts(printed.pdf)[0]
    assert "ON HOLD" in page_text and code in page_text
    assert "Torn bags found at put-away" in page_text
    (page,) = decoded(printed.pdf)
    data = merged(page, zxingcpp.BarcodeFormat.DataMatrix)  # a scan opens the lot
    assert data.lot == code
    assert printed.labels[0].content["reason"] == "Torn bags found at put-away"


def test_rejected_lot_gets_no_saleable_label(people: dict[str, UserSession],
                                             owner_engine: Engine) -> None:
    with owner_engine.connect() as conn:
        code = str(conn.execute(text("SELECT lot_code FROM quality.lots WHERE status = 'rejected' "
                                     "ORDER BY id LIMIT 1")).scalar_one())
    ivy = people["ivy.inspector"]
    with pytest.raises(DecisionRefused, match="REJECTED status label"):
        label_flow.print_labels(ivy, code, "lot")
    printed = label_flow.print_labels(ivy, code, "status")
    assert "REJECTED" in page_texts(printed.pdf)[0]


def test_who_may_print_and_what_is_kept(people: dict[str, UserSession],
                                        owner_engine: Engine) -> None:
    with owner_engine.connect() as conn:
        code = lot_with_gtin(conn, "industrial_chemical")
    with pytest.raises(DecisionRefused, match=r"permission denied|may not print"):
        label_flow.print_labels(people["aude.auditor"], code, "lot")
    printed = label_flow.print_labels(people["arlo.approver"], code, "lot")
    # the auditor reprints what was printed, as it was
    kept = label_flow.labels_of_lot(people["aude.auditor"], code)
    assert [r.id for r in kept] == [printed.labels[0].id]
    assert decoded(label_flow.reprint(people["aude.auditor"], kept[0].id))[0]
    with owner_engine.begin() as conn:
        trail = conn.execute(text(
            "SELECT action, username FROM audit.trail WHERE record_type = 'quality.printed_labels' "
            "AND record_id = :i"), {"i": str(kept[0].id)}).all()
        assert ("label.print", "arlo.approver") in [tuple(r) for r in trail]
        with pytest.raises(Exception, match="append-only"):
            conn.execute(text("UPDATE quality.printed_labels SET content = '{}' WHERE id = :i"),
                         {"i": kept[0].id})


def test_item_without_gtin_gets_a_clear_error_and_nothing_is_recorded(
        people: dict[str, UserSession], owner_engine: Engine) -> None:
    with owner_engine.begin() as conn:
        code, sku = conn.execute(text(
            "SELECT l.lot_code, i.sku FROM quality.lots l JOIN erp.items i ON i.id = l.item_id "
            "WHERE l.status = 'available' ORDER BY l.id LIMIT 1")).one()
        conn.execute(text("UPDATE erp_builtin.items SET gtin = NULL WHERE sku = :s"), {"s": sku})
    with pytest.raises(DecisionRefused, match=f"item {sku} .*has no GTIN"):
        label_flow.print_labels(people["ivy.inspector"], code, "lot")
    assert label_flow.labels_of_lot(people["ivy.inspector"], code) == []


def test_wrong_gs1_data_is_refused_before_drawing() -> None:
    with pytest.raises(LabelDataError, match="check digit"):
        label_flow.check("(01)00614141000417(10)L1")  # the GTIN's check digit is 8
    with pytest.raises(LabelDataError, match="date"):
        label_flow.check("(01)00614141000418(17)260231(10)L1")  # 31 February
    with pytest.raises(LabelDataError, match="too long"):
        bars("(10)" + "ABCDEFGHIJKLMNOPQRST", 30)
    assert len(bars("(01)00614141000418(11)250101(17)270101(10)LOT-2024-000123", 280)) >= 2
    now = dt.datetime.now(dt.UTC)
    crowded = PrintedLabel(1, now, {"kind": "lot", "size": "4x6", "lot_code": "L1", "sku": "S",
                                    "item": "I", "site": "X",
                                    "element_strings": ["(01)00614141000418(10)L1"] * 9})
    with pytest.raises(LabelDataError, match="do not fit"):
        render([crowded])
