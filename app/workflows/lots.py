"""Finding lots and reading one lot: what the lot browser and `lotproof lot` use."""

from __future__ import annotations

from app.db.queries import lot_browser, lot_detail
from app.db.queries.lot_browser import SORT_KEYS, Cursor, LotFilter, LotRow, Page
from app.db.queries.lot_detail import LotDetail
from app.workflows.session import UserSession

__all__ = ["SORT_KEYS", "Cursor", "LotDetail", "LotFilter", "LotRow", "Page", "browse", "count",
           "detail", "row", "sites"]


def browse(session: UserSession, f: LotFilter, sort: str = "lot_code", *,
           descending: bool = False, after: Cursor | None = None, limit: int = 200) -> Page:
    with session.reader.connect() as conn:
        return lot_browser.fetch_page(conn, f, sort, descending=descending, after=after,
                                      limit=limit)


def row(session: UserSession, lot_code: str) -> LotRow | None:
    with session.reader.connect() as conn:
        return lot_browser.lot_row(conn, lot_code)


def count(session: UserSession, f: LotFilter) -> int:
    with session.reader.connect() as conn:
        return lot_browser.count_lots(conn, f)


def detail(session: UserSession, lot_code: str) -> LotDetail:
    with session.reader.connect() as conn:
        return lot_detail.lot_detail(conn, lot_code)


def sites(session: UserSession) -> list[tuple[int, str, str]]:
    with session.reader.connect() as conn:
        return lot_browser.sites(conn)
