"""Seven supplier styles of certificate of analysis, drawn with reportlab."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, landscape, letter
from reportlab.pdfgen.canvas import Canvas

from tests.documents.generator.pools import LabRow, TestRow


@dataclass(frozen=True)
class CoaData:
    supplier: str
    address: str
    product: str
    product_code: str
    lot: str
    mfg_text: str
    exp_text: str
    exp_label: str
    tests: list[TestRow]
    customer: str
    order: str
    lab_rows: list[LabRow] | None = None


def _table(
    c: Canvas,
    x: float,
    y: float,
    headers: list[str],
    widths: list[float],
    rows: list[list[str]],
    *,
    size: float = 9,
    grid: bool = True,
    row_h: float = 16,
    header_font: str = "Helvetica-Bold",
) -> float:
    total = sum(widths)
    c.setFont(header_font, size)
    cx = x
    for h, w in zip(headers, widths, strict=True):
        c.drawString(cx + 3, y - row_h + 5, h)
        cx += w
    if grid:
        c.setLineWidth(0.6)
        c.rect(x, y - row_h * (len(rows) + 1), total, row_h * (len(rows) + 1))
        c.line(x, y - row_h, x + total, y - row_h)
        cx = x
        for w in widths[:-1]:
            cx += w
            c.line(cx, y, cx, y - row_h * (len(rows) + 1))
    else:
        c.line(x, y - row_h - 1, x + total, y - row_h - 1)
    c.setFont("Helvetica", size)
    for r, row in enumerate(rows):
        yy = y - row_h * (r + 2) + 5
        cx = x
        for cell, w in zip(row, widths, strict=True):
            c.drawString(cx + 3, yy, cell)
            cx += w
        if grid:
            c.line(x, y - row_h * (r + 2), x + total, y - row_h * (r + 2))
    return y - row_h * (len(rows) + 1)


def _footer(c: Canvas, x: float, y: float, who: str) -> None:
    c.setFont("Helvetica", 8)
    c.drawString(x, y, "This certificate was generated electronically and is valid without signature.")
    c.drawString(x, y - 12, f"Approved by: {who}, Quality Assurance")


def _pf(row: TestRow) -> str:
    return "Pass" if row.passed else "Fail"


def table_classic(c: Canvas, d: CoaData) -> None:
    w, h = letter
    c.setFont("Helvetica-Bold", 13)
    c.drawString(50, h - 50, d.supplier)
    c.setFont("Helvetica", 8)
    c.drawString(50, h - 62, d.address)
    c.setFont("Helvetica-Bold", 16)
    c.drawCentredString(w / 2, h - 100, "CERTIFICATE OF ANALYSIS")
    c.setFont("Helvetica", 10)
    left = [("Product Name:", d.product), ("Product Code:", d.product_code), ("Lot No.:", d.lot)]
    right = [("Manufacture Date:", d.mfg_text), (f"{d.exp_label}:", d.exp_text), ("Customer:", d.customer)]
    for i, (k, v) in enumerate(left):
        c.drawString(50, h - 135 - i * 15, k)
        c.drawString(140, h - 135 - i * 15, v)
    for i, (k, v) in enumerate(right):
        c.drawString(330, h - 135 - i * 15, k)
        c.drawString(430, h - 135 - i * 15, v)
    rows = [[t.test, t.method, t.spec, t.result, _pf(t)] for t in d.tests]
    end = _table(c, 50, h - 200, ["Test", "Method", "Specification", "Result", "Pass/Fail"],
                 [135, 90, 135, 90, 60], rows)
    _footer(c, 50, end - 40, "J. Marlow")


def keyvalue(c: Canvas, d: CoaData) -> None:
    _, h = A4
    c.setFont("Helvetica-Bold", 20)
    c.drawString(60, h - 60, d.supplier.upper())
    c.setFont("Helvetica", 9)
    c.drawString(60, h - 74, d.address)
    c.setFont("Helvetica-Bold", 14)
    c.drawString(60, h - 110, "Certificate of Analysis")
    c.setFont("Helvetica", 10)
    lines = [
        f"Product: {d.product}",
        f"Item code: {d.product_code}",
        f"Batch Number: {d.lot}",
        f"Date of Manufacture: {d.mfg_text}",
        f"{d.exp_label}: {d.exp_text}",
        f"Purchase Order: {d.order}",
    ]
    for i, text in enumerate(lines):
        c.drawString(60, h - 140 - i * 15, text)
    rows = [[t.test, t.spec, t.result.replace(f" {t.unit}", "") if t.unit else t.result, t.unit or "-"]
            for t in d.tests]
    end = _table(c, 60, h - 250, ["Parameter", "Specification", "Result", "Unit"],
                 [160, 150, 90, 70], rows, grid=False)
    _footer(c, 60, end - 40, "A. Lindqvist")


def two_column_header(c: Canvas, d: CoaData) -> None:
    w, h = letter
    c.setFont("Helvetica-Bold", 12)
    c.drawRightString(w - 50, h - 45, d.supplier)
    c.setFont("Helvetica", 8)
    c.drawRightString(w - 50, h - 57, d.address)
    c.setFont("Helvetica-Bold", 15)
    c.drawString(50, h - 50, "Certificate of Analysis")
    labels = ["Product", "Lot Number", "Mfg. Date", d.exp_label]
    values = [d.product, d.lot, d.mfg_text, d.exp_text]
    xs = [50, 250, 360, 460]
    c.setFont("Helvetica-Bold", 9)
    for x, lab in zip(xs, labels, strict=True):
        c.drawString(x, h - 100, lab)
    c.setFont("Helvetica", 9)
    for x, val in zip(xs, values, strict=True):
        c.drawString(x, h - 114, val)
    c.rect(45, h - 122, w - 95, 36)
    rows = [[t.test, t.spec, t.result, "Complies" if t.passed else "Does not comply"] for t in d.tests]
    end = _table(c, 50, h - 160, ["Analysis", "Limits", "Results", "Conclusion"],
                 [170, 150, 110, 82], rows)
    _footer(c, 50, end - 40, "R. Okafor")


def landscape_layout(c: Canvas, d: CoaData) -> None:
    w, h = landscape(letter)
    c.setPageSize((w, h))
    c.setFont("Helvetica-Bold", 16)
    c.drawString(40, h - 45, d.supplier)
    c.setFont("Helvetica-Bold", 13)
    c.drawRightString(w - 40, h - 45, "CERTIFICATE OF ANALYSIS")
    c.setFont("Helvetica", 10)
    c.drawString(40, h - 80, f"Item Name: {d.product}")
    c.drawString(330, h - 80, f"Lot #: {d.lot}")
    c.drawString(500, h - 80, f"Production Date: {d.mfg_text}")
    c.drawString(40, h - 96, f"Customer PO: {d.order}")
    c.drawString(500, h - 96, f"{d.exp_label}: {d.exp_text}")
    rows = []
    for t in d.tests:
        lo = "" if t.spec_min is None else f"{t.spec_min:g}"
        hi = "" if t.spec_max is None else f"{t.spec_max:g}"
        if t.spec_min is None and t.spec_max is None:
            lo = t.spec
        result = t.result.replace(f" {t.unit}", "") if t.unit else t.result
        rows.append([t.test, t.method, lo, hi, result, t.unit or ""])
    end = _table(c, 40, h - 130, ["Characteristic", "Test Method", "Min", "Max", "Result", "Units"],
                 [170, 110, 150, 80, 100, 80], rows)
    _footer(c, 40, end - 30, "M. Duarte")


def lab_report(c: Canvas, d: CoaData) -> None:
    w, h = letter
    c.setFont("Helvetica-Bold", 18)
    c.drawString(50, h - 55, "Analytical Report")
    c.setFont("Helvetica-Bold", 10)
    c.drawRightString(w - 50, h - 45, d.supplier)
    c.setFont("Helvetica", 8)
    c.drawRightString(w - 50, h - 57, d.address)
    c.setFont("Helvetica", 10)
    pairs = [("Sample Name", d.product), ("Batch ID", d.lot), ("Produced", d.mfg_text),
             (d.exp_label, d.exp_text), ("Client", d.customer)]
    for i, (k, v) in enumerate(pairs):
        c.setFont("Helvetica-Bold", 10)
        c.drawString(50, h - 95 - i * 16, k)
        c.setFont("Helvetica", 10)
        c.drawString(160, h - 95 - i * 16, v)
    rows = [[t.test, "0.01", t.spec, t.result, "PASS" if t.passed else "FAIL"] for t in d.tests]
    end = _table(c, 50, h - 200, ["Analyte", "LOQ", "Limit", "Result", "Status"],
                 [170, 50, 140, 110, 60], rows, grid=False, row_h=15)
    _footer(c, 50, end - 40, "T. Nakamura")


def euro(c: Canvas, d: CoaData) -> None:
    _, h = A4
    c.setFont("Helvetica-Bold", 12)
    c.drawString(50, h - 50, d.supplier)
    c.setFont("Helvetica", 8)
    c.drawString(50, h - 62, d.address)
    c.setFont("Helvetica-Bold", 14)
    c.drawString(50, h - 95, "CERTIFICATE OF ANALYSIS / ANALYSENZERTIFIKAT")
    c.setFont("Helvetica", 10)
    pairs = [("Product description", d.product), ("Charge / Batch No.", d.lot),
             ("Manufacturing date", d.mfg_text), (d.exp_label, d.exp_text),
             ("Quantity", "25 kg")]
    for i, (k, v) in enumerate(pairs):
        c.drawString(50, h - 125 - i * 15, f"{k}:")
        c.drawString(200, h - 125 - i * 15, v)
    rows = [[t.test, t.method, t.spec, t.result] for t in d.tests]
    end = _table(c, 50, h - 230, ["Parameter", "Method", "Specification", "Result"],
                 [160, 100, 150, 85], rows)
    _footer(c, 50, end - 40, "K. Brandt")


COA_LAYOUTS: dict[str, Callable[[Canvas, CoaData], None]] = {
    "table_classic": table_classic,
    "keyvalue": keyvalue,
    "two_column_header": two_column_header,
    "landscape": landscape_layout,
    "lab_report": lab_report,
    "euro": euro,
}


def _stacked_header(c: Canvas, x: float, y: float, columns: list[tuple[float, list[str]]]) -> None:
    """Column names printed over up to three lines, centred on each column."""
    c.setFont("Helvetica-Bold", 7)
    for cx, parts in columns:
        start = y + 4 * (len(parts) - 1)  # names centred on the middle line
        for k, part in enumerate(parts):
            c.drawCentredString(x + cx, start - 8 * k, part)


def lab_panels(c: Canvas, d: CoaData) -> None:
    """A testing lab's report: panels side by side whose headers sit on different lines,
    names stacked over two or three lines, a composition panel giving each result in % and
    mg/g (the first is the result), a microbial panel whose "Result" column holds only
    PASS with the count under "Level Detected", the first column named by the panel
    ("Microbial"), a product name wrapped onto a second line and a batch number printed
    under its label."""
    w, h = letter
    c.setFont("Helvetica-Bold", 13)
    c.drawString(40, h - 45, d.supplier)
    c.setFont("Helvetica", 8)
    c.drawString(40, h - 57, d.address)
    c.setFont("Helvetica-Bold", 13)
    c.drawRightString(w - 40, h - 45, "Certificate of Analysis")
    c.setFont("Helvetica", 9)
    words = d.product.split()
    first, rest = (" ".join(words[:-1]), words[-1]) if len(words) > 2 else (d.product, "")
    c.drawString(40, h - 95, "Product:")
    c.drawString(100, h - 95, first)
    if rest:
        c.drawString(100, h - 106, rest)
    c.drawString(40, h - 128, "Batch ID:")
    c.drawString(40, h - 139, d.lot)
    c.drawString(330, h - 95, f"Production Date: {d.mfg_text}")
    c.drawString(330, h - 108, f"{d.exp_label}: {d.exp_text}")
    c.drawString(330, h - 121, f"Client: {d.customer}")
    rows = d.lab_rows or []
    comp = [r for r in rows if r.panel == "composition"]
    cont = [r for r in rows if r.panel == "contaminant"]
    micro = [r for r in rows if r.panel == "microbial"]
    # right panel starts higher than the left one; rows interleave
    right_top, left_top = h - 190, h - 206
    c.setFont("Helvetica-Bold", 10)
    c.drawString(330, right_top + 26, "Contaminants")
    c.drawString(40, left_top + 26, "Composition")
    _stacked_header(c, 330, right_top, [(40, ["Compound"]), (120, ["Action", "Limit", "(ppm)"]),
                                        (180, ["Measurement", "Uncertainty", "(ppm)"]),
                                        (235, ["Result", "(ppm)"])])
    _stacked_header(c, 40, left_top, [(30, ["Analyte"]), (115, ["LOQ", "(%)"]),
                                      (170, ["Result", "(%)"]), (225, ["Result", "(mg/g)"])])
    c.setFont("Helvetica", 8)
    y = right_top - 24
    for r in cont:
        c.drawString(335, y, r.test)
        for cx, text in zip((120, 180, 235), r.printed, strict=True):
            c.drawCentredString(330 + cx, y, text)
        y -= 14
    bottom = y
    y = left_top - 24
    for r in comp:
        c.drawString(45, y, r.test)
        for cx, text in zip((115, 170, 225), r.printed, strict=True):
            c.drawCentredString(40 + cx, y, text)
        y -= 14
    top = min(bottom, y) - 40
    c.setFont("Helvetica-Bold", 10)
    c.drawString(40, top + 18, "Microbiology")
    _table(c, 40, top, ["Microbial", "Limit (cfu/g)", "Result", "Level Detected"],
           [190, 110, 110, 120], [[r.test, *r.printed] for r in micro], size=8, grid=False,
           row_h=14)
    _footer(c, 40, top - 14 * (len(micro) + 1) - 40, "P. Ivers")


COA_LAYOUTS["lab_panels"] = lab_panels
