"""What the charts plot: COA results of one item and test across lots, the expiry profile of stock
by site and week, and the open exception backlog by type and age.

A lot's result for a test is the one `quality.lot_results(lot)` gives, the latest (highest id) of
a verified COA that names the lot or is linked to it — as release and the supplier scorecard judge
it. Set-based: one query for every lot of the item, not one per lot.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, text

from app.db import lot_status
from app.db.queries.expiry_risk import SALEABLE_STATUSES


@dataclass(frozen=True)
class TrendChoice:
    """An item's test that can be charted: a numeric spec limit or numeric results."""

    item_id: int
    sku: str
    item_name: str
    test: str
    unit: str | None
    spec_min: Decimal | None
    spec_max: Decimal | None
    results: int  # lots with a numeric result


@dataclass(frozen=True)
class TrendRow:
    lot_id: int
    lot_code: str
    supplier_code: str | None
    supplier_name: str | None
    received_at: dt.datetime  # first receipt of the lot, or when it was made
    value: Decimal
    unit: str | None
    result_id: int
    document_id: int | None  # None: the company's own receiving inspection measured it
    source: str = "coa"  # 'coa' | 'inspection'


@dataclass(frozen=True)
class SpecLimits:
    test: str
    min_value: Decimal | None
    max_value: Decimal | None
    unit: str | None


_VERIFIED_COA = ("JOIN quality.documents d ON d.id = r.document_id AND d.status = 'verified' "
                 "AND d.kind = 'coa'")

_CHOICES = f"""
WITH reach AS (
    SELECT r.lot_id, r.id, r.test, r.value FROM quality.coa_results r {_VERIFIED_COA}
    WHERE r.lot_id IS NOT NULL
    UNION
    SELECT k.lot_id, r.id, r.test, r.value
    FROM quality.document_links k JOIN quality.coa_results r ON r.document_id = k.document_id
    {_VERIFIED_COA}
    WHERE k.lot_id IS NOT NULL
),
latest AS (
    SELECT DISTINCT ON (lot_id, lower(test)) lot_id, test, value
    FROM reach ORDER BY lot_id, lower(test), id DESC
),
counted AS (
    SELECT l.item_id, lower(t.test) AS key, min(t.test) AS test,
           count(*) FILTER (WHERE t.value IS NOT NULL) AS n
    FROM latest t JOIN quality.lots l ON l.id = t.lot_id
    GROUP BY l.item_id, lower(t.test)
),
spec AS (
    SELECT DISTINCT ON (item_id, lower(test)) item_id, lower(test) AS key, test, unit,
           min_value, max_value
    FROM quality.item_specs
    WHERE active AND (min_value IS NOT NULL OR max_value IS NOT NULL)
    ORDER BY item_id, lower(test), id DESC
)
SELECT i.id, i.sku, i.name, coalesce(s.test, c.test), s.unit, s.min_value, s.max_value,
       coalesce(c.n, 0)
FROM counted c
FULL JOIN spec s ON s.item_id = c.item_id AND s.key = c.key
JOIN erp.items i ON i.id = coalesce(s.item_id, c.item_id)
WHERE coalesce(c.n, 0) > 0 OR s.item_id IS NOT NULL
ORDER BY i.sku, coalesce(s.test, c.test)
"""


def trend_choices(conn: Connection) -> list[TrendChoice]:
    """Every item and numeric test, with how many lots have a numeric result for it."""
    return [TrendChoice(int(r[0]), str(r[1]), str(r[2]), str(r[3]), r[4], r[5], r[6], int(r[7]))
            for r in conn.execute(text(_CHOICES))]


_TREND = f"""
WITH reach AS (  -- joined to the lots by index, never to a materialized list of them
    SELECT r.lot_id, r.id, r.value, r.unit, r.document_id
    FROM quality.coa_results r
    JOIN quality.lots l ON l.id = r.lot_id AND l.item_id = :item_id
    {_VERIFIED_COA}
    WHERE lower(r.test) = lower(:test)
    UNION
    SELECT k.lot_id, r.id, r.value, r.unit, r.document_id
    FROM quality.document_links k
    JOIN quality.lots l ON l.id = k.lot_id AND l.item_id = :item_id
    JOIN quality.coa_results r ON r.document_id = k.document_id
    {_VERIFIED_COA}
    WHERE lower(r.test) = lower(:test)
),
measured AS (  -- the company's own receiving inspections: what it measured itself comes first
    SELECT i.lot_id, r.id, r.value, c.unit, NULL::bigint AS document_id
    FROM quality.inspection_results r
    JOIN quality.inspections i ON i.id = r.inspection_id AND i.status IN ('passed', 'failed')
    JOIN quality.lots l ON l.id = i.lot_id AND l.item_id = :item_id
    JOIN quality.inspection_characteristics c ON c.id = r.characteristic_id
    WHERE lower(c.name) = lower(:test) AND r.value IS NOT NULL
),
latest AS (
    SELECT DISTINCT ON (lot_id) lot_id, id, value, unit, document_id, source
    FROM (SELECT *, 'coa' AS source FROM reach
          UNION ALL SELECT *, 'inspection' FROM measured) x
    ORDER BY lot_id, source = 'inspection' DESC, id DESC
),
received AS (
    SELECT rl.lot_id, min(rc.received_at) AS received_at
    FROM erp.receipt_lines rl
    JOIN quality.lots l ON l.id = rl.lot_id AND l.item_id = :item_id
    JOIN erp.receipts rc ON rc.id = rl.receipt_id
    GROUP BY rl.lot_id
)
SELECT l.id, l.lot_code, s.code, s.name, coalesce(rv.received_at, l.created_at) AS at,
       t.value, t.unit, t.id, t.document_id, t.source
FROM latest t JOIN quality.lots l ON l.id = t.lot_id
LEFT JOIN erp.suppliers s ON s.id = l.supplier_id
LEFT JOIN received rv ON rv.lot_id = t.lot_id
WHERE t.value IS NOT NULL
ORDER BY at, l.lot_code
"""


