"""Analytics for the quality team: the supplier scorecard and the expiry risk of stock on hand."""

from __future__ import annotations

import datetime as dt

from app.db.queries import expiry_risk as expiry_queries
from app.db.queries import supplier_scorecard as scorecard_queries
from app.db.queries.expiry_risk import ExpiryRisk, ExpiryRiskRow, ItemRiskTotal
from app.db.queries.supplier_scorecard import RISK_RULES, RiskFactor, Scorecard, SupplierScore
from app.workflows.session import UserSession

__all__ = ["RISK_RULES", "ExpiryRisk", "ExpiryRiskRow", "ItemRiskTotal", "RiskFactor",
           "Scorecard", "SupplierScore", "expiry_risk", "scorecard"]


def scorecard(session: UserSession, date_from: dt.date, date_to: dt.date,
              late_after_days: int = 2) -> Scorecard:
    """Every supplier that delivered in [date_from, date_to], highest risk first."""
    with session.reader.connect() as conn:
        return scorecard_queries.scorecard(conn, date_from, date_to,
                                           late_after_days=late_after_days)


def expiry_risk(session: UserSession, as_of: dt.date | None = None,
                demand_days: int = 90) -> ExpiryRisk:
    """Stock on hand that will, at the recent demand, expire before it sells."""
    with session.reader.connect() as conn:
        return expiry_queries.expiry_risk(conn, as_of, demand_days)
