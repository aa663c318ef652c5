"""The lot browser's keyset paging returns exactly what one big sorted query would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from app.db.engine import make_engine
from app.db.queries.lot_browser import SORT_KEYS, LotFilter, count_lots, fetch_page
from app.db.server import ServerTarget


@pytest.fixture(scope="module")
def engine(shared_db: ServerTarget) -> Iterator[Engine]:
    e = make_engine(shared_db.admin_url)
    yield e
    e.dispose()


def _all_pages(engine: Engine, f: LotFilter, sort: str, descending: bool,
               limit: int) -> list[str]:
    codes: list[str] = []
    after = None
    with engine.connect() as conn:
        while True:
            page = fetch_page(conn, f, sort, descending=descending, after=after, limit=limit)
            codes += [r.lot_code for r in page.rows]
            if page.next_cursor is None:
                return codes
            after = page.next_cursor


def _reference(engine: Engine, f: LotFilter, sort: str, descending: bool) -> list[str]:
    """The same order from one plain query: NULLs last, ties by the sort key then lot code."""
    column = {
        "item_sku": "i.sku", "item_name": "i.name", "supplier_name": "s.name",
    }.get(sort, f"l.{sort}")
    tie = {"item_sku": "i.id", "item_name": "i.id", "supplier_name": "s.id"}.get(sort)
    direction = "DESC" if descending else "ASC"
    order = f"{column} {direction} NULLS LAST"
    if tie:
        order += f", {tie} {direction}"
    order += f", l.lot_code {direction}"
    where, params = ["true"], {}
    if f.statuses:
        where.append("l.status = ANY(:st)")
        params["st"] = list(f.statuses)
    with engine.connect() as conn:
        return list(conn.execute(text(
            f"SELECT l.lot_code FROM quality.lots l JOIN erp.items i ON i.id = l.item_id "
            f"LEFT JOIN erp.suppliers s ON s.id = l.supplier_id WHERE {' AND '.join(where)} "
            f"ORDER BY {order}"), params).scalars())


@pytest.mark.parametrize("sort", sorted(SORT_KEYS))
@pytest.mark.parametrize("descending", [False, True])
def test_pages_concatenate_to_the_full_sorted_list(engine: Engine, sort: str,
                                                   descending: bool) -> None:
    f = LotFilter(statuses=("available", "expired", "hold"))
    assert _all_pages(engine, f, sort, descending, limit=97) == _reference(
        engine, f, sort, descending)


def test_search_by_lot_code_supplier_lot_item_and_supplier(engine: Engine) -> None:
    with engine.connect() as conn:
        lot_code, supplier_lot, item_name, sku, supplier = conn.execute(text(
            "SELECT l.lot_code, l.supplier_lot_code, i.name, i.sku, s.name FROM quality.lots l "
            "JOIN erp.items i ON i.id = l.item_id JOIN erp.suppliers s ON s.id = l.supplier_id "
            "WHERE l.origin = 'receipt' ORDER BY l.id LIMIT 1 OFFSET 100")).one()
        by_code = fetch_page(conn, LotFilter(search=lot_code.lower()), limit=50).rows
        assert [r.lot_code for r in by_code] == [lot_code]
        by_supplier_lot = fetch_page(conn, LotFilter(search=supplier_lot), limit=500).rows
        assert lot_code in {r.lot_code for r in by_supplier_lot}
        assert all((r.supplier_lot_code and r.supplier_lot_code.lower().startswith(
            supplier_lot.lower())) or r.lot_code.lower().startswith(supplier_lot.lower())
            for r in by_supplier_lot)
        word = item_name.split()[0]
        by_item = fetch_page(conn, LotFilter(search=word), limit=2000).rows
        assert lot_code in {r.lot_code for r in by_item}
        assert fetch_page(conn, LotFilter(search=sku), limit=5).rows
        by_supplier = fetch_page(conn, LotFilter(search=supplier), limit=2000).rows
        assert lot_code in {r.lot_code for r in by_supplier}
        assert fetch_page(conn, LotFilter(search="no-such-lot-anywhere"), limit=5).rows == []
        # LIKE wildcards typed by the user are literal characters
        assert fetch_page(conn, LotFilter(search="_"), limit=5).rows == []


def test_filters_by_status_site_and_expiry(engine: Engine) -> None:
    today = dt.date.today()
    with engine.connect() as conn:
        held = fetch_page(conn, LotFilter(statuses=("hold",)), limit=1000).rows
        assert held and all(r.status == "hold" for r in held)
        assert count_lots(conn, LotFilter(statuses=("hold",))) == len(held)
        site_id = conn.execute(text("SELECT id FROM erp.sites WHERE code = 'HBV'")).scalar_one()
        at_site = fetch_page(conn, LotFilter(site_id=site_id), limit=100).rows
        ids = [r.id for r in at_site]
        stocked = set(conn.execute(text(
            "SELECT DISTINCT st.lot_id FROM erp.stock st JOIN erp.locations l "
            "ON l.id = st.location_id WHERE l.site_id = :s AND st.qty > 0"), {"s": site_id}
        ).scalars())
        assert ids and set(ids) <= stocked
        soon = fetch_page(conn, LotFilter(expiring_within_days=90), "expiry_date",
                          limit=1000).rows
        assert soon and all(r.expiry_date is not None
                            and today <= r.expiry_date <= today + dt.timedelta(days=90)
                            for r in soon)
    with pytest.raises(ValueError, match="unknown lot status"), engine.connect() as conn:
        fetch_page(conn, LotFilter(statuses=("lost",)))
