"""The lot dossier: everything an auditor asks about one lot, in one PDF."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from app.db.queries.audit_trail import TrailEntry
from app.db.queries.decisions import DecisionLine
from app.db.queries.dossier import DocumentRow, ReceiptRow, ResultRow
from app.db.queries.lot_detail import LotAttributes
from app.db.queries.nonconformance import InspectionSummary
from app.db.queries.trace import Trace, TracedLot
from app.reports.dossier_parts import (
    FAIL,
    NOTE,
    WRAP,
    documents_table,
    dotted,
    lines,
    table_or,
    when,
)
from app.reports.pdf_layout import BODY, H1, H2, SMALL, build, key_values, para, table
from app.reports.trend_chart import TrendSeries, trend_row

MAX_GENEALOGY_ROWS = 40
MAX_SHIPMENT_ROWS = 300
MAX_TRAIL_ROWS = 1000

SECTIONS = ("Lot", "Supplier and receipt", "Documents", "COA results against the company "
            "specification", "Status history", "Signatures", "Genealogy", "Shipments",
            "Audit trail", "Receiving inspections", "Nonconformance")


@dataclass(frozen=True)
class LotDossierData:
    lot: LotAttributes
    receipts: list[ReceiptRow]
    documents: list[DocumentRow]
    results: list[ResultRow]
    trend: list[TrendSeries]
    history: list[DecisionLine]
    backward: Trace
    forward: Trace
    trail: list[TrailEntry]
    generated_by: str
    generated_at: dt.datetime
    #: The audit chain head this dossier was made at (row, hash, time), so a trail shortened
    #: or rewritten later is shown up by the printout.
    audit_head: str = ""
    inspections: list[InspectionSummary] = field(default_factory=list)
    ncrs: list[tuple[int, str, str, str]] = field(default_factory=list)  # id, number, status, title


def _inspection_section(data: LotDossierData) -> list[Flowable]:
    inspections = table_or(
        ["#", "Outcome", "Sample (Ac/Re)", "Nonconforming", "Results", "Completed (UTC)"],
        [[i.id, i.status, f"{i.sample_size} ({i.accept}/{i.reject}), {i.severity}",
          "—" if i.defects is None else i.defects, lines(*i.results) if i.results else "—",
          lines(i.completed_by or "", when(i.completed_at)) if i.completed_at else "open"]
         for i in data.inspections],
        [10 * mm, 16 * mm, 30 * mm, 22 * mm, 62 * mm, 30 * mm],
        "No receiving inspection of this lot.")
    ncrs = table_or(["NCR", "State", "Title"], [[n, s, t] for _i, n, s, t in data.ncrs],
                    [25 * mm, 25 * mm, 120 * mm], "No nonconformance report names this lot.")
    return [Paragraph(SECTIONS[9], H2), inspections, Paragraph(SECTIONS[10], H2), ncrs]


def _q(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.3f}".rstrip("0").rstrip(".")


def _lot_section(lot: LotAttributes) -> list[Flowable]:
    return [Paragraph(SECTIONS[0], H2), key_values([
        ("Lot", lot.lot_code),
        ("Status at printing", lot.status.replace("_", " ")),
        ("Item", f"{lot.item_sku} {lot.item_name}"),
        ("GTIN", lot.item_gtin or "—"),
        ("Category", lot.category + (" (hazardous)" if lot.hazardous else "")),
        ("Origin", lot.origin.replace("_", " ")),
        ("Supplier lot", lot.supplier_lot_code or "—"),
        ("Manufactured", lot.manufacture_date or "—"),
        ("Expires", lot.expiry_date or "—"),
        ("Shelf life", f"{lot.shelf_life_days} days" if lot.shelf_life_days else "—"),
        ("Site", lot.site_code),
        ("On hand", f"{_q(lot.on_hand)} {lot.uom}"),
        ("Required documents", ", ".join(lot.required_documents) or "—"),
    ])]


def _supplier_section(lot: LotAttributes, receipts: list[ReceiptRow]) -> list[Flowable]:
    supplier = (f"{lot.supplier_code} {lot.supplier_name} — approval status "
                f"{lot.supplier_status}" if lot.supplier_code else "none (made in-house)")
    return [
        Paragraph(SECTIONS[1], H2),
        key_values([("Supplier", supplier), ("Purchase order", lot.po_number or "—")]),
        Spacer(1, 2 * mm),
        table_or(["Receipt", "Received (UTC)", "PO", "Packing slip", "Supplier", "Put to",
                  "Quantity"],
                 [[r.receipt_number, when(r.received_at), r.po_number or "",
                   r.packing_slip or "", r.supplier, f"{r.site} {r.location}",
                   f"{_q(r.qty)} {lot.uom}"] for r in receipts],
                 [24 * mm, 25 * mm, 22 * mm, 22 * mm, 34 * mm, 23 * mm, 20 * mm],
                 f"Not received from a supplier: made from other lots ({lot.origin})."),
    ]


def _verdict(ok: bool | None) -> object:
    if ok is None:
        return para("no spec", SMALL)
    return para("PASS", SMALL) if ok else para("FAIL", FAIL)


def _results_section(data: LotDossierData) -> list[Flowable]:
    story: list[Flowable] = [Paragraph(SECTIONS[3], H2), table_or(
        ["Test", "Result", "Company spec", "Verdict", "Supplier's spec", "Read from",
         "Confirmed by"],
        [[lines(r.judged.test, r.judged.method or ""), r.judged.result, r.judged.spec,
          _verdict(r.judged.within_spec), r.judged.supplier_spec or "",
          lines(f"#{r.document_id} {r.file_name}", style=WRAP),
          lines(r.confirmed_by or "",
                f"corrected by {r.corrected_by}: {r.correction_reason or ''}"
                if r.corrected_by else "")]
         for r in data.results],
        [30 * mm, 20 * mm, 24 * mm, 13 * mm, 24 * mm, 32 * mm, 27 * mm],
        "No verified COA results reach this lot.")]
    failed = sum(1 for r in data.results if r.judged.within_spec is False)
    if data.results:
        story.append(para(f"{len(data.results)} results, {failed} outside the company "
                          "specification.", NOTE))
    if data.trend:
        story += [Spacer(1, 3 * mm), KeepTogether([
            para(f"COA trend of {data.lot.item_sku} across its lots (latest verified result of "
                 "each lot, in receipt order)", BODY),
            Spacer(1, 1 * mm), trend_row(data.trend, data.lot.lot_code),
            para("Dashed red: company specification limits. Red points: outside them. "
                 f"Ringed: lot {data.lot.lot_code}.", NOTE)])]
    return story


def _history_section(history: list[DecisionLine]) -> list[Flowable]:
    decisions = table_or(
        ["#", "Requested (UTC)", "Decision", "Status", "Requested by", "Reason", "State"],
        [[h.id, when(h.created_at), h.title, f"{h.from_status} to {h.to_status}",
          h.created_by_name or h.created_by,
          lines(h.reason or "", f"Override: {h.override_justification}"
                if h.override_justification else ""),
          h.state] for h in history],
        [9 * mm, 24 * mm, 30 * mm, 30 * mm, 27 * mm, 37 * mm, 13 * mm],
        "No quality decisions were made on this lot.")
    signatures = table_or(
        ["Decision", "Meaning", "Printed name", "Role", "Signed (UTC)", "Validity"],
        [[f"#{h.id} {h.title}", s.meaning, lines(s.printed_name, s.username), s.role_title,
          when(s.signed_at, seconds=True),
          para("valid", SMALL) if s.valid else para("NOT VALID: the signed record changed",
                                                     FAIL)]
         for h in history for s in h.signatures],
        [32 * mm, 26 * mm, 34 * mm, 20 * mm, 30 * mm, 28 * mm],
        "No electronic signatures on this lot's decisions.")
    story: list[Flowable] = [Paragraph(SECTIONS[4], H2), decisions, Paragraph(SECTIONS[5], H2),
                             signatures]
    if not any(h.signatures for h in history):
        return story
    return [*story, Spacer(1, 2 * mm),
            para("Each signature was made by re-entering the signer's password on a fresh "
                 "connection; it records the printed name, role, date and time (server clock, "
                 "UTC) and meaning, and is bound to a hash of the record it signs: "
                 "\"valid\" means that hash still matches (21 CFR 11.50, 11.70).", NOTE)]


def _genealogy_rows(direction: str, lots: list[TracedLot]) -> list[list[object]]:
    return [[direction, lot.depth, lot.lot_code, lot.via or "",
             f"{_q(lot.via_qty)} {lot.uom}" if lot.via_qty is not None else "",
             lines(f"{lot.item_sku} {lot.item}"), lot.status.replace("_", " "),
             lot.supplier_lot_code or ""] for lot in lots[:MAX_GENEALOGY_ROWS]]


def _genealogy_section(data: LotDossierData) -> list[Flowable]:
    back = [lot for lot in data.backward.lots if lot.depth > 0]
    fwd = [lot for lot in data.forward.lots if lot.depth > 0]
    parents = sum(1 for lot in back if lot.depth == 1)
    children = sum(1 for lot in fwd if lot.depth == 1)
    customers = {s.customer_code for s in data.forward.shipments}
    story: list[Flowable] = [Paragraph(SECTIONS[6], H2), key_values([
        ("Made from", f"{parents} parent lot(s); {len(back)} ancestor lot(s) in all, "
                      f"{data.backward.max_depth} level(s) deep"),
        ("Went into", f"{children} child lot(s); {len(fwd)} descendant lot(s) in all, "
                      f"{data.forward.max_depth} level(s) deep"),
        ("Source receipts", ", ".join(sorted({s.receipt for s in data.backward.sources
                                               if s.receipt})) or "—"),
        ("Reached customers", f"{len(data.forward.shipments)} shipment line(s) of this lot "
                              f"and its descendants, {len(customers)} customer(s)"),
    ])]
    if back or fwd:
        story += [Spacer(1, 2 * mm), table(
            ["Direction", "Depth", "Lot", "Via", "Qty", "Item", "Status", "Supplier lot"],
            _genealogy_rows("from", back) + _genealogy_rows("into", fwd),
            [16 * mm, 11 * mm, 24 * mm, 14 * mm, 16 * mm, 47 * mm, 20 * mm, 22 * mm])]
        hidden = max(0, len(back) - MAX_GENEALOGY_ROWS) + max(0, len(fwd) - MAX_GENEALOGY_ROWS)
        if hidden:
            story.append(para(f"… and {hidden} more lots (see `lotproof trace`).", NOTE))
    return story


def _shipments_section(data: LotDossierData) -> list[Flowable]:
    own = [s for s in data.forward.shipments if s.lot_code == data.lot.lot_code]
    rows = [[s.shipment, when(s.shipped_at), lines(s.customer, s.customer_code),
             s.ship_to or "", f"{_q(s.qty)} {data.lot.uom}"] for s in own[:MAX_SHIPMENT_ROWS]]
    story: list[Flowable] = [Paragraph(SECTIONS[7], H2), table_or(
        ["Shipment", "Shipped (UTC)", "Customer", "Ship-to", "Quantity"], rows,
        [26 * mm, 26 * mm, 46 * mm, 50 * mm, 22 * mm],
        "This lot itself was not shipped" + (" (its descendants were: see Genealogy)."
                                             if data.forward.shipments else "."))]
    if len(own) > MAX_SHIPMENT_ROWS:
        story.append(para(f"… and {len(own) - MAX_SHIPMENT_ROWS} more shipment lines.", NOTE))
    return story


def _trail_section(trail: list[TrailEntry]) -> list[Flowable]:
    shown = trail[:MAX_TRAIL_ROWS]
    story: list[Flowable] = [
        Paragraph(SECTIONS[8], H2),
        para(f"{len(trail)} entries, oldest first: changes to the lot, to the documents that "
             "apply to it and the signatures on its decisions. Server clock, UTC.", NOTE),
        Spacer(1, 1 * mm),
        table_or(["#", "When (UTC)", "Who", "Action", "Record", "Changes", "Reason"],
                 [[e.id, when(e.at, seconds=True),
                   lines(e.printed_name or e.username, e.username if e.printed_name else ""),
                   dotted(e.action, 16), dotted(f"{e.record_type} {e.record_id or ''}", 16),
                   lines(e.changes()[:300], style=WRAP), e.reason or ""] for e in shown],
                 [10 * mm, 18 * mm, 24 * mm, 24 * mm, 26 * mm, 48 * mm, 20 * mm],
                 "No audit entries."),
    ]
    if len(trail) > MAX_TRAIL_ROWS:
        story.append(para(f"… and {len(trail) - MAX_TRAIL_ROWS} more entries (the evidence "
                          "bundle's CSV has them all).", NOTE))
    return story


def render(data: LotDossierData) -> bytes:
    lot = data.lot
    story: list[Flowable] = [
        Paragraph(f"Lot dossier {lot.lot_code}", H1),
        para(f"{lot.item_sku} {lot.item_name} — status at printing: "
             f"{lot.status.replace('_', ' ')}", BODY),
        *([para(f"Made at the {data.audit_head}.", BODY)] if data.audit_head else []),
        Spacer(1, 2 * mm),
        *_lot_section(lot),
        *_supplier_section(lot, data.receipts),
        Paragraph(SECTIONS[2], H2),
        documents_table(data.documents),
        *_results_section(data),
        *_history_section(data.history),
        *_inspection_section(data),
        *_genealogy_section(data),
        *_shipments_section(data),
        *_trail_section(data.trail),
    ]
    return build(story, title=f"Lot dossier {lot.lot_code}", generated_by=data.generated_by,
                 generated_at=data.generated_at)
