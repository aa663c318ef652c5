"""The uniform page/word model that text-layer reading and OCR both produce.

Coordinates are PDF points with the origin at the top left of the page as displayed
(x grows right, y grows down), the same convention as pdfplumber's ``top``/``bottom``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

Method = Literal["text", "ocr"]
BBox = tuple[float, float, float, float]  # x0, top, x1, bottom


def union_bbox(boxes: Iterable[BBox]) -> BBox:
    items = list(boxes)
    if not items:
        return (0.0, 0.0, 0.0, 0.0)
    return (
        min(b[0] for b in items),
        min(b[1] for b in items),
        max(b[2] for b in items),
        max(b[3] for b in items),
    )


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float  # 0..1; 1.0 for the text layer
    method: Method
    page: int  # 1-based

    @property
    def bbox(self) -> BBox:
        return (self.x0, self.top, self.x1, self.bottom)

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def center_x(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass(frozen=True, slots=True)
class Line:
    """Words that share a baseline, left to right."""

    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def bbox(self) -> BBox:
        return union_bbox(w.bbox for w in self.words)

    @property
    def page(self) -> int:
        return self.words[0].page

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass(slots=True)
class Page:
    number: int  # 1-based
    width: float  # points
    height: float
    method: Method
    words: list[Word] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    rotation: int = 0  # degrees the scan was turned to read it upright (OCR only)
    skew: float = 0.0  # small-angle correction applied before OCR, degrees
    mean_confidence: float = 1.0
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass(slots=True)
class Document:
    filename: str
    kind: Literal["pdf", "image"]
    pages: list[Page]

    def all_lines(self) -> list[Line]:
        return [line for page in self.pages for line in page.lines]

    def page_lines(self, numbers: Sequence[int]) -> list[Line]:
        wanted = set(numbers)
        return [line for page in self.pages if page.number in wanted for line in page.lines]
