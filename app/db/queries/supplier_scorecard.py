"""Supplier scorecard: how each supplier's lots received in a period fared, and a risk score.

The cohort is every lot a supplier delivered in the period (receipts with `received_at` in
[date_from, date_to], both days included). Everything measured is about those lots, whenever it
happened (a COA uploaded, a hold, a customer return after the period still counts):

- out of spec: the lot's latest verified COA result for a test (what `quality.lot_results` gives)
  is outside the item's active spec, judged as `quality.release_blockers` judges it: a number
  below min / above max (when the units can be compared), or, for a spec without limits, a text
  that does not start with the requirement;
- documents, over the lots whose item requires a COA: a verified COA linked to the lot
  (completeness), and the days from receipt to the first COA upload (not rejected) — median and
  share later than `late_after_days`;
- holds: a done decision to hold or reject, or a status that shows it (hold, rejected or a
  disposition). Holds made automatically by rules (`rule_hold`: the supplier is not approved, or
  the results are out of spec) are left out: those causes are factors of their own;
- corrective action: open SCARs, the days the SCARs closed in the period took, NCRs opened in
  the period and how many repeat one on the same item within a year;
- returns: customer returns of the lot and of the lots split, repacked or relabelled from it
  (genealogy children that keep the supplier); the risk factor counts quality-related reasons.

Two queries, each set-based over all suppliers at once; the score itself is computed here in
Python from the counts, so each factor's contribution can be shown and explained.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from app.db import lot_status

#: Return reasons that speak about the supplier's goods (others are the customer's or ours).
QUALITY_RETURN_REASONS = ("QUALITY_COMPLAINT", "DAMAGED")
REJECTED_STATUSES = lot_status.AFTER_REJECTION
#: How far from `approved` a supplier's status is, 0 (approved) to 1.
APPROVAL_SEVERITY = {"approved": 0.0, "conditional": 0.5, "pending": 0.5, "suspended": 1.0,
                     "disqualified": 1.0}


@dataclass(frozen=True)
class FactorRule:
    """One risk factor: its weight (points at full severity) and the rate at which it is full."""

    key: str
    label: str
    weight: float
    full_at: float  # the rate (0..1) that earns the full weight; severity grows linearly to it


#: Weights add up to 100. points = weight × min(1, rate / full_at).
RISK_RULES: tuple[FactorRule, ...] = (
    FactorRule("out_of_spec", "Out-of-spec COA results", 30, 0.10),
    FactorRule("holds", "Lots put on hold or rejected", 20, 0.10),
    FactorRule("missing_coa", "Required COA missing or not verified", 15, 0.50),
    FactorRule("returns", "Customer returns for quality or damage", 15, 0.05),
    FactorRule("late_coa", "COA uploaded late", 10, 0.50),
    FactorRule("approval", "Supplier approval status", 10, 1.0),
)
RULES = {rule.key: rule for rule in RISK_RULES}


@dataclass(frozen=True)
class RiskFactor:
    key: str
    label: str
    detail: str  # the measured fact, in words ("3 of 40 lots (7.5%)")
    rate: float  # the measured rate 0..1 (for approval: the status's severity)
    weight: float
    points: float  # this factor's contribution to the score

    @property
    def severity(self) -> float:
        return self.points / self.weight if self.weight else 0.0


@dataclass(frozen=True)
class SupplierScore:
    supplier_id: int
    code: str
    name: str
    approval_status: str
    lots_received: int
    qty_received: Decimal
    lots_out_of_spec: int
    lots_requiring_coa: int
    lots_coa_verified: int
    lots_with_coa: int
    median_coa_days: float | None
    lots_coa_late: int
    lots_held: int
    lots_rejected: int
    lots_held_or_rejected: int
    returns: int
    returned_qty: Decimal
    quality_returns: int
    lots_quality_returned: int
    risk: float
    factors: tuple[RiskFactor, ...]
    # Supplier corrective action: SCARs open now, the days SCARs closed in the period took
    # (sent to closed), and NCRs in the period on an item of this supplier's that already had
    # one in the year before (repeat failures).
    open_scars: int = 0
    scars_closed: int = 0
    mean_scar_days: float | None = None
    ncrs: int = 0
    repeat_failures: int = 0

    @property
    def out_of_spec_rate(self) -> float | None:
        return _share(self.lots_out_of_spec, self.lots_received)

    @property
    def document_completeness(self) -> float | None:
        return _share(self.lots_coa_verified, self.lots_requiring_coa)

    @property
    def late_coa_rate(self) -> float | None:
        return _share(self.lots_coa_late, self.lots_with_coa)

    @property
    def hold_rate(self) -> float | None:
        return _share(self.lots_held_or_rejected, self.lots_received)

    @property
    def top_factors(self) -> tuple[RiskFactor, ...]:
        """The factors that add points, largest first."""
        return tuple(sorted((f for f in self.factors if f.points > 0),
                            key=lambda f: (-f.points, f.key)))


@dataclass(frozen=True)
class Scorecard:
    date_from: dt.date
    date_to: dt.date
    late_after_days: int
    suppliers: list[SupplierScore]  # highest risk first


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _in_period(column: str) -> str:
    """`column` is a lot received in the period (a semi-join the planner can run either way)."""
    return f"""EXISTS (
        SELECT 1 FROM erp.receipt_lines prl JOIN erp.receipts pr ON pr.id = prl.receipt_id
        WHERE prl.lot_id = {column} AND pr.received_at >= CAST(:date_from AS date)
          AND pr.received_at < CAST(:date_to AS date) + 1)"""


_LOTS = f"""
WITH received AS (
    SELECT rl.lot_id, r.supplier_id, min(r.received_at) AS received_at, sum(rl.qty) AS qty
    FROM erp.receipts r JOIN erp.receipt_lines rl ON rl.receipt_id = r.id
    WHERE r.received_at >= CAST(:date_from AS date)
      AND r.received_at < CAST(:date_to AS date) + 1
    GROUP BY rl.lot_id, r.supplier_id
),
lot AS (
    SELECT x.lot_id, x.supplier_id, x.received_at, x.qty, l.item_id, l.status,
           'COA' = ANY(i.required_documents) AS needs_coa, ls.hold_kind
    FROM received x JOIN quality.lots l ON l.id = x.lot_id JOIN erp.items i ON i.id = l.item_id
    LEFT JOIN quality.lot_state ls ON ls.lot_id = x.lot_id
),
reach AS (  -- the verified COA results that reach a lot, as quality.lot_results(lot) gives them
    SELECT r.lot_id, r.id, r.test, r.value, r.unit, r.result_text
    FROM quality.coa_results r
    JOIN quality.documents d ON d.id = r.document_id AND d.status = 'verified' AND d.kind = 'coa'
    WHERE {_in_period('r.lot_id')}
    UNION
    SELECT k.lot_id, r.id, r.test, r.value, r.unit, r.result_text
    FROM quality.document_links k
    JOIN quality.coa_results r ON r.document_id = k.document_id
    JOIN quality.documents d ON d.id = r.document_id AND d.status = 'verified' AND d.kind = 'coa'
    WHERE {_in_period('k.lot_id')}
),
latest AS (
    SELECT DISTINCT ON (lot_id, lower(test)) lot_id, test, value, unit, result_text
    FROM reach ORDER BY lot_id, lower(test), id DESC
),
oos AS (
    SELECT DISTINCT t.lot_id
    FROM latest t JOIN lot ON lot.lot_id = t.lot_id
    JOIN quality.item_specs s ON s.item_id = lot.item_id AND s.active
                             AND lower(s.test) = lower(t.test)
    WHERE CASE
        WHEN s.min_value IS NOT NULL OR s.max_value IS NOT NULL THEN
            t.value IS NOT NULL
            AND NOT (s.unit IS NOT NULL AND t.unit IS NOT NULL
                     AND lower(btrim(s.unit)) <> lower(btrim(t.unit)))
            AND (t.value < s.min_value OR t.value > s.max_value)
        ELSE s.text_requirement IS NOT NULL
            AND lower(coalesce(t.result_text, '')) NOT LIKE lower(s.text_requirement) || '%'
    END
),
coa AS (
    SELECT k.lot_id, min(d.uploaded_at) FILTER (WHERE d.status <> 'rejected') AS first_upload,
           bool_or(d.status = 'verified') AS verified
    FROM quality.document_links k
    JOIN quality.documents d ON d.id = k.document_id AND d.kind = 'coa'
    WHERE {_in_period('k.lot_id')}
    GROUP BY k.lot_id
),
decided AS (
    SELECT ld.lot_id, bool_or(ld.to_status = 'hold' AND ld.action <> 'rule_hold') AS held,
           bool_or(ld.to_status = 'rejected') AS rejected
    FROM quality.lot_decisions ld
    WHERE ld.state = 'done' AND ld.to_status IN ('hold', 'rejected')
      AND {_in_period('ld.lot_id')}
    GROUP BY ld.lot_id
),
flags AS (
    SELECT lot.supplier_id, lot.qty, lot.needs_coa,
           oos.lot_id IS NOT NULL AS out_of_spec,
           coalesce(coa.verified, false) AS coa_verified,
           coa.first_upload IS NOT NULL AS has_coa,
           CASE WHEN lot.needs_coa AND coa.first_upload IS NOT NULL THEN
               greatest(0, extract(epoch FROM coa.first_upload - lot.received_at) / 86400)
           END AS coa_days,
           coalesce(dc.held, false)
               OR (lot.status = 'hold' AND coalesce(lot.hold_kind, '') <> 'rule') AS held,
           coalesce(dc.rejected, false) OR lot.status = ANY(:rejected_statuses) AS rejected
    FROM lot
    LEFT JOIN oos ON oos.lot_id = lot.lot_id
    LEFT JOIN coa ON coa.lot_id = lot.lot_id
    LEFT JOIN decided dc ON dc.lot_id = lot.lot_id
)
SELECT s.id, s.code, s.name, s.approval_status,
       count(*) AS lots, coalesce(sum(f.qty), 0) AS qty,
       count(*) FILTER (WHERE f.out_of_spec) AS lots_oos,
       count(*) FILTER (WHERE f.needs_coa) AS needs_coa,
       count(*) FILTER (WHERE f.needs_coa AND f.coa_verified) AS coa_verified,
       count(f.coa_days) AS with_coa,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY f.coa_days) AS median_days,
       count(*) FILTER (WHERE f.coa_days > :late_after) AS late,
       count(*) FILTER (WHERE f.held) AS held,
       count(*) FILTER (WHERE f.rejected) AS rejected,
       count(*) FILTER (WHERE f.held OR f.rejected) AS held_or_rejected
