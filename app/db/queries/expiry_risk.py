"""Expiry risk: stock that will expire before it is likely sold.

For each item at each site, the stock on hand (not in transit, not in a returns area awaiting
inspection) is taken in FEFO order — earliest expiry first — and compared with the recent demand:
what the site shipped of the item in the last `demand_days` days, as a daily rate. A lot at a location is at risk when the stock up to and
including it, sold at that rate, lasts longer than the lot has left:

    days of cover = cumulative on hand (FEFO, this row included) / daily demand
    at risk       ⇔ days of cover > days to expiry
    qty at risk   = min(qty, cumulative − daily demand × max(days to expiry, 0))
    value at risk = qty at risk × item unit cost

With no demand in the window every lot is at risk (it will not sell before it expires). Stock
already past its expiry date is at risk in full and takes no demand from the lots behind it (it is
not in the FEFO queue; its cumulative is its own quantity). Lots on hold stay in the queue: they
may be released. One query (window functions) for all items and sites; totals per item are added
up here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, text

from app.db import lot_status

SALEABLE_STATUSES = lot_status.SALEABLE


@dataclass(frozen=True)
class ExpiryRiskRow:
    """One lot at one location that will, at the current demand, not all sell before expiry."""

    item_id: int
    sku: str
    item_name: str
    uom: str
    site_code: str
    location_code: str
    lot_id: int
    lot_code: str
    status: str
    expiry_date: dt.date
    days_to_expiry: int
    qty: Decimal
    cumulative_qty: Decimal  # FEFO: on hand at the item's site up to and including this row
    daily_demand: Decimal
    days_of_cover: Decimal | None  # None: no demand in the window
    qty_at_risk: Decimal
    unit_cost: Decimal
    value_at_risk: Decimal


@dataclass(frozen=True)
class ItemRiskTotal:
    item_id: int
    sku: str
    item_name: str
    uom: str
    lots: int
    locations: int
    qty_at_risk: Decimal
    value_at_risk: Decimal
    earliest_expiry: dt.date


@dataclass(frozen=True)
class ExpiryRisk:
    as_of: dt.date
    demand_days: int
    rows: list[ExpiryRiskRow]  # by value at risk, largest first
    items: list[ItemRiskTotal]  # by value at risk, largest first

    @property
    def qty_at_risk(self) -> Decimal:
        return sum((r.qty_at_risk for r in self.rows), Decimal(0))

    @property
    def value_at_risk(self) -> Decimal:
        return sum((r.value_at_risk for r in self.rows), Decimal(0))


_RISK = """
WITH demand AS (
    SELECT l.item_id, sh.site_id, sum(sl.qty) / CAST(:demand_days AS integer) AS per_day
    FROM erp.shipments sh
    JOIN erp.shipment_lines sl ON sl.shipment_id = sh.id
    JOIN quality.lots l ON l.id = sl.lot_id
    WHERE sh.shipped_at >= CAST(:as_of AS date) + 1 - CAST(:demand_days AS integer)
      AND sh.shipped_at < CAST(:as_of AS date) + 1
    GROUP BY l.item_id, sh.site_id
),
on_hand AS (  -- FEFO per item and site; ties broken by lot id (narrow rows sort in memory)
    SELECT l.item_id, loc.site_id, st.location_id, st.lot_id, l.expiry_date, st.qty,
           l.expiry_date < CAST(:as_of AS date) AS expired,
           sum(st.qty) FILTER (WHERE l.expiry_date >= CAST(:as_of AS date))
               OVER (PARTITION BY l.item_id, loc.site_id
                     ORDER BY l.expiry_date, st.lot_id, st.location_id
                     ROWS UNBOUNDED PRECEDING) AS queued
    FROM erp.stock st
    JOIN erp.locations loc ON loc.id = st.location_id
                          AND loc.kind NOT IN ('in_transit', 'returns')
    JOIN quality.lots l ON l.id = st.lot_id
    WHERE st.qty > 0 AND l.expiry_date IS NOT NULL AND l.status = ANY(:statuses)
),
risk AS (
    SELECT o.item_id, o.site_id, o.location_id, o.lot_id, o.expiry_date, o.qty,
           o.expiry_date - CAST(:as_of AS date) AS days_left,
           CASE WHEN o.expired THEN o.qty ELSE o.queued END AS cumulative,
           coalesce(d.per_day, 0) AS per_day,
           CASE WHEN o.expired THEN o.qty
                ELSE least(o.qty, o.queued - coalesce(d.per_day, 0)
                                  * (o.expiry_date - CAST(:as_of AS date))) END AS at_risk
    FROM on_hand o LEFT JOIN demand d ON d.item_id = o.item_id AND d.site_id = o.site_id
)
SELECT r.item_id, i.sku, i.name, i.uom, s.code, loc.code, r.lot_id, l.lot_code, l.status,
       r.expiry_date, r.days_left, r.qty, r.cumulative, round(r.per_day, 3),
       CASE WHEN r.per_day > 0 THEN round(r.cumulative / r.per_day, 1) END,
       round(r.at_risk, 3), i.unit_cost, round(r.at_risk * i.unit_cost, 2)
FROM risk r
JOIN erp.items i ON i.id = r.item_id
JOIN erp.sites s ON s.id = r.site_id
JOIN erp.locations loc ON loc.id = r.location_id
JOIN quality.lots l ON l.id = r.lot_id
WHERE r.at_risk > 0
ORDER BY round(r.at_risk * i.unit_cost, 2) DESC, r.expiry_date, l.lot_code, loc.code
"""


def expiry_risk(conn: Connection, as_of: dt.date | None = None, demand_days: int = 90, *,
                statuses: tuple[str, ...] = SALEABLE_STATUSES) -> ExpiryRisk:
    """The lots and locations at risk on `as_of` (default: the server's today)."""
    if demand_days < 1:
        raise ValueError("the demand window must be at least one day")
    if as_of is None:
        as_of = conn.execute(text("SELECT current_date")).scalar_one()
    assert as_of is not None
    rows = [ExpiryRiskRow(*r) for r in conn.execute(text(_RISK), {
        "as_of": as_of, "demand_days": demand_days, "statuses": list(statuses)})]
    return ExpiryRisk(as_of, demand_days, rows, item_totals(rows))


def item_totals(rows: list[ExpiryRiskRow]) -> list[ItemRiskTotal]:
    by_item: dict[int, list[ExpiryRiskRow]] = {}
    for row in rows:
        by_item.setdefault(row.item_id, []).append(row)
    totals = [
        ItemRiskTotal(
            item_id=item_id, sku=group[0].sku, item_name=group[0].item_name, uom=group[0].uom,
            lots=len({r.lot_id for r in group}),
            locations=len({(r.site_code, r.location_code) for r in group}),
            qty_at_risk=sum((r.qty_at_risk for r in group), Decimal(0)),
            value_at_risk=sum((r.value_at_risk for r in group), Decimal(0)),
            earliest_expiry=min(r.expiry_date for r in group))
        for item_id, group in by_item.items()
    ]
    totals.sort(key=lambda t: (-t.value_at_risk, t.sku))
    return totals
