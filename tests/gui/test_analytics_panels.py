"""The analytics panels load through the task runner on the demo data: the supplier scorecard
ranks suppliers by risk and shows the factors of the one selected; the expiry risk panel lists
items and lots at risk and narrows the lots to the item selected."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSpinBox, QTableView, QTableWidget
from pytestqt.qtbot import QtBot

from app.views.analytics import ExpiryRiskPanel, SupplierScorecardPanel
from app.views.tasks import TaskRunner
from app.workflows.session import UserSession

TIMEOUT = 15_000


@pytest.fixture
def session(auditor: UserSession) -> UserSession:
    return auditor


def test_scorecard_ranks_suppliers_and_explains_one(qtbot: QtBot, session: UserSession,
                                                    runner: TaskRunner) -> None:
    panel = SupplierScorecardPanel(session, runner)
    qtbot.addWidget(panel)
    panel.show()
    table = panel.findChild(QTableView, "scorecardTable")
    assert table is not None
    qtbot.waitUntil(lambda: not panel.loading and table.model().rowCount() > 0, timeout=TIMEOUT)
    card = panel.scorecard
    assert card is not None
    model = table.model()
    assert model.rowCount() == len(card.suppliers)
    risks = [float(model.index(r, 3).data()) for r in range(model.rowCount())]
    assert risks == sorted(risks, reverse=True)  # highest risk first

    factors = panel.findChild(QTableWidget, "scorecardFactors")
    assert factors is not None and factors.rowCount() == 0
    table.selectRow(0)
    chosen = panel.selected
    assert chosen is not None and chosen.risk == risks[0]
    assert factors.rowCount() == len(chosen.factors) == 6
    shown = {factors.item(r, 0).text(): float(factors.item(r, 1).text())
             for r in range(factors.rowCount())}
    assert shown == {f.label: round(f.points, 1) for f in chosen.factors}
    points = [float(factors.item(r, 1).text()) for r in range(factors.rowCount())]
    assert points == sorted(points, reverse=True)  # what drives the score first
    title = panel.findChild(QLabel, "scorecardSupplierTitle")
    assert title is not None and chosen.name in title.text()

    # Sorting by a column re-orders the view, and selection still finds the right supplier.
    table.sortByColumn(4, Qt.SortOrder.AscendingOrder)  # lots received
    lots = [int(model.index(r, 4).data()) for r in range(model.rowCount())]
    assert lots == sorted(lots)
    assert panel.select_supplier(card.suppliers[-1].code)
    assert panel.selected == card.suppliers[-1]


def test_expiry_risk_lists_lots_and_filters_by_item(qtbot: QtBot, session: UserSession,
                                                    runner: TaskRunner) -> None:
    panel = ExpiryRiskPanel(session, runner)
    qtbot.addWidget(panel)
    panel.show()
    items = panel.findChild(QTableView, "expiryItems")
    rows = panel.findChild(QTableView, "expiryRows")
    assert items is not None and rows is not None
    qtbot.waitUntil(lambda: not panel.loading and panel.risk is not None, timeout=TIMEOUT)
    risk = panel.risk
    assert risk is not None and risk.rows, "the demo data has stock at risk"
    assert rows.model().rowCount() == len(risk.rows)
    assert items.model().rowCount() == len(risk.items)

    items.selectRow(0)
    sku = items.model().index(0, 0).data()
    expected = sum(1 for r in risk.rows if r.sku == sku)
    assert rows.model().rowCount() == expected > 0
    assert {rows.model().index(r, 1).data() for r in range(expected)} == {sku}
    panel.clear_item_filter()
    assert rows.model().rowCount() == len(risk.rows)

    opened: list[str] = []
    panel.open_lot.connect(opened.append)
    rows.selectRow(0)
    panel._open_selected()
    assert opened == [rows.model().index(0, 0).data()]

    days = panel.findChild(QSpinBox, "expiryDemandDays")
    assert days is not None
    days.setValue(30)
    panel.refresh()
    qtbot.waitUntil(lambda: panel.risk is not None and panel.risk.demand_days == 30,
                    timeout=TIMEOUT)
    assert rows.model().rowCount() == len(panel.risk.rows)