FROM flags f JOIN erp.suppliers s ON s.id = f.supplier_id
GROUP BY s.id, s.code, s.name, s.approval_status
"""

_RETURNS = """
WITH RECURSIVE received AS (
    SELECT DISTINCT rl.lot_id, r.supplier_id
    FROM erp.receipts r JOIN erp.receipt_lines rl ON rl.receipt_id = r.id
    WHERE r.received_at >= CAST(:date_from AS date)
      AND r.received_at < CAST(:date_to AS date) + 1
),
family(root_id, lot_id, supplier_id) AS (  -- a received lot and what was split/repacked from it
    SELECT lot_id, lot_id, supplier_id FROM received
    UNION
    SELECT f.root_id, g.child_lot_id, f.supplier_id
    FROM family f
    JOIN erp.lot_genealogy g ON g.parent_lot_id = f.lot_id
    JOIN quality.lots c ON c.id = g.child_lot_id AND c.supplier_id = f.supplier_id
),
returned AS (
    SELECT DISTINCT ON (f.supplier_id, rt.id) f.supplier_id, f.root_id, rt.qty,
           rt.reason_code = ANY(:quality_reasons) AS quality
    FROM family f JOIN erp.returns rt ON rt.lot_id = f.lot_id
    ORDER BY f.supplier_id, rt.id, f.root_id
)
SELECT supplier_id, count(*), coalesce(sum(qty), 0),
       count(*) FILTER (WHERE quality), count(DISTINCT root_id) FILTER (WHERE quality)
