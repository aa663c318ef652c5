"""Pieces the NCR report, the CAPA log and the SCAR letter share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from app.db.queries.decisions import SignatureLine
from app.db.queries.nonconformance import CapaActionRow, Step
from app.reports.dossier_parts import FAIL, lines, table_or, when
from app.reports.pdf_layout import para


def words(value: str | None) -> str:
    return "—" if not value else value.replace("_", " ")


def actions_table(actions: Sequence[CapaActionRow], today: dt.date) -> Flowable:
    rows = [[a.kind, a.description, a.owner_name or a.owner,
             para(f"{a.due_date} OVERDUE", FAIL) if a.done_at is None and a.due_date < today
             else str(a.due_date),
             lines(f"done {when(a.done_at)} by {a.done_by}", a.done_note) if a.done_at else "open"]
            for a in actions]
    return table_or(["Kind", "Action", "Owner", "Due", "Done"], rows,
                    [20 * mm, 55 * mm, 30 * mm, 25 * mm, 40 * mm], "No actions yet.")


def history_table(steps: Sequence[Step]) -> Flowable:
    return table_or(["When (UTC)", "Who", "Step", "Words given"],
                    [[when(s.at, seconds=True), s.who, s.action.replace(".", ": ").replace("_", " "),
                      s.words or ""] for s in steps],
                    [30 * mm, 32 * mm, 32 * mm, 76 * mm], "No steps recorded.")


def signatures_table(signatures: Sequence[SignatureLine]) -> Flowable:
    """Each manifestation (21 CFR 11.50) and whether the record still matches what was signed."""
    return table_or(
        ["Signed (UTC)", "Name", "Role", "Meaning", "Valid"],
        [[when(s.signed_at, seconds=True), f"{s.printed_name} ({s.username})", s.role_title,
          s.meaning, "valid" if s.valid else para("NOT VALID: changed after signing", FAIL)]
         for s in signatures],
        [30 * mm, 42 * mm, 25 * mm, 43 * mm, 30 * mm], "Not signed yet.")

