"""The kinds of mistake seen on documents from suppliers never seen (issue 16), each on a small
synthetic page: a label, an address, a company or a regulation taken as the product, a lot
number cut at a hyphen, words run together, and confidence that says more than the evidence.

Each rule is also switched off (``rules.disabled``) to show that it is what makes the test pass.
"""

from __future__ import annotations

import io

import pytest
from reportlab.pdfgen.canvas import Canvas

from app.documents import rules
from app.documents.extract import Extraction, extract_bytes
from app.documents.field_types import label_phrase, not_a_product, whole_lot
from app.documents.fields_common import accept_code
from tests.documents.conftest import make_text_pdf

Drawn = list[tuple[float, float, str]]


def _page(items: Drawn, title: str = "CERTIFICATE OF ANALYSIS") -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=True)
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(50, 790, title)
    canvas.setFont("Helvetica", 10)
    for x, y, text in items:
        canvas.drawString(x, y, text)
    canvas.drawString(50, 560, "Test              Specification         Result")
    canvas.drawString(50, 545, "Assay             98.0 - 102.0 %         99.5 %")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _read(data: bytes, off: tuple[str, ...] = ()) -> Extraction:
    with rules.disabled(off):
        return extract_bytes(data, "unseen.pdf")


@pytest.mark.parametrize("text", [
    "Commercial Product Name", "Distributed by", "Batch", "Product Description:", "N/A",
    "Manufactured for", "Lot Number",
])
def test_label_phrases_are_not_values(text: str) -> None:
    assert label_phrase(text)
    assert not_a_product(text) == "a label, not a value"


@pytest.mark.parametrize(("text", "why"), [
    ("1200 Harbor Industrial Parkway", "an address"),
    ("Springfield, IL 62701", "an address"),
    ("P.O. Box 4410", "an address"),
    ("Compliance testing (16 CCR) 5724", "a regulation citation"),
    ("according to 29 CFR 1910.1200", "a regulation citation"),
    ("Regulation (EC) No 1907/2006", "a regulation citation"),
    ("Northwind Botanicals, Inc.", "a company name"),
    ("Fabrikam Aromen GmbH", "a company name"),
    ("info@example.test", "contact details"),
    ("Certificate of Analysis", "the document's title"),
])
def test_what_a_product_name_is_not(text: str, why: str) -> None:
    assert not_a_product(text) == why


@pytest.mark.parametrize("text", [
    "Citric Acid Anhydrous", "Natural Lemon Flavour WONF", "Mobil Pegasus 1005",
    "Blue Dream 3.5g", "Sodium Chloride USP", "Vitamin D3 500 IU", "CODE 17027 EBU",
])
def test_ordinary_product_names_pass(text: str) -> None:
    assert not_a_product(text) is None


def test_lot_number_with_spaced_hyphens_is_taken_whole() -> None:
    assert whole_lot("21 - 0419 - A") == "21-0419-A"
    assert accept_code("21 - 0419 - A") == "21-0419-A"
    assert accept_code("SAMPLE SIZE: 5 G / 5 G") is None
    data = _page([(50, 740, "Product Name: Malic Acid Powder"), (50, 725, "Lot No.: 21 - 0419 - A")])
    assert _read(data).value("lot_number") == "21-0419-A"
    assert _read(data, ("lot_whole",)).value("lot_number") == "21 - 0419 - A"


def test_label_below_a_label_is_not_the_product() -> None:
    data = _page([
        (50, 740, "Product:"), (50, 726, "Distributed by"),
        (50, 700, "Lot No.: KX-20931"),
    ])
    assert _read(data).value("product_name") != "Distributed by"
    assert _read(data, ("label_values",)).value("product_name") == "Distributed by"


def test_address_under_the_product_label_is_refused_for_the_prominent_name() -> None:
    items: Drawn = [
        (50, 740, "Product Name:"), (50, 726, "1200 Harbor Industrial Parkway"),
        (50, 700, "Lot No.: KX-20931"),
    ]
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=True)
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(50, 790, "CERTIFICATE OF ANALYSIS")
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawString(50, 765, "Tartaric Acid Fine Granular")
    canvas.setFont("Helvetica", 10)
    for x, y, text in items:
        canvas.drawString(x, y, text)
    canvas.drawString(50, 560, "Test              Specification         Result")
    canvas.drawString(50, 545, "Assay             98.0 - 102.0 %         99.5 %")
    canvas.showPage()
    canvas.save()
    extraction = _read(buffer.getvalue())
    product = extraction.fields["product_name"]
    assert product.value == "Tartaric Acid Fine Granular"
    assert product.confidence <= 0.5 and product.doubt and "no label" in product.doubt
    assert _read(buffer.getvalue(), ("name_types",)).value("product_name") == (
        "1200 Harbor Industrial Parkway")


def test_words_run_together_are_split() -> None:
    data = _page([(50, 740, "Product Name: COCONUTWATERFLAVOUR"), (50, 725, "Lot No.: KX-20931")])
    assert _read(data).value("product_name") == "COCONUT WATER FLAVOUR"
    assert _read(data, ("run_together",)).value("product_name") == "COCONUTWATERFLAVOUR"


