"""Group words into lines by vertical overlap."""

from __future__ import annotations

from collections.abc import Sequence

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
    lines = [Line(tuple(sorted(row, key=lambda w: w.x0))) for row in rows]
    lines.sort(key=lambda line: (line.top, line.x0))
    return lines


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
