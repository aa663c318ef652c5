"""Demo supplier documents: small, plausible COA, SDS and allergen-statement PDFs, and the
company specifications the COA results are checked against."""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas


@dataclass(frozen=True)
class SpecLine:
    test: str
    method: str
    min_value: float | None
    max_value: float | None
    text: str | None
    unit: str | None


SPECS: dict[str, tuple[SpecLine, ...]] = {
    "food_ingredient": (
        SpecLine("Moisture", "USP <731>", None, 8.0, None, "%"),
        SpecLine("Total plate count", "ISO 4833-1", None, 10000, None, "cfu/g"),
        SpecLine("Salmonella", "ISO 6579-1", None, None, "Negative", None),
    ),
    "nutraceutical": (
        SpecLine("Assay", "HPLC", 95.0, 105.0, None, "%"),
        SpecLine("Lead", "ICP-MS", None, 0.5, None, "ppm"),
        SpecLine("E. coli", "USP <2022>", None, None, "Negative", None),
    ),
    "industrial_chemical": (
        SpecLine("Assay", "GC", 98.0, None, None, "%"),
        SpecLine("Water", "Karl Fischer", None, 0.5, None, "%"),
        SpecLine("Appearance", "Visual", None, None, "Conforms", None),
    ),
}


@dataclass(frozen=True)
class CoaRow:
    test: str
    method: str
    specification: str
    value: float | None
    unit: str | None
    result_text: str
    passed: bool


def spec_text(s: SpecLine) -> str:
    if s.text:
        return s.text
    if s.min_value is not None and s.max_value is not None:
        return f"{s.min_value} - {s.max_value} {s.unit or ''}".strip()
    if s.max_value is not None:
        return f"<= {s.max_value} {s.unit or ''}".strip()
    return f">= {s.min_value} {s.unit or ''}".strip()


def coa_rows(rng: random.Random, category: str, *, out_of_spec: bool) -> list[CoaRow]:
    """Results for one lot; with `out_of_spec`, the first numeric test fails the company spec."""
    rows: list[CoaRow] = []
    failing = out_of_spec
    for s in SPECS[category]:
        if s.text:
            rows.append(CoaRow(s.test, s.method, spec_text(s), None, None, s.text, True))
            continue
        lo = s.min_value if s.min_value is not None else 0.0
        hi = s.max_value if s.max_value is not None else (s.min_value or 0) + 1.5
        value = round(rng.uniform(lo + (hi - lo) * 0.2, lo + (hi - lo) * 0.8), 2)
        passed = True
        if failing:
            value = round(s.max_value * 1.3 if s.max_value is not None
                          else (s.min_value or 0) * 0.95, 2)
            passed = failing = False
        rows.append(CoaRow(s.test, s.method, spec_text(s), value, s.unit,
                           f"{value} {s.unit or ''}".strip(), passed))
    return rows


def _page(title: str, supplier: str) -> tuple[io.BytesIO, canvas.Canvas]:
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    c.setTitle(title)
    c.setFont("Helvetica-Bold", 15)
    c.drawString(20 * mm, 275 * mm, supplier)
    c.setFont("Helvetica", 9)
    c.drawString(20 * mm, 269 * mm, "Quality Control Department — demo document, invented for Lotproof")
    c.setFont("Helvetica-Bold", 13)
    c.drawString(20 * mm, 255 * mm, title)
    return out, c


def coa_pdf(*, supplier: str, product: str, supplier_lot: str, manufactured: dt.date,
            expires: dt.date, rows: list[CoaRow]) -> bytes:
    out, c = _page("CERTIFICATE OF ANALYSIS", supplier)
    c.setFont("Helvetica", 10)
    y = 243 * mm
    for label, value in (("Product", product), ("Batch / Lot No.", supplier_lot),
                         ("Manufacture date", manufactured.isoformat()),
                         ("Expiry date", expires.isoformat())):
        c.drawString(20 * mm, y, f"{label}:")
        c.drawString(65 * mm, y, value)
        y -= 6 * mm
    y -= 6 * mm
    c.setFont("Helvetica-Bold", 10)
    for x, head in ((20, "Test"), (70, "Method"), (110, "Specification"), (150, "Result"),
                    (180, "Pass")):
        c.drawString(x * mm, y, head)
    c.setFont("Helvetica", 10)
    for row in rows:
        y -= 6 * mm
        for x, value in ((20, row.test), (70, row.method), (110, row.specification),
                         (150, row.result_text), (180, "Pass" if row.passed else "Fail")):
            c.drawString(x * mm, y, value)
    c.drawString(20 * mm, y - 20 * mm, "Approved by: QC Manager (demo)")
    c.showPage()
    c.save()
    return out.getvalue()


def simple_pdf(title: str, supplier: str, lines: list[str]) -> bytes:
    out, c = _page(title, supplier)
    c.setFont("Helvetica", 10)
    y = 243 * mm
    for line in lines:
        c.drawString(20 * mm, y, line)
        y -= 6 * mm
    c.showPage()
    c.save()
    return out.getvalue()
