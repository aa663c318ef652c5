"""The data behind the workstation's charts, ready to draw: COA result trends with spec and
control limits and Western Electric marks, the expiry profile of stock, supplier scorecards, the
exception backlog by age, and recall times. Each function reads as the session's person."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from app.db.queries import chart_data as q
from app.db.queries import recalls as recall_queries
from app.db.queries.chart_data import SpecLimits, TrendChoice, TrendRow
from app.workflows import analytics
from app.workflows.analytics import Scorecard
from app.workflows.control_chart import (
    ControlLimits,
    SigmaMethod,
    control_limits,
    out_of_spec,
    western_electric,
)
from app.workflows.session import UserSession

__all__ = ["AGE_BOUNDS_DAYS", "AGE_LABELS", "ExceptionBacklog", "ExpiryProfile", "RecallTime",
           "Scorecard", "TrendChoice", "TrendData", "TrendPoint", "build_trend",
           "exception_backlog", "expiry_profile", "recall_times", "supplier_scores", "trend",
           "trend_choices"]


# ---------------------------------------------------------------- COA result trends
@dataclass(frozen=True)
class TrendPoint:
    index: int  # position in receipt order, the chart's x
    lot_code: str
    supplier_code: str | None
    supplier: str
    received_at: dt.datetime
    value: float
    out_of_spec: bool
    rules: frozenset[int]  # Western Electric rules the point breaks


@dataclass(frozen=True)
class TrendData:
    item_id: int
    item: str
    test: str
    unit: str | None
    spec_min: float | None
    spec_max: float | None
    limits: ControlLimits | None
    points: list[TrendPoint]
    other_units: int  # results reported in a unit the spec's cannot be compared with

    @property
    def out_of_spec_count(self) -> int:
        return sum(1 for p in self.points if p.out_of_spec)

    @property
    def out_of_control_count(self) -> int:
        return sum(1 for p in self.points if p.rules)

    def suppliers(self) -> list[str]:
        """Supplier names, most lots first."""
        counts = Counter(p.supplier for p in self.points)
        return [name for name, _n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _unit_key(unit: str | None) -> str | None:
    return unit.strip().lower() if unit and unit.strip() else None


def build_trend(item_id: int, item: str, test: str, rows: Sequence[TrendRow],
                spec: SpecLimits | None, method: SigmaMethod = "stdev") -> TrendData:
    """Judge the results (in the order given) against the spec and their own control limits."""
    spec_unit = _unit_key(spec.unit) if spec else None
    kept = [r for r in rows if spec_unit is None or _unit_key(r.unit) in (None, spec_unit)]
    values = [float(r.value) for r in kept]
    limits = control_limits(values, method)
    marks = (western_electric(values, limits.centre, limits.sigma) if limits
             else [frozenset[int]()] * len(values))
    lo = float(spec.min_value) if spec and spec.min_value is not None else None
    hi = float(spec.max_value) if spec and spec.max_value is not None else None
    unit = spec.unit if spec and spec.unit else next((r.unit for r in kept if r.unit), None)
    points = [TrendPoint(i, r.lot_code, r.supplier_code, r.supplier_name or "(no supplier)",
                         r.received_at, v, out_of_spec(v, lo, hi), m)
              for i, (r, v, m) in enumerate(zip(kept, values, marks, strict=True))]
    return TrendData(item_id, item, spec.test if spec else test, unit, lo, hi, limits, points,
                     len(rows) - len(kept))


def trend_choices(session: UserSession) -> list[TrendChoice]:
    with session.reader.connect() as conn:
        return q.trend_choices(conn)


def trend(session: UserSession, item_id: int, test: str,
          method: SigmaMethod = "stdev") -> TrendData:
    """Every lot of the item with a numeric verified COA result for the test, in receipt order,
    with the company's spec limits and control limits from the results themselves."""
    with session.reader.connect() as conn:
        rows = q.trend_rows(conn, item_id, test)
        spec = q.spec_limits(conn, item_id, test)
        label = q.item_label(conn, item_id)
    return build_trend(item_id, label, test, rows, spec, method)


