"""Value checks and label searches shared by the COA and SDS extractors."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from app.documents import rules
from app.documents.dates import parse_date
from app.documents.field_types import label_phrase, not_a_product, whole_lot
from app.documents.layout import Found, PageCells, find_labelled
from app.documents.lines import split_segments
from app.documents.model import Document
from app.documents.provenance import Field, from_words

COMPANY = re.compile(
    r"\b(?:inc|llc|l\.l\.c|ltd|limited|gmbh|ag|s\.?a|s\.?r\.?l|b\.?v|co|corp|corporation|company|"
    r"labs?|laborator(?:y|ies)|pty|plc|kg|oy|ab|nv|spa|s\.p\.a|industries|chemicals?|"
    r"ingredients|group)\b\.?",
    re.IGNORECASE,
)
CODE = re.compile(r"^(?=.*\d)[A-Z0-9][A-Z0-9\-_./]{3,}$")

_RESULT_WORDS = re.compile(
    r"^(?:pass(?:ed)?|fail(?:ed)?|tested|not\s+tested|nt|n/?a|none|na|complies|conforms|"
    r"yes|no|pending|see\s+.*|[-–—_.]+)$",
    re.IGNORECASE,
)


# "SAMPLE SIZE: 5 G": another field's label inside the value
_HOLDS_LABEL = re.compile(r"[A-Za-z]{3,}\s*:(?:\s|$)")


def accept_code(text: str) -> str | None:
    """A lot/batch code: short, has a digit or is code-shaped, is not a verdict or a date."""
    value = text.strip(" .,:;#*")
    value = re.sub(r"^(?:no\.?|number|#)\s*", "", value, flags=re.IGNORECASE).strip(" :#")
    value = whole_lot(value)
    if not value or len(value) > 40 or _RESULT_WORDS.match(value) or label_phrase(value):
        return None
    if len(value.split()) > 6 or _HOLDS_LABEL.search(value):
        return None
    date = parse_date(value)
    if date is not None and len(date.text) >= len(value) - 2:
        return None
    has_digit = any(ch.isdigit() for ch in value)
    if not has_digit and not (value.isupper() and len(value) >= 4 and " " not in value):
        return None
    return value


def accept_date_with(day_first: bool | None) -> Callable[[str], str | None]:
    def accept(text: str) -> str | None:
        found = parse_date(text, day_first=day_first)
        if found is None or found.start > 3:
            return None
        return found.iso

    return accept


def accept_name(text: str) -> str | None:
    value = " ".join(text.split()).strip(" .,:;*")
    if len(value) < 2 or len(value) > 120 or not any(ch.isalpha() for ch in value):
        return None
    if _RESULT_WORDS.match(value):
        return None
    return value


def accept_product(text: str) -> str | None:
    """A product name: a name that is not a label, an address, a company, a regulation or
    the document's title."""
    value = accept_name(text)
    if value is None or not_a_product(value) is not None:
        return None
    return value


def first_found(
    document: Document,
    labels: Sequence[re.Pattern[str]],
    accept: Callable[[str], str | None],
    *,
    stop: re.Pattern[str] | None,
    pages: Iterable[int] | None = None,
    cells: dict[int, PageCells] | None = None,
    anywhere_in_cell: bool = False,
    wrap: Callable[[str], bool] | None = None,
) -> Found | None:
    """The first value found for the most specific label that has one."""
    page_list = list(pages) if pages is not None else None
    for label in labels:
        found = find_labelled(
            document,
            label,
            accept,
            stop=stop,
            pages=page_list,
            cells_by_page=cells,
            anywhere_in_cell=anywhere_in_cell,
            wrap=wrap,
        )
        if found:
            return found[0]
    return None


def to_field(found: Found | None, value: object = None, raw: bool = False) -> Field | None:
    if found is None:
        return None
    text = " ".join(w.text for w in (*found.label_words, *found.words))
    return from_words(
        found.text if value is None else value,  # type: ignore[arg-type]
        found.words,
        source_text=text,
        certainty=found.certainty,
        raw=" ".join(w.text for w in found.words) if raw else None,
    )


def cells_for(document: Document) -> dict[int, PageCells]:
    return {page.number: PageCells(page) for page in document.pages}


_HEADING_WORDS = re.compile(
    r"certificate|analysis|analytical|report|summary|information|overview|results?|"
    r"laborator|page|date|www|@|tel|phone|fax|address|license|lic\b|compliance|sample\s+id|"
    r"safety|data\s+sheet|section|emergency|identification|sicherheitsdatenblatt",
    re.IGNORECASE,
)


_VERDICTS = re.compile(r"\b(?:pass(?:ed)?|fail(?:ed)?|tested|detected|conforms?)\b|\d\s*%", re.I)


def prominent_name(document: Document) -> Field | None:
    """No product label: COAs then print the product as the largest text near the top that
    is not a title, a company or an address. A guess, so its certainty is low."""
    if not document.pages or not rules.enabled("prominent_name"):
        return None
    page = document.pages[0]
    body = sorted(w.height for w in page.words)
    if not body:
        return None
    typical = body[len(body) // 2]
    candidates = [
        line
        for line in page.lines
        if line.top < page.height * 0.35
        and line.height > typical * 1.25
        and 1 <= len(line.words) <= 8
        and ":" not in line.text
        and any(ch.isalpha() for ch in line.text)
        and not _HEADING_WORDS.search(line.text)
        and not COMPANY.search(line.text)
        and parse_date(line.text) is None
        and len(split_segments(line)) == 1
        and not _VERDICTS.search(line.text)
        and sum(ch.isalpha() for ch in line.text) >= 3
        and not CODE.match(line.text)
        and not_a_product(line.text) is None
    ]
    if not candidates:
        return None
    best = max(candidates, key=lambda line: line.height)
    return from_words(best.text, list(best.words), certainty=0.5)


def wraps_name(text: str) -> bool:
    """A name's second line ("Powder", "50%"): not a date, a label or a sentence."""
    return (
        any(ch.isalnum() for ch in text)
        and parse_date(text) is None
        and len(text) <= 60
        and not text.rstrip().endswith((".", ":"))
    )


def wraps_code(text: str) -> bool:
    """A code's second line: digits and capitals ("0310", "-B7")."""
    return bool(re.fullmatch(r"[-/]?[A-Z0-9][A-Z0-9\-_./]*", text.strip())) and any(
        ch.isdigit() for ch in text
    )
