"""The lot browser's queries: keyset-paged, server-side, indexed for a million lots.

A page is asked for with the sort key of the last row already shown (a `Cursor`), never with an
OFFSET, so page 5,000 costs what page 1 costs. Sorting by a lot column walks that column's index;
sorting by an item or supplier column walks the small dimension table in order and, for each of
its rows, the lots of that row in lot-code order (a LATERAL join), so no sort of all lots is needed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from app.db.lot_status import STATUSES as LOT_STATUSES


@dataclass(frozen=True)
class LotFilter:
    search: str = ""
    statuses: tuple[str, ...] = ()
    site_id: int | None = None
    expiring_within_days: int | None = None
    today: dt.date | None = None


@dataclass(frozen=True)
class SortKey:
    """A sortable column: on the lots table itself, or on a dimension (items, suppliers)."""

    name: str
    label: str
    lot_column: str | None = None
    dimension: tuple[str, str, str] | None = None  # (table, column, lots foreign key)
    nullable: bool = False


SORT_KEYS: dict[str, SortKey] = {
    k.name: k
    for k in (
        SortKey("lot_code", "Lot", lot_column="lot_code"),
        SortKey("supplier_lot_code", "Supplier lot", lot_column="supplier_lot_code", nullable=True),
        SortKey("item_sku", "SKU", dimension=("items", "sku", "item_id")),
        SortKey("item_name", "Item", dimension=("items", "name", "item_id")),
        SortKey("supplier_name", "Supplier", dimension=("suppliers", "name", "supplier_id")),
        SortKey("status", "Status", lot_column="status"),
        SortKey("manufacture_date", "Manufactured", lot_column="manufacture_date", nullable=True),
        SortKey("expiry_date", "Expires", lot_column="expiry_date", nullable=True),
        SortKey("created_at", "Created", lot_column="created_at"),
    )
}


@dataclass(frozen=True)
class Cursor:
    """Where the previous page ended: the sort value, the dimension row id and the lot code."""

    value: Any
    lot_code: str
    dimension_id: int | None = None
    in_nulls: bool = False


@dataclass(frozen=True)
class LotRow:
    id: int
    lot_code: str
    supplier_lot_code: str | None
    item_sku: str
    item_name: str
    supplier_name: str | None
    status: str
    manufacture_date: dt.date | None
    expiry_date: dt.date | None
    created_at: dt.datetime
    on_hand: Decimal
    uom: str
    item_id: int = field(repr=False, default=0)
    supplier_id: int | None = field(repr=False, default=None)

    def sort_value(self, key: SortKey) -> Any:
        return getattr(self, key.name)


@dataclass(frozen=True)
class Page:
    rows: list[LotRow]
    next_cursor: Cursor | None


_SELECT = """
    l.id, l.lot_code, l.supplier_lot_code, i.sku AS item_sku, i.name AS item_name,
    s.name AS supplier_name, l.status, l.manufacture_date, l.expiry_date, l.created_at,
    coalesce((SELECT sum(st.qty) FROM erp.stock st WHERE st.lot_id = l.id), 0) AS on_hand,
    i.uom, l.item_id, l.supplier_id
"""
_JOINS = """
    JOIN erp.items i ON i.id = l.item_id
    LEFT JOIN erp.suppliers s ON s.id = l.supplier_id
