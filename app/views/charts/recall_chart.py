"""Recall and mock recall times over time: for each, the time from opening to the hold of every
affected lot and to the completed report, by the date it was opened."""

from __future__ import annotations

from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtCore import Qt

from app.views.charts.common import OUTLINE, ChartView, brush, colour, line_sample
from app.workflows.charts import RecallTime

DAY = 86_400.0


def _when(minutes: float, unit: float, name: str) -> str:
    return f"{minutes / unit:.1f} {name}"


class RecallTimesChart(ChartView):
    def __init__(self) -> None:
        super().__init__(legend_columns=2)
        self.set_axis("bottom", pg.DateAxisItem(orientation="bottom"))
        self.data: list[RecallTime] = []
        self.reset("Recall and mock recall times")

    def set_data(self, recalls: list[RecallTime]) -> None:
        self.data = recalls
        real = sum(1 for r in recalls if not r.is_mock)
        self.reset(f"Recall times — {real} recall(s), {len(recalls) - real} mock recall(s)")
        longest = max((m for r in recalls for m in (r.minutes_to_hold, r.minutes_to_report)
                       if m is not None), default=0.0)
        unit, name = (60.0, "hours") if longest > 180 else (1.0, "minutes")
        self.axis_labels(f"Time from opening ({name})", "Date opened")
        if not recalls:
            self.show_message("No recalls or mock recalls yet")
            return
        series: list[tuple[str, bool, Callable[[RecallTime], float | None], str, str]] = [
            ("Recall: report complete", False, lambda r: r.minutes_to_report, "o", colour(0)),
            ("Recall: all lots held", False, lambda r: r.minutes_to_hold, "o", colour(1)),
            ("Mock recall: report complete", True, lambda r: r.minutes_to_report, "t", colour(0)),
        ]
        top = 0.0
        for label, mock, measure, symbol, fill in series:
            picked = [(r, m) for r in recalls if r.is_mock == mock
                      for m in (measure(r),) if m is not None]
            if not picked:
                continue
            x = [r.opened_at.timestamp() for r, _m in picked]
            y = [m / unit for _r, m in picked]
            tips = [f"{r.number}{' (mock)' if r.is_mock else ''}, opened "
                    f"{r.opened_at:%Y-%m-%d %H:%M}\n{label.split(': ')[1]} after "
                    f"{_when(m, unit, name)}\n{r.lots} lot(s) in scope" for r, m in picked]
            pen = pg.mkPen(fill, width=1.5, style=Qt.PenStyle.DashLine if mock
                           else Qt.PenStyle.SolidLine)
            self.plot.addItem(pg.PlotDataItem(x, y, pen=pen))
            points = pg.ScatterPlotItem(x=x, y=y, data=tips, symbol=symbol, size=11,
                                        brush=brush(fill), pen=pg.mkPen(OUTLINE), hoverable=True,
                                        tip=lambda x, y, data: str(data))
            self.plot.addItem(points)
            self.add_legend_entry(line_sample(pen, symbol, brush(fill)), label)
            top = max(top, *y)
        stamps = [r.opened_at.timestamp() for r in recalls]
        lo, hi = min(stamps), max(stamps)
        pad = max((hi - lo) * 0.05, DAY)
        self.plot.setXRange(lo - pad, hi + pad, padding=0)
        self.plot.setYRange(0, top * 1.15 or 1, padding=0)
