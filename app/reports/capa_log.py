"""The CAPA log: every corrective and preventive action plan, its actions and due dates, the
effectiveness check and the closing signature, overdue work marked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from app.db.queries.decisions import SignatureLine
from app.db.queries.nonconformance import CapaDetail
from app.reports.dossier_parts import FAIL, NOTE, table_or, when
from app.reports.pdf_layout import BODY, H1, H2, build, key_values, para
from app.reports.qm_parts import actions_table, signatures_table, words


@dataclass(frozen=True)
class CapaLogData:
    capas: list[CapaDetail]
    signatures: dict[int, list[SignatureLine]]  # by CAPA id
    today: dt.date
    generated_by: str


def _overdue(c: CapaDetail, today: dt.date) -> list[str]:
    if c.status not in ("open", "verified"):
        return []
    late = [f"action due {a.due_date}" for a in c.actions if a.done_at is None and a.due_date < today]
    if c.status == "open" and c.effectiveness_due < today:
        late.append(f"effectiveness check due {c.effectiveness_due}")
    return late


def render(data: CapaLogData) -> bytes:
    today = data.today
    summary = [[c.number, f"NCR-{c.ncr_id:05d}" if c.ncr_id else "—", c.title, words(c.status),
                c.owner_name or c.owner,
                f"{sum(a.done_at is not None for a in c.actions)} of {len(c.actions)}",
                para("overdue", FAIL) if _overdue(c, today) else ""] for c in data.capas]
    story: list[Flowable] = [
        Paragraph("CAPA log", H1),
        para(f"{len(data.capas)} CAPA(s) as of {today}; "
             f"{sum(1 for c in data.capas if _overdue(c, today))} with overdue work.", BODY),
        Spacer(1, 3 * mm),
        table_or(["CAPA", "NCR", "Title", "State", "Owner", "Actions done", ""], summary,
                 [20 * mm, 20 * mm, 50 * mm, 18 * mm, 30 * mm, 18 * mm, 14 * mm],
                 "No CAPA has been opened."),
    ]
    for c in data.capas:
        late = _overdue(c, today)
        check = ("not checked yet" if c.effective is None else
                 ("effective" if c.effective else "NOT effective")
                 + f" — {c.effectiveness_evidence} ({c.checked_by}, {when(c.checked_at)})")
        story += [KeepTogether([
            Paragraph(f"{c.number} — {c.title}", H2),
            key_values([("State", words(c.status)), ("Owner", c.owner_name or c.owner),
                        ("Opened", f"{when(c.opened_at)} UTC by {c.opened_by}"),
                        ("Effectiveness", f"due {c.effectiveness_due}: {c.effectiveness_criteria}"),
                        ("Check", check),
                        ("Closed", f"{when(c.closed_at)} UTC by {c.closed_by}" if c.closed_at
                         else "not closed")]),
            *([para("Overdue: " + "; ".join(late), FAIL)] if late else []),
        ]), Spacer(1, 1 * mm), actions_table(c.actions, today), Spacer(1, 1 * mm),
            signatures_table(data.signatures.get(c.id, []))]
    story += [Spacer(1, 3 * mm),
              para("A CAPA closes only with a signature after its effectiveness check, by someone "
                   "other than its owner. \"Valid\" means the CAPA and its actions are as they were "
                   "when signed.", NOTE)]
    return build(story, title="CAPA log", generated_by=data.generated_by)
