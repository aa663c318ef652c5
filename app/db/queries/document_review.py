"""Reading stored documents: the queue, one document with its fields and results, and the lots a
lot number read from a document or label may mean."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text


@dataclass(frozen=True)
class DocumentSummary:
    id: int
    file_name: str
    kind: str
    status: str
    page_count: int
    uploaded_by: str
    uploaded_at: dt.datetime
    lots: list[str]
    lot_number: str | None
    superseded: bool


@dataclass(frozen=True)
class FieldRow:
    id: int
    name: str
    value: Any
    corrected_value: Any
    page: int | None
    bbox: list[float] | None
    confidence: float
    method: str | None
    source_text: str | None
    confirmed_by: str | None
    corrected_by: str | None
    correction_reason: str | None
    doubt: str | None = None  # why the reader's confidence is low, from the stored extraction

    @property
    def current(self) -> Any:
        return self.corrected_value if self.corrected_by is not None else self.value


@dataclass(frozen=True)
class ResultLine:
    id: int
    test: str
    method: str | None
    specification: str | None
    value: Decimal | None
    unit: str | None
    result_text: str | None
    stated_pass: bool | None
    page: int | None
    bbox: list[float] | None
    confidence: float | None
    confirmed_by: str | None
    corrected_by: str | None
    correction_reason: str | None
    bound: str | None = None  # "<" or ">": the result is a bound ("<0.05"), not a value
    doubt: str | None = None  # why the reader gave it a low confidence

    @property
    def shown_result(self) -> str:
        """The result as a person reads it: the bound kept ("<0.05")."""
        if self.value is None:
            return self.result_text or ""
        number = f"{self.value.normalize():f}" if isinstance(self.value, Decimal) else str(self.value)
        return f"{self.bound or ''}{number}"


@dataclass(frozen=True)
class DocumentReview:
    summary: DocumentSummary
    mime_type: str
    sha256: str
    kind_confidence: float | None
    pages: list[dict[str, Any]]
    fields: list[FieldRow]
    results: list[ResultLine]
    links: list[str]


@dataclass(frozen=True)
class LotCandidate:
    lot_code: str
    supplier_lot_code: str | None
    item: str
    supplier: str | None
    status: str
    gtin: str | None
    match: str = ""  # exact, normalised or confusable: how the code matched


_SUMMARY = """
    SELECT d.id, d.file_name, d.kind, d.status, d.page_count, d.uploaded_by, d.uploaded_at,
           coalesce(ARRAY(SELECT l.lot_code FROM quality.document_links k
                          JOIN quality.lots l ON l.id = k.lot_id
                          WHERE k.document_id = d.id ORDER BY l.lot_code), '{}'),
           (SELECT coalesce(f.corrected_value, f.value) #>> '{}' FROM quality.extracted_fields f
            WHERE f.document_id = d.id AND f.name = 'lot_number'),
           d.superseded_by_id IS NOT NULL
    FROM quality.documents d
"""


def queue(conn: Connection, *, status: str | None = None, limit: int = 300) -> list[DocumentSummary]:
    where = "WHERE d.status = :status" if status else ""
    rows = conn.execute(text(f"{_SUMMARY} {where} ORDER BY d.uploaded_at DESC, d.id DESC "
                             "LIMIT :limit"), {"status": status, "limit": limit})
    return [DocumentSummary(*r) for r in rows]


def documents_of_lot(conn: Connection, lot_code: str) -> list[DocumentSummary]:
    rows = conn.execute(text(f"""{_SUMMARY}
        WHERE d.id IN (SELECT k.document_id FROM quality.document_links k
                       JOIN quality.lots l ON (k.lot_id = l.id OR k.item_id = l.item_id
                                           OR k.supplier_id = l.supplier_id)
                       WHERE l.lot_code = :code)
        ORDER BY d.uploaded_at DESC"""), {"code": lot_code})
    return [DocumentSummary(*r) for r in rows]


def review(conn: Connection, document_id: int) -> DocumentReview | None:
    head = conn.execute(text(f"{_SUMMARY} WHERE d.id = :id"), {"id": document_id}).first()
    if head is None:
        return None
    extra = conn.execute(text(
        "SELECT mime_type, sha256, kind_confidence, coalesce(extraction -> 'pages', '[]') "
        "FROM quality.documents WHERE id = :id"), {"id": document_id}).one()
    fields = [FieldRow(*r) for r in conn.execute(text("""
        SELECT f.id, f.name, f.value, f.corrected_value, f.page, f.bbox, f.confidence, f.method,
               f.source_text, f.confirmed_by, f.corrected_by, f.correction_reason,
               d.extraction -> 'fields' -> f.name ->> 'doubt'
        FROM quality.extracted_fields f JOIN quality.documents d ON d.id = f.document_id
        WHERE f.document_id = :id ORDER BY f.id"""),
        {"id": document_id})]
    results = [ResultLine(*r) for r in conn.execute(text("""
        SELECT id, test, method, specification, value, unit, result_text, stated_pass, page,
               bbox, confidence, confirmed_by, corrected_by, correction_reason,
               quality.result_bound(result_text), original ->> 'doubt'
        FROM quality.coa_results WHERE document_id = :id ORDER BY id"""), {"id": document_id})]
    links = list(conn.execute(text("""
        SELECT coalesce('lot ' || l.lot_code, 'item ' || i.sku || ' ' || i.name,
                        'supplier ' || s.name)
        FROM quality.document_links k
        LEFT JOIN quality.lots l ON l.id = k.lot_id
        LEFT JOIN erp.items i ON i.id = k.item_id
        LEFT JOIN erp.suppliers s ON s.id = k.supplier_id
        WHERE k.document_id = :id ORDER BY k.id"""), {"id": document_id}).scalars())
    return DocumentReview(DocumentSummary(*head), extra[0], extra[1], extra[2], list(extra[3]),
                          fields, results, links)


def content(conn: Connection, document_id: int) -> bytes:
    return bytes(conn.execute(text("SELECT content FROM quality.documents WHERE id = :id"),
                              {"id": document_id}).scalar_one())


def lots_matching(conn: Connection, code: str, *, gtin: str | None = None,
                  limit: int = 50) -> list[LotCandidate]:
    """Lots whose own or supplier lot code equals `code` up to case, separators and look-alike
    characters (indexed), optionally of the item with this GTIN."""
    rows = conn.execute(text("""
        SELECT l.lot_code, l.supplier_lot_code, i.sku || ' ' || i.name, s.name, l.status, i.gtin
        FROM quality.lots l JOIN erp.items i ON i.id = l.item_id
        LEFT JOIN erp.suppliers s ON s.id = l.supplier_id
        WHERE (quality.lot_match_key(l.supplier_lot_code) = quality.lot_match_key(:code)
               OR quality.lot_match_key(l.lot_code) = quality.lot_match_key(:code))
          AND (CAST(:gtin AS text) IS NULL OR i.gtin = :gtin)
        ORDER BY l.lot_code LIMIT :limit"""), {"code": code, "gtin": gtin, "limit": limit})
    return [LotCandidate(*r) for r in rows]
