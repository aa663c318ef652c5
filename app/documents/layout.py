"""Find the value printed next to (or under) a label on a page.

Forms print "Lot No.: A123" in one cell, "Lot No." and "A123" in two cells of a row, or a
row of labels above a row of values. Lines are split into cells at wide gaps, and a label's
value is looked for in that order: rest of its cell, the next cell, the cell below.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from app.documents import rules
from app.documents.lines import split_segments
from app.documents.model import Document, Line, Page, Word

_SEPARATORS = " \t:#.;=-–—|>"
# bullets and outline numbers before a label: "· Product Identifier:", "1.1 Product name"
_LEAD = re.compile(r"^[\s·•*▪■●\-–]*(?:\(?[0-9]{1,2}(?:\.[0-9]{1,2})*[.)]?\s+|[a-z]\)\s+)?")
# a value found under a label must not itself be "Another label: value"
LABELLED = re.compile(r"^[^:\d]{2,30}:(?:\s|$)")


@dataclass(frozen=True, slots=True)
class Cell:
    words: tuple[Word, ...]
    line: int  # index of the line on its page
    index: int  # index of the cell in its line

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def page(self) -> int:
        return self.words[0].page


class PageCells:
    """The cells of one page, line by line."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.rows: list[list[Cell]] = []
        for i, line in enumerate(page.lines):
            cells = [
                Cell(segment.words, i, j) for j, segment in enumerate(split_segments(line))
            ]
            self.rows.append(cells)

    def line(self, index: int) -> Line:
        return self.page.lines[index]


def span_words(words: tuple[Word, ...], start: int, end: int) -> list[Word]:
    """Words of a cell overlapping characters [start, end) of the joined text."""
    out: list[Word] = []
    position = 0
    for word in words:
        stop = position + len(word.text)
        if stop > start and position < end:
            out.append(word)
        position = stop + 1
    return out


@dataclass(frozen=True, slots=True)
class Found:
    text: str
    words: tuple[Word, ...]
    label_words: tuple[Word, ...]
    certainty: float


def _stop_offset(text: str, stop: re.Pattern[str] | None) -> int:
    """Where the next label starts in a value ("A123 Exp. Date: ..."), or len(text)."""
    if stop is None:
        return len(text)
    lead = len(text) - len(text.lstrip(_SEPARATORS))
    for m in stop.finditer(text, lead):
        if m.start() > lead and text[m.start() - 1] == " ":
            return m.start()
    return len(text)


def _take(
    words: tuple[Word, ...],
    start: int,
    accept: Callable[[str], str | None],
    stop: re.Pattern[str] | None,
) -> tuple[str | None, list[Word], bool]:
    """Value from the joined text of ``words`` from ``start``: (value, words, had_text)."""
    text = " ".join(w.text for w in words)[start:]
    cut = _stop_offset(text, stop)
    candidate = text[:cut].strip(_SEPARATORS + ",/")
    if not candidate:
        return None, [], False
    return accept(candidate), span_words(words, start, start + cut), True


def find_labelled(
    document: Document,
    label: re.Pattern[str],
    accept: Callable[[str], str | None],
    *,
    stop: re.Pattern[str] | None = None,
    pages: Iterable[int] | None = None,
    below: bool = True,
    anywhere_in_cell: bool = False,
    cells_by_page: dict[int, PageCells] | None = None,
    wrap: Callable[[str], bool] | None = None,
) -> list[Found]:
    """Every accepted value for ``label``, in reading order.

    ``accept`` cleans a candidate value and returns None to reject it (a lot number that
    is "PASS", a date that does not parse). With ``wrap``, a value continued on the next
    line (a cell alone under the value, close below, not a label, ``wrap(text)`` true) is
    joined to it: "WINDEX GLASS CLEANER WITH AMMONIA-" / "D".
    """
    wanted = set(pages) if pages is not None else None
    results: list[Found] = []
    for page in document.pages:
        if wanted is not None and page.number not in wanted:
            continue
        cells = (cells_by_page or {}).get(page.number) or PageCells(page)
        for row in cells.rows:
            for cell in row:
                found = _value_for(cells, row, cell, label, accept, stop, below, anywhere_in_cell)
                if found is not None and wrap is not None and rules.enabled("wrapped_values"):
                    found = _wrapped(cells, found, accept, stop, label, wrap)
                if found is not None:
                    results.append(found)
    return results


