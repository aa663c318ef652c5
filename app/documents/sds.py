"""Fields of a safety data sheet (GHS: 16 sections)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.documents.calibration import Strength, calibrate
from app.documents.cas import find_cas
from app.documents.dates import infer_day_first
from app.documents.fields_common import (
    accept_date_with,
    accept_name,
    accept_product,
    cells_for,
    first_found,
    prominent_name,
    to_field,
    wraps_name,
)
from app.documents.labels import pattern
from app.documents.model import Document, Line, Word
from app.documents.provenance import Field, from_words

_SECTION_TITLES: dict[int, str] = {
    1: r"identification|identifikation|bezeichnung|product\s+and\s+company|chemical\s+product|"
       r"화학\s*제품과|화학제품",
    2: r"hazards?\s+identification|hazard\(?s?\)?\s+identification|identification\s+of\s+hazards?|"
       r"mögliche\s+gefahren|gefahren|유해성",
    3: r"composition|ingredients?|zusammensetzung|구성\s*성분",
    4: r"first[-\s]?aid|erste[-\s]?hilfe|응급\s*조치",
    5: r"fire[-\s]?fighting|fire\s+fighting|brandbekämpfung|폭발|화재",
    6: r"accidental\s+release|unbeabsichtigte|누출",
    7: r"handling|handhabung|취급",
    8: r"exposure\s+controls?|personal\s+protection|begrenzung|노출\s*방지",
    9: r"physical|eigenschaften|물리\s*화학",
    10: r"stability|reactivity|stabilität|reaktivität|안정성",
    11: r"toxicolog|독성",
    12: r"ecolog|umweltbezogen|환경",
    13: r"disposal|entsorgung|폐기",
    14: r"transport|운송",
    15: r"regulatory|rechtsvorschriften|법적\s*규제",
    16: r"other\s+information|sonstige|기타",
}
_ROMAN = {
    "i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10,
    "xi": 11, "xii": 12, "xiii": 13, "xiv": 14, "xv": 15, "xvi": 16,
}
_SECTION_HEAD = re.compile(
    r"^\s*(?:section|abschnitt|rubrique|sección|secção|sezione|rubriek)?\s*"
    r"(?P<num>1[0-6]|[1-9]|(?:x?(?:iv|v?i{0,3}|ix|x|xi{0,3}|xiv|xv|xvi)))\s*[.:)]?\s*[-–—:.]?\s*"
    r"(?P<title>\D.{2,})$",
    re.IGNORECASE,
)
_SECTION_WORD = re.compile(r"^\s*(?:section|abschnitt)\b", re.IGNORECASE)
_H_CODE = re.compile(r"(?<![\w])(EUH\s?\d{3}|H\s?[2-4]\d{2}(?:[DdFf]{1,2}(?![a-z]))?)(?![\d])")
_P_CODE = re.compile(r"(?<![\w])(P\s?[1-5]\d{2}(?:\s*\+\s*P\s?[1-5]\d{2})*)(?![\d])")
_GHS = re.compile(r"\bGHS\s?0?([1-9])\b", re.IGNORECASE)
_PICTOGRAM_NAMES: dict[str, str] = {
    r"exploding\s+bomb": "GHS01",
    r"flame\s+over\s+circle": "GHS03",
    r"(?<!over\s)\bflame\b(?!\s+over)": "GHS02",
    r"gas\s+cylinder": "GHS04",
    r"\bcorrosion\b": "GHS05",
    r"skull\s+and\s+crossbones": "GHS06",
    r"exclamation\s+mark": "GHS07",
    r"health\s+hazard": "GHS08",
    r"\benvironment\b(?=\s*\(?GHS|\s*pictogram)": "GHS09",
}
_SIGNAL_LABEL = pattern(r"signal\s*word", r"signalwort", r"신호어")
_SIGNAL_VALUES = {
    "danger": "Danger", "warning": "Warning", "gefahr": "Danger", "achtung": "Warning",
    "위험": "Danger", "경고": "Warning", "danger!": "Danger", "warning!": "Warning",
}
_NO_SIGNAL = re.compile(r"^(?:none|not\s+applicable|n/?a|no\s+signal\s+word|kein|없음|-)", re.I)
_REVISION = pattern(
    r"revision\s+date", r"date\s+of\s+(?:last\s+)?revision", r"(?:last\s+)?revised(?:\s+on)?",
    r"rev(?:ision)?\.?\s+date", r"date\s+revised", r"überarbeitet\s+am", r"überarbeitungsdatum",
    r"(?:최종\s*)?개정\s*일자?", r"revision(?=\s*:?\s*\d)",
)
_REVIEWED = pattern(r"date\s+reviewed", r"review\s+date", r"reviewed\s+on")
_ISSUE = pattern(
    r"issue\s+date", r"date\s+of\s+issue", r"issued(?:\s+on)?", r"print(?:ing)?\s+date",
    r"date\s+printed", r"creation\s+date", r"date\s+(?:of\s+)?preparation", r"date\s+prepared",
    r"preparation\s+date", r"effective\s+date", r"sds\s+date", r"date",
    r"erstellungsdatum", r"druckdatum", r"ausgabedatum", r"발행일|작성일자?",
)
_VERSION = re.compile(
    r"\b(?:version|revision|rev\.?)\s*(?:no\.?|number|#)?\s*[:.]?\s*(\d{1,3}(?:\.\d{1,3}){0,2})\b",
    re.IGNORECASE,
)
_PRODUCT = pattern(
    r"(?:commercial\s+|trade\s+)?product\s+name", r"(?:ghs\s+)?product\s+identifier(?:\s+used\s+on\s+the\s+label)?",
    r"trade\s+name", r"(?:commercial|material)\s+name", r"handelsname", r"produktname",
    r"produktbezeichnung",
    r"produktidentifikator", r"bezeichnung\s+des\s+(?:stoffs|gemischs)", r"제품\s*명",
    r"name\s+of\s+(?:the\s+)?product", r"product\s+description",
)
_PRODUCT_LOOSE = pattern(
    r"product(?=\s*[:#]|\s*$)", r"material(?=\s*[:#]|\s*$)", r"name(?=\s*[:#])",
    r"chemical\s+name",  # old MSDS forms name the product so in section 1
)
_STOP = pattern(
    r"product\s+(?:code|number|no\.?)", r"synonyms?", r"cas(?:\s+(?:no\.?|number))?",
    r"recommended\s+use", r"supplier", r"manufacturer", r"company", r"version", r"revision",
    r"sds\s*(?:no\.?|number|#)", r"date", r"page", r"article\s+number", r"material\s+number",
    r"chemical\s+(?:name|family)", r"formula", r"catalog", r"index",
)
_SUPPLIER = pattern(
    r"(?:name\s+of\s+)?(?:supplier|manufacturer|distributor|company(?:\s+name)?|"
    r"manufactured\s+by|distributed\s+by|hersteller|lieferant|firma)",
)
_UN_LABELLED = re.compile(
    r"\b(?:UN|ID)\s*(?:/\s*(?:NA|ID)\s*)?(?:[-\s]?(?:no\.?|number|nr\.?|nummer|#))\s*[:.]?\s*"
    r"(?:UN\s*)?(\d{4})\b",
    re.IGNORECASE,
)
_UN_PLAIN = re.compile(r"\bUN\s?-?(\d{4})\b")
_CLASS = re.compile(
    r"(?:transport\s+)?hazard\s+class(?:\(es\)|es)?|\bclass(?:\(es\))?|klasse",
    re.IGNORECASE,
)
_CLASS_VALUE = re.compile(r"^\s*[:.]?\s*(?:\(?\s*)?([1-9](?:\.[1-6])?[A-Z]?)\b(?!\s*%)")
_PACKING = re.compile(r"packing\s+group|\bPG\b|verpackungsgruppe", re.IGNORECASE)
_PACKING_VALUE = re.compile(r"^\s*[:.]?\s*([I1li|]{1,3})(?![\w])")
# OCR reads a sans-serif "III" as any run of stroke-like glyphs ("iT}", "Il|")
_PACKING_OCR = re.compile(r"^\s*[:.]?\s*([I1liT|}{\[\]!]{1,3})(?!\S)")
_CONCENTRATION = re.compile(
    r"(?:(?:[<>≤≥]=?|>=|<=)\s*)?\d{1,3}(?:[.,]\d+)?\s*%?\s*(?:-|–|to|bis)\s*(?:(?:[<>≤≥]=?|>=|<=)\s*)?"
    r"\d{1,3}(?:[.,]\d+)?\s*%|(?:[<>≤≥]=?|>=|<=)\s*\d{1,3}(?:[.,]\d+)?\s*%?|\b\d{1,3}(?:[.,]\d+)?\s*%",
)


@dataclass(frozen=True, slots=True)
class Section:
    number: int
    page: int
    line: int  # index into document.all_lines()


# checked in this order: "Hazards identification" must not be taken for section 1
_TITLE_ORDER = (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 1)


def _section_number(text: str) -> int | None:
    m = _SECTION_HEAD.match(text)
    if m is None:
        return None
    raw = m.group("num").lower()
    number = int(raw) if raw.isdigit() else _ROMAN.get(raw)
    if number is None or not 1 <= number <= 16:
        return None
    explicit = _SECTION_WORD.match(text) is not None
    if not raw.isdigit() and not explicit:
        return None  # roman numerals only after the word "Section"
    title = m.group("title")
    if re.search(_SECTION_TITLES[number], title, re.IGNORECASE):
        return number
    # old MSDS forms number their sections differently: trust a recognisable title
    for candidate in _TITLE_ORDER:
        if re.search(_SECTION_TITLES[candidate], title, re.IGNORECASE):
            return candidate if explicit else None
    # "SECTION 16" is unambiguous even when OCR garbles the title; a bare "16." is not
    return number if explicit else None


def find_sections(lines: list[Line]) -> list[Section]:
    sections: list[Section] = []
    seen: set[int] = set()
    for i, line in enumerate(lines):
        number = _section_number(line.text)
        if number is None or number in seen:
            continue
        seen.add(number)
        sections.append(Section(number, line.page, i))
    return sections


def _section_lines(lines: list[Line], sections: list[Section], number: int) -> list[Line] | None:
    ordered = sorted(sections, key=lambda s: s.line)
    for i, section in enumerate(ordered):
        if section.number == number:
            end = ordered[i + 1].line if i + 1 < len(ordered) else len(lines)
            return lines[section.line : end]
    return None


def _words_for(line: Line, start: int, end: int) -> list[Word]:
    out: list[Word] = []
    position = 0
    for word in line.words:
        stop = position + len(word.text)
        if stop > start and position < end:
            out.append(word)
        position = stop + 1
    return out


def _codes(lines: list[Line], rx: re.Pattern[str]) -> tuple[list[str], list[Word]]:
    codes: list[str] = []
    words: list[Word] = []
    for line in lines:
        for m in rx.finditer(line.text):
            code = re.sub(r"\s+", "", m.group(1)).upper()
            code = re.sub(r"(H\d{3})([DF]{1,2})$", lambda k: k.group(1) + k.group(2).title()
                          if len(k.group(2)) > 1 else k.group(1) + k.group(2), code)
            if code not in codes:
                codes.append(code)
                words.extend(_words_for(line, m.start(), m.end()))
    return codes, words


def extract_sds(document: Document) -> dict[str, Field]:
    lines = document.all_lines()
    sections = find_sections(lines)
    fields: dict[str, Field] = {}
    cells = cells_for(document)
    day_first = infer_day_first(line.text for line in lines)

    fields["sections"] = Field(
        value=sorted(s.number for s in sections),
        page=None,
        bbox=None,
        confidence=1.0 if sections else 0.0,
        method=None,
        source_text="",
    )
    first = [p.number for p in document.pages[:2]]
    section1 = _section_lines(lines, sections, 1)
    product_pages = sorted({line.page for line in section1}) if section1 else first
    strengths: dict[str, Strength] = {}
    product = first_found(
        document, [_PRODUCT], accept_product, stop=_STOP, wrap=wraps_name,
        pages=product_pages or first, cells=cells,
    )
    if product is None:
        product = first_found(
            document, [_PRODUCT_LOOSE], accept_product, stop=_STOP, wrap=wraps_name,
            pages=product_pages or first, cells=cells,
        )
        strengths["product_name"] = "loose"
    if product is not None:
        fields["product_name"] = to_field(product)  # type: ignore[assignment]
    else:
        guess = prominent_name(document)
        if guess is not None:
            fields["product_name"] = guess
            strengths["product_name"] = "guess"
    supplier = first_found(document, [_SUPPLIER], accept_name, stop=_STOP, pages=first, cells=cells)
    if supplier is not None:
        fields["supplier"] = to_field(supplier)  # type: ignore[assignment]

    accept_date = accept_date_with(day_first)
    for label in (_REVISION, _REVIEWED, _ISSUE):
        found = first_found(
            document, [label], accept_date, stop=None, pages=first, cells=cells,
            anywhere_in_cell=True,
        )
        if found is None and label is not _ISSUE:
            found = first_found(
                document, [label], accept_date, stop=None, cells=cells, anywhere_in_cell=True
            )
        if found is not None:
            fields["revision_date"] = to_field(found, raw=True)  # type: ignore[assignment]
            if label is _ISSUE:
                strengths["revision_date"] = "loose"
            break
    version = _find_version(lines[:80])
    if version is not None:
        fields["version"] = version

    hazards = _section_lines(lines, sections, 2) or lines
    signal = _signal_word(document, hazards, cells)
    if signal is not None:
        fields["signal_word"] = signal
    for name, rx in (("h_statements", _H_CODE), ("p_statements", _P_CODE)):
        codes, words = _codes(hazards, rx)
        fields[name] = from_words(codes, words, source_text=" ".join(codes))
    fields["pictograms"] = _pictograms(hazards)

    composition = _section_lines(lines, sections, 3) or lines
    fields["cas_numbers"] = _cas_numbers(composition)
    transport = _section_lines(lines, sections, 14)
    fields.update(_transport(transport if transport is not None else lines))
    return calibrate(fields, document, strengths)


def _find_version(lines: list[Line]) -> Field | None:
    for line in lines:
        m = _VERSION.search(line.text)
        if m:
            return from_words(m.group(1), _words_for(line, m.start(), m.end()), certainty=0.9)
    return None


def _signal_word(document: Document, hazards: list[Line], cells: object) -> Field | None:
    pages = sorted({line.page for line in hazards})

    def accept(text: str) -> str | None:
        word = text.strip(" :.!").split(" ")[0].lower() if text.strip() else ""
        if word in _SIGNAL_VALUES:
            return _SIGNAL_VALUES[word]
        if _NO_SIGNAL.match(text.strip(" :")):
            return "none"
        return None

    found = first_found(document, [_SIGNAL_LABEL], accept, stop=None, pages=pages)
    if found is not None:
        if found.text == "none":
            return None
        return to_field(found)
    for line in hazards:
        text = line.text.strip(" !.:").lower()
        if text in ("danger", "warning", "gefahr", "achtung"):
            return from_words(_SIGNAL_VALUES[text], list(line.words), certainty=0.8)
    return None


def _pictograms(hazards: list[Line]) -> Field:
    names: list[str] = []
    words: list[Word] = []
    for line in hazards:
        for m in _GHS.finditer(line.text):
            code = f"GHS0{m.group(1)}"
            if code not in names:
                names.append(code)
                words.extend(_words_for(line, m.start(), m.end()))
        for rx, code in _PICTOGRAM_NAMES.items():
            m2 = re.search(rx, line.text, re.IGNORECASE)
            if m2 and code not in names and re.search(r"pictogram|symbol|ghs", line.text, re.I):
                names.append(code)
                words.extend(_words_for(line, m2.start(), m2.end()))
    return from_words(sorted(names), words, source_text=" ".join(sorted(names)))


def _cas_numbers(lines: list[Line]) -> Field:
    items: list[dict[str, str | None]] = []
    seen: set[str] = set()
    words: list[Word] = []
    for line in lines:
        text = line.text
        for cas, start, end in find_cas(text):
            if cas in seen:
                continue
            seen.add(cas)
            masked = text[:start] + " " * (end - start) + text[end:]
            masked = re.sub(r"\b\d{3}-\d{3}-\d\b", lambda m: " " * len(m.group(0)), masked)
            conc = _CONCENTRATION.search(masked)
            concentration = " ".join(conc.group(0).split()) if conc else None
            items.append({"cas": cas, "concentration": concentration})
            words.extend(_words_for(line, start, end))
            if conc:
                words.extend(_words_for(line, conc.start(), conc.end()))
    return from_words(items, words, source_text=", ".join(i["cas"] or "" for i in items))  # type: ignore[arg-type]


def _numeral_by_shape(line: Line, offset: int) -> Field | None:
    """A packing group Tesseract could not read ("III" as "Wl", "Il", "i"): sans-serif
    roman numerals are bare strokes, so the ink of I, II and III is about 0.15, 0.5 and 0.9
    times as wide as it is tall. Used only for an unsure OCR reading of one short word."""
    position = 0
    for word in line.words:
        if position >= offset:
            text = word.text.strip(":.")
            if (
                not text
                or len(text) > 3
                or word.confidence >= 0.7
                or any(ch.isdigit() and ch != "1" for ch in text)
            ):
                return None
            ratio = (word.x1 - word.x0) / max(word.bottom - word.top, 1e-6)
            count = 1 if ratio < 0.32 else 2 if ratio < 0.7 else 3 if ratio < 1.2 else 0
            if not count:
                return None
            return from_words("I" * count, [word], source_text=line.text, certainty=0.6)
        position += len(word.text) + 1
    return None


def _transport(lines: list[Line]) -> dict[str, Field]:
    out: dict[str, Field] = {}
    numbers: list[str] = []
    number_words: list[Word] = []
    for line in lines:
        for rx in (_UN_LABELLED, _UN_PLAIN):
            for m in rx.finditer(line.text):
                un = f"UN{m.group(1)}"
                if un not in numbers:
                    numbers.append(un)
                    number_words.extend(_words_for(line, m.start(), m.end()))
    if numbers:
        out["un_number"] = from_words(numbers[0], number_words[:3], source_text=numbers[0])
        out["un_numbers"] = from_words(numbers, number_words, source_text=", ".join(numbers))
    for name, label, value_rx in (
        ("hazard_class", _CLASS, _CLASS_VALUE),
        ("packing_group", _PACKING, _PACKING_VALUE),
    ):
        for line in lines:
            hit = label.search(line.text)
            if hit is None:
                continue
            v = value_rx.match(line.text[hit.end() :])
            if name == "packing_group" and any(w.method == "ocr" for w in line.words):
                guess = _numeral_by_shape(line, hit.end())
                if guess is not None:
                    out[name] = guess
                    break
                if v is None:
                    v = _PACKING_OCR.match(line.text[hit.end() :])
            if v is None:
                continue
            start = hit.end() + v.start(1)
            value = "I" * len(v.group(1)) if name == "packing_group" else v.group(1)
            out[name] = from_words(
                value,
                _words_for(line, hit.start(), start + len(v.group(1))),
                source_text=line.text,
                certainty=0.9,
            )
            break
    return out