# ---------------------------------------------------------------- expiry profile
@dataclass(frozen=True)
class ExpiryProfile:
    as_of: dt.date
    weeks: list[dt.date]  # the Monday of each week shown
    sites: list[tuple[str, str]]  # (code, name)
    lots: dict[str, list[int]]  # per site: [expired, week 1, week 2, ...]
    value: dict[str, list[float]]
    beyond: int  # lots expiring after the last week

    @property
    def total_lots(self) -> int:
        return sum(sum(v) for v in self.lots.values())


def expiry_profile(session: UserSession, weeks: int = 26,
                   as_of: dt.date | None = None) -> ExpiryProfile:
    """Stock on hand by site and the week it expires, expired stock first."""
    if weeks < 1:
        raise ValueError("show at least one week")
    with session.reader.connect() as conn:
        day = as_of or q.server_today(conn)
        cells = q.expiry_profile(conn, day, weeks)
        beyond = q.beyond_horizon(conn, day, weeks)
    monday = day - dt.timedelta(days=day.weekday())
    mondays = [monday + dt.timedelta(weeks=w) for w in range(weeks)]
    slot = {d: i + 1 for i, d in enumerate(mondays)}
    sites = sorted({(c.site_code, c.site_name) for c in cells})
    lots = {code: [0] * (weeks + 1) for code, _n in sites}
    value = {code: [0.0] * (weeks + 1) for code, _n in sites}
    for c in cells:
        i = 0 if c.week is None else slot[c.week]
        lots[c.site_code][i] += c.lots
        value[c.site_code][i] += float(c.value)
    return ExpiryProfile(day, mondays, sites, lots, value, beyond)


# ---------------------------------------------------------------- supplier scorecards
def supplier_scores(session: UserSession, date_from: dt.date, date_to: dt.date,
                    late_after_days: int = 2) -> Scorecard:
    return analytics.scorecard(session, date_from, date_to, late_after_days)


# ---------------------------------------------------------------- exception backlog
AGE_BOUNDS_DAYS = (1, 7, 30, 90)
AGE_LABELS = ("under 1 day", "1–7 days", "1–4 weeks", "1–3 months", "over 3 months")


@dataclass(frozen=True)
class ExceptionBacklog:
    types: list[tuple[str, str]]  # (type, title), largest backlog first
    counts: dict[str, list[int]]  # per type, one count per age bucket (AGE_LABELS)

    @property
    def total(self) -> int:
        return sum(sum(c) for c in self.counts.values())


def exception_backlog(session: UserSession) -> ExceptionBacklog:
    """Open exceptions by type and how long they have been open."""
    with session.reader.connect() as conn:
        cells = q.exception_backlog(conn, list(AGE_BOUNDS_DAYS))
    titles: dict[str, str] = {}
    counts: dict[str, list[int]] = {}
    for c in cells:
        titles[c.type] = c.title
        counts.setdefault(c.type, [0] * len(AGE_LABELS))[c.bucket] += c.count
    order = sorted(titles, key=lambda t: (-sum(counts[t]), titles[t]))
    return ExceptionBacklog([(t, titles[t]) for t in order], counts)


# ---------------------------------------------------------------- recall times
@dataclass(frozen=True)
class RecallTime:
    number: str
    is_mock: bool
    opened_at: dt.datetime
    lots: int
    minutes_to_hold: float | None
    minutes_to_report: float | None


def recall_times(session: UserSession) -> list[RecallTime]:
    """Recalls and mock recalls, oldest first: minutes from opening to the hold and to the
    completed report."""
    with session.reader.connect() as conn:
        rows = recall_queries.recalls(conn)

    def minutes(end: dt.datetime | None, start: dt.datetime) -> float | None:
        return None if end is None else (end - start).total_seconds() / 60

    return sorted((RecallTime(r.number, r.is_mock, r.opened_at, r.lots,
                              minutes(r.held_at, r.opened_at),
                              minutes(r.report_completed_at, r.opened_at)) for r in rows),
                  key=lambda t: (t.opened_at, t.number))
