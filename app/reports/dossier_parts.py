"""Pieces the lot and supplier dossiers share: times, multi-line cells, full SHA-256 cells and
the documents table."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph

from app.db.queries.dossier import DocumentRow
from app.reports.pdf_layout import BODY, SMALL, para, table

# Breaks anywhere: for file names, record ids and changed values, which can be long unbroken
# strings that would otherwise run over the next column.
WRAP = ParagraphStyle("wrap", parent=SMALL, wordWrap="CJK")
MONO = ParagraphStyle("mono", parent=SMALL, fontName="Courier", fontSize=6.4, leading=7.6)
FAIL = ParagraphStyle("fail", parent=SMALL, fontName="Helvetica-Bold",
                      textColor=colors.HexColor("#c53030"))
NOTE = ParagraphStyle("note", parent=SMALL, textColor=colors.HexColor("#4a5568"))


def when(value: dt.datetime | None, seconds: bool = False) -> str:
    if value is None:
        return ""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S" if seconds else
                                             "%Y-%m-%d %H:%M")


def lines(*parts: object, style: ParagraphStyle = SMALL) -> Paragraph:
    """One cell, one line per non-empty part."""
    return Paragraph("<br/>".join(escape(str(p)) for p in parts if p not in (None, "")), style)


def dotted(value: str, width: int) -> Paragraph:
    """A dotted name (`document.field.confirm`, `quality.extracted_fields 12`) broken at its
    dots into lines of about `width` characters, rather than mid-word."""
    out: list[str] = []
    for part in re.split(r"(?<=\.)", value):
        if out and len(out[-1]) + len(part) <= width:
            out[-1] += part
        else:
            out.append(part)
    return lines(*out, style=WRAP)


def table_or(headers: Sequence[str], rows: Sequence[Sequence[object]],
             widths: Sequence[float], empty: str) -> Flowable:
    """The table, or a sentence saying there is nothing to show."""
    return table(headers, rows, widths) if rows else para(empty, BODY)


def sha_cell(sha256: str) -> Paragraph:
    """The full hash on two lines, so it can be compared character by character."""
    return Paragraph(f"{escape(sha256[:32])}<br/>{escape(sha256[32:])}", MONO)


def size(n: int) -> str:
    return f"{n:,} B" if n < 10_000 else f"{n / 1024:,.0f} KiB"


def documents_table(docs: Sequence[DocumentRow], linked_header: str = "Linked to") -> Flowable:
    rows = [[d.id, Paragraph(escape(d.file_name), WRAP),
             lines(d.kind.upper() if d.kind == "coa" else d.kind.replace("_", " "),
                   size(d.size_bytes)),
             Paragraph(escape(d.linked_to), WRAP),
             d.status + (" (superseded)" if d.superseded else ""),
             lines(f"Up: {when(d.uploaded_at)}", d.uploaded_by,
                   f"Ver: {when(d.verified_at)}" if d.verified_at else "", d.verified_by or ""),
             sha_cell(d.sha256)] for d in docs]
    return table_or(["#", "File", "Kind", linked_header, "Status", "Uploaded / verified",
                     "SHA-256"], rows,
                    [9 * mm, 37 * mm, 17 * mm, 14 * mm, 15 * mm, 32 * mm, 46 * mm],
                    "No documents.")
