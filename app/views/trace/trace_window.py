"""Trace of one lot: the genealogy graph and where the material is — stock, in transit, shipments
by customer, open orders, returns — and where it came from."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.views.tasks import TaskRunner
from app.views.trace.genealogy_graph import GenealogyView
from app.workflows import trace
from app.workflows.session import UserSession
from app.workflows.trace import Trace


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _table(headers: list[str], rows: list[list[object]]) -> QTableWidget:
    t = QTableWidget(len(rows), len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.verticalHeader().setVisible(False)
    t.setAlternatingRowColors(True)
    t.setSortingEnabled(False)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            t.setItem(r, c, QTableWidgetItem(_text(value)))
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    t.setSortingEnabled(True)
    return t


class TraceWindow(QWidget):
    open_lot = Signal(str)

    def __init__(self, session: UserSession, runner: TaskRunner, lot_code: str) -> None:
        super().__init__()
        self.setWindowTitle(f"Trace of lot {lot_code}")
        self.resize(1300, 850)
        self.lot_code = lot_code
        self.forward: Trace | None = None
        self.backward: Trace | None = None
        self.summary = QLabel("Tracing…")
        self.summary.setObjectName("traceSummary")
        self.graph = GenealogyView()
        self.graph.lot_clicked.connect(self.open_lot)
        self.tabs = QTabWidget()
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.graph)
        splitter.addWidget(self.tabs)
        splitter.setSizes([480, 370])
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)

        def both() -> tuple[Trace, Trace]:
            return (trace.trace(session, [lot_code], "backward"),
                    trace.trace(session, [lot_code], "forward"))

        runner.submit(both, on_result=self._loaded,
                      on_error=lambda exc: self.summary.setText(f"Trace failed: {exc}"))

    def _loaded(self, traces: tuple[Trace, Trace]) -> None:
        self.backward, self.forward = traces
        back, fwd = traces
        self.graph.show_traces(self.lot_code, back, fwd)
        stock = [s for s in fwd.stock if not s.in_transit]
        transit = [s for s in fwd.stock if s.in_transit]
        customers = {s.customer for s in fwd.shipments}
        self.summary.setText(
            f"<b>{self.lot_code}</b>: {len(back.lots) - 1} ancestor lot(s) from "
            f"{len(back.sources)} source(s), {len(fwd.lots) - 1} descendant lot(s) "
            f"(depth {fwd.max_depth}); {len(stock)} stock location(s), {len(transit)} in "
            f"transit, {len(fwd.shipments)} shipment(s) to {len(customers)} customer(s), "
            f"{len(fwd.allocations)} open order allocation(s).")
        self.tabs.clear()
        self.tabs.addTab(_table(["Lot", "Site", "Location", "Quantity"],
                                [[s.lot_code, s.site, s.location, s.qty] for s in stock]),
                         f"Stock ({len(stock)})")
        self.tabs.addTab(_table(["Lot", "Destination", "Transfer", "Quantity"],
                                [[s.lot_code, s.site, s.transfer, s.qty] for s in transit]),
                         f"In transit ({len(transit)})")
        self.tabs.addTab(self._by_customer(fwd), f"Shipments by customer ({len(customers)})")
        self.tabs.addTab(_table(["Order", "Customer", "Lot", "Requested", "Quantity", "Flag"],
                                [[a.order, a.customer, a.lot_code, a.requested, a.qty,
                                  "flagged for recall" if a.flagged else ""]
                                 for a in fwd.allocations]),
                         f"Open orders ({len(fwd.allocations)})")
        self.tabs.addTab(_table(["RMA", "Customer", "Lot", "Returned", "Quantity", "Reason"],
                                [[r.rma, r.customer, r.lot_code, r.returned_at, r.qty, r.reason]
                                 for r in fwd.returns]), f"Returns ({len(fwd.returns)})")
        self.tabs.addTab(_table(["Source lot", "Supplier", "Supplier lot", "Receipt",
                                 "Received", "PO", "Quantity"],
                                [[s.lot_code, s.supplier, s.supplier_lot_code, s.receipt,
                                  s.received_at, s.po, s.qty] for s in back.sources]),
                         f"Sources ({len(back.sources)})")

    def _by_customer(self, fwd: Trace) -> QTreeWidget:
        tree = QTreeWidget()
        tree.setObjectName("shipmentsByCustomer")
        tree.setHeaderLabels(["Customer / shipment", "Lot", "Shipped", "Quantity", "Ship-to"])
        groups: dict[str, QTreeWidgetItem] = {}
        totals: dict[str, Decimal] = {}
        for s in fwd.shipments:
            parent = groups.get(s.customer)
            if parent is None:
                parent = QTreeWidgetItem([s.customer, "", "", "", ""])
                groups[s.customer] = parent
                tree.addTopLevelItem(parent)
            QTreeWidgetItem(parent, [s.shipment, s.lot_code, _text(s.shipped_at), _text(s.qty),
                                     s.ship_to or ""])
            totals[s.customer] = totals.get(s.customer, Decimal(0)) + s.qty
        for customer, item in groups.items():
            item.setText(3, _text(totals[customer]))
            item.setText(1, f"{item.childCount()} shipment(s)")
        tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        return tree