def _value_for(
    cells: PageCells,
    row: list[Cell],
    cell: Cell,
    label: re.Pattern[str],
    accept: Callable[[str], str | None],
    stop: re.Pattern[str] | None,
    below: bool,
    anywhere_in_cell: bool,
) -> Found | None:
    text = cell.text
    m = label.search(text)
    if m is None or m.end() == m.start():
        return None
    lead = _LEAD.match(text)
    if m.start() > (lead.end() if lead else 0) and not (
        anywhere_in_cell and text[m.start() - 1] in " (/,;"
    ):
        return None
    label_words = tuple(span_words(cell.words, m.start(), m.end()))
    value, words, had_text = _take(cell.words, m.end(), accept, stop)
    if value is not None:
        return Found(value, tuple(words), label_words, 1.0)
    if had_text:
        return None  # something follows the label in its cell, and it is not a value
    page_width = cells.page.width
    following = [c for c in row if c.index > cell.index]
    if following:
        nxt = following[0]
        if (
            nxt.x0 - cell.x1 < page_width * 0.45
            and not (stop and stop.match(nxt.text))
            and not label.match(nxt.text)
            and not LABELLED.match(nxt.text)
        ):
            value, words, _ = _take(nxt.words, 0, accept, stop)
            if value is not None:
                return Found(value, tuple(words), label_words, 0.95)
    if not below:
        return None
    return _value_below(cells, cell, accept, stop, label, label_words)


def _value_below(
    cells: PageCells,
    cell: Cell,
    accept: Callable[[str], str | None],
    stop: re.Pattern[str] | None,
    label: re.Pattern[str],
    label_words: tuple[Word, ...],
) -> Found | None:
    height = max(cell.bottom - cell.top, 4.0)
    for row in cells.rows[cell.line + 1 : cell.line + 4]:
        if not row:
            continue
        if row[0].top - cell.bottom > height * 2.5:
            return None
        overlapping = [
            c
            for c in row
            if c.x0 < cell.x1 + height and c.x1 > cell.x0 - height and abs(c.x0 - cell.x0) < 60
        ]
        if not overlapping:
            continue
        candidate = overlapping[0]
        if (
            (stop and stop.match(candidate.text))
            or label.match(candidate.text)
            or LABELLED.match(candidate.text)
        ):
            return None
        value, words, _ = _take(candidate.words, 0, accept, stop)
        if value is not None:
            return Found(value, tuple(words), label_words, 0.85)
        return None
    return None


def _line_of(cells: PageCells, word: Word) -> int | None:
    for index, row in enumerate(cells.rows):
        for cell in row:
            if word in cell.words:
                return index
    return None


def _wrapped(
    cells: PageCells,
    found: Found,
    accept: Callable[[str], str | None],
    stop: re.Pattern[str] | None,
    label: re.Pattern[str],
    wrap: Callable[[str], bool],
) -> Found:
    """The value continued on the next line: one short cell that starts under the value
    (not under the label: that is the next field), close below, and is not a label."""
    if not found.words:
        return found
    line = _line_of(cells, found.words[-1])
    if line is None or line + 1 >= len(cells.rows):
        return found
    x0 = found.words[0].x0
    x1 = max(w.x1 for w in found.words)
    height = max(w.height for w in found.words)
    bottom = max(w.bottom for w in found.words)
    label_x0 = min((w.x0 for w in found.label_words), default=x0)
    row = cells.rows[line + 1]
    under = [c for c in row if c.x1 > x0 and c.x0 < x1]
    beside = [c for c in row if c.x1 > min(label_x0, x0) - height and c.x0 < x0 - 0.5 * height]
    if len(under) != 1 or beside:
        return found
    nxt = under[0]
    text = nxt.text
    if (
        nxt.top - bottom > 0.8 * height
        or nxt.x0 < x0 - 0.5 * height
        or len(nxt.words) > 5
        or abs(nxt.bottom - nxt.top - (bottom - min(w.top for w in found.words))) > 0.3 * height
        or (stop is not None and stop.search(text))
        or label.search(text)
        or LABELLED.match(text)
        or not wrap(text)
    ):
        return found
    if found.words[-1].text.endswith("-"):  # a hyphen at the line end joins the halves
        joined = found.text.rstrip("-") + "-" + text
    else:
        joined = found.text + " " + text
    value = accept(joined)
    if value is None:
        return found
    return Found(value, (*found.words, *nxt.words), found.label_words, found.certainty * 0.95)
