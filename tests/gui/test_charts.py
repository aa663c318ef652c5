"""The charts tab on the demo data, as the auditor: the COA trend of the item and test with most
results draws with its spec and control limits, hovering a point names its lot and clicking it
opens the lot; every chart loads in the background and exports to PNG."""

from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QToolTip
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from app.db.engine import make_engine
from app.db.server import ServerTarget
from app.views.charts import ChartsPanel
from app.views.charts.bar_charts import BacklogChart, ExpiryProfileChart, ScorecardChart
from app.views.charts.common import ChartView
from app.views.charts.recall_chart import RecallTimesChart
from app.views.tasks import TaskRunner
from app.workflows import compliance, recalls
from app.workflows.charts import TrendData
from app.workflows.session import UserSession, login
from tests.conftest import DEMO_PASSWORDS

TIMEOUT = 15_000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _login(target: ServerTarget, username: str) -> UserSession:
    return login(target, username, DEMO_PASSWORDS[username])


def _panel(qtbot: QtBot, session: UserSession, runner: TaskRunner) -> ChartsPanel:
    panel = ChartsPanel(session, runner)
    qtbot.addWidget(panel)
    panel.resize(1200, 760)
    panel.show()
    qtbot.waitUntil(lambda: "trend" in panel.loaded and not panel.loading, timeout=TIMEOUT)
    return panel


def _lines(panel: ChartsPanel) -> list[float]:
    return sorted(float(i.value()) for i in panel.trend_chart.plot.items
                  if isinstance(i, pg.InfiniteLine))


def _settled(qtbot: QtBot, view: ChartView, x: float, y: float) -> QPoint:
    """Where a point of the plot (in data coordinates) is on screen, once painting has settled
    the layout (axes widen to fit their tick labels when first painted)."""
    last = None
    for _ in range(20):
        view.grab()
        qtbot.wait(20)
        scene = view.plot.getViewBox().mapViewToScene(pg.Point(x, y))
        pos = view.canvas.mapFromScene(scene)
        if pos == last:
            return pos
        last = pos
    raise AssertionError("the chart layout did not settle")


def _view_pos(qtbot: QtBot, panel: ChartsPanel, index: int) -> QPoint:
    point = panel.trend_chart.data.points[index]  # type: ignore[union-attr]
    return _settled(qtbot, panel.trend_chart, float(index), point.value)


def _assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 5_000
    image = QImage(str(path))
    assert not image.isNull() and image.width() >= 600 and image.height() >= 400


def test_trend_chart_draws_limits_and_opens_the_lot_clicked(
        qtbot: QtBot, shared_db: ServerTarget, auditor: UserSession, runner: TaskRunner) -> None:
    panel = _panel(qtbot, auditor, runner)
    best = max(panel.choices, key=lambda c: (c.results, -c.item_id))
    assert best.results >= 2, "the demo history verifies COAs with numeric results"
    data = panel.loaded["trend"]
    assert isinstance(data, TrendData)
    assert (data.item_id, data.test.lower()) == (best.item_id, best.test.lower())

    # The lots charted are those whose verified COA result (as quality.lot_results gives it)
    # has a number, in receipt order.
    engine = make_engine(shared_db.admin_url)
    with engine.connect() as conn:
        expected = set(conn.execute(text("""
            SELECT l.lot_code FROM quality.lots l
            CROSS JOIN LATERAL (SELECT r.value FROM quality.lot_results(l.id) r
                                WHERE lower(r.test) = lower(:t) ORDER BY r.id DESC LIMIT 1) x
            WHERE l.item_id = :i AND x.value IS NOT NULL"""),
            {"i": best.item_id, "t": best.test}).scalars())
    engine.dispose()
    assert {p.lot_code for p in data.points} == expected
    assert [p.received_at for p in data.points] == sorted(p.received_at for p in data.points)

    # Spec limits from the company's spec, control limits and centre line from the results.
    assert data.spec_min is not None or data.spec_max is not None
    assert data.limits is not None
    expected_lines = [v for v in (data.spec_min, data.spec_max) if v is not None]
    expected_lines += [data.limits.lcl, data.limits.centre, data.limits.ucl]
    assert _lines(panel) == pytest.approx(sorted(expected_lines))
    legend = [label.text for _sample, label in panel.trend_chart.legend.items]
    assert "Spec limit" in legend and "Control limits (mean ± 3σ)" in legend
    assert "out of spec" in panel.status.text()

    # Hover a point: the tooltip names its lot and supplier.
    point = data.points[-1]
    view = panel.trend_chart.canvas
    qtbot.mouseMove(view.viewport(), _view_pos(qtbot, panel, point.index))
    qtbot.waitUntil(lambda: point.lot_code in panel.trend_chart.plot.getViewBox().toolTip(),
                    timeout=TIMEOUT)
    assert point.supplier in panel.trend_chart.plot.getViewBox().toolTip()

    # Click it: the lot opens.
    with qtbot.waitSignal(panel.open_lot, timeout=TIMEOUT) as opened:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                         pos=_view_pos(qtbot, panel, point.index))
    assert opened.args == [point.lot_code]
    first = data.points[0]
    with qtbot.waitSignal(panel.open_lot, timeout=TIMEOUT) as opened:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                         pos=_view_pos(qtbot, panel, first.index))
    assert opened.args == [first.lot_code]