FROM returned GROUP BY supplier_id
"""


_CORRECTIVE = """
WITH scar AS (
    SELECT supplier_id,
           count(*) FILTER (WHERE status NOT IN ('closed', 'cancelled')) AS open_now,
           count(*) FILTER (WHERE status = 'closed' AND closed_at >= CAST(:date_from AS date)
                              AND closed_at < CAST(:date_to AS date) + 1) AS closed,
           avg(extract(epoch FROM closed_at - coalesce(sent_at, opened_at)) / 86400)
               FILTER (WHERE status = 'closed' AND closed_at >= CAST(:date_from AS date)
                         AND closed_at < CAST(:date_to AS date) + 1) AS days
    FROM quality.scars GROUP BY supplier_id
),
ncr AS (
    SELECT n.supplier_id, count(*) AS ncrs,
           count(*) FILTER (WHERE EXISTS (
               SELECT 1 FROM quality.ncrs e
               WHERE e.supplier_id = n.supplier_id AND e.item_id = n.item_id AND e.id <> n.id
                 AND e.status <> 'cancelled' AND e.opened_at < n.opened_at
                 AND e.opened_at >= n.opened_at - interval '365 days')) AS repeats
    FROM quality.ncrs n
    WHERE n.supplier_id IS NOT NULL AND n.status <> 'cancelled'
      AND n.opened_at >= CAST(:date_from AS date) AND n.opened_at < CAST(:date_to AS date) + 1
    GROUP BY n.supplier_id
)
SELECT coalesce(scar.supplier_id, ncr.supplier_id), coalesce(scar.open_now, 0),
       coalesce(scar.closed, 0), scar.days, coalesce(ncr.ncrs, 0), coalesce(ncr.repeats, 0)
