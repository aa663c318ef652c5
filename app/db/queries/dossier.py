"""What a lot dossier, a supplier dossier and an evidence bundle read beyond the lot screen:
receipts, documents with their hashes and bytes, results with where they were read, the lot's
audit trail (its own rows and those of its documents and signatures), COA trends of an item, and a
supplier's approvals and documents."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, text

from app.db.queries.audit_trail import TrailEntry
from app.db.queries.lot_detail import LotNotFound
from app.db.queries.lot_documents import ResultAgainstSpec, _against_spec


class SupplierNotFound(LookupError):
    pass


@dataclass(frozen=True)
class LotKeys:
    id: int
    lot_code: str
    item_id: int
    supplier_id: int | None


@dataclass(frozen=True)
class ReceiptRow:
    receipt_number: str
    received_at: dt.datetime
    po_number: str | None
    packing_slip: str | None
    supplier: str
    site: str
    location: str
    qty: Decimal


@dataclass(frozen=True)
class DocumentRow:
    id: int
    file_name: str
    kind: str
    status: str
    sha256: str
    size_bytes: int
    mime_type: str
    linked_to: str  # lot, item or supplier (for a supplier dossier: the item, if any)
    uploaded_by: str
    uploaded_at: dt.datetime
    verified_by: str | None
    verified_at: dt.datetime | None
    revision_date: dt.date | None
    superseded: bool


@dataclass(frozen=True)
class ResultRow:
    """A verified COA result judged against the company's spec, with the document it was read
    from and who confirmed or corrected it."""

    judged: ResultAgainstSpec
    document_id: int
    file_name: str
    confirmed_by: str | None
    corrected_by: str | None
    correction_reason: str | None


@dataclass(frozen=True)
class TrendPoint:
    lot_code: str
    at: dt.datetime
    test: str
    value: Decimal
    unit: str | None


@dataclass(frozen=True)
class SpecLimit:
    test: str
    min_value: Decimal | None
    max_value: Decimal | None
    unit: str | None


@dataclass(frozen=True)
class SupplierRow:
    id: int
    code: str
    name: str
    country: str | None
    approval_status: str
    contact_name: str | None
    contact_email: str | None
    items: int
    lots: int
    first_receipt: dt.datetime | None
    last_receipt: dt.datetime | None
    lots_by_status: dict[str, int]


@dataclass(frozen=True)
class ApprovalRow:
    category: str
    version: int
    status: str
    reason: str
    set_by: str
    set_at: dt.datetime


@dataclass(frozen=True)
class CategoryStatus:
    category: str
    status: str
    version: int | None  # None: no approval recorded, the ERP's status applies


def lot_keys(conn: Connection, lot_code: str) -> LotKeys:
    row = conn.execute(text(
        "SELECT id, lot_code, item_id, supplier_id FROM quality.lots WHERE lot_code = :code"),
        {"code": lot_code}).first()
    if row is None:
        raise LotNotFound(f"no lot {lot_code!r}")
    return LotKeys(int(row[0]), str(row[1]), int(row[2]),
                   None if row[3] is None else int(row[3]))


def receipts(conn: Connection, lot_id: int) -> list[ReceiptRow]:
    return [ReceiptRow(*r) for r in conn.execute(text("""
        SELECT r.receipt_number, r.received_at, po.po_number, r.packing_slip, s.name, site.code,
               loc.code, rl.qty
        FROM erp.receipt_lines rl JOIN erp.receipts r ON r.id = rl.receipt_id
        JOIN erp.suppliers s ON s.id = r.supplier_id JOIN erp.sites site ON site.id = r.site_id
        JOIN erp.locations loc ON loc.id = rl.location_id
        LEFT JOIN erp.purchase_orders po ON po.id = r.po_id
        WHERE rl.lot_id = :lot ORDER BY r.received_at, rl.id"""), {"lot": lot_id})]


_DOCUMENT_COLUMNS = """
    d.id, d.file_name, d.kind, d.status, d.sha256, d.size_bytes, d.mime_type, {linked_to},
    coalesce(up.printed_name, d.uploaded_by), d.uploaded_at,
    coalesce(ver.printed_name, d.verified_by), d.verified_at, d.revision_date,
    d.superseded_by_id IS NOT NULL
"""
_DOCUMENT_NAMES = """
    LEFT JOIN quality.users up ON up.username = d.uploaded_by
    LEFT JOIN quality.users ver ON ver.username = d.verified_by
