"""The charts tab: pick a chart and its inputs; the data loads off the UI thread; every chart
exports to PNG. Clicking a point of the COA trend opens its lot (`open_lot`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.views.charts.bar_charts import BacklogChart, ExpiryProfileChart, ScorecardChart
from app.views.charts.common import ChartView
from app.views.charts.recall_chart import RecallTimesChart
from app.views.charts.trend_chart import MAX_RULE_LABELS, TrendChart
from app.views.first_show import when_first_shown
from app.views.tasks import TaskRunner
from app.workflows import charts
from app.workflows.charts import TrendChoice, TrendData
from app.workflows.session import UserSession

#: (key, what the selector says)
CHARTS = (
    ("trend", "COA result trend (control chart)"),
    ("expiry", "Expiry profile of stock"),
    ("scorecard", "Supplier scorecards"),
    ("backlog", "Exception backlog"),
    ("recalls", "Recall and mock recall times"),
)
FEW_POINTS = 20  # below this many results, control limits are only indicative


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


class ChartsPanel(QWidget):
    open_lot = Signal(str)

    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__()
        self._session = session
        self._runner = runner
        self._pending: set[str] = set()
        self.loaded: dict[str, Any] = {}
        self.choices: list[TrendChoice] = []

        self.kind = QComboBox()
        self.kind.setObjectName("chartKind")
        for key, label in CHARTS:
            self.kind.addItem(label, key)
        self.kind.currentIndexChanged.connect(self._kind_changed)

        self.trend_chart = TrendChart()
        self.trend_chart.open_lot.connect(self.open_lot)
        self.views: dict[str, ChartView] = {
            "trend": self.trend_chart, "expiry": ExpiryProfileChart(),
            "scorecard": ScorecardChart(), "backlog": BacklogChart(),
            "recalls": RecallTimesChart()}
        self.stack = QStackedWidget()
        for key, _label in CHARTS:
            self.views[key].setObjectName(f"chart_{key}")
            self.stack.addWidget(self.views[key])

        self.inputs = QStackedWidget()
        self.inputs.addWidget(self._trend_inputs())
        self.inputs.addWidget(self._expiry_inputs())
        self.inputs.addWidget(self._scorecard_inputs())
        self.inputs.addWidget(QWidget())
        self.inputs.addWidget(QWidget())

        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setObjectName("chartRefresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button = QPushButton("Export PNG…")
        self.export_button.setObjectName("chartExport")
        self.export_button.clicked.connect(self._export_clicked)
        self.status = QLabel("")
        self.status.setObjectName("chartStatus")
        self.status.setWordWrap(True)

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Chart"))
        bar.addWidget(self.kind)
        bar.addWidget(self.inputs, 1)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(self.stack, 1)
        when_first_shown(self, self._load_choices)

    # ------------------------------------------------------------------ inputs
    def _trend_inputs(self) -> QWidget:
        self.item_box = QComboBox()
        self.item_box.setObjectName("trendItem")
        self.item_box.setMinimumContentsLength(32)
        self.item_box.currentIndexChanged.connect(self._item_changed)
        self.test_box = QComboBox()
        self.test_box.setObjectName("trendTest")
        self.test_box.setMinimumContentsLength(18)
        self.test_box.currentIndexChanged.connect(lambda _i: self._load_trend())
        return _row(QLabel("Item"), self.item_box, QLabel("Test"), self.test_box)

    def _expiry_inputs(self) -> QWidget:
        self.weeks = QSpinBox()
        self.weeks.setObjectName("expiryWeeks")
        self.weeks.setRange(4, 104)
        self.weeks.setValue(26)
        self.weeks.setSuffix(" weeks")
        self.weeks.editingFinished.connect(self.refresh)
        self.measure = QComboBox()
        self.measure.setObjectName("expiryMeasure")
        self.measure.addItem("Lots", "lots")
        self.measure.addItem("Value at unit cost", "value")
        self.measure.currentIndexChanged.connect(lambda _i: self._redraw("expiry"))
        return _row(QLabel("Next"), self.weeks, QLabel("Show"), self.measure)

    def _scorecard_inputs(self) -> QWidget:
        today = dt.date.today()
        self.date_from = QDateEdit(_qdate(today - dt.timedelta(days=364)))
        self.date_from.setObjectName("chartScorecardFrom")
        self.date_to = QDateEdit(_qdate(today))
        self.date_to.setObjectName("chartScorecardTo")
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        return _row(QLabel("Lots received from"), self.date_from, QLabel("to"), self.date_to)

    # ------------------------------------------------------------------ state
    @property
    def current(self) -> str:
        return str(self.kind.currentData())

    @property
    def current_view(self) -> ChartView:
        return self.views[self.current]

    @property
    def loading(self) -> bool:
        return bool(self._pending)

    def show_chart(self, key: str) -> None:
        """Switch to a chart (loading it if it has not been yet)."""
        index = next(i for i, (k, _l) in enumerate(CHARTS) if k == key)
        if self.kind.currentIndex() == index:
            self._kind_changed(index)
        else:
            self.kind.setCurrentIndex(index)

    def select_trend(self, item_id: int, test: str) -> bool:
        """Chart one item and test (its data loads in the background)."""
        i = self.item_box.findData(item_id)
        if i < 0:
            return False
        self.show_chart("trend")
        self.item_box.setCurrentIndex(i)
        j = next((k for k in range(self.test_box.count())
                  if str(self.test_box.itemData(k)).lower() == test.lower()), -1)
        if j < 0:
            return False
        if self.test_box.currentIndex() == j:
            self._load_trend()
        else:
            self.test_box.setCurrentIndex(j)
        return True

    def _kind_changed(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        self.inputs.setCurrentIndex(index)
        key = self.current
        if key == "trend":
            self._show_trend_status()
        elif key not in self.loaded and key not in self._pending:
            self.refresh()
        else:
            self._describe(key)

    def refresh(self) -> None:
        key = self.current
        if key == "trend":
            self._load_trend()
        elif key == "expiry":
            self._submit("expiry", "Reading stock on hand…", charts.expiry_profile,
                         self._session, self.weeks.value())
        elif key == "scorecard":
            date_from, date_to = _pydate(self.date_from.date()), _pydate(self.date_to.date())
            if date_to < date_from:
                self.status.setText("The period ends before it starts.")
                return
            self._submit("scorecard", "Scoring suppliers…", charts.supplier_scores,
                         self._session, date_from, date_to)
        elif key == "backlog":
            self._submit("backlog", "Counting open exceptions…", charts.exception_backlog,
                         self._session)
        elif key == "recalls":
            self._submit("recalls", "Reading recalls…", charts.recall_times, self._session)

    # ------------------------------------------------------------------ loading
    def _submit(self, key: str, what: str, fn: Callable[..., Any], *args: Any) -> None:
        self._pending.add(key)
        if key == self.current:
            self.status.setText(what)
        self._runner.submit(fn, *args, key=(self, key),
                            on_result=lambda data: self._loaded(key, data),
                            on_error=lambda exc: self._failed(key, exc))

    def _loaded(self, key: str, data: Any) -> None:
        self._pending.discard(key)
        if key == "choices":
            self._choices_loaded(data)
            return
        self.loaded[key] = data
        self._redraw(key)

    def _failed(self, key: str, exc: BaseException) -> None:
        self._pending.discard(key)
        self.status.setText(f"Could not load the chart: {exc}")

    def _redraw(self, key: str) -> None:
        data = self.loaded.get(key)
        if data is None:
            return
        view = self.views[key]
        if key == "expiry":
            assert isinstance(view, ExpiryProfileChart)
            view.set_data(data, str(self.measure.currentData()))
        else:
            view.set_data(data)  # type: ignore[attr-defined]
        if key == self.current:
            self._describe(key)

    def _describe(self, key: str) -> None:
        data = self.loaded.get(key)
        if data is None:
            return
        if key == "trend":
            self._show_trend_status()
        elif key == "expiry":
            self.status.setText(
                f"Stock on hand (not in transit or awaiting return inspection) by the week it "
                f"expires, as of {data.as_of:%Y-%m-%d}; {data.beyond:,} lot(s) expire later. "
                "Hover a bar for its lots and value.")
        elif key == "scorecard":
            self.status.setText(
                f"{len(data.suppliers)} supplier(s) delivered in the period. Each bar is the "
                "risk score, split into the points each factor adds; hover for the facts.")
        elif key == "backlog":
            self.status.setText(f"{data.total:,} open exception(s) in {len(data.types)} type(s).")
        elif key == "recalls":
            self.status.setText(f"{len(data)} recall(s) and mock recall(s); hover a point.")

    # ------------------------------------------------------------------ the trend chart
    def _load_choices(self) -> None:
        self._submit("choices", "Finding items with COA results…", charts.trend_choices,
                     self._session)

    def _choices_loaded(self, choices: list[TrendChoice]) -> None:
        self.choices = choices
        best = max(choices, key=lambda c: (c.results, -c.item_id), default=None)
        self.item_box.blockSignals(True)
        self.item_box.clear()
        seen: dict[int, int] = {}
        for c in choices:
            seen[c.item_id] = seen.get(c.item_id, 0) + c.results
        labels = {c.item_id: f"{c.sku} {c.item_name}" for c in choices}
        for item_id in sorted(labels, key=lambda i: labels[i]):
            self.item_box.addItem(f"{labels[item_id]} ({seen[item_id]} results)", item_id)
        self.item_box.blockSignals(False)
        if best is None:
            self.status.setText("No item has a numeric specification or COA result yet.")
            return
        self.select_trend(best.item_id, best.test)

    def _item_changed(self, _index: int) -> None:
        item_id = self.item_box.currentData()
        self.test_box.blockSignals(True)
        self.test_box.clear()
        tests = [c for c in self.choices if c.item_id == item_id]
        for c in sorted(tests, key=lambda c: (-c.results, c.test)):
            self.test_box.addItem(f"{c.test} ({c.results})", c.test)
        self.test_box.blockSignals(False)
        self._load_trend()

    def _load_trend(self) -> None:
        item_id, test = self.item_box.currentData(), self.test_box.currentData()
        if item_id is None or test is None:
            return
        self._submit("trend", f"Reading {test} results…", charts.trend, self._session,
                     int(item_id), str(test))

    def _show_trend_status(self) -> None:
        data = self.loaded.get("trend")
        if not isinstance(data, TrendData):
            return
        n = len(data.points)
        if n == 0:
            self.status.setText(f"No lot of {data.item} has a verified COA result with a number "
                                f"for {data.test}.")
            return
        parts = [f"{n} lot(s) with a result, {data.out_of_spec_count} out of spec, "
                 f"{data.out_of_control_count} out of control."]
        if data.limits is None:
            parts.append("Too few varying results for control limits.")
        elif n < FEW_POINTS:
            parts.append(f"Control limits from only {n} results are indicative.")
        if data.other_units:
            parts.append(f"{data.other_units} result(s) in another unit are not shown.")
        parts.append("Hover a point for its lot and the rules it breaks; click it to open the lot.")
        if 0 < data.out_of_control_count <= MAX_RULE_LABELS:
            parts.append("Numbers over points are the Western Electric rules they break.")
        self.status.setText(" ".join(parts))

    # ------------------------------------------------------------------ export
    def export_png(self, path: str | Path) -> Path:
        """Write the chart on show to a PNG file."""
        return self.current_view.export_png(path)

    def _export_clicked(self) -> None:
        name = f"{self.current}-{dt.date.today():%Y%m%d}.png"
        path, _filter = QFileDialog.getSaveFileName(self, "Export chart", name, "PNG (*.png)")
        if path:
            try:
                written = self.export_png(path)
            except OSError as exc:
                self.status.setText(str(exc))
            else:
                self.status.setText(f"Saved {written}")


def _row(*widgets: QWidget) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        layout.addWidget(w)
    layout.addStretch(1)
    return box
