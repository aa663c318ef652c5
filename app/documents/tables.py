"""Results tables of certificates of analysis: find header rows, then read rows by column.

A header row is a line whose cells name a test column and a result or specification
column. Columns run from midway between neighbouring header cells, and each data cell goes
to the column it overlaps most. Tables printed side by side (two "Analyte" columns on one
header row) are read as separate tables.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Literal

from app.documents.layout import Cell, PageCells
from app.documents.model import BBox, Method, Word, union_bbox

ColumnKind = Literal[
    "test", "method", "spec", "spec_min", "spec_max", "result", "unit", "status", "other"
]

_KIND_PATTERNS: tuple[tuple[ColumnKind, str], ...] = (
        ("status", r"^(?:pass\s*/\s*fail|p\s*/\s*f|status|conclusion|compliance|verdict|evaluation|"
         r"assessment|conformity|complies\??|remarks?|result\s+status|pass\s+or\s+fail|findings?|"
         r"interpretation|decision)$"),
        ("method", r"^(?:(?:test|analytical|analysis)\s+)?(?:methods?|procedures?|techniques?|"
         r"references?|method\s+ref(?:erence)?\.?)$"),
        ("unit", r"^(?:units?|uom|unit\s+of\s+measure|einheit)$"),
        ("spec_min", r"^(?:spec(?:ification)?\s+)?min(?:imum)?\.?$"),
        ("spec_max", r"^(?:spec(?:ification)?\s+)?max(?:imum)?\.?$"),
        ("other", r"^(?:lod|loq|lloq|mdl|rl|dilution|uncertainty|dilution\s*\(1:n\)|"
         r"\(?1:n\)?|mu|cas(?:\s+no\.?)?|date(?:\s+tested)?|analyst|instrument|datafile|"
         r"file|sample\s+id)\b|.*\bdate$"),
        ("spec", r"^(?:(?:spec(?:ification)?s?|limits?|acceptance(?:\s+criteria)?|requirements?|"
         r"standards?|range|action\s+(?:limit|level)s?|allowable(?:\s+limit)?|criteria|"
         r"tolerance|target|expected|norm|sollwert|grenzwert|spezifikation)\b.*|.*\blimits?)$"),
        ("result", r"^(?:(?:test|analysis|analytical|batch(?:\s+analysis)?|actual|lot)\s+)?"
         r"(?:results?|values?|found|observed|reading|amount|measured|conc(?:entration)?\.?|mass|"
         r"ergebnis|befund|istwert)\b.*$"),
        ("test", r"^(?:(?:tests?|analytes?|parameters?|compounds?|analysis)\b(?!.*\b(?:methods?|results?|dates?|limits?|units?)\b).*|"
         r"test\s+(?:items?|names?|descriptions?|parameters?)|parameters?|"
         r"analytes?|analysis|analyses|characteristics?|items?|determinations?|attributes?|"
         r"propert(?:y|ies)|compounds?|components?|description|cannabinoids?|terpenes?|"
         r"pesticides?|contaminants?|assay|prüfparameter|merkmal|parameter\s+name|"
         r"test\s+description|analysis\s+item)$"),
)
_KINDS: tuple[tuple[ColumnKind, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(rx, re.IGNORECASE)) for kind, rx in _KIND_PATTERNS
)

_END = re.compile(
    r"^(?:approved|reviewed|released|authori[sz]ed|signature|signed|qa\s+manager|quality\s+"
    r"(?:assurance|control)\s+(?:manager|approval)|comments?|remarks?\s*:|notes?\s*:|"
    r"conclusion|disclaimer|this\s+(?:certificate|report|document|coa)|page\s+\d+\s+of|"
    r"the\s+(?:results|above)|we\s+hereby|results\s+relate|abbreviations|legend)",
    re.IGNORECASE,
)
_UNIT_HINT = re.compile(
    r"\(([^)]{1,12})\)\s*$|(?:^|\s)(%|mg/g|ppm|ppb|cfu/g|µg/g|ug/g|mg/kg)\s*$", re.I
)


def classify_header(text: str) -> ColumnKind | None:
    cleaned = " ".join(text.replace(":", " ").split()).strip(" .*")
    if not cleaned:
        return None
    for kind, rx in _KINDS:
        if rx.match(cleaned):
            return kind
    return None


@dataclass(slots=True)
class Column:
    kind: ColumnKind
    header: str
    x0: float
    x1: float
    left: float = 0.0  # region boundaries
    right: float = 0.0
    unit_hint: str | None = None


@dataclass(slots=True)
class RawRow:
    cells: dict[ColumnKind, list[Word]] = field(default_factory=dict)
    columns: list[Column] = field(default_factory=list)

    def text(self, kind: ColumnKind) -> str:
        return " ".join(w.text for w in self.cells.get(kind, []))

    @property
    def words(self) -> list[Word]:
        return [w for ws in self.cells.values() for w in ws]

    @property
    def bbox(self) -> BBox:
        return union_bbox(w.bbox for w in self.words)

    @property
    def page(self) -> int:
        return self.words[0].page

    @property
    def method(self) -> Method:
        return "ocr" if any(w.method == "ocr" for w in self.words) else "text"

    @property
    def confidence(self) -> float:
        return min((w.confidence for w in self.words), default=0.0)


def _segment(words: tuple[Word, ...]) -> list[tuple[list[Word], ColumnKind]] | None:
    """Split a run of header words into the fewest phrases that each name a column
    ("Dilution LOQ Action Level Result" -> Dilution | LOQ | Action Level | Result)."""
    n = len(words)
    best: list[list[tuple[list[Word], ColumnKind]] | None] = [None] * (n + 1)
    best[0] = []
    for end in range(1, n + 1):
        for start in range(max(0, end - 4), end):
            prefix = best[start]
            if prefix is None:
                continue
            phrase = list(words[start:end])
            kind = classify_header(" ".join(w.text for w in phrase))
            if kind is None:
                continue
            candidate = [*prefix, (phrase, kind)]
            current = best[end]
            if current is None or len(candidate) < len(current):
                best[end] = candidate
    return best[n]


def _header_cells(cells: list[Cell]) -> list[tuple[Cell, ColumnKind | None]]:
    """Classify header cells, splitting cells whose words are separate headers printed too
    close together ("LOD Results" -> "LOD", "Results")."""
    out: list[tuple[Cell, ColumnKind | None]] = []
    for cell in cells:
        kind = classify_header(cell.text)
        if len(cell.words) > 1 and kind in (None, "other", "test"):
            parts = _segment(cell.words)
            if parts is not None and len(parts) > 1:
                out.extend((Cell(tuple(ws), cell.line, cell.index), k) for ws, k in parts)
                continue
        out.append((cell, kind))
    return out


def _columns_from(cells: list[Cell]) -> list[Column] | None:
    classified = _header_cells(cells)
    known = [k for _, k in classified if k is not None]
    if len(known) < 2 or len(known) < 0.6 * len(classified):
        return None
    columns: list[Column] = []
    for cell, kind in classified:
        hint = _UNIT_HINT.search(cell.text)
        unit = (hint.group(1) or hint.group(2)) if hint else None
        columns.append(Column(kind or "other", cell.text, cell.x0, cell.x1, unit_hint=unit))
    kinds = [c.kind for c in columns]
    if "test" not in kinds or not ({"result", "spec", "spec_max"} & set(kinds)):
        return None
    if kinds.index("test") > 1:
        return None
    return columns


def _merge_two_lines(upper: list[Cell], lower: list[Cell]) -> list[Cell]:
    """Header cells from two lines joined where they overlap ("Batch Analysis" / "Result");
    cells of either line with no partner stay as they are."""
    base, other = (lower, upper) if len(lower) >= len(upper) else (upper, lower)
    merged: list[Cell] = []
    used: set[int] = set()
    for cell in base:
        over = [
            o
            for o in other
            if min(o.x1, cell.x1) - max(o.x0, cell.x0) > 0
            and (o.x1 - o.x0) < 3 * (cell.x1 - cell.x0) + 40
        ]
        used.update(id(o) for o in over)
        words = [w for o in over for w in o.words] + list(cell.words)
        words.sort(key=lambda w: (round(w.top), w.x0))
        merged.append(Cell(tuple(words), cell.line, cell.index))
    merged.extend(o for o in other if id(o) not in used)
    merged.sort(key=lambda c: c.x0)
    return merged


_UNIT_LIKE = re.compile(
    r"^(?:\([^()]{1,12}\)|[^\s\d]{0,6}[%‰/][^\s\d]{0,8}|ppm|ppb|ppt|mg|g|kg|µg|ug|aw|cfu|iu|ml)$",
    re.IGNORECASE,
)


def _is_header_material(cells: list[Cell]) -> bool:
    """A second header line holds column names or units, never data."""
    return all(
        classify_header(c.text) is not None
        or (_UNIT_LIKE.match(c.text) is not None and len(c.words) <= 2)
        for c in cells
    )


def find_header(cells: PageCells, index: int) -> tuple[list[Column], int] | None:
    """Columns of a header at line ``index`` (returns the last header line used)."""
    row = cells.rows[index]
    if len(row) < 2:
        return None
    single = _columns_from(row)
    if index + 1 < len(cells.rows):
        nxt = cells.rows[index + 1]
        close = nxt and nxt[0].top - row[0].bottom < (row[0].bottom - row[0].top) * 1.2
        if close and _is_header_material(nxt):
            merged = _columns_from(_merge_two_lines(row, nxt))
            if merged is not None and (single is None or len(merged) > len(single)):
                return merged, index + 1
    if single is None and index > 0:
        above = cells.rows[index - 1]
        if (
            above
            and row[0].top - above[0].bottom < (row[0].bottom - row[0].top) * 1.2
            and _is_header_material(above)
            and _columns_from(above) is None
            and any(classify_header(c.text) == "test" for c in row)
        ):
            merged = _columns_from(_merge_two_lines(above, row))
            if merged is not None:
                return merged, index
    if single is not None:
        return single, index
    return None


def _split_side_by_side(columns: list[Column]) -> list[list[Column]]:
    groups: list[list[Column]] = []
    for column in columns:
        if column.kind == "test" and groups and any(c.kind == "test" for c in groups[-1]):
            groups.append([column])
        elif groups:
            groups[-1].append(column)
        else:
            groups.append([column])
    for group in groups:
        results = [c for c in group if c.kind == "result"]
        for extra in results[1:]:
            extra.kind = "other"  # the same result in another unit (mg/g beside %)
        for i, column in enumerate(group):
            column.left = (group[i - 1].x1 + column.x0) / 2 if i else -1e9
            column.right = (column.x1 + group[i + 1].x0) / 2 if i + 1 < len(group) else 1e9
    for a, b in itertools.pairwise(groups):
        boundary = (a[-1].x1 + b[0].x0) / 2
        a[-1].right = boundary
        b[0].left = boundary
    return groups


def _overlap(x0: float, x1: float, column: Column) -> float:
    return min(x1, column.right) - max(x0, column.left)


def _assign(cells: list[Cell], group: list[Column]) -> dict[ColumnKind, list[Word]]:
    out: dict[ColumnKind, list[Word]] = {}
    lo, hi = group[0].left, group[-1].right
    for cell in cells:
        width = max(cell.x1 - cell.x0, 1e-6)
        spans = [c for c in group if _overlap(cell.x0, cell.x1, c) > 0.3 * width]
        # a cell reaching well into two columns is two values printed close together
        pieces = [(w.x0, w.x1, (w,)) for w in cell.words] if len(spans) > 1 else [
            (cell.x0, cell.x1, cell.words)
        ]
        for x0, x1, words in pieces:
            centre = (x0 + x1) / 2
            if not lo <= centre < hi:
                continue
            best = max(group, key=lambda c: _overlap(x0, x1, c))
            out.setdefault(best.kind, []).extend(words)
    return out


def _is_paragraph(row: list[Cell], columns: list[Column]) -> bool:
    table_width = max(c.x1 for c in columns) - min(c.x0 for c in columns)
    widest = max(row, key=lambda c: c.x1 - c.x0)
    spanned = sum(1 for c in columns if widest.x0 < c.x0 and c.x1 < widest.x1)
    return len(widest.words) >= 6 and (spanned >= 2 or widest.x1 - widest.x0 > 0.7 * table_width)


def read_tables(cells: PageCells) -> list[RawRow]:
    rows: list[RawRow] = []
    index = 0
    total = len(cells.rows)
    while index < total:
        header = find_header(cells, index)
        if header is None:
            index += 1
            continue
        columns, last = header
        groups = _split_side_by_side(columns)
        index = last + 1
        previous: list[RawRow | None] = [None] * len(groups)
        bottom = cells.rows[last][0].bottom
        height = max(cells.rows[last][0].bottom - cells.rows[last][0].top, 5.0)
        while index < total:
            row = cells.rows[index]
            if not row:
                index += 1
                continue
            if row[0].top - bottom > height * 4 or _END.match(row[0].text):
                break
            if _is_paragraph(row, columns):
                break  # a footnote or paragraph under the table
            if find_header(cells, index) is not None:
                break
            bottom = max(c.bottom for c in row)
            for g, group in enumerate(groups):
                assigned = _assign(row, group)
                if not assigned:
                    continue
                test_words = assigned.get("test", [])
                others = {k: v for k, v in assigned.items() if k != "test"}
                prev = previous[g]
                if not test_words and prev is not None:
                    for kind, words in others.items():  # wrapped text of the row above
                        prev.cells.setdefault(kind, []).extend(words)
                    continue
                if not test_words or not others:
                    previous[g] = None  # a section heading inside the table
                    continue
                raw = RawRow(cells=dict(assigned), columns=group)
                rows.append(raw)
                previous[g] = raw
            index += 1
    return rows