"""


# A link applies to a lot when it names the lot, or names no lot and every target it names (the
# item, the supplier) is the lot's: a supplier's SDS for another item does not apply.
_APPLIES = """(k.lot_id = :lot OR (k.lot_id IS NULL
                 AND (k.item_id IS NULL OR k.item_id = :item)
                 AND (k.supplier_id IS NULL OR k.supplier_id = :supplier)))"""


def lot_documents(conn: Connection, lot: LotKeys) -> list[DocumentRow]:
    """Every document that applies to the lot: linked to it, to its item or to its supplier."""
    linked_to = ("CASE WHEN bool_or(k.lot_id = :lot) THEN 'lot' "
                 "WHEN bool_or(k.item_id = :item) THEN 'item' ELSE 'supplier' END")
    sql = f"""
        SELECT {_DOCUMENT_COLUMNS.format(linked_to=linked_to)}
        FROM quality.document_links k JOIN quality.documents d ON d.id = k.document_id
        {_DOCUMENT_NAMES}
        WHERE {_APPLIES}
        GROUP BY d.id, up.printed_name, ver.printed_name
        ORDER BY d.id"""
    return [DocumentRow(*r) for r in conn.execute(text(sql), {
        "lot": lot.id, "item": lot.item_id, "supplier": lot.supplier_id})]


def supplier_documents(conn: Connection, supplier_id: int) -> list[DocumentRow]:
    linked_to = ("coalesce(string_agg(DISTINCT i.sku, ', '), 'supplier')")
    sql = f"""
        SELECT {_DOCUMENT_COLUMNS.format(linked_to=linked_to)}
        FROM quality.document_links k JOIN quality.documents d ON d.id = k.document_id
        LEFT JOIN erp.items i ON i.id = k.item_id
        {_DOCUMENT_NAMES}
        WHERE k.supplier_id = :supplier
        GROUP BY d.id, up.printed_name, ver.printed_name
        ORDER BY d.id"""
    return [DocumentRow(*r) for r in conn.execute(text(sql), {"supplier": supplier_id})]


def document_content(conn: Connection, document_id: int) -> bytes:
    """The bytes of a document exactly as stored."""
    return bytes(conn.execute(text("SELECT content FROM quality.documents WHERE id = :id"),
                              {"id": document_id}).scalar_one())


def results(conn: Connection, lot_id: int) -> list[ResultRow]:
    """The verified COA results that reach the lot (`quality.lot_results`), against the item's
    active spec, judged as the lot screen and the release certificate judge them."""
    rows = conn.execute(text("""
        SELECT r.test, r.method, r.value, r.unit, r.result_text, r.specification,
               s.min_value, s.max_value, s.text_requirement, s.unit,
               r.document_id, d.file_name, coalesce(cu.printed_name, r.confirmed_by),
               coalesce(xu.printed_name, r.corrected_by), r.correction_reason
        FROM quality.lots l
        CROSS JOIN LATERAL quality.lot_results(l.id) r
        JOIN quality.documents d ON d.id = r.document_id
        LEFT JOIN quality.item_specs s
          ON s.item_id = l.item_id AND s.active AND lower(s.test) = lower(r.test)
        LEFT JOIN quality.users cu ON cu.username = r.confirmed_by
        LEFT JOIN quality.users xu ON xu.username = r.corrected_by
        WHERE l.id = :lot
        ORDER BY r.id"""), {"lot": lot_id}).all()
    return [ResultRow(_against_spec(*r[:10]), int(r[10]), str(r[11]), r[12], r[13], r[14])
            for r in rows]


def lot_trail(conn: Connection, lot: LotKeys, document_ids: list[int],
              limit: int = 100_000) -> list[TrailEntry]:
    """The lot's audit trail, oldest first: rows about the lot, and rows about the documents
    that apply to it (stored, read, confirmed, verified, linked) and the signatures on its
    decisions, which the trail records without the lot."""
    return [TrailEntry(*r) for r in conn.execute(text(f"""
        WITH docs AS (SELECT unnest(CAST(:docs AS bigint[])) AS id),
        keys(record_type, record_id) AS (
            SELECT 'quality.documents', CAST(id AS text) FROM docs
            UNION ALL
            SELECT 'quality.extracted_fields', CAST(f.id AS text) FROM quality.extracted_fields f
            WHERE f.document_id IN (SELECT id FROM docs)
            UNION ALL
            SELECT 'quality.coa_results', CAST(r.id AS text) FROM quality.coa_results r
            WHERE r.document_id IN (SELECT id FROM docs)
            UNION ALL
            SELECT 'quality.document_links', CAST(k.id AS text) FROM quality.document_links k
            WHERE k.document_id IN (SELECT id FROM docs) AND {_APPLIES}
            UNION ALL
            SELECT 'quality.signatures', CAST(s.id AS text) FROM quality.signatures s
            WHERE (s.record_type = 'lot_decision' AND s.record_id IN (
                       SELECT id FROM quality.lot_decisions WHERE lot_id = :lot))
               OR (s.record_type = 'recall' AND s.record_id IN (
                       SELECT recall_id FROM quality.lot_decisions
                       WHERE lot_id = :lot AND action = 'recall_hold'))
        ),
        ids AS (
            SELECT id FROM audit.trail WHERE lot_id = :lot
            UNION
            SELECT t.id FROM keys k
            JOIN audit.trail t ON t.record_type = k.record_type AND t.record_id = k.record_id
        )
        SELECT t.id, t.at, t.username, t.printed_name, t.role, t.workstation, t.action,
               t.record_type, t.record_id, l.lot_code, t.old_values, t.new_values, t.reason,
               t.signature_id
        FROM ids JOIN audit.trail t ON t.id = ids.id LEFT JOIN quality.lots l ON l.id = t.lot_id
        ORDER BY t.id LIMIT :limit"""), {
        "lot": lot.id, "item": lot.item_id, "supplier": lot.supplier_id,
        "docs": document_ids, "limit": limit})]


def item_specs(conn: Connection, item_id: int) -> list[SpecLimit]:
    return [SpecLimit(*r) for r in conn.execute(text("""
        SELECT test, min_value, max_value, unit FROM quality.item_specs
        WHERE item_id = :item AND active ORDER BY id"""), {"item": item_id})]


def item_trend(conn: Connection, item_id: int, limit: int = 5000) -> list[TrendPoint]:
    """The latest verified numeric COA result of each test for the item's lots, in receipt
    order (the newest `limit` points). Set-based: one statement for all the item's lots."""
    rows = conn.execute(text("""
        WITH lots AS (SELECT id, lot_code, created_at FROM quality.lots WHERE item_id = :item),
        reach AS (
            SELECT r.lot_id, r.id, r.test, r.value, r.unit FROM quality.coa_results r
            JOIN quality.documents d ON d.id = r.document_id
                                    AND d.status = 'verified' AND d.kind = 'coa'
            WHERE r.lot_id IN (SELECT id FROM lots)
            UNION
            SELECT k.lot_id, r.id, r.test, r.value, r.unit FROM quality.document_links k
            JOIN quality.coa_results r ON r.document_id = k.document_id
            JOIN quality.documents d ON d.id = r.document_id
                                    AND d.status = 'verified' AND d.kind = 'coa'
            WHERE k.lot_id IN (SELECT id FROM lots)
        ),
        latest AS (
            SELECT DISTINCT ON (lot_id, lower(test)) lot_id, test, value, unit
            FROM reach ORDER BY lot_id, lower(test), id DESC
        )
        SELECT l.lot_code,
               coalesce((SELECT min(rc.received_at) FROM erp.receipt_lines rl
                         JOIN erp.receipts rc ON rc.id = rl.receipt_id
                         WHERE rl.lot_id = l.id), l.created_at) AS at,
               t.test, t.value, t.unit
        FROM latest t JOIN lots l ON l.id = t.lot_id
        WHERE t.value IS NOT NULL
        ORDER BY at DESC, l.lot_code DESC LIMIT :limit"""), {"item": item_id, "limit": limit})
    return [TrendPoint(*r) for r in reversed(rows.all())]


