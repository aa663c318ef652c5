"""Labels for the warehouse: a lot's GS1 label, a pallet's SSCC label, a status label.

The database decides what a label says and records it (quality.print_label,
app/db/sql/labels.sql); the PDF is laid out from that record, its barcodes checked against GS1's
rules as they are drawn. A label that cannot be drawn is not recorded as printed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.db.errors import translate
from app.db.queries import labels as q
from app.documents.gs1 import GS1Error, parse_gs1
from app.reports.gs1_symbols import LabelDataError
from app.reports.labels import SIZES, PrintedLabel, render
from app.workflows.session import UserSession

KINDS = {"lot": "Lot label (GS1)", "pallet": "Pallet label (SSCC)",
         "status": "Status label (quarantine / hold / rejected)"}


@dataclass(frozen=True)
class LabelPdf:
    pdf: bytes
    labels: list[q.LabelRow]


def print_labels(session: UserSession, lot_code: str, kind: str, size: str = "4x6", *,
                 copies: int = 1, units: int | None = None,
                 date_ai: str | None = None) -> LabelPdf:
    """Record `copies` labels of `kind` for the lot and lay them out, one per page. Pallet labels
    are one per pallet: each copy is a new pallet with its own SSCC."""
    if size not in SIZES:
        raise ValueError(f"labels are {' or '.join(SIZES)}, not {size}")
    if not 1 <= copies <= 500:
        raise ValueError(f"print 1 to 500 labels at a time, not {copies}")
    try:
        with session.engine.begin() as conn:
            rows = []
            for _ in range(copies):
                label_id = conn.execute(
                    text("SELECT quality.print_label(:lot, :kind, :size, :units, :ai)"),
                    {"lot": lot_code, "kind": kind, "size": size, "units": units,
                     "ai": date_ai}).scalar_one()
                rows.append(q.label(conn, int(label_id)))
            pdf = _render(rows)  # inside the transaction: a label that cannot be drawn is not kept
    except DBAPIError as exc:
        raise translate(exc) from exc
    return LabelPdf(pdf, rows)


def reprint(session: UserSession, label_id: int) -> bytes:
    with session.engine.connect() as conn:
        return _render([q.label(conn, label_id)])


def labels_of_lot(session: UserSession, lot_code: str) -> list[q.LabelRow]:
    with session.engine.connect() as conn:
        return q.labels_of_lot(conn, lot_code)


def check(element_string: str) -> None:
    """Refuse what GS1's rules refuse (a wrong check digit, a 31st of February) before drawing:
    the symbol writer checks the syntax, not every check digit or date."""
    try:
        parse_gs1(element_string)
    except GS1Error as exc:
        raise LabelDataError(f"{element_string}: {exc}") from exc


def _render(rows: list[q.LabelRow]) -> bytes:
    for row in rows:
        for element_string in row.content.get("element_strings") or []:
            check(element_string)
    return render([PrintedLabel(r.id, r.printed_at, r.content) for r in rows])
