"""Results-table rules, each on a small synthetic page drawn with reportlab."""

from __future__ import annotations

import io
from collections.abc import Callable

from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas

from app.documents.coa import ResultRow
from app.documents.extract import extract_bytes
from app.documents.tables import classify_header, unit_of

Draw = Callable[[Canvas], None]


def _pdf(draw: Draw) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=letter, invariant=True)
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(40, 750, "Certificate of Analysis")
    canvas.setFont("Helvetica", 9)
    canvas.drawString(40, 730, "Product Name: Citric Acid Monohydrate")
    canvas.drawString(40, 718, "Lot No.: AB123456")
    draw(canvas)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _rows(draw: Draw) -> dict[str, ResultRow]:
    extraction = extract_bytes(_pdf(draw), "table.pdf")
    assert extraction.kind == "coa"
    return {row.test: row for row in extraction.results}


def _line(c: Canvas, y: float, cells: list[tuple[float, str]], bold: bool = False) -> None:
    c.setFont("Helvetica-Bold" if bold else "Helvetica", 8)
    for x, text in cells:
        c.drawString(x, y, text)


def test_column_names() -> None:
    assert classify_header("AMT (%)") == "result"
    assert classify_header("Level Detected") == "result"
    assert classify_header("ActionLevel") == "spec"
    assert classify_header("Threshold (ppm)") == "spec"
    assert classify_header("% (w/w)") == "measure"
    assert classify_header("Weight %") == "measure"
    assert classify_header("mg/g") == "measure"
    assert classify_header("LOD/LOQ (mg/g)") == "other"
    assert classify_header("LOD Results Status") is None  # three columns run together
    assert classify_header("All Use (P/F)") == "status"
    assert classify_header("Test Menu") == "test"
    assert unit_of("Result (mg/g)") == "mg/g"
    assert unit_of("Weight %") == "%"


def test_unit_only_column_names_hold_the_result() -> None:
    """ "Cannabinoid | % (w/w) | mg/g": the first unit column is the result."""

    def draw(c: Canvas) -> None:
        _line(c, 660, [(40, "Cannabinoid"), (200, "% (w/w)"), (300, "mg/g")], bold=True)
        _line(c, 645, [(40, "Alpha acid"), (200, "12.40"), (300, "124.0")])
        _line(c, 632, [(40, "Beta acid"), (200, "ND"), (300, "ND")])

    rows = _rows(draw)
    assert rows["Alpha acid"].value == 12.40 and rows["Alpha acid"].unit == "%"
    assert rows["Beta acid"].result == "ND"


def test_two_result_columns_in_different_units_report_the_first() -> None:
    def draw(c: Canvas) -> None:
        _line(c, 660, [(40, "Analyte"), (150, "LOQ (%)"), (230, "Result (mg/g)"), (330, "Result (%)")],
              bold=True)
        _line(c, 645, [(40, "Alpha acid"), (150, "0.05"), (230, "124.00"), (330, "12.400")])

    row = _rows(draw)["Alpha acid"]
    assert row.value == 124.0 and row.unit == "mg/g"


def test_results_under_a_units_column() -> None:
    """No Result column: the column whose cells are numbers or ND is the result, even when
    it is named "Units" (units are printed on the line below the names)."""

    def draw(c: Canvas) -> None:
        _line(c, 660, [(40, "Analyte"), (200, "LOD"), (260, "Limit"), (320, "Units"), (400, "Status")],
              bold=True)
        _line(c, 650, [(200, "ug/g"), (260, "ug/g"), (320, "ug/g")])
        _line(c, 636, [(40, "Lead"), (200, "0.01"), (260, "0.5"), (322, "ND"), (400, "Pass")])
        _line(c, 624, [(40, "Cadmium"), (200, "0.01"), (260, "0.2"), (322, "0.04"), (400, "Pass")])

    rows = _rows(draw)
    assert rows["Lead"].result == "ND" and rows["Lead"].spec_max == 0.5
    assert rows["Cadmium"].value == 0.04 and rows["Cadmium"].passed is True