def supplier(conn: Connection, code: str) -> SupplierRow:
    row = conn.execute(text("""
        SELECT s.id, s.code, s.name, s.country, s.approval_status, s.contact_name,
               s.contact_email,
               (SELECT count(DISTINCT item_id) FROM quality.lots WHERE supplier_id = s.id),
               (SELECT count(*) FROM quality.lots WHERE supplier_id = s.id),
               (SELECT min(received_at) FROM erp.receipts WHERE supplier_id = s.id),
               (SELECT max(received_at) FROM erp.receipts WHERE supplier_id = s.id),
               (SELECT coalesce(jsonb_object_agg(status, n), '{}'::jsonb) FROM (
                    SELECT status, count(*) AS n FROM quality.lots WHERE supplier_id = s.id
                    GROUP BY status) x)
        FROM erp.suppliers s WHERE s.code = :code"""), {"code": code}).first()
    if row is None:
        raise SupplierNotFound(f"no supplier {code!r}")
    (sid, code_, name, country, status, contact, email, items, lots, first, last,
     by_status) = row
    return SupplierRow(int(sid), str(code_), str(name), country, str(status), contact, email,
                       int(items), int(lots), first, last,
                       {str(k): int(v) for k, v in by_status.items()})


def supplier_approvals(conn: Connection, supplier_id: int) -> list[ApprovalRow]:
    """Every version of the supplier's approval for each category, oldest first."""
    return [ApprovalRow(*r) for r in conn.execute(text("""
        SELECT a.category, a.version, a.status, a.reason, coalesce(u.printed_name, a.set_by),
               a.set_at
        FROM quality.supplier_approvals a LEFT JOIN quality.users u ON u.username = a.set_by
        WHERE a.supplier_id = :s ORDER BY a.category, a.version"""), {"s": supplier_id})]


def supplier_categories(conn: Connection, supplier_id: int) -> list[CategoryStatus]:
    """The status that applies now for each category the supplier delivers or was judged in."""
    return [CategoryStatus(*r) for r in conn.execute(text("""
        WITH cats AS (
            SELECT DISTINCT i.category FROM quality.lots l JOIN erp.items i ON i.id = l.item_id
            WHERE l.supplier_id = :s
            UNION SELECT category FROM quality.supplier_approvals WHERE supplier_id = :s
        )
        SELECT c.category, coalesce(a.status, s.approval_status), a.version
        FROM cats c CROSS JOIN erp.suppliers s
        LEFT JOIN LATERAL (SELECT status, version FROM quality.supplier_approvals x
                           WHERE x.supplier_id = :s AND x.category = c.category
                           ORDER BY x.version DESC LIMIT 1) a ON true
        WHERE s.id = :s ORDER BY c.category"""), {"s": supplier_id})]