def test_trend_chart_exports_a_png(qtbot: QtBot, auditor: UserSession, runner: TaskRunner,
                                   tmp_path: Path) -> None:
    panel = _panel(qtbot, auditor, runner)
    target = tmp_path / "trend.png"
    assert panel.export_png(target) == target
    _assert_png(target)


def test_every_chart_loads_and_exports(qtbot: QtBot, auditor: UserSession, runner: TaskRunner,
                                       tmp_path: Path) -> None:
    panel = _panel(qtbot, auditor, runner)
    for key, view_type in (("expiry", ExpiryProfileChart), ("scorecard", ScorecardChart),
                           ("backlog", BacklogChart), ("recalls", RecallTimesChart)):
        panel.show_chart(key)
        qtbot.waitUntil(lambda key=key: key in panel.loaded and not panel.loading,
                        timeout=TIMEOUT)
        view = panel.current_view
        assert isinstance(view, view_type) and view.isVisible()
        assert view.data is not None
        assert panel.status.text() and "Could not" not in panel.status.text()
        out = tmp_path / f"{key}.png"
        panel.export_png(out)
        _assert_png(out)

    expiry = panel.loaded["expiry"]
    assert expiry.sites and expiry.total_lots > 0, "the demo data has stock on hand"
    bars = [i for i in panel.views["expiry"].plot.items if isinstance(i, pg.BarGraphItem)]
    assert len(bars) == len(expiry.sites)
    panel.show_chart("expiry")
    view = panel.views["expiry"]
    bar = view._bars[0]  # hover a bar: its site, week and lots
    qtbot.mouseMove(view.canvas.viewport(),
                    _settled(qtbot, view, (bar.x0 + bar.x1) / 2, (bar.y0 + bar.y1) / 2))
    qtbot.waitUntil(lambda: QToolTip.text() == bar.tip, timeout=TIMEOUT)
    assert "lot(s)" in bar.tip
    panel.measure.setCurrentIndex(1)  # value instead of lots: redrawn without a new query
    assert panel.views["expiry"].measure == "value"

    card = panel.loaded["scorecard"]
    assert card.suppliers, "suppliers delivered in the last year of demo data"
    ticks = panel.views["scorecard"].plot.getAxis("left")._tickLevels
    assert len(ticks[0]) == len(card.suppliers)


def test_backlog_and_recall_times_show_what_was_recorded(
        qtbot: QtBot, db: ServerTarget, runner: TaskRunner) -> None:
    cora = _login(db, "cora.compliance")
    try:
        compliance.refresh_exceptions(cora)
        engine = make_engine(db.admin_url)
        with engine.connect() as conn:
            open_count = conn.execute(text(
                "SELECT count(*) FROM quality.exceptions WHERE closed_at IS NULL")).scalar_one()
            lot = conn.execute(text(
                "SELECT lot_code FROM quality.lots WHERE status = 'available' ORDER BY id LIMIT 1")
            ).scalar_one()
        engine.dispose()
        mock = recalls.open_recall(cora, [lot], "Quarterly mock recall", "II", mock=True)
        recalls.complete_report(cora, mock.id, {"note": "exercise"})
    finally:
        cora.close()
    assert open_count > 0

    auditor = _login(db, "aude.auditor")
    try:
        panel = _panel(qtbot, auditor, runner)
        panel.show_chart("backlog")
        qtbot.waitUntil(lambda: "backlog" in panel.loaded and not panel.loading, timeout=TIMEOUT)
        backlog = panel.loaded["backlog"]
        assert backlog.total == open_count
        assert all(len(c) == 5 for c in backlog.counts.values())
        assert f"{open_count:,} open" in panel.views["backlog"].plot.titleLabel.text

        panel.show_chart("recalls")
        qtbot.waitUntil(lambda: "recalls" in panel.loaded and not panel.loading,
                        timeout=TIMEOUT)
        times = panel.loaded["recalls"]
        assert [(t.number, t.is_mock) for t in times] == [(mock.number, True)]
        assert times[0].minutes_to_report is not None and times[0].minutes_to_hold is None
        runner.wait()
    finally:
        auditor.close()
