"""The lot release certificate: the lot, its documents and results, and every signature."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from app.db.queries.decisions import DecisionLine
from app.db.queries.lot_detail import LotAttributes
from app.db.queries.lot_documents import LinkedDocument, ResultAgainstSpec
from app.reports.pdf_layout import BODY, H1, H2, build, key_values, para, table


@dataclass(frozen=True)
class CertificateData:
    lot: LotAttributes
    documents: list[LinkedDocument]
    results: list[ResultAgainstSpec]
    history: list[DecisionLine]
    generated_by: str


def _when(value: dt.datetime | None) -> str:
    return "" if value is None else value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def render(data: CertificateData) -> bytes:
    lot = data.lot
    release = next((h for h in reversed(data.history)
                    if h.action == "release" and h.state == "done"), None)
    story: list[Flowable] = [
        Paragraph("Lot release certificate", H1),
        para(f"Lot {lot.lot_code} — status at printing: {lot.status.replace('_', ' ')}", BODY),
        Spacer(1, 4 * mm),
        key_values([
            ("Item", f"{lot.item_sku} {lot.item_name}"),
            ("GTIN", lot.item_gtin or "—"),
            ("Supplier", f"{lot.supplier_name or 'in-house'}"
                         + (f" ({lot.supplier_status})" if lot.supplier_status else "")),
            ("Supplier lot", lot.supplier_lot_code or "—"),
            ("Manufactured", lot.manufacture_date or "—"),
            ("Expires", lot.expiry_date or "—"),
            ("Receipt", f"{lot.receipt_number or '—'} {_when(lot.received_at)}"),
            ("Required documents", ", ".join(lot.required_documents) or "—"),
        ]),
        Paragraph("Release decision", H2),
    ]
    if release is None:
        story.append(para("This lot has no completed release decision.", BODY))
    else:
        pairs: list[tuple[str, object]] = [
            ("Decision", f"#{release.id} {release.title}: {release.from_status} → "
                         f"{release.to_status}"),
            ("Comment", release.reason or "—"),
        ]
        if release.override_justification:
            pairs += [("Override justification", release.override_justification),
                      ("Conditions overridden", "; ".join(release.blockers))]
        story.append(key_values(pairs))
    story.append(Paragraph("Documents", H2))
    story.append(table(
        ["Document", "Kind", "Linked to", "Status", "Verified", "SHA-256"],
        [[d.file_name, d.kind.upper(), d.linked_to, d.status + (" (superseded)" if d.superseded
                                                               else ""),
          f"{d.verified_by or ''} {_when(d.verified_at)}".strip(), d.sha256[:16] + "…"]
         for d in data.documents] or [["No documents linked", "", "", "", "", ""]],
        [45 * mm, 14 * mm, 16 * mm, 22 * mm, 40 * mm, 33 * mm]))
    story.append(Paragraph("Results against the company specification", H2))
    story.append(table(
        ["Test", "Method", "Result", "Specification", "Supplier's spec", "Within spec"],
        [[r.test, r.method or "", r.result, r.spec, r.supplier_spec or "",
          "—" if r.within_spec is None else ("Yes" if r.within_spec else "NO")]
         for r in data.results] or [["No verified COA results", "", "", "", "", ""]],
        [38 * mm, 25 * mm, 25 * mm, 30 * mm, 30 * mm, 22 * mm]))
    story.append(Paragraph("Electronic signatures", H2))
    signature_rows = [
        [f"#{h.id} {h.title}", s.meaning, f"{s.printed_name} ({s.role_title})",
         s.signed_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
         "valid" if s.valid else "NOT VALID — record changed"]
        for h in data.history for s in h.signatures
    ]
    story.append(table(["Decision", "Meaning", "Signed by", "Date and time", "Signature"],
                       signature_rows or [["No signatures", "", "", "", ""]],
                       [40 * mm, 30 * mm, 45 * mm, 35 * mm, 20 * mm]))
    story.append(Spacer(1, 4 * mm))
    story.append(para("Each signature was made by re-entering the signer's password; its "
                      "manifestation shows the printed name, date and time (server clock, UTC) "
                      "and meaning, and it is bound to a hash of the decision it signs "
                      "(21 CFR 11.50, 11.70).", BODY))
    return build(story, title=f"Release certificate {lot.lot_code}",
                 generated_by=data.generated_by)
