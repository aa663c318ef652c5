"""The COA result trend of one item and test: each lot's result in the order the lots were
received, coloured by supplier, with the company's spec limits, the control limits (mean ± 3σ)
and centre line; out-of-spec points ringed in red, out-of-control points (Western Electric) in a
diamond with the rule numbers. Hover a point for the lot, click it to open the lot."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal

from app.views.charts.common import OUTLINE, ChartView, brush, colour, line_sample
from app.views.style import colour_name
from app.workflows.charts import TrendData, TrendPoint
from app.workflows.control_chart import describe

SUPPLIER_COLOURS = 7  # suppliers with a colour of their own; the rest share "other suppliers"
MAX_RULE_LABELS = 60  # rule numbers are written next to at most this many points
SPEC_COLOUR = colour_name("chart.spec")
CONTROL_COLOUR = colour_name("chart.control")
CENTRE_COLOUR = colour_name("chart.centre")
OTHER_COLOUR = colour_name("chart.other")


class LotOrderAxis(pg.AxisItem):  # type: ignore[misc]
    """x is a lot's position in receipt order; ticks show the date it was received, only at
    whole positions."""

    def __init__(self) -> None:
        super().__init__("bottom")
        self.points: list[TrendPoint] = []

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:
        levels = super().tickSpacing(minVal, maxVal, size)
        whole = [(s, o) for s, o in levels if s >= 1]
        return whole or [(1.0, 0.0)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        out = []
        for v in values:
            i = round(v)
            whole = abs(v - i) < 1e-6 and 0 <= i < len(self.points)
            out.append(f"{self.points[i].received_at:%Y-%m-%d}" if whole else "")
        return out


def _tip(p: TrendPoint, data: TrendData) -> str:
    unit = f" {data.unit}" if data.unit else ""
    lines = [f"Lot {p.lot_code}", f"Supplier: {p.supplier}",
             f"{data.test}: {p.value:g}{unit}",
             f"Received {p.received_at:%Y-%m-%d}"]
    if p.out_of_spec:
        limits = [f"min {data.spec_min:g}" if data.spec_min is not None else "",
                  f"max {data.spec_max:g}" if data.spec_max is not None else ""]
        lines.append(f"OUT OF SPEC ({', '.join(x for x in limits if x)})")
    lines += describe(p.rules)
    lines.append("Click to open the lot")
    return "\n".join(lines)


class _Tip:
    """The tooltip of a point (holds the data, never the chart: no reference cycle through Qt
    objects for the garbage collector to break in the wrong order)."""

    def __init__(self, data: TrendData) -> None:
        self.data = data

    def __call__(self, x: float, y: float, data: Any) -> str:
        return _tip(self.data.points[int(data)], self.data)


class TrendChart(ChartView):
    open_lot = Signal(str)

    def __init__(self) -> None:
        self.axis = LotOrderAxis()
        super().__init__(legend_columns=4)
        self.set_axis("bottom", self.axis)
        self.data: TrendData | None = None
        self.reset("COA result trend")
        self.show_message("Choose an item and a test")

    # ------------------------------------------------------------------ drawing
    def set_data(self, data: TrendData) -> None:
        self.data = data
        unit = f" ({data.unit})" if data.unit else ""
        self.reset(f"{data.item} — {data.test}")
        self.axis_labels(f"{data.test}{unit}", "Lots in the order received (date received)")
        self.axis.points = data.points  # dates are formatted only for the ticks shown
        if not data.points:
            self.show_message("No verified COA results with a number for this test")
            return
        x = np.arange(len(data.points), dtype=float)
        y = np.fromiter((p.value for p in data.points), dtype=float, count=len(data.points))
        self.plot.addItem(pg.PlotDataItem(x, y, pen=pg.mkPen(colour_name("chart.trend_line"), width=1)))
        self._supplier_points(data, x, y)
        self._limit_lines(data)
        self._marks(data, x, y)
        self._ranges(data, y)

    def _supplier_points(self, data: TrendData, x: np.ndarray, y: np.ndarray) -> None:
        names = data.suppliers()
        own = {name: i for i, name in enumerate(names[:SUPPLIER_COLOURS])}
        group = np.fromiter((own.get(p.supplier, SUPPLIER_COLOURS) for p in data.points),
                            dtype=int, count=len(data.points))
        others = len(names) - SUPPLIER_COLOURS
        labels = [*names[:SUPPLIER_COLOURS],
                  f"{others} other supplier{'s' if others > 1 else ''}"]
        size = 8 if len(data.points) <= 500 else 6
        for g, label in enumerate(labels):
            idx = np.flatnonzero(group == g)
            if idx.size == 0:
                continue
            fill = colour(g) if g < SUPPLIER_COLOURS else OTHER_COLOUR
            item = pg.ScatterPlotItem(
                x=x[idx], y=y[idx], data=idx, size=size, symbol="o", pen=pg.mkPen(OUTLINE, width=0.5),
                brush=brush(fill), hoverable=True, hoverSize=size + 4,
                tip=_Tip(data))
            item.sigClicked.connect(self._clicked)
            self.plot.addItem(item)
            self.add_legend_entry(item, label)

    def _limit_lines(self, data: TrendData) -> None:
        unit = f" {data.unit}" if data.unit else ""
        spec_pen = pg.mkPen(SPEC_COLOUR, width=2, style=Qt.PenStyle.DashLine)
        for name, value in (("Spec min", data.spec_min), ("Spec max", data.spec_max)):
            if value is not None:
                self._hline(value, spec_pen, f"{name} {value:g}{unit}", 0.03)
        if data.spec_min is not None or data.spec_max is not None:
            self.add_legend_entry(line_sample(spec_pen), "Spec limit")
        limits = data.limits
        if limits is None:
            return
        control_pen = pg.mkPen(CONTROL_COLOUR, width=1.5, style=Qt.PenStyle.DashDotLine)
        centre_pen = pg.mkPen(CENTRE_COLOUR, width=1.5)
        self._hline(limits.ucl, control_pen, f"UCL {limits.ucl:.4g}", 0.97)
        self._hline(limits.lcl, control_pen, f"LCL {limits.lcl:.4g}", 0.97)
        self._hline(limits.centre, centre_pen, f"Mean {limits.centre:.4g}", 0.97)
        self.add_legend_entry(line_sample(control_pen), "Control limits (mean ± 3σ)")
        self.add_legend_entry(line_sample(centre_pen), "Centre line (mean)")

    def _hline(self, value: float, pen: Any, label: str, position: float) -> None:
        line = pg.InfiniteLine(pos=value, angle=0, pen=pen, movable=False, label=label,
                               labelOpts={"position": position, "color": pen.color(),
                                          "anchors": [(round(position), 1.0)] * 2,
                                          "fill": pg.mkBrush(colour_name("chart.legend_fill"))})
        self.plot.addItem(line)

    def _marks(self, data: TrendData, x: np.ndarray, y: np.ndarray) -> None:
        oos = np.fromiter((p.out_of_spec for p in data.points), dtype=bool, count=len(x))
        ooc = np.fromiter((bool(p.rules) for p in data.points), dtype=bool, count=len(x))
        spec_pen = pg.mkPen(SPEC_COLOUR, width=2)
        control_pen = pg.mkPen(CONTROL_COLOUR, width=2)
        for mask, symbol, pen, size, name in (
                (ooc, "d", control_pen, 17, "Out of control (Western Electric rule)"),
                (oos, "o", spec_pen, 14, "Out of spec")):
            idx = np.flatnonzero(mask)
            item = pg.ScatterPlotItem(x=x[idx], y=y[idx], data=idx, symbol=symbol, size=size,
                                      pen=pen, brush=None)
            item.setZValue(-1)  # behind the points: a ring around each, clicks reach the point
            item.sigClicked.connect(self._clicked)
            self.plot.addItem(item)
            self.add_legend_entry(line_sample(pen, symbol), name)
        if 0 < int(ooc.sum()) <= MAX_RULE_LABELS:
            for i in np.flatnonzero(ooc):
                p = data.points[int(i)]
                label = pg.TextItem(",".join(str(r) for r in sorted(p.rules)),
                                    color=CONTROL_COLOUR, anchor=(0.5, 1.3))
                label.setPos(float(x[i]), float(y[i]))
                self.plot.addItem(label)

    def _ranges(self, data: TrendData, y: np.ndarray) -> None:
        levels = [float(y.min()), float(y.max())]
        levels += [v for v in (data.spec_min, data.spec_max) if v is not None]
        if data.limits is not None:
            levels += [data.limits.lcl, data.limits.ucl]
        lo, hi = min(levels), max(levels)
        pad = (hi - lo) * 0.08 or abs(hi) * 0.1 or 1.0
        self.plot.setYRange(lo - pad, hi + pad, padding=0)
        self.plot.setXRange(-0.5, len(data.points) - 0.5, padding=0.02)

    # ------------------------------------------------------------------ interaction
    def _current(self) -> TrendData:
        assert self.data is not None
        return self.data

    def _point(self, index: Any) -> TrendPoint:
        return self._current().points[int(index)]

    def _clicked(self, _item: object, points: Sequence[Any], _event: object) -> None:
        if len(points):
            self.open_lot.emit(self._point(points[0].data()).lot_code)
