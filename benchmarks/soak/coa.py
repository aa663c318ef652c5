"""A supplier's COA for a lot in quarantine, as the inspector drops it on the lot; each file is
unique (the token is printed on it), so the database stores every one as a new document."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from pathlib import Path

from app.db.demo.documents import coa_pdf, coa_rows
from app.db.queries.lot_browser import LotRow


def write_coa(folder: Path, lot: LotRow, category: str, token: str,
              rng: random.Random) -> tuple[Path, str]:
    """The file and its SHA-256."""
    made = lot.manufacture_date or dt.date.today() - dt.timedelta(days=20)
    expires = lot.expiry_date or made + dt.timedelta(days=720)
    data = coa_pdf(supplier=lot.supplier_name or "Unknown Supplier",
                   product=f"{lot.item_name} (ref {token})",
                   supplier_lot=lot.supplier_lot_code or lot.lot_code, manufactured=made,
                   expires=expires, rows=coa_rows(rng, category, out_of_spec=rng.random() < 0.1))
    path = folder / f"COA {token}.pdf"
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()
