"""Supplier documents for tests: a COA for a lot in the test database, written as a PDF file."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from app.db.demo.documents import coa_pdf, coa_rows


def coa_for_a_quarantine_lot(owner: Engine, folder: Path, *, seed: int = 3,
                             out_of_spec: bool = False) -> tuple[Path, str, str]:
    """A COA whose lot number is the supplier lot code of a receipt lot in quarantine with no
    document yet; returns (file, lot code, supplier lot code)."""
    code, supplier_lot, product, supplier, category, made, expires = quarantine_lot_for_coa(
        owner, offset=seed % 3)
    pdf = coa_pdf(supplier=supplier, product=product, supplier_lot=supplier_lot,
                  manufactured=made, expires=expires,
                  rows=coa_rows(random.Random(seed), category, out_of_spec=out_of_spec))
    path = folder / f"COA {supplier_lot.replace('/', '-')}.pdf"
    path.write_bytes(pdf)
    return path, code, supplier_lot


def quarantine_lot_for_coa(owner: Engine, *, offset: int = 0,
                           categories: tuple[str, ...] | None = None) -> tuple[Any, ...]:
    """A receipt lot in quarantine with no document yet, whose supplier lot code no other lot
    shares: (lot code, supplier lot code, product, supplier, category, made, expires)."""
    with owner.connect() as conn:
        return tuple(conn.execute(text("""
            SELECT l.lot_code, l.supplier_lot_code, i.name, s.name, i.category,
                   l.manufacture_date, l.expiry_date
            FROM quality.lots l JOIN erp.items i ON i.id = l.item_id
            JOIN erp.suppliers s ON s.id = l.supplier_id
            WHERE l.status = 'quarantine' AND l.origin = 'receipt'
              AND (CAST(:categories AS text[]) IS NULL OR i.category = ANY(:categories))
              AND NOT EXISTS (SELECT 1 FROM quality.document_links k WHERE k.lot_id = l.id)
              AND (SELECT count(*) FROM quality.lots o
                   WHERE o.supplier_lot_code = l.supplier_lot_code) = 1
            ORDER BY l.id LIMIT 1 OFFSET :n"""),
            {"n": offset, "categories": list(categories) if categories else None}).one())
