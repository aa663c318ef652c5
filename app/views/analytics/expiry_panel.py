"""Expiry risk: stock on hand that will, at the recent demand, expire before it sells — per item
(totals) and per lot and location; select an item to see only its lots. Double-click a lot to
open it."""

from __future__ import annotations

import re

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.views.analytics.table import Column, RowsModel, number, selected_row, sortable_view
from app.views.first_show import when_first_shown
from app.views.tasks import TaskRunner
from app.workflows import analytics
from app.workflows.analytics import ExpiryRisk, ExpiryRiskRow, ItemRiskTotal
from app.workflows.session import UserSession

ITEM_COLUMNS = (
    Column("SKU", lambda t: t.sku),
    Column("Item", lambda t: t.item_name),
    Column("Lots", lambda t: t.lots, numeric=True),
    Column("Locations", lambda t: t.locations, numeric=True),
    Column("Qty at risk", lambda t: t.qty_at_risk,
           lambda t: f"{number(t.qty_at_risk, 1)} {t.uom}", numeric=True),
    Column("Value at risk", lambda t: t.value_at_risk, lambda t: number(t.value_at_risk, 2),
           numeric=True),
    Column("Earliest expiry", lambda t: t.earliest_expiry.isoformat()),
)
SKU_COLUMN = 1  # in ROW_COLUMNS

ROW_COLUMNS = (
    Column("Lot", lambda r: r.lot_code),
    Column("SKU", lambda r: r.sku),
    Column("Item", lambda r: r.item_name),
    Column("Site", lambda r: r.site_code),
    Column("Location", lambda r: r.location_code),
    Column("Status", lambda r: r.status, lambda r: r.status.replace("_", " ")),
    Column("Expires", lambda r: r.expiry_date.isoformat()),
    Column("Days to expiry", lambda r: r.days_to_expiry, numeric=True),
    Column("On hand", lambda r: r.qty, lambda r: f"{number(r.qty, 1)} {r.uom}", numeric=True),
    Column("Demand / day", lambda r: r.daily_demand, lambda r: number(r.daily_demand, 2),
           numeric=True),
    Column("Days of cover", lambda r: r.days_of_cover,
           lambda r: "no demand" if r.days_of_cover is None else number(r.days_of_cover, 1),
           numeric=True,
           tooltip=lambda r: f"{number(r.cumulative_qty, 1)} {r.uom} on hand at {r.site_code} "
                             "up to and including this lot (FEFO)"),
    Column("Qty at risk", lambda r: r.qty_at_risk,
           lambda r: f"{number(r.qty_at_risk, 1)} {r.uom}", numeric=True),
    Column("Value at risk", lambda r: r.value_at_risk, lambda r: number(r.value_at_risk, 2),
           numeric=True),
)


class ExpiryRiskPanel(QWidget):
    open_lot = Signal(str)

    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__()
        self._session = session
        self._runner = runner
        self.risk: ExpiryRisk | None = None
        self.loading = False

        self.demand_days = QSpinBox()
        self.demand_days.setObjectName("expiryDemandDays")
        self.demand_days.setRange(7, 730)
        self.demand_days.setValue(90)
        self.demand_days.setSuffix(" days")
        self.demand_days.setToolTip("Demand is what each site shipped of the item in this window")
        self.refresh_button = QPushButton("Show")
        self.refresh_button.setObjectName("expiryRefresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.all_items = QPushButton("All items")
        self.all_items.setObjectName("expiryAllItems")
        self.all_items.clicked.connect(self.clear_item_filter)
        self.summary = QLabel("")
        self.summary.setObjectName("expirySummary")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Demand from shipments of the last"))
        bar.addWidget(self.demand_days)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.all_items)

        self.item_model = RowsModel(ITEM_COLUMNS, self)
        self.items, self.item_proxy = sortable_view(self.item_model, "expiryItems")
        self.items.selectionModel().selectionChanged.connect(lambda *_a: self._item_selected())
        self.row_model = RowsModel(ROW_COLUMNS, self)
        self.rows, self.row_proxy = sortable_view(self.row_model, "expiryRows")
        self.row_proxy.setFilterKeyColumn(SKU_COLUMN)
        self.rows.doubleClicked.connect(lambda _index: self._open_selected())

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.items)
        splitter.addWidget(self.rows)
        splitter.setSizes([250, 500])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        when_first_shown(self, self.refresh)

    def refresh(self) -> None:
        self.loading = True
        self.summary.setText("Comparing stock on hand with demand…")
        self._runner.submit(analytics.expiry_risk, self._session, None, self.demand_days.value(),
                            key=(self, "risk"), on_result=self._loaded, on_error=self._failed)

    def _loaded(self, risk: ExpiryRisk) -> None:
        self.loading = False
        self.risk = risk
        self.clear_item_filter()
        self.item_model.set_rows(risk.items)
        self.row_model.set_rows(risk.rows)
        self.items.sortByColumn(5, Qt.SortOrder.DescendingOrder)
        self.rows.sortByColumn(len(ROW_COLUMNS) - 1, Qt.SortOrder.DescendingOrder)
        self.items.resizeColumnsToContents()
        self.rows.resizeColumnsToContents()
        self.summary.setText(
            f"As of {risk.as_of}: {len(risk.rows)} lot location(s) of {len(risk.items)} item(s) "
            f"at risk, value {number(risk.value_at_risk, 2)} (demand: last {risk.demand_days} "
            "days of shipments)")

    def _failed(self, exc: BaseException) -> None:
        self.loading = False
        self.summary.setText(f"Could not compute the expiry risk: {exc}")

    def _item_selected(self) -> None:
        total = selected_row(self.items, self.item_model)
        if isinstance(total, ItemRiskTotal):
            self.row_proxy.setFilterRegularExpression(
                QRegularExpression(f"^{re.escape(total.sku)}$"))

    def clear_item_filter(self) -> None:
        self.items.clearSelection()
        self.row_proxy.setFilterRegularExpression(QRegularExpression(""))

    def selected_lot(self) -> ExpiryRiskRow | None:
        row = selected_row(self.rows, self.row_model)
        return row if isinstance(row, ExpiryRiskRow) else None

    def _open_selected(self) -> None:
        row = self.selected_lot()
        if row is not None:
            self.open_lot.emit(row.lot_code)
