"""Fields and results of a certificate of analysis."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.documents import labels, rules
from app.documents.calibration import Strength, calibrate
from app.documents.dates import infer_day_first
from app.documents.fields_common import (
    CODE,
    COMPANY,
    accept_code,
    accept_date_with,
    accept_name,
    accept_product,
    cells_for,
    first_found,
    prominent_name,
    to_field,
    wraps_code,
    wraps_name,
)
from app.documents.layout import LABELLED, Found, PageCells, find_labelled
from app.documents.model import BBox, Document, Method, Word
from app.documents.provenance import Field, from_words
from app.documents.specs import normalise_unit, parse_result, parse_spec, stated_pass
from app.documents.tables import RawRow, read_tables

_PLAIN_PRODUCT_LABEL = re.compile(r"^(?:product|material|item)\s*[:#]", re.IGNORECASE)
_TITLE = re.compile(
    r"certificate|analysis|report|page|date|lot|batch|product|address|tel|phone|fax|e-?mail|www",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ResultRow:
    test: str
    method: str | None
    specification: str | None
    spec_min: float | None
    spec_max: float | None
    spec_text: str | None
    result: str
    value: float | None
    unit: str | None
    passed: bool | None
    page: int
    bbox: BBox
    confidence: float
    read_by: Method
    qualifier: str | None = None  # "<" or ">": the result is a bound ("<0.05"), not a value
    doubt: str | None = None  # why the confidence was lowered, for the reviewer

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "method": self.method,
            "specification": self.specification,
            "spec_min": self.spec_min,
            "spec_max": self.spec_max,
            "spec_text": self.spec_text,
            "result": self.result,
            "value": self.value,
            "unit": self.unit,
            "qualifier": self.qualifier,
            "doubt": self.doubt,
            "pass": self.passed,
            "page": self.page,
            "bbox": [round(v, 2) for v in self.bbox],
        }


def extract_coa(document: Document) -> tuple[dict[str, Field], list[ResultRow]]:
    cells = cells_for(document)
    day_first = infer_day_first(line.text for line in document.all_lines())
    fields: dict[str, Field] = {}
    first_pages = _header_pages(document)

    def put(name: str, field: Field | None) -> None:
        if field is not None:
            fields[name] = field

    stop = labels.STOP
    strengths: dict[str, Strength] = {}
    product = first_found(
        document, [labels.PRODUCT], accept_product,
        stop=stop, pages=first_pages, cells=cells, wrap=wraps_name,
    )
    if product is None:
        # "Sample:", "Strain:", "Item:" ...: the first that names something, not a code
        # (a bare code after such a label is a sample ID)
        for candidate in find_labelled(
            document, labels.PRODUCT_LOOSE, accept_product, stop=stop, pages=first_pages,
            cells_by_page=cells, wrap=wraps_name,
        ):
            named = _name_after_code(candidate, cells)
            if named is not None and not CODE.match(named.text):
                product = named
                # "Product:" or "Material:" with its colon is as plain as "Product name";
                # "Sample:", "Strain:", "Description:" may name something else
                printed = " ".join(w.text for w in candidate.label_words)
                if not _PLAIN_PRODUCT_LABEL.match(printed):
                    strengths["product_name"] = "loose"
                break
    product_field = to_field(_name_after_code(product, cells))
    if product_field is None:
        product_field = prominent_name(document)
        strengths["product_name"] = "guess"
    put("product_name", product_field)
    lot = first_found(
        document, [labels.LOT_EXACT], accept_code, stop=stop, pages=first_pages, cells=cells,
        anywhere_in_cell=True, wrap=wraps_code,
    )
    if lot is None:
        lot = first_found(
            document, [labels.LOT_LOOSE], accept_code, stop=stop, pages=first_pages,
            cells=cells, anywhere_in_cell=True, wrap=wraps_code,
        )
        strengths["lot_number"] = "loose"
    put("lot_number", to_field(lot))
    accept_date = accept_date_with(day_first)
    for name, label, exact in (
        ("manufacture_date", labels.MANUFACTURE_DATE, labels.MANUFACTURE_EXACT),
        ("expiry_date", labels.EXPIRY_DATE, labels.EXPIRY_DATE),
    ):
        found = first_found(
            document, [label], accept_date, stop=stop, pages=first_pages, cells=cells,
            anywhere_in_cell=True,
        )
        if found is not None and not exact.search(" ".join(w.text for w in found.label_words)):
            strengths[name] = "loose"
        put(name, to_field(found, raw=True))
    put("supplier", find_supplier(document, cells))
    return calibrate(fields, document, strengths), extract_results(document, cells)





def _name_after_code(found: Found | None, cells: dict[int, PageCells]) -> Found | None:
    """"Product: PC-4410-KG25   Malic Acid Powder": prefer the name to the code."""
    if found is None or not CODE.match(found.text) or not rules.enabled("name_after_code"):
        return found
    last = found.words[-1]
    for row in cells[last.page].rows:
        for i, cell in enumerate(row):
            if last in cell.words and i + 1 < len(row):
                name = row[i + 1]
                value = accept_product(name.text)
                label_like = LABELLED.match(name.text) or name.text.rstrip().endswith(("#", ":"))
                if (
                    value
                    and any(ch.islower() for ch in value)
                    and not labels.STOP.match(name.text)
                    and not label_like
                ):
                    return Found(value, name.words, found.label_words, found.certainty * 0.9)
    return found


def _header_pages(document: Document) -> list[int]:
    """Where header fields are looked for: page 1, or page 2 when page 1 is nearly empty
    (a cover sheet). Later pages repeat headers but also hold lab batch numbers."""
    if not document.pages:
        return []
    if len(document.pages[0].lines) < 8 and len(document.pages) > 1:
        return [document.pages[0].number, document.pages[1].number]
    return [document.pages[0].number]


_NOT_SUPPLIER = re.compile(
    r"^(?:customer|client|ship\s+to|bill\s+to|sold\s+to|consignee|distributor|producer|"
    r"cultivator|licensee|prepared\s+for|attention)\b",
    re.IGNORECASE,
)


def _company_in(cell_words: tuple[Word, ...]) -> list[Word] | None:
    """The company name in a cell: words up to a legal-form suffix, after any title words."""
    for k, word in enumerate(cell_words):
        if not COMPANY.fullmatch(word.text.strip(",.")) and not COMPANY.fullmatch(word.text):
            continue
        end = k
        while end + 1 < len(cell_words) and COMPANY.fullmatch(cell_words[end + 1].text.strip(",.")):
            end += 1  # "Chemicals SA", "Ingredients GmbH", "Labs, LLC"
        start = k
        while start > 0 and k - start < 6 and not _TITLE.search(cell_words[start - 1].text):
            start -= 1
        if start < k:
            return list(cell_words[start : end + 1])
    return None


def find_supplier(document: Document, cells: dict[int, PageCells]) -> Field | None:
    found = first_found(
        document, [labels.SUPPLIER], accept_name, stop=labels.STOP, pages=[1], cells=cells
    )
    if found is not None and COMPANY.search(found.text):
        return to_field(found)
    if not document.pages:
        return None
    page = document.pages[0]
    rows = cells[page.number].rows
    for line_index, line in enumerate(page.lines):
        if line.top > page.height * 0.3:
            break
        row = rows[line_index]
        for i, cell in enumerate(row):
            if i > 0 and _NOT_SUPPLIER.match(row[i - 1].text):
                continue
            if _NOT_SUPPLIER.match(cell.text):
                continue
            words = _company_in(cell.words)
            if words:
                return from_words(" ".join(w.text for w in words), words, certainty=0.7)
    if found is not None:
        return to_field(found)
    return None


def _build(raw: RawRow) -> ResultRow | None:
    test = raw.text("test").strip(" .:*")
    result = raw.text("result").strip()
    spec_cell = raw.text("spec").strip()
    low, high = raw.text("spec_min").strip(), raw.text("spec_max").strip()
    if not any(ch.isalpha() for ch in test) or not (result or spec_cell or low or high):
        return None
    if not result:
        return None
    hint = next((c.unit_hint for c in raw.columns if c.kind == "result" and c.unit_hint), None)
    spec_hint = next((c for c in raw.columns if c.kind == "spec"), None)
    bare = "max" if spec_hint and re.search(r"limit|max|action", spec_hint.header, re.I) else "none"
    if spec_cell:
        spec = parse_spec(spec_cell, bare_number=bare)  # type: ignore[arg-type]
        specification: str | None = spec.text
        spec_min, spec_max, spec_text = spec.min, spec.max, spec.expected
        spec_unit = spec.unit
    elif low or high:
        parts = [f"Min {low}" if low else "", f"Max {high}" if high else ""]
        specification = " / ".join(p for p in parts if p)
        lo = parse_spec(low, bare_number="min") if low else None
        hi = parse_spec(high, bare_number="max") if high else None
        spec_min = lo.min if lo else None
        spec_max = hi.max if hi else None
        spec_text = None
        spec_unit = None
    else:
        specification = spec_min = spec_max = spec_text = spec_unit = None
    parsed = parse_result(result)
    unit_cell = raw.text("unit").strip()
    unit: str | None
    if unit_cell:
        unit, unit_read = normalise_unit(unit_cell)
    else:
        unit, unit_read = parsed.unit or spec_unit or hint, "known"
    confidence, doubt = raw.confidence, None
    if unit_read == "unknown":
        confidence, doubt = min(confidence, 0.5), f"unit {unit_cell!r} is not a known unit"
    elif unit_read == "repaired":
        confidence, doubt = min(confidence, 0.6), f"unit read as {unit_cell!r}, taken as {unit}"
    if (raw.method == "ocr" and parsed.qualifier is None and parsed.value is not None
            and parsed.value in (spec_min, spec_max)):
        # OCR drops a leading "<" or ">" easily; a result exactly at its limit is where that
        # matters most
        confidence = min(confidence, 0.6)
        doubt = doubt or "a scanned result exactly at its limit: check it has no < or >"
    status = raw.text("status").strip()
    passed = stated_pass(status) if status else stated_pass(result)
    return ResultRow(
        test=" ".join(test.split()),
        method=raw.text("method").strip() or None,
        specification=specification,
        spec_min=spec_min,
        spec_max=spec_max,
        spec_text=spec_text,
        result=result,
        value=parsed.value,
        unit=unit or None,
        passed=passed,
        page=raw.page,
        bbox=raw.bbox,
        confidence=confidence,
        read_by=raw.method,
        qualifier=parsed.qualifier,
        doubt=doubt,
    )


def extract_results(document: Document, cells: dict[int, PageCells]) -> list[ResultRow]:
    rows: list[ResultRow] = []
    for page in document.pages:
        for raw in read_tables(cells[page.number]):
            built = _build(raw)
            if built is not None:
                rows.append(built)
    return rows
