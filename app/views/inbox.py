"""The approvals inbox of the logged-in person's role: decisions waiting for a second signature,
lots waiting for release, holds to review. Double-click opens the lot."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.views.analytics.table import ROW_ROLE, Column, RowsModel, selected_row, sortable_view
from app.views.relabels_panel import RelabelsPanel
from app.views.signing_dialog import SigningDialog
from app.views.style import colour_name, status_label
from app.views.tasks import TaskRunner
from app.workflows import compliance, decisions
from app.workflows.compliance import ExceptionRow
from app.workflows.decisions import DecisionLine, Inbox, LotWaiting
from app.workflows.session import UserSession

REFRESH_MS = 30_000
EXCEPTIONS_SHOWN = 2000  # the most urgent; the tab names the total when there are more


def _table(headers: list[str], name: str) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setObjectName(name)
    t.setHorizontalHeaderLabels(headers)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.verticalHeader().setVisible(False)
    t.setAlternatingRowColors(True)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


SEVERITY_ORDER = ("critical", "high", "medium", "low")


def _age(since: dt.datetime) -> str:
    days = (dt.datetime.now(dt.UTC) - since).days
    return "today" if days <= 0 else f"{days} d"


class InboxPanel(QWidget):
    open_lot = Signal(str)
    count_changed = Signal(int)
    decision_made = Signal(str)

    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__()
        self._session = session
        self._runner = runner
        self._inbox: Inbox | None = None

        self.summary = QLabel("Loading…")
        self.summary.setObjectName("inboxSummary")
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        self.approve_button = QPushButton("Sign second signature…")
        self.approve_button.setObjectName("approveButton")
        self.approve_button.setEnabled(False)
        self.approve_button.clicked.connect(self.approve_selected)
        self.approve_button.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.approve_button.setToolTip("Sign the selected decision (Ctrl+Shift+S)")

        self.second = _table(["Lot", "Decision", "Proposed by", "When", "Reason", "Signed"],
                             "secondSignatures")
        self.release = _table(["Lot", "Item", "Supplier", "Waiting", "Documents"],
                              "awaitingRelease")
        self.holds = _table(["Lot", "Item", "Supplier", "On hold for", "Reason", "Kind"],
                            "holdsToReview")
        self.exception_model = RowsModel([
            Column("Severity", lambda e: SEVERITY_ORDER.index(e.severity)
                   if e.severity in SEVERITY_ORDER else 9, text=lambda e: e.severity,
                   colour=lambda e: colour_name(f"severity.{e.severity}")
                   if e.severity in SEVERITY_ORDER else None),
            Column("Exception", lambda e: e.type_title),
            Column("Lot", lambda e: e.lot_code or ""),
            Column("Owner", lambda e: e.owner_role.removeprefix("lotproof_").title()),
            Column("Age", lambda e: e.opened_at, text=lambda e: _age(e.opened_at)),
            Column("Details", lambda e: e.title),
        ], self)
        self.exceptions, _proxy = sortable_view(self.exception_model, "exceptionsTable")
        self.exception_rows: list[ExceptionRow] = []
        self.tabs = QTabWidget()
        self.tabs.addTab(self.second, "Second signatures")
        self.tabs.addTab(self.release, "Awaiting release")
        self.tabs.addTab(self.holds, "Holds to review")
        self.tabs.addTab(self.exceptions, "Exceptions")
        self.relabels = RelabelsPanel(session, runner)
        self.tabs.addTab(self.relabels, "Relabel / repack")
        self.relabels.count_changed.connect(
            lambda n: self.tabs.setTabText(4, f"Relabel / repack ({n})"))
        self.relabels.lot_made.connect(self.open_lot.emit)
        self.exceptions.doubleClicked.connect(
            lambda index: self.open_exception_at(int(index.data(ROW_ROLE))))
        self.exceptions.selectionModel().selectionChanged.connect(
            lambda *_: self._selection_changed())
        self.close_button = QPushButton("Close exception…")
        self.close_button.setObjectName("closeException")
        self.close_button.setToolTip("Close with a reason when there is no record to act on "
                                     "(acting on the lot closes its exceptions by itself)")
        self.close_button.setEnabled(False)
        self.close_button.clicked.connect(self.close_selected_exception)
        for table in (self.second, self.release, self.holds):
            table.cellDoubleClicked.connect(lambda row, _col, t=table: self._open(t, row))
        self.second.itemSelectionChanged.connect(self._selection_changed)

        bar = QHBoxLayout()
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.approve_button)
        bar.addWidget(self.close_button)
        bar.addWidget(refresh)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.tabs, 1)

        self._timer = QTimer(self, interval=REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def refresh(self) -> None:
        session = self._session

        def load() -> tuple[Inbox, list[ExceptionRow]]:
            return decisions.inbox(session), compliance.exceptions(session)

        self._runner.submit(load, on_result=self._both_loaded,
                            on_error=lambda exc: self.summary.setText(f"Could not load: {exc}"))
        self.relabels.refresh()

    def _both_loaded(self, loaded: tuple[Inbox, list[ExceptionRow]]) -> None:
        inbox, exceptions = loaded
        self.exception_rows = exceptions
        self.exception_model.set_rows(exceptions)
        self.exceptions.resizeColumnsToContents()
        shown = len(exceptions)
        if shown >= EXCEPTIONS_SHOWN:  # the queue has more: say how many in all
            self._runner.submit(compliance.exception_count, self._session,
                                on_result=lambda n: self.tabs.setTabText(
                                    3, f"Exceptions ({shown:,} most urgent of {n:,})"))
        self.tabs.setTabText(3, f"Exceptions ({shown:,})")
        self._loaded(inbox, extra=len(exceptions))

    def open_exception_at(self, row: int) -> None:
        if 0 <= row < len(self.exception_rows) and self.exception_rows[row].lot_code:
            self.open_lot.emit(self.exception_rows[row].lot_code)

    def selected_exception(self) -> ExceptionRow | None:
        row: ExceptionRow | None = selected_row(self.exceptions, self.exception_model)
        return row

    def close_selected_exception(self) -> None:
        row = self.selected_exception()
        if row is None:
            return
        reason, ok = QInputDialog.getText(self, "Close exception",
                                          f"{row.title}\n\nWhy is it closed?")
        if ok:
            self.close_exception(row.id, reason)

    def close_exception(self, exception_id: int, reason: str) -> None:
        self._runner.submit(compliance.close_exception, self._session, exception_id, reason,
                            on_result=lambda _r: self.refresh(),
                            on_error=lambda exc: self.summary.setText(str(exc)))

    def _loaded(self, inbox: Inbox, extra: int = 0) -> None:
        self._inbox = inbox
        me = self._session.person.username
        self.second.setRowCount(len(inbox.second_signatures))
        for r, d in enumerate(inbox.second_signatures):
            mine = any(s.username == me for s in d.signatures)
            values = [d.lot_code, d.title, d.created_by_name or d.created_by,
                      d.created_at.strftime("%Y-%m-%d %H:%M"),
                      d.override_justification or d.reason or "",
                      "you signed — another person must" if mine
                      else f"{len(d.signatures)} of {d.signatures_required}"]
            for c, v in enumerate(values):
                self.second.setItem(r, c, QTableWidgetItem(v))
        self._fill(self.release, inbox.awaiting_release, holds=False)
        self._fill(self.holds, inbox.holds, holds=True)
        self.tabs.setTabText(0, f"Second signatures ({len(inbox.second_signatures)})")
        self.tabs.setTabText(1, f"Awaiting release ({len(inbox.awaiting_release)})")
        self.tabs.setTabText(2, f"Holds to review ({len(inbox.holds)})")
        total = inbox.total + extra
        self.summary.setText(f"{total} item(s) for {self._session.person.role_title}")
        self.count_changed.emit(total)
        self._selection_changed()

    def _fill(self, table: QTableWidget, rows: list[LotWaiting], *, holds: bool) -> None:
        table.setRowCount(len(rows))
        for r, w in enumerate(rows):
            values = [w.lot_code, w.item, w.supplier or "in-house", _age(w.since)]
            values += [w.note or "", "recall" if w.hold_kind == "recall" else
                       (w.hold_kind or "")] if holds else [w.note or ""]
            for c, v in enumerate(values):
                table.setItem(r, c, QTableWidgetItem(v))

    def _open(self, table: QTableWidget, row: int) -> None:
        item = table.item(row, 0)
        if item is not None:
            self.open_lot.emit(item.text())

    def _selected_decision(self) -> DecisionLine | None:
        rows = self.second.selectionModel().selectedRows()
        if not rows or self._inbox is None:
            return None
        return self._inbox.second_signatures[rows[0].row()]

    def _selection_changed(self) -> None:
        d = self._selected_decision()
        me = self._session.person.username
        self.approve_button.setEnabled(
            d is not None and not any(s.username == me for s in d.signatures))
        self.close_button.setEnabled(self.selected_exception() is not None
                                     and self._session.person.may("close_exception"))

    def approve_selected(self) -> None:
        d = self._selected_decision()
        if d is None:
            return
        meaning = "Override approved" if d.action == "release" else "Disposition approved"
        lines = [("Lot", d.lot_code),
                 ("Decision", f"#{d.id} {d.title}: {status_label(d.from_status)} → "
                              f"{status_label(d.to_status)}"),
                 ("Proposed by", f"{d.created_by_name or d.created_by}, "
                                 f"{d.created_at:%Y-%m-%d %H:%M}"),
                 ("Reason", d.reason or "—")]
        if d.override_justification:
            lines += [("Override", d.override_justification),
                      ("Blockers overridden", "; ".join(d.blockers))]
        lines += [("First signature", s.manifestation()) for s in d.signatures]
        session = self._session
        dialog = SigningDialog(session, self._runner, title=f"approve decision #{d.id}",
                               meaning=meaning, record_lines=lines,
                               perform=lambda c: decisions.approve(session, c, d.id),
                               parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.decision_made.emit(d.lot_code)
            self.refresh()

    def select_decision(self, decision_id: int) -> bool:
        """Select a pending decision by number (for keyboard users and tests)."""
        if self._inbox is None:
            return False
        for row, d in enumerate(self._inbox.second_signatures):
            if d.id == decision_id:
                self.tabs.setCurrentIndex(0)
                self.second.selectRow(row)
                return True
        return False

    def next_item(self, step: int = 1) -> str | None:
        """Select the next (or previous) row of the list on screen, wrapping round, and return
        its lot code: the keyboard's way through the inbox (F8 / Shift+F8)."""
        table = self.tabs.currentWidget()
        if not isinstance(table, QTableWidget) or table.rowCount() == 0:
            return None
        rows = table.selectionModel().selectedRows()
        current = rows[0].row() if rows else (-1 if step > 0 else 0)
        row = (current + step) % table.rowCount()
        table.selectRow(row)
        table.scrollTo(table.model().index(row, 0))
        column = 2 if table is self.exceptions else 0
        item = table.item(row, column)
        return item.text() if item is not None and item.text() else None

    def opens_lot_on_step(self) -> bool:
        """Stepping opens the lot, except in second signatures, which are signed here."""
        return self.tabs.currentWidget() is not self.second
