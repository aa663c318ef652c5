"""The uniform page/word model that text-layer reading and OCR both produce.

Coordinates are PDF points with the origin at the top left of the page as displayed
(x grows right, y grows down), the same convention as pdfplumber's ``top``/``bottom``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
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


@dataclass(frozen=True, slots=True)
class PageFrame:
    """How an OCR'd page's words relate to the page as stored.

    Words of OCR'd pages are kept upright and deskewed, so lines and tables line up; this
    maps their boxes back onto the stored page for provenance. The image was turned
    ``quarter_turns`` times counter-clockwise, then by ``skew`` degrees counter-clockwise about
    its centre (PIL's convention, y down).
    """

    width_px: int  # the stored page's image
    height_px: int
    quarter_turns: int
    skew: float
    points_per_pixel: float

    def pixel_to_source(self, x: float, y: float) -> tuple[float, float]:
        turned_w, turned_h = (
            (self.width_px, self.height_px)
            if self.quarter_turns % 2 == 0
            else (self.height_px, self.width_px)
        )
        if self.skew:
            cx, cy = turned_w / 2, turned_h / 2
            a = math.radians(self.skew)
            dx, dy = x - cx, y - cy
            x = cx + dx * math.cos(a) - dy * math.sin(a)
            y = cy + dx * math.sin(a) + dy * math.cos(a)
        for _ in range(self.quarter_turns % 4):
            # undo one counter-clockwise quarter turn of an image `turned_w` wide
            x, y = turned_h - y, x
            turned_w, turned_h = turned_h, turned_w
        return x, y

    def to_source(self, box: BBox) -> BBox:
        """A box in upright-frame points to a box in stored-page points."""
        k = self.points_per_pixel
        corners = [
            self.pixel_to_source(x / k, y / k) for x in (box[0], box[2]) for y in (box[1], box[3])
        ]
        xs = [c[0] * k for c in corners]
        ys = [c[1] * k for c in corners]
        return (min(xs), min(ys), max(xs), max(ys))


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
    frame: PageFrame | None = None  # OCR pages: maps word boxes back to the stored page

    def source_bbox(self, box: BBox) -> BBox:
        return self.frame.to_source(box) if self.frame is not None else box

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
