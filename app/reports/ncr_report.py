"""The nonconformance report: what was found, the lots and their holds, the investigation, the
disposition, the CAPA and SCAR it led to, its history and its signatures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from app.db.queries.decisions import SignatureLine
from app.db.queries.nonconformance import NcrDetail, Step
from app.reports.dossier_parts import lines, table_or, when
from app.reports.pdf_layout import BODY, H1, H2, build, key_values, para
from app.reports.qm_parts import actions_table, history_table, signatures_table, words


@dataclass(frozen=True)
class NcrReportData:
    ncr: NcrDetail
    history: list[Step]
    signatures: list[SignatureLine]
    today: dt.date
    generated_by: str


def _investigation(n: NcrDetail) -> list[Flowable]:
    story: list[Flowable] = [key_values([("Method", words(n.root_cause_method)),
                                         ("Root cause", n.root_cause or "not investigated yet")])]
    detail = n.root_cause_detail or {}
    if detail.get("whys"):
        story.append(lines(*[f"Why {i}? {w}" for i, w in enumerate(detail["whys"], start=1)],
                           style=BODY))
    elif detail.get("categories"):
        story.append(table_or(["Category", "Cause"], list(detail["categories"].items()),
                              [40 * mm, 130 * mm], ""))
    elif detail.get("notes"):
        story.append(lines(*detail["notes"], style=BODY))
    return story


def render(data: NcrReportData) -> bytes:
    n = data.ncr
    story: list[Flowable] = [
        Paragraph(f"Nonconformance report {n.number}", H1),
        para(f"{n.title} — status at printing: {words(n.status)}", BODY),
        Spacer(1, 3 * mm),
        key_values([
            ("Severity", n.severity),
            ("Comes from", words(n.source) + (f" ({n.source_ref})" if n.source_ref else "")),
            ("Item", f"{n.item_sku} {n.item}" if n.item else "—"),
            ("Supplier", n.supplier or "—"),
            ("Owner", n.owner),
            ("Opened", f"{when(n.opened_at)} UTC by {n.opened_by_name or n.opened_by}"),
            ("Closed", f"{when(n.closed_at)} UTC by {n.closed_by}" if n.closed_at else "not closed"),
        ]),
        Paragraph("What was found", H2), para(n.found),
        Paragraph("Lots and containment", H2),
        table_or(["Lot", "Status now", "Hold"],
                 [[x.lot_code, words(x.status), x.hold_reason or ""] for x in n.lots],
                 [35 * mm, 30 * mm, 105 * mm], "No lot is named."),
        Spacer(1, 2 * mm), para(n.containment or "No containment recorded yet."),
        Paragraph("Investigation", H2), *_investigation(n),
        Paragraph("Disposition of the material", H2),
        para(words(n.disposition) + (f": {n.disposition_note}" if n.disposition_note else "")
             if n.disposition else "Not decided yet."),
        Paragraph("Corrective and preventive action", H2),
    ]
    if not n.capas:
        story.append(para("No CAPA was opened from this NCR."))
    for c in n.capas:
        check = ("not checked yet" if c.effective is None else
                 ("effective" if c.effective else "NOT effective")
                 + f" — {c.effectiveness_evidence} ({c.checked_by}, {when(c.checked_at)})")
        story += [key_values([("CAPA", f"{c.number} {c.title} — {words(c.status)}"),
                              ("Owner", c.owner_name or c.owner),
                              ("Effectiveness", f"due {c.effectiveness_due}: "
                                                f"{c.effectiveness_criteria}"),
                              ("Check", check)]),
                  Spacer(1, 1 * mm), actions_table(c.actions, data.today), Spacer(1, 2 * mm)]
    story += [
        Paragraph("Supplier corrective action requests", H2),
        table_or(["SCAR", "State", "Answer due", "Answered", "Request / answer"],
                 [[x.number, words(x.status), str(x.response_due), str(x.responded_on or "—"),
                   lines(x.request, f"Answer: {x.response}" if x.response else None)]
                  for x in n.scars],
                 [22 * mm, 18 * mm, 22 * mm, 22 * mm, 86 * mm], "No SCAR was requested."),
        Paragraph("History", H2), history_table(data.history),
        Paragraph("Electronic signatures", H2), signatures_table(data.signatures),
        Spacer(1, 2 * mm),
        para("Each signature was made by re-entering the signer's password. \"Valid\" means the "
             "NCR, its lots and its investigation are as they were when signed.", BODY),
    ]
    return build(story, title=f"{n.number} nonconformance report", generated_by=data.generated_by)
