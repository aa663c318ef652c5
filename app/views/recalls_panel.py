"""Recalls and mock recalls: open one from lots, see the impact, sign the mass hold, produce the
notification list, the recall report and the FSMA 204 spreadsheet; the history of mock recalls
with their times."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.views.first_show import when_first_shown
from app.views.signing_dialog import RecordedWhileOffline, SigningDialog
from app.views.style import apply_message_role
from app.views.tasks import TaskRunner
from app.workflows import exports, recalls
from app.workflows.recalls import RecallCosts, RecallImpact, RecallRow
from app.workflows.session import UserSession


def _q(value: Decimal) -> str:
    return f"{value:,.3f}".rstrip("0").rstrip(".")


class OpenRecallDialog(QDialog):
    def __init__(self, lot_codes: str, *, mock: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New mock recall" if mock else "New recall")
        self.setMinimumWidth(480)
        self.lots = QLineEdit(lot_codes)
        self.lots.setObjectName("recallLots")
        self.lots.setPlaceholderText("Lot codes, separated by spaces or commas")
        self.reason = QLineEdit()
        self.reason.setObjectName("recallReason")
        self.recall_class = QComboBox()
        self.recall_class.addItems(["I", "II", "III"])
        self.reference = QLineEdit()
        self.reference.setObjectName("recallReference")
        self.mock = QCheckBox("Mock recall (exercise: nothing is held or sent; the time is measured)")
        self.mock.setChecked(mock)
        self.error = QLabel("")
        apply_message_role(self.error, "error")
        form = QFormLayout()
        form.addRow("Lots:", self.lots)
        form.addRow("Reason:", self.reason)
        form.addRow("Class:", self.recall_class)
        form.addRow("Regulator reference:", self.reference)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Open")
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.mock)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def lot_codes(self) -> list[str]:
        return [c for c in self.lots.text().replace(",", " ").split() if c]

    def _check(self) -> None:
        if not self.lot_codes():
            self.error.setText("Name at least one lot.")
        elif not self.reason.text().strip():
            self.error.setText("A recall needs a reason.")
        else:
            self.accept()


class RecallsPanel(QWidget):
    open_lot = Signal(str)
    lots_held = Signal()

    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__()
        self._session = session
        self._runner = runner
        self._rows: list[RecallRow] = []
        self.impact: RecallImpact | None = None
        self.current_lot = ""
        may = session.person.may

        self.new_button = QPushButton("New recall…")
        self.new_button.setObjectName("newRecall")
        self.new_button.clicked.connect(lambda: self.start(mock=False))
        self.mock_button = QPushButton("New mock recall…")
        self.mock_button.setObjectName("newMockRecall")
        self.mock_button.clicked.connect(lambda: self.start(mock=True))
        for button in (self.new_button, self.mock_button):
            button.setVisible(may("open_recall"))
        top = QHBoxLayout()
        top.addWidget(QLabel("Recalls and mock recalls (newest first)"))
        top.addStretch(1)
        top.addWidget(self.new_button)
        top.addWidget(self.mock_button)

        self.list = QTableWidget(0, 8)
        self.list.setObjectName("recallList")
        self.list.setHorizontalHeaderLabels(["Recall", "Mock", "Class", "Source lots", "State",
                                             "Opened", "Minutes to report", "Lots held"])
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.verticalHeader().setVisible(False)
        self.list.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.list.horizontalHeader().setStretchLastSection(True)
        self.list.itemSelectionChanged.connect(self._selected)

        self.title = QLabel("Select a recall")
        self.title.setObjectName("recallTitle")
        self.title.setStyleSheet("font-size: 13pt; font-weight: 600;")
        self.title.setWordWrap(True)
        self.figures: dict[str, QLabel] = {}
        grid = QGridLayout()
        for n, (key, label) in enumerate((
                ("lots", "Lots in scope"), ("on_hand", "On hand"), ("in_transit", "In transit"),
                ("shipped", "Shipped"), ("customers", "Customers"), ("open_orders", "Open orders"),
                ("exposure", "Exposure (shipped, at cost)"),
                ("unexplained", "Mass balance: unexplained"),
                ("stock_value", "Stock in hand, at cost"),
                ("shipped_value", "Shipped, at the sales price"),
                ("receivables", "Open receivables"), ("replacement", "Replacement stock, at cost"))):
            value = QLabel("—")
            value.setObjectName(f"figure_{key}")
            value.setStyleSheet("font-weight: 600;")
            self.figures[key] = value
            grid.addWidget(QLabel(label), n // 4 * 2, n % 4)
            grid.addWidget(value, n // 4 * 2 + 1, n % 4)
        self.customers = QTableWidget(0, 9)
        self.customers.setObjectName("recallCustomers")
        self.customers.setHorizontalHeaderLabels(["Customer", "Contact", "Ship-to",
                                                  "Shipments", "Lots", "Quantity",
                                                  "Value at cost", "Open receivables",
                                                  "Replacement"])
        self.customers.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.customers.verticalHeader().setVisible(False)
        self.customers.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.customers.horizontalHeader().setStretchLastSection(True)

        self.substitutes = QTableWidget(0, 7)
        self.substitutes.setObjectName("recallSubstitutes")
        self.substitutes.setHorizontalHeaderLabels(["Customer", "To replace", "Substitute lot",
                                                    "Item", "Expires", "Take", "Cost"])
        self.substitutes.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.substitutes.verticalHeader().setVisible(False)
        self.substitutes.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.substitutes.horizontalHeader().setStretchLastSection(True)
        self.detail_tabs = QTabWidget()
        self.detail_tabs.setObjectName("recallDetailTabs")
        self.detail_tabs.addTab(self.customers, "Customers who received affected lots")
        self.detail_tabs.addTab(self.substitutes, "Substitute stock")

        self.hold_button = QPushButton("Sign the mass hold…")
        self.hold_button.setObjectName("massHold")
        self.hold_button.clicked.connect(self.sign_hold)
        self.hold_button.setVisible(may("recall_hold"))
        self.report_button = QPushButton("Recall report PDF…")
        self.report_button.clicked.connect(lambda: self.export("report"))
        self.notify_button = QPushButton("Notification list PDF…")
        self.notify_button.clicked.connect(lambda: self.export("notifications"))
        self.notify_csv_button = QPushButton("Notification list CSV…")
        self.notify_csv_button.clicked.connect(lambda: self.export("notifications_csv"))
        self.fsma_button = QPushButton("FSMA 204 spreadsheet…")
        self.fsma_button.setObjectName("fsmaExport")
        self.fsma_button.clicked.connect(lambda: self.export("fsma204"))
        self.complete_button = QPushButton("Complete the report (stop the clock)")
        self.complete_button.setObjectName("completeReport")
        self.complete_button.clicked.connect(self.complete)
        self.complete_button.setVisible(may("complete_recall_report"))
        self.message = QLabel("")
        self.message.setObjectName("recallMessage")
        self.message.setWordWrap(True)
        actions = QHBoxLayout()
        for button in (self.hold_button, self.report_button, self.notify_button,
                       self.notify_csv_button, self.fsma_button, self.complete_button):
            button.setEnabled(False)
            actions.addWidget(button)
        actions.addStretch(1)

        detail = QWidget()
        d = QVBoxLayout(detail)
        d.addWidget(self.title)
        d.addLayout(grid)
        d.addLayout(actions)
        d.addWidget(self.message)
        d.addWidget(self.detail_tabs, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.list)
        splitter.addWidget(detail)
        splitter.setSizes([220, 600])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        when_first_shown(self, self.refresh)

    # ------------------------------------------------------------- list
    def refresh(self, select: int | None = None) -> None:
        self._runner.submit(recalls.list_recalls, self._session,
                            on_result=lambda rows: self._listed(rows, select))

    def _listed(self, rows: list[RecallRow], select: int | None) -> None:
        self._rows = rows
        self.list.setRowCount(len(rows))
        for r, row in enumerate(rows):
            minutes = row.minutes_to_report
            values = [row.number, "mock" if row.is_mock else "", row.recall_class,
                      ", ".join(row.sources), row.state, row.opened_at.strftime("%Y-%m-%d %H:%M"),
                      "" if minutes is None else f"{minutes:.1f}",
                      f"{row.held} of {row.lots}"]
            for c, v in enumerate(values):
                self.list.setItem(r, c, QTableWidgetItem(v))
            if row.id == select:
                self.list.selectRow(r)

    def _selected(self) -> None:
        rows = self.list.selectionModel().selectedRows()
        if rows:
            self.load(self._rows[rows[0].row()].id)

    # ------------------------------------------------------------- one recall
    def start(self, *, mock: bool) -> None:
        dialog = OpenRecallDialog(self.current_lot, mock=mock, parent=self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.open_recall(dialog.lot_codes(), dialog.reason.text().strip(),
                         dialog.recall_class.currentText(), dialog.reference.text().strip(),
                         mock=dialog.mock.isChecked())

    def open_recall(self, lot_codes: list[str], reason: str, recall_class: str,
                    reference: str, *, mock: bool) -> None:
        self.message.setText("Opening the recall and tracing every affected lot…")
        session = self._session

        def work() -> RecallImpact:
            row = recalls.open_recall(session, lot_codes, reason, recall_class, reference or None,
                                      mock=mock)
            return recalls.impact(session, row.id)

        self._runner.submit(work, on_result=self._impact_loaded,
                            on_error=lambda exc: self.message.setText(str(exc)))

    def load(self, recall_id: int) -> None:
        self.title.setText("Tracing…")
        self._runner.submit(recalls.impact, self._session, recall_id,
                            on_result=self._impact_loaded,
                            on_error=lambda exc: self.message.setText(str(exc)))

    def _impact_loaded(self, result: RecallImpact) -> None:
        previous, self.impact = self.impact, result
        r = result.recall
        if not any(row.id == r.id for row in self._rows):
            self.refresh(select=r.id)
        kind = "Mock recall" if r.is_mock else "Recall"
        self.title.setText(f"{kind} {r.number} — class {r.recall_class}: {r.reason} "
                           f"(sources {', '.join(r.sources)}; {r.state})")
        total = result.balance_total
        costs = result.costs
        values: dict[str, str] = {
            "lots": str(len(result.trace.lots)), "on_hand": _q(result.on_hand),
            "in_transit": _q(result.in_transit), "shipped": _q(result.shipped),
            "customers": str(len(result.customers)),
            "open_orders": f"{len(result.trace.allocations)} ({_q(result.open_orders)})",
            "exposure": costs.money(result.exposure),
            "stock_value": costs.money(costs.stock_value),
            "shipped_value": costs.money(costs.shipped_value)
                             + (f" ({costs.unpriced_lines} unpriced)" if costs.unpriced_lines
                                else ""),
            "receivables": f"{costs.money(costs.open_receivables)} "
                           f"({len(costs.receivables)} invoice(s))",
            "replacement": costs.money(costs.replacement_cost)
                           + (" — short" if any(n.short for n in costs.needs) else ""),
            "unexplained": f"{_q(total.unexplained)} {total.uom}"
                           + (" — closes" if total.unexplained == 0 else " — DOES NOT CLOSE"),
        }
        for key, text in values.items():
            self.figures[key].setText(text)
        self.customers.setRowCount(len(result.customers))
        for i, c in enumerate(result.customers):
            receivable, replacement, _subs = costs.for_customer(c.customer_code)
            row = [c.customer, " ".join(x for x in (c.contact, c.email) if x),
                   "; ".join(sorted(c.ship_to)), str(len(c.shipments)), str(len(c.lots)),
                   _q(c.qty), costs.money(c.value), costs.money(receivable),
                   costs.money(replacement)]
            for j, v in enumerate(row):
                self.customers.setItem(i, j, QTableWidgetItem(v))
        self._show_substitutes(costs)
        self.hold_button.setEnabled(not r.is_mock and r.state == "open")
        for button in (self.report_button, self.notify_button, self.notify_csv_button,
                       self.fsma_button):
            button.setEnabled(True)
        self.complete_button.setEnabled(r.report_completed_at is None)
        if r.is_mock:
            self.message.setText(
                "Mock recall: the same analysis as a recall; nothing is held and nothing is sent.")
        elif previous is None or previous.recall.id != r.id:
            self.message.setText("")

    def _show_substitutes(self, costs: RecallCosts) -> None:
        rows: list[list[str]] = []
        for need in costs.needs:
            subs = costs.substitutes_for(need)
            wanted = f"{need.item_sku} {_q(need.qty)} {need.uom}"
            for x in subs:
                rows.append([need.customer, wanted, x.lot_code,
                             x.item_sku + (" (equivalent)" if x.equivalent else ""),
                             x.expiry_date.isoformat() if x.expiry_date else "—",
                             f"{_q(x.take)} {need.uom}", costs.money(x.value)])
            if need.short:
                rows.append([need.customer, wanted, "— none left —", "", "",
                             f"short {_q(need.short)} {need.uom}", ""])
        self.substitutes.setRowCount(len(rows))
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                self.substitutes.setItem(i, j, QTableWidgetItem(v))

    def sign_hold(self) -> None:
        result = self.impact
        if result is None:
            return
        r = result.recall
        in_hand = {s.lot_code for s in result.trace.stock}
        lines = [("Recall", f"{r.number}, class {r.recall_class}: {r.reason}"),
                 ("Decision", f"Place on hold every affected lot still in hand "
                              f"({len(in_hand)} lot(s)), with the recall as the reason, and "
                              f"flag {len(result.trace.allocations)} open order allocation(s)"),
                 ("Lots", ", ".join(sorted(in_hand)[:20]) + (" …" if len(in_hand) > 20 else ""))]
        session = self._session
        dialog = SigningDialog(session, self._runner, title=f"mass hold for {r.number}",
                               meaning="Placed on hold (recall)", record_lines=lines,
                               perform=lambda c: recalls.hold_all(session, c, r.id), parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            if isinstance(dialog.result_value, RecordedWhileOffline):
                self.message.setText("The mass hold was recorded (the connection dropped "
                                     "while it was signed); the lots are read back now.")
                self.lots_held.emit()
                self.refresh(select=r.id)
                return
            outcome: dict[str, int] = dialog.result_value
            self.message.setText(
                f"Held {outcome['held']} lot(s) ({outcome['already_on_hold']} already on hold); "
                f"flagged {outcome['allocations_flagged']} open allocation(s) for the ERP.")
            self.lots_held.emit()
            self.load(r.id)
            self.refresh(select=r.id)

    # ------------------------------------------------------------- evidence
    def export(self, what: str) -> None:
        if self.impact is None:
            return
        suffix = "csv" if what.endswith("csv") else "xlsx" if what == "fsma204" else "pdf"
        path, _ = QFileDialog.getSaveFileName(
            self, "Save", f"{self.impact.recall.number}-{what}.{suffix}", f"(*.{suffix})")
        if path:
            self.export_to(what, Path(path))

    def export_to(self, what: str, path: Path) -> None:
        result, session = self.impact, self._session
        assert result is not None

        def produce() -> bytes:
            if what == "report":
                return recalls.report_pdf(session, result)
            if what == "notifications":
                return recalls.notifications_pdf(session, result)
            if what == "fsma204":
                sheet = io.BytesIO()
                exports.fsma204_xlsx(session, lot_codes=result.trace.lot_codes, out=sheet)
                return sheet.getvalue()
            out = io.StringIO()
            recalls.write_notifications(result, out)
            return out.getvalue().encode("utf-8")

        self._runner.submit(produce, on_result=lambda data: self._written(path, data),
                            on_error=lambda exc: self.message.setText(str(exc)))

    def _written(self, path: Path, data: bytes) -> None:
        path.write_bytes(data)
        self.message.setText(f"Saved {path}")

    def complete(self) -> None:
        """Produce the complete report and record the time (what a mock recall is judged by)."""
        result, session = self.impact, self._session
        if result is None:
            return

        def work() -> tuple[float, Any]:
            recalls.report_pdf(session, result)
            exports.fsma204_xlsx(session, lot_codes=result.trace.lot_codes, out=io.BytesIO())
            return recalls.complete_report(session, result.recall.id, result.summary()), None

        def done(value: tuple[float, Any]) -> None:
            minutes = value[0]
            QMessageBox.information(self, "Report complete",
                                    f"{result.recall.number}: complete report {minutes:.1f} "
                                    "minutes after the recall was opened.")
            self.refresh(select=result.recall.id)
            self.load(result.recall.id)

        self._runner.submit(work, on_result=done,
                            on_error=lambda exc: self.message.setText(str(exc)))
