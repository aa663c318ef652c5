"""Words with coordinates from a PDF's text layer.

PDFium's text API is used rather than pdfminer/pdfplumber: on dense data sheets pdfminer
parses about 4 pages a second in pure Python, PDFium over 50 (see docs/extraction.md).
Characters are read one by one with their boxes and joined into words at whitespace,
at gaps wider than a fraction of the font size, and at baseline changes.
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass
from typing import Any

import pypdfium2.raw as pdfium_c

from app.documents.model import Word

_LIGATURES = {"ﬁ": "fi", "ﬂ": "fl", "ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
_GAP_FACTOR = 0.3  # a gap wider than this share of the character height starts a new word
_SOFT_GAP_FACTOR = 0.2  # ... or this share where PDFium generated a space
_SOFT = "soft"
# Some fonts declare an ascent/descent far beyond their glyphs, so the loose box of a 7 pt
# character is 16 pt tall and neighbouring lines overlap. A loose box taller than this many
# times the font size is cut to the usual span around the baseline.
_TALL_BOX = 1.6
_ASCENT, _DESCENT = 0.9, 0.25


@dataclass(slots=True)
class _Char:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(frozen=True, slots=True)
class TextLayer:
    words: list[Word]
    unicode_map_errors: int  # characters whose font had no usable Unicode mapping
    chars: int


class _Transform:
    """PDF user space (origin bottom left) to the displayed page (origin top left)."""

    def __init__(self, page: Any) -> None:
        x0, y0, x1, y1 = (float(v) for v in page.get_cropbox())
        self.x0, self.y0, self.x1, self.y1 = x0, y0, x1, y1
        self.rotation = int(page.get_rotation()) % 360

    def box(self, left: float, right: float, bottom: float, top: float) -> tuple[float, ...]:
        points = [self.point(x, y) for x in (left, right) for y in (bottom, top)]
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        return min(xs), min(ys), max(xs), max(ys)

    def point(self, x: float, y: float) -> tuple[float, float]:
        if self.rotation == 90:
            return y - self.y0, x - self.x0
        if self.rotation == 180:
            return self.x1 - x, y - self.y0
        if self.rotation == 270:
            return self.y1 - y, self.x1 - x
        return x - self.x0, self.y1 - y


def read_text_layer(page: Any, number: int) -> TextLayer:
    """Words of one pypdfium2 page, in points from the top left of the displayed page."""
    textpage = page.get_textpage()
    try:
        return _read(textpage.raw, _Transform(page), number)
    finally:
        textpage.close()


def _read(handle: Any, transform: _Transform, number: int) -> TextLayer:
    count = pdfium_c.FPDFText_CountChars(handle)
    rect = pdfium_c.FS_RECTF()
    matrix = pdfium_c.FS_MATRIX()
    origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
    # None marks a break (whitespace or skipped glyph); _SOFT a space PDFium generated
    chars: list[_Char | str | None] = []
    angles: dict[int, int] = {}
    char_angles: list[int] = []
    map_errors = 0
    for index in range(count):
        code = pdfium_c.FPDFText_GetUnicode(handle, index)
        if pdfium_c.FPDFText_HasUnicodeMapError(handle, index) == 1:
            map_errors += 1
        text = chr(code) if 0 < code < 0x110000 else ""
        if code in (0x02, 0xFFFE):
            text = "-"  # PDFium's mark for a hyphen that ends a line ("AMMONIA-" / "D")
        if not text or text.isspace() or code == 0xFFFF or (code < 0x20 and text != "-"):
            generated = pdfium_c.FPDFText_IsGenerated(handle, index) == 1
            chars.append(_SOFT if generated and text == " " else None)
            char_angles.append(0)
            continue
        # the loose box spans the font's advance and ascent/descent: tight ink boxes make
        # narrow glyphs like "1" look like separate words and drop "." below the line
        ok = pdfium_c.FPDFText_GetLooseCharBox(handle, index, ctypes.byref(rect))
        if not ok or rect.right <= rect.left or rect.top == rect.bottom:
            previous = chars[-1] if chars else None
            if text == "-" and isinstance(previous, _Char):
                # the line-end hyphen often has no box: it follows the last letter
                chars.append(_Char("-", previous.x1, previous.top, previous.x1 + 1.0,
                                   previous.bottom))
                char_angles.append(char_angles[-1])
                continue
            chars.append(None)
            char_angles.append(0)
            continue
        bottom, top = min(rect.bottom, rect.top), max(rect.bottom, rect.top)
        size = pdfium_c.FPDFText_GetFontSize(handle, index)
        # the matrix is only asked for when the box looks too tall for the Tf size
        if (
            top - bottom > _TALL_BOX * size > 0
            and pdfium_c.FPDFText_GetMatrix(handle, index, ctypes.byref(matrix))
        ):
            # the font size in points: Tf size times the vertical scale of the text matrix
            size *= math.hypot(matrix.c, matrix.d)
            if (
                top - bottom > _TALL_BOX * size > 0
                and abs(matrix.b) < 1e-6
                and abs(matrix.c) < 1e-6
                and pdfium_c.FPDFText_GetCharOrigin(
                    handle, index, ctypes.byref(origin_x), ctypes.byref(origin_y)
                )
            ):
                baseline = origin_y.value
                sign = 1.0 if matrix.d > 0 else -1.0
                ends = (baseline - sign * _DESCENT * size, baseline + sign * _ASCENT * size)
                bottom, top = min(ends), max(ends)
        angle = round(math.degrees(pdfium_c.FPDFText_GetCharAngle(handle, index))) % 360
        bucket = (angle + 5) // 10 % 36
        angles[bucket] = angles.get(bucket, 0) + 1
        char_angles.append(bucket)
        x0, y0, x1, y1 = transform.box(rect.left, rect.right, bottom, top)
        chars.append(_Char(_LIGATURES.get(text, text), x0, y0, x1, y1))
    dominant = max(angles, key=lambda k: angles[k]) if angles else 0
    words = _join_words(
        [
            c if not isinstance(c, _Char) or char_angles[i] == dominant else None
            for i, c in enumerate(chars)
        ],
        number,
    )
    return TextLayer(words=words, unicode_map_errors=map_errors, chars=count)


def _join_words(chars: list[_Char | str | None], number: int) -> list[Word]:
    words: list[Word] = []
    current: list[_Char] = []
    soft = False

    def flush() -> None:
        if current:
            words.append(
                Word(
                    text="".join(c.text for c in current),
                    x0=min(c.x0 for c in current),
                    top=min(c.top for c in current),
                    x1=max(c.x1 for c in current),
                    bottom=max(c.bottom for c in current),
                    confidence=1.0,
                    method="text",
                    page=number,
                )
            )
            current.clear()

    for char in chars:
        if char is None:
            flush()
            soft = False
            continue
        if isinstance(char, str):
            soft = True
            continue
        if current:
            prev = current[-1]
            height = max(prev.bottom - prev.top, char.bottom - char.top, 1.0)
            prev_mid = (prev.top + prev.bottom) / 2
            mid = (char.top + char.bottom) / 2
            gap = char.x0 - prev.x1
            # PDFium also "generates" spaces inside letter-spaced words ("S A M P L E"):
            # believe a generated space only where there is a gap to match
            limit = _SOFT_GAP_FACTOR if soft else _GAP_FACTOR
            if gap > limit * height or gap < -height or abs(mid - prev_mid) > height * 0.6:
                flush()
        soft = False
        current.append(char)
    flush()
    return words
