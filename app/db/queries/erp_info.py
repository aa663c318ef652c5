"""The ERP adapter a database works with and the counts of what its `erp` interface shows."""

from __future__ import annotations

from sqlalchemy import Connection, text

from app.db import definitions

#: What `lotproof erp info` counts, in the order it prints them.
COUNTED = ("sites", "locations", "items", "suppliers", "customers", "lots", "movements",
           "lot_genealogy", "receipts", "sales_orders", "allocations", "shipments", "returns",
           "transfers", "transformations")


def erp_info(conn: Connection) -> dict[str, str | int]:
    settings: dict[str, str] = dict(conn.execute(text(
        "SELECT key, value FROM quality.settings WHERE key = 'erp_adapter'")).all())
    facts: dict[str, str | int] = {"erp": settings.get("erp_adapter",
                                                        definitions.DEFAULT_ADAPTER)}
    for relation in COUNTED:
        facts[relation] = int(conn.execute(text(f"SELECT count(*) FROM erp.{relation}")).scalar_one())
    facts["lots_with_quality_state"] = int(conn.execute(text(
        "SELECT count(*) FROM quality.lots")).scalar_one())
    return facts
