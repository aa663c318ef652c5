"""What the charts share: a white plot with readable axes and a legend under it, category axes,
tooltips over bars, a message when there is nothing to draw, and export to PNG."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QToolTip, QVBoxLayout, QWidget

from app.views.style import colour_name, series

#: Distinguishable on white and for the common colour-vision deficiencies (resources/palette.toml).
PALETTE = series("chart.series")
INK = colour_name("chart.ink")
OUTLINE = colour_name("chart.outline")  # around markers and bars
GRID_ALPHA = 0.15
TICK_FONT_PT = 9


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def brush(hex_colour: str, alpha: int = 255) -> QColor:
    c = QColor(hex_colour)
    c.setAlpha(alpha)
    return c


@dataclass(frozen=True)
class BarRect:
    """One drawn bar segment in view coordinates, and what its tooltip says."""

    x0: float
    x1: float
    y0: float
    y1: float
    tip: str


class ChartView(QWidget):
    """A plot with a title, styled axes and a legend laid out below the plot (never over the
    data). Subclasses draw into `self.plot` and add to `self.legend`."""

    def __init__(self, legend_columns: int = 4) -> None:
        super().__init__()
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground(colour_name("chart.background"))
        self.canvas.ci.setContentsMargins(8, 8, 16, 8)
        self.plot: pg.PlotItem = self.canvas.addPlot(row=0, col=0)
        self.plot.showGrid(x=False, y=True, alpha=GRID_ALPHA)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        for name in ("left", "bottom"):
            _style_axis(self.plot.getAxis(name))
        self.legend = pg.LegendItem(colCount=legend_columns, labelTextColor=INK,
                                    labelTextSize="9pt", horSpacing=18)
        self.canvas.addItem(self.legend, row=1, col=0)
        self._message = pg.TextItem(anchor=(0.5, 0.5), color=colour_name("chart.message"))
        self._message.setFont(_font(11))
        self._bars: list[BarRect] = []
        self.canvas.scene().sigMouseMoved.connect(self._hover_bars)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)

    def set_axis(self, name: str, axis: pg.AxisItem) -> None:
        """Use another axis (dates, categories), styled like the others."""
        self.plot.setAxisItems({name: axis})
        _style_axis(axis)

    # ------------------------------------------------------------------ drawing helpers
    def reset(self, title: str) -> None:
        self.plot.clear()
        self.legend.clear()
        self._bars = []
        self.plot.setTitle(title, size="11pt", color=INK)
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setTicks(None)
            axis.setLabel("")
            axis.setStyle(showValues=True)

    def axis_labels(self, left: str, bottom: str) -> None:
        style = {"color": INK, "font-size": "10pt"}
        self.plot.setLabel("left", left, **style)
        self.plot.setLabel("bottom", bottom, **style)

    def show_message(self, text: str) -> None:
        """Nothing to draw: say so in the middle of the empty plot (no numbers on the axes)."""
        for name in ("left", "bottom"):
            self.plot.getAxis(name).setStyle(showValues=False)
        self.plot.setXRange(0, 1, padding=0)
        self.plot.setYRange(0, 1, padding=0)
        self._message.setText(text)
        self._message.setPos(0.5, 0.5)
        self.plot.addItem(self._message)

    def add_legend_entry(self, item: pg.GraphicsObject, name: str) -> None:
        self.legend.addItem(item, name)

    def add_bars(self, bars: Sequence[BarRect], fill: str, name: str | None) -> None:
        """Bars (vertical or horizontal: each is a rectangle) of one colour, with tooltips."""
        if not bars:
            return
        item = pg.BarGraphItem(
            x0=[b.x0 for b in bars], x1=[b.x1 for b in bars],
            y0=[b.y0 for b in bars], y1=[b.y1 for b in bars],
            brush=brush(fill), pen=pg.mkPen(OUTLINE, width=0.5))
        self.plot.addItem(item)
        self._bars.extend(bars)
        if name:
            self.legend.addItem(item, name)

    def _hover_bars(self, scene_pos: QPointF) -> None:
        if not self._bars:
            return
        vb = self.plot.getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            return
        p = vb.mapSceneToView(scene_pos)
        tip = next((b.tip for b in self._bars
                    if min(b.x0, b.x1) <= p.x() <= max(b.x0, b.x1)
                    and min(b.y0, b.y1) <= p.y() <= max(b.y0, b.y1)), "")
        if tip:
            view_pos = self.canvas.mapFromScene(scene_pos)
            QToolTip.showText(self.canvas.mapToGlobal(view_pos), tip, self.canvas)
        else:
            QToolTip.hideText()

    # ------------------------------------------------------------------ export
    def export_png(self, path: str | Path) -> Path:
        """The chart as shown, as a PNG file (rendered at a readable size if not on screen)."""
        target = Path(path)
        if not self.isVisible() and (self.width() < 900 or self.height() < 560):
            self.resize(max(self.width(), 1100), max(self.height(), 650))
        if not self.grab().save(str(target), "PNG"):
            raise OSError(f"could not write {target}")
        return target


def category_ticks(labels: Sequence[str], every: int = 1) -> list[list[tuple[float, str]]]:
    """Major ticks at 0, 1, 2, ... with the given labels (every n-th when crowded)."""
    step = max(1, every)
    return [[(float(i), label) for i, label in enumerate(labels) if i % step == 0], []]


def shorten(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _style_axis(axis: pg.AxisItem) -> None:
    axis.setPen(pg.mkPen(INK))
    axis.setTextPen(pg.mkPen(INK))
    axis.setTickFont(_font(TICK_FONT_PT))


def _font(points: int) -> QFont:
    font = QFont()
    font.setPointSize(points)
    return font


def line_sample(pen: object, symbol: str | None = None, fill: object = None,
                size: int = 11) -> pg.PlotDataItem:
    """A stand-in item (never drawn) that gives a legend entry the look of a line, a marker,
    or both: a marker without `fill` is an outline."""
    if symbol is None:
        return pg.PlotDataItem([], [], pen=pen)
    line_pen = pen if fill is not None else None
    return pg.PlotDataItem([0.0], [0.0], pen=line_pen, symbol=symbol, symbolSize=size,
                           symbolPen=pen if fill is None else pg.mkPen(OUTLINE),
                           symbolBrush=fill)