"""


def _filters(conn: Connection, f: LotFilter, params: dict[str, Any]) -> list[str]:
    clauses: list[str] = []
    needle = f.search.strip().lower()
    if needle:
        # Items and suppliers are small tables: match them first, so the lots condition is an OR
        # of four indexed conditions the planner can combine (no scan of all lots).
        prefix = _like_escape(needle) + "%"
        contains = "%" + _like_escape(needle) + "%"
        params["prefix"] = prefix
        params["item_ids"] = list(conn.execute(text(
            "SELECT id FROM erp.items WHERE lower(sku) LIKE :p OR lower(name) LIKE :c "
            "OR gtin LIKE :p"), {"p": prefix, "c": contains}).scalars())
        params["supplier_ids"] = list(conn.execute(text(
            "SELECT id FROM erp.suppliers WHERE lower(name) LIKE :c OR lower(code) LIKE :p"),
            {"p": prefix, "c": contains}).scalars())
        clauses.append(
            "(lower(l.lot_code) LIKE :prefix OR lower(l.supplier_lot_code) LIKE :prefix"
            " OR l.item_id = ANY(:item_ids) OR l.supplier_id = ANY(:supplier_ids))"
        )
    if f.statuses:
        unknown = set(f.statuses) - set(LOT_STATUSES)
        if unknown:
            raise ValueError(f"unknown lot status {', '.join(sorted(unknown))}")
        params["statuses"] = list(f.statuses)
        clauses.append("l.status = ANY(:statuses)")
    if f.site_id is not None:
        params["site_id"] = f.site_id
        clauses.append(
            """EXISTS (SELECT 1 FROM erp.stock st JOIN erp.locations loc ON loc.id = st.location_id
                       WHERE st.lot_id = l.id AND loc.site_id = :site_id AND st.qty > 0)"""
        )
    if f.expiring_within_days is not None:
        today = f.today or dt.date.today()
        params["exp_from"] = today
        params["exp_to"] = today + dt.timedelta(days=f.expiring_within_days)
        clauses.append("l.expiry_date BETWEEN :exp_from AND :exp_to")
    return clauses


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fetch_page(conn: Connection, f: LotFilter, sort: str = "lot_code", *, descending: bool = False,
               after: Cursor | None = None, limit: int = 200) -> Page:
    key = SORT_KEYS.get(sort)
    if key is None:
        raise ValueError(f"cannot sort lots by {sort!r}")
    if key.dimension:
        rows = _dimension_page(conn, f, key, descending, after, limit)
    else:
        rows = _lot_column_page(conn, f, key, descending, after, limit)
    next_cursor = None
    if len(rows) == limit:
        last = rows[-1]
        value = last.sort_value(key)
        next_cursor = Cursor(
            value=value,
            lot_code=last.lot_code,
            dimension_id=(last.item_id if key.dimension and key.dimension[2] == "item_id"
                          else last.supplier_id) if key.dimension else None,
            in_nulls=value is None,
        )
    return Page(rows, next_cursor)


def _lot_column_page(conn: Connection, f: LotFilter, key: SortKey, descending: bool,
                     after: Cursor | None, limit: int) -> list[LotRow]:
    assert key.lot_column is not None
    col = f"l.{key.lot_column}"
    direction = "DESC" if descending else "ASC"
    cmp = "<" if descending else ">"
    rows: list[LotRow] = []
    if after is None or not after.in_nulls:
        params: dict[str, Any] = {"limit": limit}
        clauses = _filters(conn, f, params)
        if key.nullable:
            clauses.append(f"{col} IS NOT NULL")
        if after is not None:
            params["v"], params["c"] = after.value, after.lot_code
            clauses.append(f"({col}, l.lot_code) {cmp} (:v, :c)")
        rows = _run(conn, clauses, f"{col} {direction}, l.lot_code {direction}", params)
        if len(rows) == limit or not key.nullable:
            return rows
        after = None
    # Rows without a value come last, in either direction.
    params = {"limit": limit - len(rows)}
    clauses = [*_filters(conn, f, params), f"{col} IS NULL"]
    if after is not None:
        params["c"] = after.lot_code
        clauses.append(f"l.lot_code {cmp} :c")
    return rows + _run(conn, clauses, f"l.lot_code {direction}", params)


def _run(conn: Connection, clauses: list[str], order: str, params: dict[str, Any]) -> list[LotRow]:
    where = " AND ".join(clauses) or "true"
    sql = f"SELECT {_SELECT} FROM quality.lots l {_JOINS} WHERE {where} ORDER BY {order} LIMIT :limit"
    return [LotRow(*r) for r in conn.execute(text(sql), params)]


def _dimension_page(conn: Connection, f: LotFilter, key: SortKey, descending: bool,
                    after: Cursor | None, limit: int) -> list[LotRow]:
    assert key.dimension is not None
    table, column, fk = key.dimension
    direction = "DESC" if descending else "ASC"
    cmp = "<" if descending else ">"
    params: dict[str, Any] = {"limit": limit}
    inner = _filters(conn, f, params)
    outer = ""
    if after is not None:
        params["v"], params["d"], params["c"] = after.value, after.dimension_id, after.lot_code
        outer = f"WHERE (d.{column}, d.id) {cmp}= (:v, :d)"
        inner.append(f"(d.id <> :d OR l.lot_code {cmp} :c)")
    where = " AND ".join([f"l.{fk} = d.id", *inner])
    sql = f"""
        SELECT x.* FROM (SELECT id, {column} FROM erp.{table} d {outer}
                         ORDER BY d.{column} {direction}, d.id {direction}) d
        CROSS JOIN LATERAL (
            SELECT {_SELECT} FROM quality.lots l {_JOINS} WHERE {where}
            ORDER BY l.lot_code {direction} LIMIT :limit) x
        ORDER BY d.{column} {direction}, d.id {direction}, x.lot_code {direction}
        LIMIT :limit
    """
    rows: list[LotRow] = []
    if after is None or not after.in_nulls:
        rows = [LotRow(*r) for r in conn.execute(text(sql), params)]
        if len(rows) == limit or fk != "supplier_id":
            return rows
        after = None
    # Lots made in-house (kits, blends) have no supplier; they come last.
    params = {"limit": limit - len(rows)}
    clauses = [*_filters(conn, f, params), f"l.{fk} IS NULL"]
    if after is not None:
        params["c"] = after.lot_code
        clauses.append(f"l.lot_code {cmp} :c")
    return rows + _run(conn, clauses, f"l.lot_code {direction}", params)


def lot_row(conn: Connection, lot_code: str) -> LotRow | None:
    rows = _run(conn, ["l.lot_code = :code"], "l.lot_code", {"code": lot_code, "limit": 1})
    return rows[0] if rows else None


def count_lots(conn: Connection, f: LotFilter) -> int:
    params: dict[str, Any] = {}
    where = " AND ".join(_filters(conn, f, params)) or "true"
    return int(conn.execute(text(f"SELECT count(*) FROM quality.lots l WHERE {where}"), params)
               .scalar_one())


def sites(conn: Connection) -> list[tuple[int, str, str]]:
    return [(r[0], r[1], r[2]) for r in conn.execute(
        text("SELECT id, code, name FROM erp.sites ORDER BY code"))]