def test_result_column_of_verdicts_gives_way_to_the_measured_values() -> None:
    """ "Result" holds PASS for every row while "Level Detected" holds the counts."""

    def draw(c: Canvas) -> None:
        _line(c, 660, [(40, "Microbial"), (200, "Limit"), (280, "Result"), (360, "Level Detected")],
              bold=True)
        _line(c, 645, [(40, "Yeast and mould"), (200, "1000"), (280, "PASS"), (360, "40")])
        _line(c, 632, [(40, "Coliforms"), (200, "100"), (280, "PASS"), (360, "ND")])

    rows = _rows(draw)
    assert rows["Yeast and mould"].value == 40.0 and rows["Yeast and mould"].passed is True
    assert rows["Coliforms"].result == "ND" and rows["Coliforms"].spec_max == 100.0


def test_side_by_side_tables_with_headers_on_different_lines() -> None:
    """The right table starts higher; its rows fall between the left table's lines."""

    def draw(c: Canvas) -> None:
        _line(c, 670, [(330, "Compound"), (450, "Limit"), (520, "Result")], bold=True)
        _line(c, 655, [(40, "Analyte"), (160, "LOQ"), (230, "Result")], bold=True)
        for k, (name, limit, value) in enumerate([("Lead", "0.5", "0.12"), ("Arsenic", "0.2", "ND"),
                                                  ("Mercury", "0.1", "0.02")]):
            _line(c, 662 - 14 * (k + 1), [(330, name), (450, limit), (520, value)])
        for k, (name, value) in enumerate([("Malic acid", "3.10"), ("Citric acid", "45.2")]):
            _line(c, 648 - 14 * (k + 1), [(40, name), (160, "0.05"), (230, value)])

    rows = _rows(draw)
    assert rows["Lead"].value == 0.12 and rows["Lead"].spec_max == 0.5
    assert rows["Arsenic"].result == "ND"
    assert rows["Malic acid"].value == 3.10 and rows["Citric acid"].value == 45.2
    assert "Malic acid" not in rows["Lead"].result


def test_column_names_stacked_over_three_lines() -> None:
    def draw(c: Canvas) -> None:
        c.setFont("Helvetica-Bold", 7)
        for x, parts in ((200, ["Action", "Limit", "(ppm)"]), (280, ["Result", "(ppm)"])):
            for k, part in enumerate(parts):
                c.drawCentredString(x, 668 - 8 * k + 4 * (len(parts) - 1), part)
        c.drawString(40, 668, "Compound")
        _line(c, 645, [(40, "Hexane"), (192, "60"), (272, "12.5")])

    row = _rows(draw)["Hexane"]
    assert row.value == 12.5 and row.spec_max == 60.0 and row.unit == "ppm"


def test_header_with_the_test_name_between_two_lines() -> None:
    """ "Analyte" printed level with neither the names above nor the units below."""

    def draw(c: Canvas) -> None:
        _line(c, 670, [(200, "LOD"), (280, "Result")], bold=True)
        _line(c, 665, [(40, "Analyte")], bold=True)
        _line(c, 660, [(200, "(%)"), (280, "(%)")], bold=True)
        _line(c, 645, [(40, "Moisture"), (200, "0.1"), (280, "7.5")])

    row = _rows(draw)["Moisture"]
    assert row.value == 7.5 and row.unit == "%"


def test_first_column_named_by_the_panel() -> None:
    """ "Mycotoxin | Limit | Result | (P/F)": the first column names the tests."""

    def draw(c: Canvas) -> None:
        _line(c, 660, [(40, "Mycotoxin"), (200, "Limit"), (280, "Result"), (360, "(P/F)")], bold=True)
        _line(c, 645, [(40, "Ochratoxin A"), (200, "20"), (280, "ND"), (360, "PASS")])

    row = _rows(draw)["Ochratoxin A"]
    assert row.result == "ND" and row.spec_max == 20.0 and row.passed is True
