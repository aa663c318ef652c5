"""The page every Lotproof PDF shares: title, "page x of y", when and by whom it was generated."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

STYLES = getSampleStyleSheet()
BODY = ParagraphStyle("body", parent=STYLES["BodyText"], fontSize=9, leading=11)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7.5, leading=9)
H1 = ParagraphStyle("h1", parent=STYLES["Heading1"], fontSize=16, spaceAfter=4)
H2 = ParagraphStyle("h2", parent=STYLES["Heading2"], fontSize=11.5, spaceBefore=10, spaceAfter=4,
                    keepWithNext=1)  # a heading never ends a page alone
GRID = colors.HexColor("#cbd5e0")
HEAD = colors.HexColor("#edf2f7")


def para(value: object, style: ParagraphStyle = BODY) -> Paragraph:
    text = "" if value is None else str(value)
    return Paragraph(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), style)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]],
          widths: Sequence[float] | None = None, *, plain: bool = False) -> Table:
    """A ruled table. `plain` cells are single-line text cut to the column width: several
    times faster to lay out than wrapped paragraphs, for tables of thousands of rows."""
    data: list[list[Any]] = [[para(h, SMALL) for h in headers]]
    if plain and widths:
        data += [[_fit(v, w) for v, w in zip(row, widths, strict=True)] for row in rows]
    else:
        data += [[v if isinstance(v, Flowable) else para(v, SMALL) for v in row] for row in rows]
    t = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    t.setStyle(TableStyle([
        ("FONTSIZE", (0, 1), (-1, -1), SMALL.fontSize),
        ("LEADING", (0, 1), (-1, -1), SMALL.leading),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    return t


def _fit(value: object, width: float) -> str:
    text = "" if value is None else str(value)
    fits = max(3, int((width - 6) / (SMALL.fontSize * 0.5)))  # Helvetica: ~0.5 em a character
    return text if len(text) <= fits else text[: fits - 1] + "…"


def key_values(pairs: Sequence[tuple[str, object]], width: float = 170 * mm) -> Table:
    t = Table([[para(k, SMALL), para(v)] for k, v in pairs], colWidths=[40 * mm, width - 40 * mm],
              hAlign="LEFT")
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("LINEBELOW", (0, 0), (-1, -1), 0.25, GRID)]))
    return t


def build(story: list[Flowable], *, title: str, generated_by: str,
          generated_at: dt.datetime | None = None, header: str | None = None,
          footer: str | None = None) -> bytes:
    """Render the story on A4 pages with the shared header and footer (a document for a
    customer names the company in the header and itself in the footer instead)."""
    when = (generated_at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    footer = footer or f"Generated {when:%Y-%m-%d %H:%M:%S} UTC by {generated_by} — Lotproof"
    header = header or f"Lotproof — {title}"

    class NumberedCanvas(pdfcanvas.Canvas):  # type: ignore[misc]
        """Defers each page until the total is known, to print "page x of y"."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFont("Helvetica", 7.5)
                self.setFillColor(colors.HexColor("#4a5568"))
                self.drawString(20 * mm, 10 * mm, footer)
                self.drawRightString(190 * mm, 10 * mm, f"Page {number} of {total}")
                self.drawString(20 * mm, 287 * mm, header)
                super().showPage()
            super().save()

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=18 * mm, bottomMargin=18 * mm, title=title,
                            author=generated_by, creator="Lotproof")
    doc.build(story, canvasmaker=NumberedCanvas)
    return out.getvalue()
