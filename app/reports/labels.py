"""Labels for a label printer, one per page: a lot's GS1 label, a pallet's SSCC label and the
status labels (QUARANTINE, ON HOLD, REJECTED) for stock that must not move.

Laid out from what the database kept when the label was printed (quality.print_label), so a
reprint is the same label. Each GS1 element string is drawn as GS1-128 bars — split over several
bars where one would not fit the label at a scannable X-dimension — and once whole as a GS1
DataMatrix; the human-readable text of every bar is printed under it."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib.units import inch, mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from app.reports import gs1_symbols
from app.reports.gs1_symbols import LabelDataError

SIZES: dict[str, tuple[float, float]] = {
    "4x6": (4 * inch, 6 * inch),
    "100x150": (100 * mm, 150 * mm),
}
MARGIN = 4 * mm
# GS1-128's X-dimension: drawn at GS1's target of 0.495 mm where a bar fits the label, and
# the AIs packed into as few bars as fit at 0.33 mm (which any warehouse scanner reads; GS1's
# minimum is 0.25 mm, the least a long lot code may be squeezed to).
X_TARGET = 0.495 * mm
X_PACK = 0.33 * mm
X_MIN = 0.25 * mm
QUIET = 10  # modules of quiet zone each side of a GS1-128 bar
BAR_HEIGHT = 15 * mm
BAR_MIN_HEIGHT = 9 * mm
BAR_GAP = 3 * mm
HRI_LINE = 10  # points: the human-readable text under a bar
DATAMATRIX_SIDE = 24 * mm
_SEGMENT = re.compile(r"\((\d{2,4})\)([^(]+)")


@dataclass(frozen=True)
class PrintedLabel:
    id: int
    printed_at: dt.datetime
    content: dict[str, Any]


def segments(element_string: str) -> list[str]:
    """"(01)…(10)…" → ["(01)…", "(10)…"]."""
    found = [f"({ai}){value}" for ai, value in _SEGMENT.findall(element_string)]
    if "".join(found) != element_string:
        raise LabelDataError(f"not a GS1 element string in (AI)value form: {element_string}")
    return found


def bars(element_string: str, width: float) -> list[tuple[gs1_symbols.Symbol, float]]:
    """The GS1-128 bars that carry `element_string` within `width` points: as few as fit at the
    target X-dimension, keeping the AIs in order, each with the X-dimension it is drawn at."""
    parts = segments(element_string)
    out: list[tuple[gs1_symbols.Symbol, float]] = []
    current: list[str] = []
    for part in parts:
        trial = gs1_symbols.gs1_128("".join([*current, part]))
        if current and (trial.width + 2 * QUIET) * X_PACK > width:
            out.append(_fitted("".join(current), width))
            current = [part]
        else:
            current.append(part)
    out.append(_fitted("".join(current), width))
    return out


def _fitted(element_string: str, width: float) -> tuple[gs1_symbols.Symbol, float]:
    symbol = gs1_symbols.gs1_128(element_string)
    x = min(X_TARGET, width / (symbol.width + 2 * QUIET))
    if x < X_MIN:
        raise LabelDataError(
            f"{element_string} is too long for one bar on this label (it would need modules of "
            f"{x / mm:.2f} mm; scanners need at least {X_MIN / mm:.2f} mm): shorten the lot code")
    return symbol, x


def render(labels: Sequence[PrintedLabel]) -> bytes:
    """One page per label, each at its own size."""
    if not labels:
        raise LabelDataError("no label to print")
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=SIZES[labels[0].content["size"]])
    canvas.setTitle("Lotproof labels")
    canvas.setAuthor("Lotproof")
    for label in labels:
        content = label.content
        canvas.setPageSize(SIZES[content["size"]])
        _PAGES[content["kind"]](canvas, label)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# ---------------------------------------------------------------- page parts
def _date(value: object) -> str:
    if not value:
        return "—"
    day = dt.date.fromisoformat(str(value)[:10])
    return f"{day:%d %b %Y}".upper()


def _text(canvas: Canvas, x: float, y: float, text: str, size: float, *, bold: bool = False,
          width: float | None = None, max_lines: int = 3) -> float:
    """Draw `text` (wrapped to `width`) with its first baseline at y; the y below it."""
    font = "Helvetica-Bold" if bold else "Helvetica"
    canvas.setFont(font, size)
    lines = simpleSplit(text, font, size, width) if width else [text]
    for line in lines[:max_lines]:
        canvas.drawString(x, y, line)
        y -= size * 1.2
    return y


def _field(canvas: Canvas, x: float, y: float, label: str, value: str, width: float) -> float:
    canvas.setFont("Helvetica", 7)
    canvas.drawString(x, y, label.upper())
    return _text(canvas, x, y - 13, value, 12, bold=True, width=width, max_lines=2) - 2


def _rule(canvas: Canvas, y: float, page_width: float) -> None:
    canvas.setLineWidth(0.8)
    canvas.line(MARGIN, y, page_width - MARGIN, y)


def _bars(canvas: Canvas, strings: Sequence[str], page_width: float, top: float,
          bottom: float) -> None:
    """GS1-128 bars in the order of `strings`, each over its human-readable text, filling the
    space between `top` and `bottom` (bars shortened, never overlapped, when space is short)."""
    width = page_width - 2 * MARGIN
    drawn = [b for s in strings for b in bars(s, width)]
    room = (top - bottom) / len(drawn) - BAR_GAP - HRI_LINE
    if room < BAR_MIN_HEIGHT:
        raise LabelDataError(f"{len(drawn)} bars do not fit this label: choose the larger size")
    height = min(BAR_HEIGHT, room)
    y = bottom
    for symbol, x_dim in reversed(drawn):
        canvas.setFont("Helvetica", 8)
        canvas.drawCentredString(page_width / 2, y + 1, symbol.element_string)
        y += HRI_LINE
        gs1_symbols.draw(canvas, symbol, (page_width - symbol.width * x_dim) / 2, y, x_dim,
                         height)
        y += height + BAR_GAP


def _datamatrix(canvas: Canvas, strings: Sequence[str], right: float, top: float) -> None:
    # the SSCC first, as GS1 logistic labels give it
    symbol = gs1_symbols.gs1_datamatrix("".join(sorted(strings, key=lambda e: e[:4] != "(00)")))
    module = DATAMATRIX_SIDE / symbol.modules.shape[1]
    gs1_symbols.draw(canvas, symbol, right - DATAMATRIX_SIDE, top - symbol.modules.shape[0] * module,
                     module)


def _footer(canvas: Canvas, label: PrintedLabel, page_width: float) -> None:
    c = label.content
    canvas.setFont("Helvetica", 6)
    canvas.drawString(MARGIN, MARGIN - 1 * mm,
                      f"Label {label.id} · printed {label.printed_at:%Y-%m-%d %H:%M %Z} by "
                      f"{c.get('printed_by') or ''} · Lotproof")


def _header(canvas: Canvas, c: dict[str, Any], page_width: float, page_height: float,
            text_width: float) -> float:
    y = page_height - MARGIN - 8
    canvas.setFont("Helvetica", 8)
    canvas.drawString(MARGIN, y, str(c.get("site") or ""))
    y = _text(canvas, MARGIN, y - 18, str(c["item"]), 15, bold=True, width=text_width)
    y = _text(canvas, MARGIN, y - 2, f"SKU {c['sku']}" +
              (f" · GTIN {c['gtin']}" if c.get("gtin") else ""), 9)
    return float(min(y, page_height - MARGIN - DATAMATRIX_SIDE - 2 * mm))  # clear of the matrix


def _top(canvas: Canvas, c: dict[str, Any]) -> float:
    """The matrix, the item and the rule under them, shared by lot and pallet labels; the y of
    the first field."""
    w, h = canvas._pagesize
    _datamatrix(canvas, c["element_strings"], w - MARGIN, h - MARGIN)
    y = _header(canvas, c, w, h, w - 2 * MARGIN - DATAMATRIX_SIDE - 3 * mm) - 6
    _rule(canvas, y, w)
    return y - 14


def _date_title(c: dict[str, Any]) -> str:
    return "Best before" if c.get("date_ai") == "15" else "Expiry"


def _lot_page(canvas: Canvas, label: PrintedLabel) -> None:
    c = label.content
    w = canvas._pagesize[0]
    y = _top(canvas, c)
    date_title = _date_title(c)
    col = (w - 2 * MARGIN) / 2
    _field(canvas, MARGIN, y, "Lot", str(c["lot_code"]), col * 2)
    y -= 34
    _field(canvas, MARGIN, y, date_title, _date(c.get("expiry_date")), col)
    _field(canvas, MARGIN + col, y, "Produced", _date(c.get("manufacture_date")), col)
    y -= 34
    if c.get("supplier_lot_code"):
        _field(canvas, MARGIN, y, "Supplier lot", str(c["supplier_lot_code"]), col * 2)
        y -= 34
    _bars(canvas, c["element_strings"], w, y + 12, MARGIN + 3 * mm)
    _footer(canvas, label, w)


def _pallet_page(canvas: Canvas, label: PrintedLabel) -> None:
    c = label.content
    w = canvas._pagesize[0]
    y = _top(canvas, c)
    sscc = str(c["sscc"])
    _field(canvas, MARGIN, y, "SSCC", f"{sscc[0]} {sscc[1:8]} {sscc[8:17]} {sscc[17:]}", w)
    y -= 34
    col = (w - 2 * MARGIN) / 3
    date_title = _date_title(c)
    _field(canvas, MARGIN, y, "Lot", str(c["lot_code"]), col)
    _field(canvas, MARGIN + col, y, "Count", f"{c['units']} units", col)
    _field(canvas, MARGIN + 2 * col, y, date_title, _date(c.get("expiry_date")), col)
    y -= 34
    _bars(canvas, c["element_strings"], w, y + 12, MARGIN + 3 * mm)
    _footer(canvas, label, w)


def _status_page(canvas: Canvas, label: PrintedLabel) -> None:
    c = label.content
    w, h = canvas._pagesize
    band = 34 * mm  # black band, white words: reads across an aisle on a monochrome printer
    canvas.rect(0, h - band, w, band, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    size = 40.0
    while canvas.stringWidth(c["status"], "Helvetica-Bold", size) > w - 2 * MARGIN:
        size -= 2
    canvas.setFont("Helvetica-Bold", size)
    canvas.drawCentredString(w / 2, h - band / 2 - size * 0.35, c["status"])
    canvas.setFillColorRGB(0, 0, 0)
    y = h - band - 8 * mm
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawCentredString(w / 2, y, "DO NOT USE · DO NOT SHIP · DO NOT MOVE"
                             if c["status"] != "QUARANTINE" else "DO NOT USE · DO NOT SHIP")
    y -= 10 * mm
    y = _field(canvas, MARGIN, y, "Lot", str(c["lot_code"]), w - 2 * MARGIN) - 8
    y = _field(canvas, MARGIN, y, "Item", f"{c['item']} ({c['sku']})", w - 2 * MARGIN) - 8
    canvas.setFont("Helvetica", 7)
    canvas.drawString(MARGIN, y, "REASON")
    _text(canvas, MARGIN, y - 13, str(c.get("reason") or "—"), 11, width=w - 2 * MARGIN,
          max_lines=6)
    if c.get("element_strings"):  # a scan of it opens the lot at any Lotproof workstation
        _datamatrix(canvas, c["element_strings"], w - MARGIN, MARGIN + 6 * mm + DATAMATRIX_SIDE)
    canvas.setFont("Helvetica", 8)
    canvas.drawString(MARGIN, MARGIN + 10 * mm, f"Labelled {label.printed_at:%d %b %Y %H:%M %Z}")
    canvas.drawString(MARGIN, MARGIN + 6 * mm, f"by {c.get('printed_by') or ''}")
    _footer(canvas, label, w)


_PAGES = {"lot": _lot_page, "pallet": _pallet_page, "status": _status_page}
