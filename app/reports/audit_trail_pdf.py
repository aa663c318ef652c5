"""The audit trail, filtered, as a PDF an inspector can read."""

from __future__ import annotations

import datetime as dt

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph

from app.db.queries.audit_trail import TrailEntry
from app.reports.pdf_layout import BODY, H1, build, para, table


def render(entries: list[TrailEntry], *, filter_text: str, generated_by: str) -> bytes:
    story: list[Flowable] = [
        Paragraph("Audit trail", H1),
        para(f"Filter: {filter_text or 'none'} — {len(entries)} entries, newest first. Times "
             "are the server clock in UTC.", BODY),
        table(["#", "When (UTC)", "Who", "Action", "Record", "Changes", "Reason"],
              [[e.id, e.at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
                f"{e.printed_name or e.username}\n{e.workstation or ''}", e.action,
                f"{e.record_type} {e.record_id or ''}" + (f" (lot {e.lot_code})"
                                                          if e.lot_code else ""),
                e.changes()[:300], e.reason or ""] for e in entries],
              [10 * mm, 20 * mm, 28 * mm, 22 * mm, 28 * mm, 42 * mm, 20 * mm]),
    ]
    return build(story, title="Audit trail", generated_by=generated_by)
