"""The supplier corrective action request as a letter to the supplier: what was found in which
of their lots, what they are asked to do and by when, and the record of their answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from app.db.queries.nonconformance import NcrDetail, ScarRow, Step
from app.reports.dossier_parts import NOTE, lines, table_or
from app.reports.pdf_layout import BODY, H1, H2, build, key_values, para
from app.reports.qm_parts import history_table, words


@dataclass(frozen=True)
class ScarLetterData:
    scar: ScarRow
    ncr: NcrDetail
    contact_name: str | None
    contact_email: str | None
    supplier_lots: dict[str, str | None]  # our lot code -> the supplier's lot code
    history: list[Step]
    sender: str  # "Printed Name, Role"
    dated: dt.date
    generated_by: str


def render(data: ScarLetterData) -> bytes:
    s, n = data.scar, data.ncr
    to = [s.supplier, *(x for x in (f"Attn. {data.contact_name}" if data.contact_name else None,
                                    data.contact_email) if x)]
    story: list[Flowable] = [
        lines(*to, style=BODY),
        Spacer(1, 6 * mm),
        para(f"Date: {data.dated}", BODY),
        Paragraph(f"Supplier corrective action request {s.number}", H1),
        key_values([("Our reference", f"{s.number} (nonconformance {n.number})"),
                    ("Item", f"{n.item_sku} {n.item}" if n.item else "—"),
                    ("Severity", n.severity),
                    ("Answer due", str(s.response_due)),
                    ("State", words(s.status))]),
        Paragraph("What we found", H2), para(n.found),
        Paragraph("Lots concerned", H2),
        table_or(["Your lot", "Our lot", "Status with us"],
                 [[data.supplier_lots.get(x.lot_code) or "—", x.lot_code, words(x.status)]
                  for x in n.lots],
                 [50 * mm, 40 * mm, 80 * mm], "No lot is named."),
        Paragraph("What we ask of you", H2), para(s.request),
        Spacer(1, 2 * mm),
        para("Please answer by the date above with the root cause you found, the correction of "
             "the lots concerned, the corrective action that stops it happening again, and how "
             f"you verified it worked. Quote {s.number} in your answer.", BODY),
        Spacer(1, 8 * mm),
        para(data.sender, BODY),
        para("Quality assurance", NOTE),
    ]
    if s.response or data.history:
        story += [Paragraph("Record of this request", H2),
                  key_values([("Sent", f"{s.sent_at:%Y-%m-%d}" if s.sent_at else "not sent yet"),
                              ("Last answer", f"{s.responded_on}: {s.response}" if s.response
                               else "none yet"),
                              ("Our judgement", s.close_note or "—")]),
                  Spacer(1, 2 * mm), history_table(data.history)]
    return build(story, title=f"{s.number} supplier corrective action request",
                 generated_by=data.generated_by)
