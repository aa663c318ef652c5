"""Results tables of certificates of analysis: find header rows, then read rows by column.

A header is a run of cells on a line that names a test column and a result, amount or
specification column ("Analyte | LOQ | Limit | Result (%)"). Names printed over two or three
lines ("Action" over "Limit" over "(ppm)") are merged into one column name. Each header
starts a table with its own horizontal extent, so tables printed side by side, even with
their headers and rows on different lines, are read separately: a line's cells belong to the
table whose extent holds them. Columns run from midway between neighbouring header cells,
and each data cell goes to the column it overlaps most.

Which column holds the result: the first named Result/Value/Amount/Found, else the first
named only by a unit ("% (w/w)", "mg/g"); a second one (the same results in another unit) is
kept as an alternative. A Result column holding only verdicts (PASS) gives way to an
alternative or unnamed column holding the numbers; a table with no result column reads its
results from the column whose cells hold numbers or "ND" rather than units or verdicts (labs
print results under "Units" or "Finding").
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from typing import Literal

from app.documents import rules
from app.documents.layout import Cell, PageCells
from app.documents.model import BBox, Method, Word, union_bbox

ColumnKind = Literal[
    "test", "method", "spec", "spec_min", "spec_max", "result", "unit", "status", "other",
    "measure",
]

_KIND_PATTERNS: tuple[tuple[ColumnKind, str], ...] = (
        ("status", r"^(?:pass\s*/\s*fail|p\s*/\s*f|status|conclusion|compliance|verdict|evaluation|"
         r"assessment|conformity|complies\??|remarks?|pass\s+or\s+fail|findings?|"
         r"interpretation|decision|(?:.*\s)?\(p\s*/\s*f\))$"),
        ("method", r"^(?:(?:test|analytical|analysis)\s+)?(?:methods?|procedures?|techniques?|"
         r"references?|method\s+ref(?:erence)?\.?)$"),
        ("unit", r"^(?:units?|uom|unit\s+of\s+measure|einheit)$"),
        ("spec_min", r"^(?:spec(?:ification)?\s+)?min(?:imum)?\.?$"),
        ("spec_max", r"^(?:spec(?:ification)?\s+)?max(?:imum)?\.?$"),
        ("other", r"^(?:(?:lod|loq|lloq|mdl|rl)(?:\s*/\s*(?:lod|loq|lloq|rl))?|dilution|dil\.?|"
         r"(?:measurement\s+)?uncertainty|dilution\s*\(1\s?n\)|\(?1\s?n\)?|mu|cas(?:\s+no\.?)?|"
         r"date(?:\s+(?:tested|analy[sz]ed|prepared|completed|received))?|analyst|instrument|"
         r"datafile|file|sample\s+id|.*\bdate)$"),
        ("spec", r"^(?:(?:spec(?:ification)?s?|limits?|acceptance(?:\s+criteria)?|requirements?|"
         r"standards?|range|action\s*(?:limit|level)s?|allowable(?:\s+limit)?|criteria|"
         r"tolerance|target|expected|norm|thresholds?|mrl|sollwert|grenzwert|spezifikation)\b.*|"
         r".*\blimits?)$"),
        ("result", r"^(?:(?:test|analysis|analytical|batch(?:\s+analysis)?|actual|lot)\s+)?"
         r"(?:results?|values?|found|observed|reading|amount|amt\.?|measured|conc(?:entration)?\.?|"
         r"mass|ergebnis|befund|istwert|(?:level|amount|concentration)\s+detected|detected\s+level)"
         r"(?!\s+(?:status|pass|fail|p\s*/\s*f)\b)(?:\s|$|\().*$"),
        ("test", r"^(?:(?:tests?|analytes?|parameters?|compounds?|analysis)\b(?!.*\b(?:methods?|results?|dates?|limits?|units?)\b).*|"
         r"test\s+(?:items?|names?|descriptions?|parameters?|menu)|parameters?|"
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
# a unit as printed in a column name: "%", "mg/g", "ppm", "(µg/kg)", "(aw)"
_REAL_UNIT = (
    r"%|‰|ppm|ppb|ppt|aw|(?:mg|µg|μg|ug|ng|g|kg|cfu|mpn|iu|meq|ml|mmol|mol|units?)/[a-z0-9]{1,9}|"
    r"mg|µg|μg|ug"
)
_UNIT_TOKEN = re.compile(
    rf"^\(?(?:{_REAL_UNIT}|percent|w/w|v/v|wt\.?|weight|dry)\)?$", re.IGNORECASE
)
_REAL_UNIT_TOKEN = re.compile(rf"^\(?(?:{_REAL_UNIT}|percent)\)?$", re.IGNORECASE)
_TRAILING_UNITS = re.compile(
    rf"(?:\s*(?:\([^()]{{1,14}}\)|(?<![\w/])(?:{_REAL_UNIT})(?![\w/])))+$", re.IGNORECASE
)
_UNIT_IN = re.compile(rf"(?<![\w/])({_REAL_UNIT})(?![\w/])", re.IGNORECASE)
_PLAIN_NAME = re.compile(r"^[A-Za-z][A-Za-z&/.\- ]{1,24}$")
_HEADERISH = re.compile(r"^[A-Za-z][A-Za-z&/.\-\s]*(?:\([^()]{1,14}\))?$")


def _is_measure(text: str) -> bool:
    """A column named only by a unit: "%", "mg/g", "% (w/w)", "Weight %"."""
    tokens = text.split()
    return (
        bool(tokens)
        and len(tokens) <= 3
        and all(_UNIT_TOKEN.match(t) for t in tokens)
        and any(_REAL_UNIT_TOKEN.match(t) for t in tokens)
    )


# Chinese and Korean column names, for headers printed in one of them only
_CJK_HEADERS = (
    (re.compile(r"(?:检验|检测|分析|测试)?项目|指标名称|시험\s*항목|항목|분석\s*항목"), "Test"),
    (re.compile(r"(?:检验|检测|分析|测试)?结果|实测值|결과|시험\s*결과|분석\s*결과"), "Result"),
    (re.compile(r"(?:标准|指标|规格|要求|限度|标准要求|质量标准)|기준|규격|기준치"), "Specification"),
    (re.compile(r"(?:检验|检测|分析)?方法|시험\s*방법|방법"), "Method"),
    (re.compile(r"单位|단위"), "Unit"),
    (re.compile(r"结论|判定|单项判定|판정|적부"), "Status"),
)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uff00-\uffef]+")


def _latin_header(text: str) -> str:
    """A bilingual header ("检验项目 Test Items", "결과 / Result") by its Latin part; one in
    Chinese or Korean only by the English name of the column."""
    if not _CJK.search(text):
        return text
    latin = _CJK.sub(" ", text).strip(" /|()（）:：")
    if any(ch.isalpha() for ch in latin):
        return latin
    for rx, name in _CJK_HEADERS:
        if rx.fullmatch(text.strip(" /|()（）:：")):
            return name
    return text


def classify_header(text: str) -> ColumnKind | None:
    text = _latin_header(text)
    cleaned = " ".join(text.replace(":", " ").split()).strip(" .*")
    if not cleaned:
        return None
    for kind, rx in _KINDS:
        if rx.match(cleaned):
            return kind
    stripped = _TRAILING_UNITS.sub("", cleaned).strip(" .*")
    if stripped and stripped != cleaned:
        for kind, rx in _KINDS:
            if rx.match(stripped):
                return kind
    if _is_measure(cleaned):
        return "measure"
    return None


def unit_of(header: str) -> str | None:
    """The unit a column name gives its values: "Result (mg/g)" -> "mg/g", "Weight %" -> "%"."""
    paren: list[str] = re.findall(r"\(([^()]{1,14})\)", header)
    for text in reversed(paren):
        if _UNIT_IN.search(text):
            return text.strip()
    found = [m.group(1) for m in _UNIT_IN.finditer(header)]
    return found[-1] if found else None


@dataclass(slots=True)
class Column:
    kind: ColumnKind
    header: str
    x0: float
    x1: float
    left: float = 0.0  # region boundaries
    right: float = 0.0
    unit_hint: str | None = None
    named: bool = True  # the header names a known kind of column
    alternative: bool = False  # another result column (the same results in another unit)


@dataclass(slots=True)
class RawRow:
    """One table row: the words under each column (by column index)."""

    parts: dict[int, list[Word]] = field(default_factory=dict)
    columns: list[Column] = field(default_factory=list)

    @property
    def cells(self) -> dict[ColumnKind, list[Word]]:
        out: dict[ColumnKind, list[Word]] = {}
        for index in sorted(self.parts):
            out.setdefault(self.columns[index].kind, []).extend(self.parts[index])
        return out

    def text(self, kind: ColumnKind) -> str:
        return " ".join(w.text for w in self.cells.get(kind, []))

    @property
    def words(self) -> list[Word]:
        return [w for ws in self.parts.values() for w in ws]

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


def _split_units(cell: Cell) -> list[Cell] | None:
    """"% mg/g" printed as one cell over two columns: one column per unit."""
    if len(cell.words) > 1 and all(_REAL_UNIT_TOKEN.match(w.text) for w in cell.words):
        return [Cell((w,), cell.line, cell.index) for w in cell.words]
    return None


def _header_cells(cells: list[Cell]) -> list[tuple[Cell, ColumnKind | None]]:
    """Classify header cells, splitting cells whose words are separate headers printed too
    close together ("LOD Results" -> "LOD", "Results"; "Result Analyte" -> "Result",
    "Analyte" where a second table's header runs into the first)."""
    out: list[tuple[Cell, ColumnKind | None]] = []
    for cell in cells:
        kind = classify_header(cell.text)
        words = cell.words
        if len(words) > 1:
            units = _split_units(cell)
            if units is not None:
                out.extend((c, "measure") for c in units)
                continue
            if classify_header(words[-1].text) == "test" and kind != "test":
                head = _segment(words[:-1])
                if head is not None:
                    out.extend((Cell(tuple(ws), cell.line, cell.index), k) for ws, k in head)
                    out.append((Cell((words[-1],), cell.line, cell.index), "test"))
                    continue
            if kind in (None, "other", "test"):
                parts = _segment(words)
                if parts is not None and len(parts) > 1:
                    out.extend((Cell(tuple(ws), cell.line, cell.index), k) for ws, k in parts)
                    continue
        out.append((cell, kind))
    return out


def _data_like(text: str) -> bool:
    """A data value, never a column name: digits outside parentheses, or a verdict."""
    outside = re.sub(r"\([^()]*\)", "", text)
    return any(ch.isdigit() for ch in outside) or bool(
        re.match(r"^(?:nd|n/a|pass(?:ed)?|fail(?:ed)?|<\s*lo[dq])$", text, re.IGNORECASE)
    )


@dataclass(slots=True)
class _Group:
    """A run of header cells on one line that looks like the header of one table."""

    cells: list[tuple[Cell, ColumnKind | None]]
    left: float  # extent of the table: midway to the nearest foreign cells of the line
    right: float
    tentative: int = 0  # unnamed cells at the end of the line, kept if lines below name them

    @property
    def core_x1(self) -> float:
        core = self.cells[: len(self.cells) - self.tentative]
        return max(c.x1 for c, _ in core)

    @property
    def x0(self) -> float:
        return self.cells[0][0].x0

    @property
    def x1(self) -> float:
        return max(c.x1 for c, _ in self.cells)


def _line_groups(row: list[Cell], page_width: float) -> list[_Group]:
    classified = _header_cells(row)
    if not classified:
        return []
    kinds = [k for _, k in classified]
    first_cell, first_kind = classified[0]
    if (
        "test" not in kinds
        and first_kind is None
        and _PLAIN_NAME.match(first_cell.text)
        and {"result", "measure"} & set(kinds[1:])
        and sum(k is not None for k in kinds[1:]) >= 2
    ):
        # "Microbial | Limit | Result | (P/F)": the first column names the tests
        classified[0] = (first_cell, "test")
    groups: list[list[tuple[Cell, ColumnKind | None]]] = []
    current: list[tuple[Cell, ColumnKind | None]] | None = None
    for cell, kind in classified:
        if kind == "test":
            current = [(cell, kind)]
            groups.append(current)
        elif current is not None:
            if _data_like(cell.text):
                # the header ends where data of another table begins: unnamed cells just
                # before it are that table's test names
                while len(current) > 1 and current[-1][1] is None:
                    current.pop()
                current = None
            else:
                current.append((cell, kind))
    out: list[_Group] = []
    for group in groups:
        tentative = 0
        while tentative < len(group) - 1 and group[len(group) - 1 - tentative][1] is None:
            tentative += 1
        kinds_in = [k for _, k in group]
        known = [k for k in kinds_in if k is not None]
        if len(known) < 2 or len(known) < 0.6 * len(group):
            continue
        if not ({"result", "spec", "spec_max", "spec_min", "measure"} & set(known)):
            continue
        x0 = group[0][0].x0
        x1 = max(c.x1 for c, _ in group)
        members = {id(c) for c, _ in group}
        left, right = -1e9, 1e9
        for cell, _ in classified:
            if id(cell) in members:
                continue
            if cell.x1 <= x0:
                left = max(left, (cell.x1 + x0) / 2)
            elif cell.x0 >= x1:
                right = min(right, (x1 + cell.x0) / 2)
        out.append(_Group(group, left, right, tentative))
    return out


def _in_region(row: list[Cell], left: float, right: float) -> list[Cell]:
    """The cells of a line inside a table's extent (cells crossing its edge are split)."""
    out: list[Cell] = []
    for cell in row:
        if cell.x1 <= left or cell.x0 >= right:
            continue
        if cell.x0 >= left and cell.x1 <= right:
            out.append(cell)
            continue
        words = tuple(w for w in cell.words if left <= w.center_x < right)
        if words:
            out.append(Cell(words, cell.line, cell.index))
    return out


def _similar_size(line: list[Cell], height: float) -> bool:
    """Header lines share a font size; a title over the table is larger."""
    sizes = sorted(w.height for c in line for w in c.words)
    return sizes[len(sizes) // 2] < 1.5 * height


def _close(upper_bottom: float, lower_top: float, height: float) -> bool:
    return lower_top - upper_bottom < height * 1.2


@dataclass(slots=True)
class Block:
    """A table header: its columns, the lines it spans and its horizontal extent."""

    columns: list[Column]
    first: int
    main: int
    last: int
    left: float
    right: float

    @property
    def x0(self) -> float:
        return self.columns[0].x0

    @property
    def x1(self) -> float:
        return self.columns[-1].x1


def _overlap_1d(a0: float, a1: float, b0: float, b1: float) -> float:
    return min(a1, b1) - max(a0, b0)


def _merge_block(
    lines: list[list[Cell]],
    main_at: int,
    main: list[tuple[Cell, ColumnKind | None]],
) -> list[Column]:
    """Columns of a header printed over several lines. The line with the most cells is the
    base; words of the other lines, nearest line first, join the column they stand over (a
    word over two columns, "Specification" over "Min" and "Max", joins both); cells over no
    column start columns of their own."""
    base_at = max(range(len(lines)), key=lambda i: (len(lines[i]), i == main_at))
    base = main if base_at == main_at else _header_cells(lines[base_at])
    names: list[list[Word]] = [list(cell.words) for cell, _ in base]
    spans = [(cell.x0, cell.x1) for cell, _ in base]
    base_kinds: list[ColumnKind | None] = [kind for _, kind in base]
    base_texts = [" ".join(w.text for w in cell.words) for cell, _ in base]
    seen = {id(w) for ws in names for w in ws}

    def place(line: list[Cell], before: bool) -> None:
        for cell in line:
            if all(id(w) in seen for w in cell.words):
                continue  # already a base cell (a name level with neither line)
            targets: list[list[int]] = []
            for word in cell.words:
                hits = [
                    i for i, (a, b) in enumerate(spans)
                    if _overlap_1d(word.x0, word.x1, a, b) > 0
                ]
                wide = [
                    i for i in hits
                    if _overlap_1d(word.x0, word.x1, *spans[i]) > 0.5 * (spans[i][1] - spans[i][0])
                ]
                if len(wide) > 1:
                    targets.append(wide)
                elif hits:
                    targets.append(
                        [max(hits, key=lambda i: _overlap_1d(word.x0, word.x1, *spans[i]))]
                    )
                else:
                    targets.append([])
            if not any(targets):
                names.append(list(cell.words))
                spans.append((cell.x0, cell.x1))
                base_kinds.append(None)
                base_texts.append("")
                continue
            # words over no column go with their neighbour ("All Uses" over "Limit")
            for k in range(len(targets)):
                if not targets[k]:
                    near = [t for t in targets[k - 1 :: -1] if t] if k else []
                    near = near or [t for t in targets[k + 1 :] if t]
                    targets[k] = near[0]
            for word, indices in zip(cell.words, targets, strict=True):
                for i in indices:
                    if before:
                        names[i].insert(sum(1 for w in names[i] if w.top <= word.top), word)
                    else:
                        names[i].append(word)

    order = sorted((i for i in range(len(lines)) if i != base_at), key=lambda i: abs(i - base_at))
    for i in order:
        place(lines[i], i < base_at)
    columns: list[Column] = []
    for i, words in enumerate(names):
        text = " ".join(w.text for w in words)
        kind = classify_header(text)
        if kind is None or (base_kinds[i] is not None and kind == "measure"):
            kind = base_kinds[i]
        columns.append(
            Column(kind or "other", text, min(w.x0 for w in words), max(w.x1 for w in words),
                   unit_hint=unit_of(text) or unit_of(base_texts[i]), named=kind is not None)
        )
    columns.sort(key=lambda c: c.x0)
    return columns


def _known(columns: list[Column]) -> int:
    return sum(1 for c in columns if c.named)


def _score(columns: list[Column]) -> tuple[int, int]:
    """Columns named, then columns named by words rather than by a unit alone."""
    return _known(columns), sum(1 for c in columns if c.named and c.kind != "measure")


def _valid(columns: list[Column]) -> bool:
    kinds = [c.kind for c in columns if c.named]
    return kinds.count("test") == 1 and bool(
        {"result", "spec", "spec_max", "spec_min", "measure"} & set(kinds)
    )


def _block_for(cells: PageCells, index: int, group: _Group) -> Block:
    """Grow a header group into the lines above and below that hold more of its names."""
    rows = cells.rows
    main_cells = [c for c, _ in group.cells]
    height = max(max(c.bottom for c in main_cells) - min(c.top for c in main_cells), 4.0)
    left, right = group.left, group.right
    above: list[list[Cell]] = []
    top = min(c.top for c in main_cells)
    for j in range(index - 1, max(-1, index - 3), -1):
        line = _in_region(rows[j], left, right)
        if not line or not _close(max(c.bottom for c in line), top, height):
            break
        if not _similar_size(line, height):
            break
        if not all(classify_header(c.text) is not None or _HEADERISH.match(c.text) for c in line):
            break
        if len(_line_groups(line, cells.page.width)) > 0:
            break  # a header of its own
        above.insert(0, line)
        top = min(c.top for c in line)
    below: list[list[Cell]] = []
    bottom = max(c.bottom for c in main_cells)
    for j in range(index + 1, min(len(rows), index + 3)):
        line = _in_region(rows[j], left, right)
        if not line or not _close(bottom, min(c.top for c in line), height):
            break
        if not _similar_size(line, height):
            break
        if not all(
            (classify_header(c.text) is not None and not _data_like(c.text))
            or _is_measure(c.text)
            or (_UNIT_TOKEN.match(c.text) is not None and len(c.words) <= 2)
            for c in line
        ):
            break
        below.append(line)
        bottom = max(c.bottom for c in line)
    main_line = [c for c, _ in group.cells]
    best = _merge_block([main_line], 0, group.cells)
    best_span = (index, index)
    stacked = rules.enabled("stacked_headers")
    for n_above in range(len(above) + 1 if stacked else 1):
        for n_below in range(len(below) + 1 if stacked else 1):
            if n_above == n_below == 0:
                continue
            chosen = [*above[len(above) - n_above :], main_line, *below[:n_below]]
            merged = _merge_block(chosen, n_above, group.cells)
            if not _valid(merged):
                continue
            # a name split over more lines is read whole: lines below (units) are taken when
            # they do not make it worse, lines above only when they name more columns
            score, best_score = _score(merged), _score(best)
            if score > best_score or (
                score == best_score and n_above <= index - best_span[0]
            ):
                best, best_span = merged, (index - n_above, index + n_below)
    if group.tentative:
        first_tentative = group.cells[len(group.cells) - group.tentative][0]
        if not any(c.named for c in best if c.x1 > first_tentative.x0):
            # the unnamed cells at the end of the line are not this table's
            core = _Group(
                group.cells[: len(group.cells) - group.tentative],
                group.left,
                min(group.right, (group.core_x1 + first_tentative.x0) / 2),
            )
            return _block_for(cells, index, core)
    _choose_result(best)
    # the table reaches a little past its last column, never into a neighbour's cells
    pitch = (best[-1].x1 - best[0].x0) / max(len(best) - 1, 1)
    right = min(right, best[-1].x1 + max(2 * height, 0.6 * pitch))
    return Block(best, best_span[0], index, best_span[1], left, right)


def _choose_result(columns: list[Column]) -> None:
    """One result column: the first named Result/Value/Amount, else the first named only by
    a unit; further candidates (the same results in another unit, mg/g beside %) are kept
    as "other"."""
    candidates = [c for c in columns if c.kind == "result"] + [
        c for c in columns if c.kind == "measure"
    ]
    for column in candidates[1:]:
        column.kind = "other"
        column.alternative = True
    if candidates:
        candidates[0].kind = "result"


def find_headers(cells: PageCells) -> list[Block]:
    """Every table header on the page, top to bottom."""
    blocks: list[Block] = []
    used: set[tuple[int, int]] = set()  # (line, rounded x0) of header lines' cells
    rows = cells.rows
    found: list[tuple[int, _Group]] = []
    for index, row in enumerate(rows):
        if not row:
            continue
        groups = _line_groups(row, cells.page.width) if len(row) >= 2 else []
        if not groups and not any(classify_header(c.text) == "test" for c in row):
            # "Analyte" printed between two header lines, level with neither
            for j in (index + 1, index - 1):
                if not 0 <= j < len(rows) or not rows[j]:
                    continue
                if all(classify_header(c.text) == "test" for c in rows[j]) and _close(
                    min(rows[j][0].bottom, row[0].bottom),
                    max(rows[j][0].top, row[0].top),
                    row[0].bottom - row[0].top,
                ):
                    groups = _line_groups(
                        sorted([*row, *rows[j]], key=lambda c: c.x0), cells.page.width
                    )
                    if groups:
                        break
        found.extend((index, group) for group in groups)
    # tables side by side, their headers on different lines: each reaches to midway
    # between them (headers within three lines of each other are side by side even when
    # one's unit cells run under the other's)
    spans = {id(g): [(c.x0, c.x1) for c, _ in g.cells] for _, g in found}
    for line_g, g in found:
        for line_h, h in found:
            if h is g:
                continue
            near = abs(line_g - line_h) <= 3
            if h.x0 > g.x0 and (h.x0 >= g.core_x1 or near):
                ends = [x1 for x0, x1 in spans[id(g)] if x1 <= h.x0]
                if ends:
                    g.right = min(g.right, (max(ends) + h.x0) / 2)
            elif h.x0 < g.x0 and (h.core_x1 <= g.x0 or near):
                ends = [x1 for x0, x1 in spans[id(h)] if x1 <= g.x0]
                if ends:
                    g.left = max(g.left, (max(ends) + g.x0) / 2)
        kept = [(c, k) for c, k in g.cells if c.x0 < g.right]
        g.tentative = max(0, g.tentative - (len(g.cells) - len(kept)))
        g.cells = kept
    for index, group in found:
        if (group.cells[0][0].line, round(group.x0)) in used:
            continue
        group.cells = [(c, k) for c, k in group.cells if (c.line, round(c.x0)) not in used]
        if len(group.cells) < 2:
            continue
        block = _block_for(cells, index, group)
        for line in range(block.first, block.last + 1):
            for cell in _in_region(cells.rows[line], block.left, block.right):
                used.add((line, round(cell.x0)))
                for word in cell.words:
                    used.add((line, round(word.x0)))
        for cell, _ in group.cells:
            used.add((cell.line, round(cell.x0)))
        blocks.append(block)
    # tables side by side: each reaches to midway between their headers
    for a in blocks:
        for b in blocks:
            if a is not b and a.x1 <= b.x0:
                middle = (a.x1 + b.x0) / 2
                a.right = min(a.right, middle)
                b.left = max(b.left, middle)
    for block in blocks:
        columns = block.columns
        for i, column in enumerate(columns):
            column.left = (columns[i - 1].x1 + column.x0) / 2 if i else block.left
            column.right = (column.x1 + columns[i + 1].x0) / 2 if i + 1 < len(columns) else block.right
    return blocks


def _overlap(x0: float, x1: float, column: Column) -> float:
    return min(x1, column.right) - max(x0, column.left)


def _assign(cells: list[Cell], columns: list[Column]) -> dict[int, list[Word]]:
    out: dict[int, list[Word]] = {}
    lo, hi = columns[0].left, columns[-1].right
    for cell in cells:
        width = max(cell.x1 - cell.x0, 1e-6)
        spans = [c for c in columns if _overlap(cell.x0, cell.x1, c) > 0.3 * width]
        # a cell reaching well into two columns is two values printed close together
        pieces = [(w.x0, w.x1, (w,)) for w in cell.words] if len(spans) > 1 else [
            (cell.x0, cell.x1, cell.words)
        ]
        for x0, x1, words in pieces:
            centre = (x0 + x1) / 2
            if not lo <= centre < hi:
                continue
            best = max(range(len(columns)), key=lambda i: _overlap(x0, x1, columns[i]))
            out.setdefault(best, []).extend(words)
    return out


def _is_paragraph(row: list[Cell], columns: list[Column]) -> bool:
    table_width = max(c.x1 for c in columns) - min(c.x0 for c in columns)
    widest = max(row, key=lambda c: c.x1 - c.x0)
    spanned = sum(1 for c in columns if widest.x0 < c.x0 and c.x1 < widest.x1)
    return len(widest.words) >= 6 and (spanned >= 2 or widest.x1 - widest.x0 > 0.7 * table_width)


_RESULT_LIKE = re.compile(
    r"^(?:[<>≤≥~]?\s*[-+]?(?:\d[\d,]*\.?\d*|\.\d+)(?:\s*[eE]\s*[-+]?\d+)?\s*(?:%|[a-zµμ/]{1,8})?|"
    r"nd|n\.d\.?|not\s+detected|none\s+detected|<\s*l{1,2}o[dq]|bl[oq]q?|bql|absent|"
    r"negative|positive|detected|trace)$",
    re.IGNORECASE,
)


_VERDICT = re.compile(
    r"^(?:pass(?:ed)?|fail(?:ed)?|complies|conforms?|ok|tested|not\s+tested)$", re.IGNORECASE
)


def _column_values(rows: list[RawRow], index: int) -> list[str]:
    return [" ".join(w.text for w in row.parts[index]).strip() for row in rows if index in row.parts]


def _results_from_data(columns: list[Column], rows: list[RawRow]) -> None:
    """Correct the result column from what its cells hold.

    No column is named as the result: the result is the column (named as a unit or status
    column, or not named at all) whose cells are numbers or "ND" in most rows. A column
    named Result that holds only verdicts (Pass/Fail) while another result column, or an
    unnamed one, holds the measured values: that one is the result and the first the status.
    """
    if not rows:
        return
    current = next((i for i, c in enumerate(columns) if c.kind == "result"), None)
    if current is not None:
        values = _column_values(rows, current)
        if not values or sum(1 for v in values if _VERDICT.match(v)) < 0.6 * len(values):
            return
    best: tuple[int, int] | None = None
    for i, column in enumerate(columns):
        if i == current or column.kind == "test":
            continue
        if current is None:
            if column.kind not in ("unit", "status") and column.named:
                continue
        elif not (column.alternative or not column.named):
            continue
        values = _column_values(rows, i)
        like = sum(1 for v in values if _RESULT_LIKE.match(v))
        if values and like >= max(1, 0.6 * len(values)) and (best is None or like > best[1]):
            best = (i, like)
    if best is None:
        return
    if current is not None:
        has_status = any(c.kind == "status" for c in columns)
        columns[current].kind = "other" if has_status else "status"
    columns[best[0]].kind = "result"


def read_tables(cells: PageCells) -> list[RawRow]:
    rows: list[RawRow] = []
    blocks = find_headers(cells)
    total = len(cells.rows)
    for block in blocks:
        columns = block.columns
        stop = min(
            (
                b.first for b in blocks
                if b is not block and b.first > block.last
                and _overlap_1d(b.x0, b.x1, block.x0, block.x1) > 0
            ),
            default=total,
        )
        header_row = cells.rows[block.last]
        bottom = max(c.bottom for c in header_row)
        height = max(max(c.bottom - c.top for c in cells.rows[block.main]), 5.0)
        table: list[RawRow] = []
        previous: RawRow | None = None
        pending: tuple[int, list[Word]] | None = None  # a test name's first line
        row_gaps: list[float] = []
        wrapping = rules.enabled("wrapped_rows")
        index = block.last + 1
        while index < stop:
            row = _in_region(cells.rows[index], block.left, block.right)
            index += 1
            if not row:
                continue
            if row[0].top - bottom > height * 4 or _END.match(row[0].text):
                break
            if _is_paragraph(row, columns):
                break  # a footnote or paragraph under the table
            gap = row[0].top - bottom  # from the line above
            bottom = max(c.bottom for c in row)
            assigned = _assign(row, columns)
            if not assigned:
                continue
            test_index = [i for i in assigned if columns[i].kind == "test"]
            others = {i: w for i, w in assigned.items() if columns[i].kind != "test"}
            if not test_index and previous is not None:
                for i, words in others.items():  # wrapped text of the row above
                    previous.parts.setdefault(i, []).extend(words)
                continue
            # a cell's lines sit closer together than the table's rows do
            tight = bool(row_gaps) and gap < 0.5 * statistics.median(row_gaps)
            if test_index and not others:
                if wrapping and tight and previous is not None:
                    previous.parts.setdefault(test_index[0], []).extend(assigned[test_index[0]])
                    continue
                previous = None  # a section heading inside the table ...
                pending = (test_index[0], assigned[test_index[0]]) if wrapping else None
                continue  # ... or the first line of a test name whose values are on the next
            if not test_index:
                previous = pending = None
                continue
            parts = dict(assigned)
            if pending is not None and pending[0] == test_index[0] and tight:
                parts[test_index[0]] = [*pending[1], *parts[test_index[0]]]
            pending = None
            if not tight:
                row_gaps.append(gap)
            raw = RawRow(parts=parts, columns=columns)
            table.append(raw)
            previous = raw
        if rules.enabled("results_from_data"):
            _results_from_data(columns, table)
        rows.extend(table)
    return rows
