"""Stacked bar charts: the expiry profile of stock by site and week, supplier risk scores by
factor side by side, and the open exception backlog by type and age."""

from __future__ import annotations

import math

import pyqtgraph as pg

from app.views.charts.common import INK, BarRect, ChartView, category_ticks, colour, shorten
from app.views.style import series
from app.workflows.analytics import RISK_RULES, Scorecard
from app.workflows.charts import AGE_LABELS, ExceptionBacklog, ExpiryProfile

BAR = 0.7  # bar thickness, in category units
#: Light to dark: the older the exception, the darker the segment.
AGE_COLOURS = series("chart.age")
MAX_WEEK_LABELS = 14


def _amount(value: float) -> str:
    return f"{value:,.0f}"


def _end_label(plot: pg.PlotItem, x: float, y: float, text: str) -> None:
    label = pg.TextItem(text, color=INK, anchor=(0, 0.5))
    label.setPos(x, y)
    plot.addItem(label)


class ExpiryProfileChart(ChartView):
    """One bar per week (expired stock first), one stacked segment per site."""

    def __init__(self) -> None:
        super().__init__(legend_columns=4)
        self.data: ExpiryProfile | None = None
        self.measure = "lots"
        self.reset("Expiry profile of stock on hand")

    def set_data(self, data: ExpiryProfile, measure: str = "lots") -> None:
        self.data, self.measure = data, measure
        weeks = len(data.weeks)
        self.reset(f"Stock on hand by expiry week and site — {data.total_lots:,} lot(s) "
                   f"expiring by {data.weeks[-1]:%Y-%m-%d}" if data.weeks else "Expiry profile")
        first, last = data.weeks[0], data.weeks[-1]
        self.axis_labels("Lots on hand" if measure == "lots" else "Value on hand (at unit cost)",
                         f"Week of expiry (Mondays, {first:%Y-%m-%d} to {last:%Y-%m-%d})")
        if not data.sites:
            self.show_message("No stock on hand expires in these weeks")
            return
        series = data.lots if measure == "lots" else data.value
        base = [0.0] * (weeks + 1)
        for s, (code, name) in enumerate(data.sites):
            bars = []
            for i, amount in enumerate(series[code]):
                if amount <= 0:
                    continue
                week = "already expired" if i == 0 else f"week of {data.weeks[i - 1]:%Y-%m-%d}"
                tip = (f"{name} ({code})\n{week}\n{data.lots[code][i]:,} lot(s), value "
                       f"{_amount(data.value[code][i])}")
                bars.append(BarRect(i - BAR / 2, i + BAR / 2, base[i], base[i] + amount, tip))
                base[i] += amount
            self.add_bars(bars, colour(s), f"{code} — {name}")
        every = math.ceil((weeks + 1) / MAX_WEEK_LABELS)
        labels = ["Expired", *(f"{d:%d %b}" for d in data.weeks)]
        ticks = category_ticks(labels, every)
        if every > 1 and ticks[0][0][1] != "Expired":
            ticks[0].insert(0, (0.0, "Expired"))
        self.plot.getAxis("bottom").setTicks(ticks)
        self.plot.setXRange(-0.6, weeks + 0.6, padding=0)
        self.plot.setYRange(0, max(base) * 1.08 or 1, padding=0)


class ScorecardChart(ChartView):
    """Suppliers side by side, highest risk at the top; each bar is the risk score split into the
    points each factor adds."""

    def __init__(self) -> None:
        super().__init__(legend_columns=3)
        self.data: Scorecard | None = None
        self.reset("Supplier risk scores")

    def set_data(self, card: Scorecard) -> None:
        self.data = card
        self.reset(f"Supplier risk scores, lots received {card.date_from:%Y-%m-%d} to "
                   f"{card.date_to:%Y-%m-%d}")
        self.axis_labels("", "Risk score (0–100): points added by each factor")
        suppliers = card.suppliers
        if not suppliers:
            self.show_message("No supplier delivered in this period")
            return
        n = len(suppliers)
        row = {s.supplier_id: n - 1 - i for i, s in enumerate(suppliers)}  # highest on top
        for f_index, rule in enumerate(RISK_RULES):
            bars = []
            for s in suppliers:
                factor = next(f for f in s.factors if f.key == rule.key)
                if factor.points <= 0:
                    continue
                start = sum(f.points for f in s.factors[:f_index])
                y = row[s.supplier_id]
                tip = (f"{s.name} ({s.code}, {s.approval_status}): risk {s.risk:.1f}\n"
                       f"{factor.label}: {factor.points:.1f} of {factor.weight:g} points\n"
                       f"{factor.detail}")
                bars.append(BarRect(start, start + factor.points, y - BAR / 2, y + BAR / 2, tip))
            self.add_bars(bars, colour(f_index), f"{rule.label} (max {rule.weight:g})")
        for s in suppliers:
            _end_label(self.plot, s.risk + 0.8, row[s.supplier_id], f"{s.risk:.1f}")
        labels = [f"{shorten(s.name, 28)} ({s.lots_received})" for s in reversed(suppliers)]
        self.plot.getAxis("left").setTicks(category_ticks(labels))
        self.plot.getAxis("left").setLabel("Supplier (lots received)", color=INK)
        self.plot.showGrid(x=True, y=False, alpha=0.15)
        top = max(s.risk for s in suppliers)
        self.plot.setXRange(0, max(20.0, min(100.0, top * 1.15 + 5)), padding=0)
        self.plot.setYRange(-0.6, n - 0.4, padding=0)


class BacklogChart(ChartView):
    """Open exceptions, one bar per type (largest backlog on top), split by age."""

    def __init__(self) -> None:
        super().__init__(legend_columns=5)
        self.data: ExceptionBacklog | None = None
        self.reset("Exception backlog")

    def set_data(self, backlog: ExceptionBacklog) -> None:
        self.data = backlog
        self.reset(f"Open exceptions by type and age — {backlog.total:,} open")
        self.axis_labels("", "Open exceptions")
        if not backlog.types:
            self.show_message("No open exceptions")
            return
        n = len(backlog.types)
        row = {t: n - 1 - i for i, (t, _title) in enumerate(backlog.types)}
        for b, age in enumerate(AGE_LABELS):
            bars = []
            for t, title in backlog.types:
                count = backlog.counts[t][b]
                if count == 0:
                    continue
                start = sum(backlog.counts[t][:b])
                tip = f"{title}\nopen {age}: {count:,}\nall ages: {sum(backlog.counts[t]):,}"
                y = row[t]
                bars.append(BarRect(start, start + count, y - BAR / 2, y + BAR / 2, tip))
            self.add_bars(bars, AGE_COLOURS[b], f"open {age}")
        totals = {t: sum(c) for t, c in backlog.counts.items()}
        for t, _title in backlog.types:
            _end_label(self.plot, totals[t], row[t], f" {totals[t]:,}")
        labels = [shorten(title, 40) for _t, title in reversed(backlog.types)]
        self.plot.getAxis("left").setTicks(category_ticks(labels))
        self.plot.showGrid(x=True, y=False, alpha=0.15)
        self.plot.setXRange(0, max(totals.values()) * 1.12 + 1, padding=0)
        self.plot.setYRange(-0.6, n - 0.4, padding=0)
