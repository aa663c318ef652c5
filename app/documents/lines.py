"""Group words into lines by vertical overlap."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence

import wordninja  # type: ignore[import-untyped]

from app.documents import rules
from app.documents.model import Line, Word


def group_lines(words: Sequence[Word]) -> list[Line]:
    """Return lines top to bottom; a word joins a line when it overlaps its middle band."""
    ordered = sorted(words, key=lambda w: ((w.top + w.bottom) / 2, w.x0))
    rows: list[list[Word]] = []
    centers: list[float] = []
    heights: list[float] = []
    for word in ordered:
        mid = (word.top + word.bottom) / 2
        placed = False
        # only the last few rows can still overlap: words are sorted by centre
        for i in range(len(rows) - 1, max(-1, len(rows) - 4), -1):
            tolerance = max(min(heights[i], word.height) * 0.5, 1.0)
            if abs(centers[i] - mid) <= tolerance:
                rows[i].append(word)
                n = len(rows[i])
                centers[i] = centers[i] + (mid - centers[i]) / n
                heights[i] = max(heights[i], word.height)
                placed = True
                break
        if not placed:
            rows.append([word])
            centers.append(mid)
            heights.append(word.height)
    lines = [
        Line(tuple(split_run_together(join_letter_spacing(sorted(row, key=lambda w: w.x0)))))
        for row in rows
    ]
    lines.sort(key=lambda line: (line.top, line.x0))
    return lines


def join_letter_spacing(words: Sequence[Word]) -> list[Word]:
    """Letter-spaced text ("C O C O N U T  W A T E R") read as one letter a word: a run of at
    least three single letters, each closer to the next than half the letter height, becomes
    one word; within the run a gap twice the usual one still separates words."""
    if not rules.enabled("letter_spacing"):
        return list(words)
    out: list[Word] = []
    run: list[Word] = []

    def close() -> bool:
        return (len(run) >= 2 and run[-1].text.isalpha() and len(run[-1].text) == 1
                and run[-1].x0 - run[-2].x1 <= 0.5 * max(run[-1].height, run[-2].height))

    def flush() -> None:
        if len(run) < 3:
            out.extend(run)
        else:
            gaps = sorted(b.x0 - a.x1 for a, b in itertools.pairwise(run))
            usual = max(gaps[len(gaps) // 2], 0.5)
            piece = [run[0]]
            for a, b in itertools.pairwise(run):
                if b.x0 - a.x1 > 2 * usual:
                    out.append(_merge(piece))
                    piece = []
                piece.append(b)
            out.append(_merge(piece))
        run.clear()

    for word in words:
        if len(word.text) == 1 and word.text.isalpha():
            run.append(word)
            if len(run) >= 2 and not close():
                last = run.pop()
                flush()
                run.append(last)
            continue
        flush()
        out.append(word)
    flush()
    return out


def split_run_together(words: Sequence[Word]) -> list[Word]:
    """Words printed without spaces ("COCONUTWATERFLAVOUR", a text layer that positions words
    without space characters) split into the common English words they are made of. Only a
    long token of one case that is not itself a word, and only when every part is a common
    word (one of the 30,000 most frequent) of four letters or more, or a short joining word
    ("with", "of"): "DIMETHYLSILOXANE" and "chloroformate" (not "chloroform ate") stay."""
    if not rules.enabled("run_together"):
        return list(words)
    out: list[Word] = []
    for word in words:
        parts = _english_parts(word.text)
        if parts is None:
            out.append(word)
            continue
        width = (word.x1 - word.x0) / len(word.text)
        start = 0
        for part in parts:
            out.append(Word(part, word.x0 + start * width, word.top,
                            word.x0 + (start + len(part)) * width, word.bottom,
                            word.confidence, word.method, word.page))
            start += len(part)
    return out


_RUN_TOGETHER = re.compile(r"[A-Z]{12,}|[a-z]{12,}")
_COMMON_RANK = 30_000
_JOINING = frozenset({"of", "and", "with", "for", "the", "in", "on", "to", "by", "per", "no"})


def _english_parts(text: str) -> list[str] | None:
    if not _RUN_TOGETHER.fullmatch(text):
        return None
    model = wordninja.DEFAULT_LANGUAGE_MODEL
    costs: dict[str, float] = model._wordcost
    lower = text.lower()
    if lower in costs:
        return None
    parts: list[str] = model.split(lower)
    # wordninja's cost of a word is log(rank * log(vocabulary size))
    common = math.log(_COMMON_RANK * math.log(len(costs)))
    if len(parts) < 2 or any(
        (len(p) < 4 and p not in _JOINING) or costs.get(p, math.inf) > common for p in parts
    ):
        return None
    out: list[str] = []
    start = 0
    for part in parts:
        out.append(text[start:start + len(part)])
        start += len(part)
    return out


def _merge(words: list[Word]) -> Word:
    if len(words) == 1:
        return words[0]
    first = words[0]
    return Word("".join(w.text for w in words), first.x0, min(w.top for w in words),
                words[-1].x1, max(w.bottom for w in words), min(w.confidence for w in words),
                first.method, first.page)


def split_segments(line: Line, gap_factor: float = 1.2) -> list[Line]:
    """Split a line into cells where the horizontal gap between words is wide.

    A gap wider than ``gap_factor`` times the line's text height separates table cells or a
    label from a far-away value; ordinary spaces are about a third of the height.
    """
    if not line.words:
        return []
    height = max(sorted(w.height for w in line.words)[len(line.words) // 2], 1.0)
    segments: list[list[Word]] = [[line.words[0]]]
    for prev, word in zip(line.words, line.words[1:], strict=False):
        if word.x0 - prev.x1 > gap_factor * height:
            segments.append([word])
        else:
            segments[-1].append(word)
    return [Line(tuple(seg)) for seg in segments]
