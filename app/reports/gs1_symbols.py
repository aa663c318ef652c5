"""GS1-128 and GS1 DataMatrix symbols drawn on a reportlab canvas as vector modules.

zxing-cpp encodes (its writer is zint, with GS1 syntax checks: AIs, lengths, check digits, FNC1
where a variable-length field ends); reportlab draws each module as a filled rectangle, so the
print is as sharp as the printer. reportlab's own Code128 takes FNC1 but not GS1's rules, and
its DataMatrix cannot carry FNC1 at all."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import zxingcpp
from reportlab.pdfgen.canvas import Canvas


class LabelDataError(ValueError):
    """The data cannot be a GS1 element string (a wrong GTIN check digit, a lot too long)."""


@dataclass(frozen=True)
class Symbol:
    modules: np.ndarray  # rows × columns, True = dark
    element_string: str  # "(01)…(10)…", what it encodes

    @property
    def width(self) -> int:
        return int(self.modules.shape[1])


def _encode(element_string: str, fmt: zxingcpp.BarcodeFormat) -> Symbol:
    try:
        barcode = zxingcpp.create_barcode(element_string, fmt, gs1=True)
    except ValueError as exc:  # zint's message names the AI and what is wrong with it
        raise LabelDataError(f"{element_string}: {exc}") from exc
    image = np.asarray(zxingcpp.write_barcode_to_image(barcode, scale=1, add_quiet_zones=False))
    return Symbol(image < 128, element_string)


def gs1_128(element_string: str) -> Symbol:
    symbol = _encode(element_string, zxingcpp.BarcodeFormat.Code128)
    return Symbol(symbol.modules[:1], element_string)  # a linear symbol: one row says it all


def gs1_datamatrix(element_string: str) -> Symbol:
    return _encode(element_string, zxingcpp.BarcodeFormat.DataMatrix)


def draw(canvas: Canvas, symbol: Symbol, x: float, y: float, module: float,
         height: float | None = None) -> None:
    """Draw with its bottom-left at (x, y); `module` is the X-dimension in points. A linear
    symbol is `height` tall; a matrix is square modules. Adjacent dark modules of a row are one
    rectangle (fewer, cleaner paths)."""
    rows = symbol.modules.shape[0]
    bar_height = height if height is not None and rows == 1 else module
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    for r in range(rows):
        row = symbol.modules[r]
        top = y + (rows - 1 - r) * bar_height
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            canvas.rect(x + start * module, top, (c - start) * module, bar_height, stroke=0,
                        fill=1)
    canvas.restoreState()