def trend_rows(conn: Connection, item_id: int, test: str) -> list[TrendRow]:
    """Each lot of the item with a numeric result for the test, in receipt order."""
    return [TrendRow(int(r[0]), str(r[1]), r[2], r[3], r[4], r[5], r[6], int(r[7]),
                     None if r[8] is None else int(r[8]), str(r[9]))
            for r in conn.execute(text(_TREND), {"item_id": item_id, "test": test})]


def spec_limits(conn: Connection, item_id: int, test: str) -> SpecLimits | None:
    """The item's active specification line for the test (the company's, not the supplier's)."""
    row = conn.execute(text(
        "SELECT test, min_value, max_value, unit FROM quality.item_specs "
        "WHERE item_id = :i AND active AND lower(test) = lower(:t) ORDER BY id DESC LIMIT 1"),
        {"i": item_id, "t": test}).first()
    return SpecLimits(str(row[0]), row[1], row[2], row[3]) if row else None


def item_label(conn: Connection, item_id: int) -> str:
    row = conn.execute(text("SELECT sku, name FROM erp.items WHERE id = :i"), {"i": item_id}).first()
    return f"{row[0]} {row[1]}" if row else f"item {item_id}"


@dataclass(frozen=True)
class ExpiryCell:
    """Stock on hand at one site expiring in one week (week None: already expired)."""

    site_code: str
    site_name: str
    week: dt.date | None  # the Monday of the week
    lots: int
    value: Decimal  # on hand × item unit cost


#: Stock in the profile: what can be sold or may be once released, and expired stock still held.
PROFILE_STATUSES = (*SALEABLE_STATUSES, lot_status.EXPIRED)

_EXPIRY = """
SELECT st.code, st.name,
       CASE WHEN l.expiry_date >= CAST(:as_of AS date)
            THEN CAST(date_trunc('week', l.expiry_date) AS date) END AS week,
       count(DISTINCT l.id), coalesce(sum(s.qty * i.unit_cost), 0)
FROM erp.stock s
JOIN erp.locations loc ON loc.id = s.location_id AND loc.kind NOT IN ('in_transit', 'returns')
JOIN erp.sites st ON st.id = loc.site_id
JOIN quality.lots l ON l.id = s.lot_id
JOIN erp.items i ON i.id = l.item_id
WHERE s.qty > 0 AND l.expiry_date IS NOT NULL AND l.status = ANY(:statuses)
  AND l.expiry_date < CAST(date_trunc('week', CAST(:as_of AS date)) AS date) + 7 * :weeks
GROUP BY st.code, st.name, week
ORDER BY st.code, week NULLS FIRST
"""


def expiry_profile(conn: Connection, as_of: dt.date, weeks: int) -> list[ExpiryCell]:
    """Stock on hand (not in transit or awaiting return inspection) by site and expiry week, for
    `weeks` weeks from the week of `as_of`; what expired before `as_of` has week None."""
    return [ExpiryCell(str(r[0]), str(r[1]), r[2], int(r[3]), Decimal(r[4]))
            for r in conn.execute(text(_EXPIRY), {
                "as_of": as_of, "weeks": weeks, "statuses": list(PROFILE_STATUSES)})]


def beyond_horizon(conn: Connection, as_of: dt.date, weeks: int) -> int:
    """Lots on hand that expire after the profile's last week."""
    return int(conn.execute(text("""
        SELECT count(DISTINCT l.id) FROM erp.stock s
        JOIN erp.locations loc ON loc.id = s.location_id
                              AND loc.kind NOT IN ('in_transit', 'returns')
        JOIN quality.lots l ON l.id = s.lot_id
        WHERE s.qty > 0 AND l.status = ANY(:statuses)
          AND l.expiry_date >= CAST(date_trunc('week', CAST(:as_of AS date)) AS date) + 7 * :weeks
    """), {"as_of": as_of, "weeks": weeks, "statuses": list(PROFILE_STATUSES)}).scalar_one())


def server_today(conn: Connection) -> dt.date:
    day = conn.execute(text("SELECT current_date")).scalar_one()
    assert isinstance(day, dt.date)
    return day


@dataclass(frozen=True)
class BacklogCell:
    type: str
    title: str
    bucket: int  # index into the age bounds: 0 is younger than the first bound
    count: int


def exception_backlog(conn: Connection, bounds_days: list[int]) -> list[BacklogCell]:
    """Open exceptions by type and age bucket; `bounds_days` are the bucket edges in days
    (ascending), so there are len(bounds_days) + 1 buckets."""
    return [BacklogCell(str(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in conn.execute(text("""
        SELECT e.type, r.title,
               width_bucket(extract(epoch FROM now() - e.opened_at) / 86400,
                            CAST(:bounds AS double precision[])) AS bucket,
               count(*)
        FROM quality.exceptions e JOIN quality.exception_routes r ON r.type = e.type
        WHERE e.closed_at IS NULL
        GROUP BY e.type, r.title, bucket
        ORDER BY e.type, bucket"""), {"bounds": [float(b) for b in bounds_days]})]
