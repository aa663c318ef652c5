"""Value checks and label searches shared by the COA and SDS extractors."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from app.documents.dates import parse_date
from app.documents.layout import Found, PageCells, find_labelled
from app.documents.model import Document
from app.documents.provenance import Field, from_words

_RESULT_WORDS = re.compile(
    r"^(?:pass(?:ed)?|fail(?:ed)?|tested|not\s+tested|nt|n/?a|none|na|complies|conforms|"
    r"yes|no|pending|see\s+.*|[-–—_.]+)$",
    re.IGNORECASE,
)


def accept_code(text: str) -> str | None:
    """A lot/batch code: short, has a digit or is code-shaped, is not a verdict or a date."""
    value = text.strip(" .,:;#*")
    value = re.sub(r"^(?:no\.?|number|#)\s*", "", value, flags=re.IGNORECASE).strip(" :#")
    if not value or len(value) > 40 or _RESULT_WORDS.match(value):
        return None
    if len(value.split()) > 6:
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


def first_found(
    document: Document,
    labels: Sequence[re.Pattern[str]],
    accept: Callable[[str], str | None],
    *,
    stop: re.Pattern[str] | None,
    pages: Iterable[int] | None = None,
    cells: dict[int, PageCells] | None = None,
    anywhere_in_cell: bool = False,
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
