"""A field's confidence from its evidence, so that 0.9 and above means "the evidence supports
it", not only "a rule fired".

A finder gives each field a certainty for *where* the value stood (1.0 in the label's cell,
0.95 in the next cell, 0.85 below, less when a wrapped line was joined) times the weakest
word's reading confidence. Here that is capped by the rest of the evidence:

- the label: a specific label ("Lot No.", "Product name") leaves it; a loose one ("Batch",
  "Sample:") caps it at 0.85; a guess with no label at 0.5;
- the reading: a value read only by OCR is capped at 0.85, a dropped or misread character
  being the commonest OCR fault;
- agreement: the same value printed a second time elsewhere in the document adds 0.1 (at most
  0.95) and lifts the OCR cap to 0.9;
- type and plausibility: dates out of order (made on or after expiry) or of an implausible
  year, or a product name equal to the supplier's, cap it at 0.6; a numeric date whose day and
  month could be swapped ("03/04/2024") in a document with no unambiguous one at 0.75.

Every cap that lowers a field says why in ``Field.doubt``. Switched off (rule ``calibration``)
the finder's certainty is left as it was.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Literal

from app.documents import rules
from app.documents.dates import infer_day_first
from app.documents.model import BBox, Document
from app.documents.provenance import Field

Strength = Literal["exact", "loose", "guess"]

SCALAR = ("product_name", "lot_number", "manufacture_date", "expiry_date", "revision_date",
          "signal_word", "un_number", "version", "supplier")
_DATES = ("manufacture_date", "expiry_date", "revision_date")
_AGREEING = ("product_name", "lot_number")
_LOOSE_CAP = 0.85
_GUESS_CAP = 0.5
_OCR_CAP = 0.85
_OCR_AGREED_CAP = 0.9
_AGREED_BONUS = 0.1
_AGREED_CAP = 0.95
_IMPLAUSIBLE_CAP = 0.6
_EITHER_WAY_CAP = 0.75
_YEARS = range(1980, 2101)


def calibrate(
    fields: dict[str, Field], document: Document, strengths: dict[str, Strength]
) -> dict[str, Field]:
    if not rules.enabled("calibration"):
        return fields
    out = dict(fields)
    for name in SCALAR:
        found = out.get(name)
        if found is None or found.value in (None, ""):
            continue
        out[name] = _by_evidence(name, found, document, strengths.get(name, "exact"))
    if rules.enabled("date_order"):
        _check_dates(out, document)
    product, supplier = out.get("product_name"), out.get("supplier")
    if product is not None and supplier is not None and _norm(product.value) == _norm(supplier.value):
        out["product_name"] = _cap(product, _IMPLAUSIBLE_CAP, "the same text as the supplier")
    return out


def _by_evidence(name: str, found: Field, document: Document, strength: Strength) -> Field:
    agreed = name in _AGREEING and _appears_elsewhere(found, document)
    if strength == "loose":
        found = _cap(found, _LOOSE_CAP, "found under a loose label")
    elif strength == "guess":
        found = _cap(found, _GUESS_CAP, "no label: the most prominent line was taken", always=True)
    if found.method == "ocr":
        cap = _OCR_AGREED_CAP if agreed else _OCR_CAP
        found = _cap(found, cap, "read by OCR" + ("" if agreed else " in one place only"))
    if agreed and strength != "guess":
        lifted = min(_AGREED_CAP, found.confidence + _AGREED_BONUS)
        if found.method == "ocr":
            lifted = min(lifted, _OCR_AGREED_CAP)
        if lifted > found.confidence:
            found = replace(found, confidence=lifted)
    return found


_AMBIGUOUS = re.compile(r"(?<![\d.])(\d{1,2})[/-](\d{1,2})[/-](\d{2}|\d{4})(?![\d.])")


def _either_way(found: Field, document: Document) -> bool:
    """A slashed or dashed date whose day and month could be swapped ("03/04/2024"), in a
    document with no unambiguous numeric date to tell which comes first."""
    m = _AMBIGUOUS.search(found.raw or "")
    if m is None or m.group(1) == m.group(2) or int(m.group(1)) > 12 or int(m.group(2)) > 12:
        return False
    return infer_day_first(line.text for line in document.all_lines()) is None


def _check_dates(fields: dict[str, Field], document: Document) -> None:
    parsed: dict[str, date] = {}
    for name in _DATES:
        found = fields.get(name)
        if found is None or not isinstance(found.value, str):
            continue
        try:
            value = date.fromisoformat(found.value)
        except ValueError:
            continue
        if _either_way(found, document):
            found = fields[name] = _cap(found, _EITHER_WAY_CAP,
                                        "day and month could be read either way")
        if value.year not in _YEARS:
            fields[name] = _cap(found, _IMPLAUSIBLE_CAP, f"an implausible year ({value.year})")
        parsed[name] = value
    made, expires = parsed.get("manufacture_date"), parsed.get("expiry_date")
    if made is not None and expires is not None and made >= expires:
        why = "the manufacture date is not before the expiry date"
        for name in ("manufacture_date", "expiry_date"):
            fields[name] = _cap(fields[name], _IMPLAUSIBLE_CAP, why)


def _cap(found: Field, cap: float, why: str, *, always: bool = False) -> Field:
    """At most ``cap``, saying why when that lowered it (``always``: say why anyway)."""
    if found.confidence <= cap and not always:
        return found
    doubt = why if found.doubt is None else f"{found.doubt}; {why}"
    return replace(found, confidence=min(cap, found.confidence), doubt=doubt)


def _norm(value: object) -> str:
    return re.sub(r"[^0-9a-z]", "", str(value).casefold())


def _spaced(value: object) -> str:
    return " ".join(str(value).casefold().split())


def _overlaps(a: BBox, b: BBox) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _appears_elsewhere(found: Field, document: Document) -> bool:
    """The value is printed again on a line that is not the one it was read from (a lot
    number in a page footer, a product name in a title or a second table)."""
    if len(_norm(found.value)) < 4:
        return False
    wanted = re.compile(
        r"(?<![0-9a-z])" + r"\s*".join(re.escape(ch) for ch in _spaced(found.value) if ch != " ")
        + r"(?![0-9a-z])"
    )
    for page in document.pages:
        for line in page.lines:
            if not wanted.search(_spaced(line.text)):
                continue
            if found.page == page.number and found.bbox is not None and _overlaps(line.bbox, found.bbox):
                continue
            return True
    return False
