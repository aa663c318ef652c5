"""The supplier dossier: who the supplier is, its approval history, its documents, and how its
lots fared (the supplier scorecard)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from app.db.queries.dossier import ApprovalRow, CategoryStatus, DocumentRow, SupplierRow
from app.db.queries.nonconformance import ScarRow
from app.db.queries.supplier_scorecard import SupplierScore
from app.reports.dossier_parts import NOTE, documents_table, lines, table_or, when
from app.reports.pdf_layout import BODY, H1, H2, build, key_values, para, table

SECTIONS = ("Supplier", "Approval status by category", "Approval history", "Documents",
            "Scorecard", "Nonconformance and supplier corrective action")


@dataclass(frozen=True)
class SupplierDossierData:
    supplier: SupplierRow
    categories: list[CategoryStatus]
    approvals: list[ApprovalRow]
    documents: list[DocumentRow]
    score: SupplierScore | None  # None: no lots received in the period
    rank: int | None  # by risk among the suppliers that delivered in the period
    ranked: int
    date_from: dt.date
    date_to: dt.date
    late_after_days: int
    generated_by: str
    generated_at: dt.datetime
    ncrs: list[tuple[int, str, str, str]] = field(default_factory=list)  # id, number, status, title
    scars: list[ScarRow] = field(default_factory=list)


def _corrective_section(data: SupplierDossierData) -> list[Flowable]:
    return [
        Paragraph(SECTIONS[5], H2),
        table_or(["NCR", "State", "Title"], [[n, st, t] for _i, n, st, t in data.ncrs],
                 [25 * mm, 25 * mm, 120 * mm], "No nonconformance report names this supplier."),
        Spacer(1, 2 * mm),
        table_or(["SCAR", "NCR", "State", "Answer due", "Answered", "Request"],
                 [[x.number, f"NCR-{x.ncr_id:05d}", x.status, str(x.response_due),
                   str(x.responded_on or "—"), x.request] for x in data.scars],
                 [22 * mm, 22 * mm, 18 * mm, 22 * mm, 22 * mm, 64 * mm],
                 "No corrective action was requested from this supplier."),
    ]


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _score_section(data: SupplierDossierData) -> list[Flowable]:
    story: list[Flowable] = [
        Paragraph(f"{SECTIONS[4]} {data.date_from} – {data.date_to}", H2)]
    s = data.score
    if s is None:
        return [*story, para("No lots were received from this supplier in the period.", BODY)]
    story += [
        key_values([
            ("Risk score", f"{s.risk:.1f} of 100 — rank {data.rank} of {data.ranked} suppliers "
                           "that delivered in the period (1 = highest risk)"),
            ("Lots received", f"{s.lots_received} ({s.qty_received:,.0f} units)"),
            ("Out of spec", f"{s.lots_out_of_spec} lots ({_pct(s.out_of_spec_rate)})"),
            ("COA completeness", f"{s.lots_coa_verified} of {s.lots_requiring_coa} lots "
                                 f"needing a COA have a verified one "
                                 f"({_pct(s.document_completeness)})"),
            ("COA timeliness", f"median {s.median_coa_days:.1f} days after receipt; "
                               f"{s.lots_coa_late} late ({_pct(s.late_coa_rate)})"
                               if s.median_coa_days is not None else "no COA uploaded"),
            ("Holds and rejections", f"{s.lots_held} held, {s.lots_rejected} rejected "
                                     f"({_pct(s.hold_rate)})"),
            ("Customer returns", f"{s.returns} returns ({s.quality_returns} for quality or "
                                 f"damage, {s.lots_quality_returned} lots)"),
        ]),
        Spacer(1, 2 * mm),
        KeepTogether([
            table(["Factor", "Measured", "Weight", "Points"],
                  [[f.label, f.detail, f"{f.weight:.0f}", f"{f.points:.1f}"]
                   for f in s.factors],
                  [45 * mm, 95 * mm, 15 * mm, 15 * mm]),
            para(f"A factor earns its full weight at its threshold rate and proportionally "
                 f"below it; a COA is late when uploaded more than {data.late_after_days} "
                 "day(s) after receipt.", NOTE)]),
    ]
    return story


def render(data: SupplierDossierData) -> bytes:
    s = data.supplier
    by_status = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in
                          sorted(s.lots_by_status.items(), key=lambda kv: -kv[1]))
    story: list[Flowable] = [
        Paragraph(f"Supplier dossier {s.code}", H1),
        para(f"{s.name} — ERP approval status: {s.approval_status}", BODY),
        Paragraph(SECTIONS[0], H2),
        key_values([
            ("Code", s.code), ("Name", s.name), ("Country", s.country or "—"),
            ("Contact", ", ".join(x for x in (s.contact_name, s.contact_email) if x) or "—"),
            ("ERP approval status", s.approval_status),
            ("Items supplied", s.items),
            ("Lots", f"{s.lots} ({by_status})" if s.lots else "none"),
            ("Receipts", f"{when(s.first_receipt)} – {when(s.last_receipt)} UTC"
                         if s.first_receipt else "none"),
        ]),
        Paragraph(SECTIONS[1], H2),
        table_or(["Category", "Status now", "From"],
                 [[c.category, c.status, f"approval version {c.version}" if c.version
                   else "ERP supplier status (no approval recorded)"]
                  for c in data.categories],
                 [50 * mm, 35 * mm, 85 * mm], "The supplier has delivered no lots."),
        Paragraph(SECTIONS[2], H2),
        table_or(["Category", "Version", "Status", "Reason", "Set by", "Set (UTC)"],
                 [[a.category, a.version, a.status, a.reason, a.set_by, when(a.set_at)]
                  for a in data.approvals],
                 [32 * mm, 14 * mm, 22 * mm, 52 * mm, 25 * mm, 25 * mm],
                 "No approval changes recorded: the ERP supplier status applies."),
        Paragraph(SECTIONS[3], H2),
        documents_table(data.documents, "Item"),
        *_score_section(data),
        *_corrective_section(data),
        Spacer(1, 3 * mm),
        lines("Approval changes are made through quality.set_supplier_approval and recorded in "
              "the audit trail; the scorecard is computed from the lots, documents, decisions "
              "and returns in the database at the time of printing.", style=NOTE),
    ]
    return build(story, title=f"Supplier dossier {s.code}", generated_by=data.generated_by,
                 generated_at=data.generated_at)