FROM scar FULL JOIN ncr ON ncr.supplier_id = scar.supplier_id
"""


def scorecard(conn: Connection, date_from: dt.date, date_to: dt.date, *,
              late_after_days: int = 2) -> Scorecard:
    """Every supplier that delivered in [date_from, date_to], highest risk first."""
    if date_to < date_from:
        raise ValueError("the period ends before it starts")
    if late_after_days < 0:
        raise ValueError("late_after_days cannot be negative")
    params = {"date_from": date_from, "date_to": date_to, "late_after": late_after_days,
              "rejected_statuses": list(REJECTED_STATUSES),
              "quality_reasons": list(QUALITY_RETURN_REASONS)}
    returns = {int(r[0]): (int(r[1]), Decimal(r[2]), int(r[3]), int(r[4]))
               for r in conn.execute(text(_RETURNS), params)}
    corrective = {int(r[0]): (int(r[1]), int(r[2]), None if r[3] is None else round(float(r[3]), 1),
                              int(r[4]), int(r[5]))
                  for r in conn.execute(text(_CORRECTIVE), params)}
    scores: list[SupplierScore] = []
    for row in conn.execute(text(_LOTS), params):
        (sid, code, name, approval, lots, qty, oos, needs_coa, verified, with_coa, median,
         late, held, rejected, held_or_rejected) = row
        n_returns, returned_qty, quality_returns, quality_lots = returns.get(
            int(sid), (0, Decimal(0), 0, 0))
        counts = RiskCounts(lots=int(lots), oos=int(oos), needs_coa=int(needs_coa),
                         verified=int(verified), with_coa=int(with_coa), late=int(late),
                         held_or_rejected=int(held_or_rejected), quality_lots=quality_lots,
                         approval=str(approval))
        factors = risk_factors(counts, late_after_days)
        scores.append(SupplierScore(
            supplier_id=int(sid), code=str(code), name=str(name), approval_status=str(approval),
            lots_received=int(lots), qty_received=Decimal(qty), lots_out_of_spec=int(oos),
            lots_requiring_coa=int(needs_coa), lots_coa_verified=int(verified),
            lots_with_coa=int(with_coa), median_coa_days=None if median is None else float(median),
            lots_coa_late=int(late), lots_held=int(held), lots_rejected=int(rejected),
            lots_held_or_rejected=int(held_or_rejected), returns=n_returns,
            returned_qty=returned_qty, quality_returns=quality_returns,
            lots_quality_returned=quality_lots,
            risk=round(sum(f.points for f in factors), 1), factors=factors,
            **_corrective_fields(corrective.get(int(sid)))))
    scores.sort(key=lambda s: (-s.risk, s.name, s.supplier_id))
    return Scorecard(date_from, date_to, late_after_days, scores)


def _corrective_fields(found: tuple[int, int, float | None, int, int] | None) -> dict[str, Any]:
    if found is None:
        return {}
    open_scars, closed, days, ncrs, repeats = found
    return {"open_scars": open_scars, "scars_closed": closed, "mean_scar_days": days,
            "ncrs": ncrs, "repeat_failures": repeats}


@dataclass(frozen=True)
class RiskCounts:
    lots: int
    oos: int
    needs_coa: int
    verified: int
    with_coa: int
    late: int
    held_or_rejected: int
    quality_lots: int
    approval: str


def _of(part: int, whole: int, what: str) -> str:
    if not whole:
        return f"no {what}"
    return f"{part} of {whole} {what} ({100 * part / whole:.1f}%)"


def _rate_factor(key: str, part: int, whole: int, detail: str) -> RiskFactor:
    rule = RULES[key]
    rate = part / whole if whole else 0.0
    points = round(rule.weight * min(1.0, rate / rule.full_at), 2)
    return RiskFactor(key, rule.label, detail, rate, rule.weight, points)


def risk_factors(c: RiskCounts, late_after_days: int) -> tuple[RiskFactor, ...]:
    """Each factor with the fact it measures and the points it adds (in `RISK_RULES` order)."""
    missing = c.needs_coa - c.verified
    factors = [
        _rate_factor("out_of_spec", c.oos, c.lots,
                     _of(c.oos, c.lots, "lots received") + " with a verified result outside spec"),
        _rate_factor("holds", c.held_or_rejected, c.lots,
                     _of(c.held_or_rejected, c.lots, "lots received") + " held or rejected"),
        _rate_factor("missing_coa", missing, c.needs_coa,
                     _of(missing, c.needs_coa, "lots needing a COA") + " without a verified one"),
        _rate_factor("returns", c.quality_lots, c.lots,
                     _of(c.quality_lots, c.lots, "lots received")
                     + " returned for quality or damage"),
        _rate_factor("late_coa", c.late, c.with_coa,
                     _of(c.late, c.with_coa, "COAs")
                     + f" uploaded more than {late_after_days} day(s) after receipt"),
    ]
    rule = RULES["approval"]
    severity = APPROVAL_SEVERITY.get(c.approval, 1.0)
    factors.append(RiskFactor("approval", rule.label, f"status: {c.approval}", severity,
                              rule.weight, round(rule.weight * severity, 2)))
    return tuple(factors)