def test_confidence_follows_the_evidence() -> None:
    # a specific label, the value in its cell, printed again in the footer: sure
    sure = _page([
        (50, 740, "Product Name: Malic Acid Powder"), (50, 725, "Lot No.: KX-20931"),
        (50, 710, "Manufacture Date: 2025-01-10"), (50, 695, "Expiry Date: 2027-01-10"),
        (50, 100, "Malic Acid Powder - lot KX-20931 - page 1 of 1"),
    ])
    fields = _read(sure).fields
    assert fields["product_name"].confidence >= 0.95 and fields["product_name"].doubt is None
    assert fields["lot_number"].confidence >= 0.95
    # a loose label and dates out of order: not sure, and it says why
    unsure = _page([
        (50, 740, "Sample: Malic Acid Powder"), (50, 725, "Batch: KX-20931"),
        (50, 710, "Manufacture Date: 2027-01-10"), (50, 695, "Expiry Date: 2025-01-10"),
    ])
    fields = _read(unsure).fields
    assert fields["product_name"].confidence <= 0.85
    assert fields["lot_number"].confidence <= 0.85 and "loose label" in (fields["lot_number"].doubt or "")
    for name in ("manufacture_date", "expiry_date"):
        assert fields[name].confidence <= 0.6
        assert "not before the expiry" in (fields[name].doubt or "")
    # without the rule, the finder's certainty stands
    assert _read(unsure, ("calibration",)).fields["lot_number"].confidence >= 0.9


def test_sds_trade_name_label_phrase_is_not_taken() -> None:
    data = make_text_pdf([
        "SAFETY DATA SHEET", "SECTION 1. IDENTIFICATION", "Product identifier: Trade name",
        "Trade name: Glass Polish Concentrate", "SECTION 2. HAZARDS IDENTIFICATION",
        "Signal word: Warning", "H319 Causes serious eye irritation.",
    ])
    extraction = extract_bytes(data, "sds.pdf")
    assert extraction.kind == "sds"
    assert extraction.value("product_name") == "Glass Polish Concentrate"


def test_unknown_rule_names_are_refused() -> None:
    with pytest.raises(KeyError), rules.disabled(("no_such_rule",)):
        pass


@pytest.mark.parametrize(("header", "kind"), [
    ("检验项目 Test Items", "test"), ("结果", "result"), ("标准要求", "spec"), ("시험항목", "test"),
    ("결과 / Result", "result"), ("单位", "unit"), ("判定", "status"), ("TEST RESULTS", "result"),
])
def test_bilingual_and_cjk_column_names_are_normalised(header: str, kind: str) -> None:
    from app.documents.tables import classify_header

    assert classify_header(header) == kind


def _wrapped_table() -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=True)
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(50, 790, "CERTIFICATE OF ANALYSIS")
    canvas.setFont("Helvetica", 10)
    canvas.drawString(50, 760, "Product Name: Malic Acid Powder")
    canvas.drawString(50, 745, "Lot No.: KX-20931")
    y = 700.0
    for test, spec, result in (("Test", "Specification", "Result"), ("Assay", "98.0 - 102.0 %", "99.5 %")):
        for x, text in ((50, test), (220, spec), (360, result)):
            canvas.drawString(x, y, text)
        y -= 16
    # the values beside the first line of the name, then beside the second
    for lines in ((("Total Aerobic Microbial", "NMT 1000 cfu/g", "<10 cfu/g"), ("Count", "", "")),
                  (("Loss on Drying", "NMT 1.0 %", "0.4 %"),),
                  (("Total Combined Yeasts", "", ""), ("and Moulds", "NMT 100 cfu/g", "<10 cfu/g")),
                  (("Lead (Pb)", "NMT 1 ppm", "0.2 ppm"),)):
        for i, (test, spec, result) in enumerate(lines):
            for x, text in ((50, test), (220, spec), (360, result)):
                if text:
                    canvas.drawString(x, y, text)
            y -= 11 if i < len(lines) - 1 else 16  # a cell's lines closer than the rows
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def test_test_names_wrapped_over_two_lines_are_read_whole() -> None:
    rows = {r.test: r.result for r in _read(_wrapped_table()).results}
    assert rows == {"Assay": "99.5 %", "Total Aerobic Microbial Count": "<10 cfu/g",
                    "Loss on Drying": "0.4 %", "Total Combined Yeasts and Moulds": "<10 cfu/g",
                    "Lead (Pb)": "0.2 ppm"}
    without = {r.test for r in _read(_wrapped_table(), ("wrapped_rows",)).results}
    assert "and Moulds" in without and "Total Aerobic Microbial" in without


def test_a_date_that_reads_either_way_is_doubted() -> None:
    either = _page([(50, 740, "Product Name: Malic Acid Powder"), (50, 725, "Lot No.: KX-20931"),
                    (50, 710, "Manufacture Date: 03/04/2025"), (50, 695, "Expiry Date: 05/06/2027")])
    fields = _read(either).fields
    assert fields["manufacture_date"].confidence <= 0.75
    assert "either way" in (fields["manufacture_date"].doubt or "")
    # one unambiguous date (the 25th) says the document writes the month first
    told = _page([(50, 740, "Product Name: Malic Acid Powder"), (50, 725, "Lot No.: KX-20931"),
                  (50, 710, "Manufacture Date: 03/04/2025"), (50, 695, "Expiry Date: 05/25/2027")])
    fields = _read(told).fields
    assert fields["manufacture_date"].value == "2025-03-04"
    assert fields["manufacture_date"].confidence >= 0.9


def test_typographic_dashes_in_a_lot_code_are_plain_hyphens() -> None:
    assert whole_lot("2666808\u2013231221\u2011951") == "2666808-231221-951"
