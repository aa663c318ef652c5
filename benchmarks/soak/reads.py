"""The read-only half of a person's day, through the same workflow calls the screens use."""

from __future__ import annotations

import random

from app.db.queries.lot_browser import LotFilter, LotRow
from app.workflows import decisions, lots, trace
from app.workflows.session import UserSession
from benchmarks.soak.config import SharedData

BROWSE_SORTS = (("created_at", True), ("lot_code", False), ("expiry_date", False),
                ("item_name", False), ("status", False))
STATUS_VIEWS: tuple[tuple[str, ...], ...] = ((), ("quarantine",), ("available",), ("hold",),
                                             ("quarantine", "hold"))


def browse(session: UserSession, rng: random.Random, site_ids: list[int]) -> None:
    """Open the browser the way people do: a status view, sometimes one site, a sort; the count."""
    sort, descending = rng.choice(BROWSE_SORTS)
    f = LotFilter(statuses=rng.choice(STATUS_VIEWS),
                  site_id=rng.choice(site_ids) if site_ids and rng.random() < 0.4 else None)
    lots.browse(session, f, sort, descending=descending)
    lots.count(session, f)


def search(session: UserSession, rng: random.Random, shared: SharedData) -> None:
    """What gets typed in the search box: a lot code (whole or its first characters), a
    supplier's lot code, or a word of an item's name."""
    kind = rng.random()
    if kind < 0.35:
        text = rng.choice(shared.lot_codes)
    elif kind < 0.6:
        text = rng.choice(shared.lot_codes)[:7]
    elif kind < 0.85:
        text = rng.choice(shared.supplier_lots)
    else:
        text = rng.choice(shared.item_words)
    lots.browse(session, LotFilter(search=text))


def detail(session: UserSession, rng: random.Random, shared: SharedData) -> None:
    lots.detail(session, rng.choice(shared.lot_codes))


def trace_lot(session: UserSession, rng: random.Random, shared: SharedData) -> None:
    code = rng.choice(shared.trace_lots if rng.random() < 0.3 else shared.lot_codes)
    trace.trace(session, [code], rng.choice(("forward", "backward")))


def inbox(session: UserSession) -> None:
    decisions.inbox(session)


def pick_lot(session: UserSession, rng: random.Random, site_ids: list[int],
             statuses: tuple[str, ...], *, receipts_only: bool = False) -> LotRow | None:
    """A lot on screen in one of these statuses, as a person would pick it from a list."""
    sort, descending = rng.choice((("created_at", True), ("lot_code", False),
                                   ("lot_code", True), ("expiry_date", False)))
    f = LotFilter(statuses=statuses,
                  site_id=rng.choice(site_ids) if site_ids and rng.random() < 0.7 else None)
    rows = lots.browse(session, f, sort, descending=descending, limit=40).rows
    if receipts_only:
        rows = [r for r in rows if r.supplier_lot_code and r.supplier_name]
    return rng.choice(rows) if rows else None
