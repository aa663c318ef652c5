"""The documents behind a lot and its COA results against the company's specification."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, text


@dataclass(frozen=True)
class LinkedDocument:
    id: int
    file_name: str
    kind: str
    sha256: str
    status: str
    linked_to: str
    uploaded_at: dt.datetime
    verified_by: str | None
    verified_at: dt.datetime | None
    superseded: bool


@dataclass(frozen=True)
class ResultAgainstSpec:
    test: str
    method: str | None
    result: str
    spec: str
    supplier_spec: str | None
    within_spec: bool | None  # None: no company spec for this test


def documents_for_lot(conn: Connection, lot_code: str) -> list[LinkedDocument]:
    return [LinkedDocument(*r) for r in conn.execute(text("""
        SELECT DISTINCT ON (d.id) d.id, d.file_name, d.kind, d.sha256, d.status,
               CASE WHEN k.lot_id IS NOT NULL THEN 'lot'
                    WHEN k.item_id IS NOT NULL THEN 'item' ELSE 'supplier' END,
               d.uploaded_at, coalesce(u.printed_name, d.verified_by), d.verified_at,
               d.superseded_by_id IS NOT NULL
        FROM quality.lots l
        JOIN quality.document_links k
          ON k.lot_id = l.id OR k.item_id = l.item_id OR k.supplier_id = l.supplier_id
        JOIN quality.documents d ON d.id = k.document_id
        LEFT JOIN quality.users u ON u.username = d.verified_by
        WHERE l.lot_code = :code
        ORDER BY d.id"""), {"code": lot_code})]


def results_for_lot(conn: Connection, lot_code: str) -> list[ResultAgainstSpec]:
    rows = conn.execute(text("""
        SELECT r.test, r.method, r.value, r.unit, r.result_text, r.specification,
               s.min_value, s.max_value, s.text_requirement, s.unit
        FROM quality.lots l
        CROSS JOIN LATERAL quality.lot_results(l.id) r
        LEFT JOIN quality.item_specs s
          ON s.item_id = l.item_id AND s.active AND lower(s.test) = lower(r.test)
        WHERE l.lot_code = :code
        ORDER BY r.id"""), {"code": lot_code}).all()
    return [_against_spec(*r) for r in rows]


def _against_spec(test: str, method: str | None, value: Decimal | None, unit: str | None,
                  result_text: str | None, supplier_spec: str | None, lo: Decimal | None,
                  hi: Decimal | None, text_req: str | None,
                  spec_unit: str | None) -> ResultAgainstSpec:
    result = (f"{value.normalize():f} {unit or ''}".strip() if value is not None
              else (result_text or ""))
    if lo is None and hi is None and text_req is None:
        return ResultAgainstSpec(test, method, result, "—", supplier_spec, None)
    if text_req is not None:
        ok = (result_text or "").lower().startswith(text_req.lower())
        return ResultAgainstSpec(test, method, result, text_req, supplier_spec, ok)
    spec = " – ".join(f"{v.normalize():f}" for v in (lo, hi) if v is not None)
    if lo is not None and hi is None:
        spec = f"≥ {lo.normalize():f}"
    elif hi is not None and lo is None:
        spec = f"≤ {hi.normalize():f}"
    spec = f"{spec} {spec_unit or ''}".strip()
    ok = value is not None and (lo is None or value >= lo) and (hi is None or value <= hi)
    return ResultAgainstSpec(test, method, result, spec, supplier_spec, ok)
