"""Analytics panels: the supplier scorecard and the expiry risk of stock on hand."""

from app.views.analytics.expiry_panel import ExpiryRiskPanel
from app.views.analytics.scorecard_panel import SupplierScorecardPanel

__all__ = ["ExpiryRiskPanel", "SupplierScorecardPanel"]
