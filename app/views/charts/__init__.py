"""Charts (pyqtgraph): COA result trends with control limits, expiry profile, supplier
scorecards, exception backlog and recall times."""

from app.views.charts.panel import ChartsPanel

__all__ = ["ChartsPanel"]
