"""The audit trail: filter by lot, person, action and date; export to CSV and PDF; verify the
hash chain."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.views.first_show import when_first_shown
from app.views.style import apply_message_role
from app.views.tasks import TaskRunner
from app.workflows import audit
from app.workflows.audit import ChainReport, TrailEntry, TrailFilter
from app.workflows.session import UserSession

PAGE = 500


class AuditPanel(QWidget):
    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__()
        self._session = session
        self._runner = runner
        self._rows: list[TrailEntry] = []

        self.lot = QLineEdit()
        self.lot.setObjectName("auditLot")
        self.lot.setPlaceholderText("Lot code")
        self.user = QLineEdit()
        self.user.setObjectName("auditUser")
        self.user.setPlaceholderText("User name")
        self.action = QComboBox()
        self.action.setObjectName("auditAction")
        self.action.setEditable(True)
        self.action.addItem("")
        self.since = QDateEdit(QDate.currentDate().addDays(-30))
        self.since.setCalendarPopup(True)
        self.since.setDisplayFormat("yyyy-MM-dd")
        self.until = QDateEdit(QDate.currentDate())
        self.until.setCalendarPopup(True)
        self.until.setDisplayFormat("yyyy-MM-dd")
        search = QPushButton("Filter")
        search.clicked.connect(self.apply)
        for field in (self.lot, self.user):
            field.returnPressed.connect(self.apply)
        self.more = QPushButton("Older entries")
        self.more.clicked.connect(self.load_more)
        csv_button = QPushButton("Export CSV…")
        csv_button.clicked.connect(lambda: self.export("csv"))
        pdf_button = QPushButton("Export PDF…")
        pdf_button.clicked.connect(lambda: self.export("pdf"))
        verify = QPushButton("Verify chain")
        verify.setObjectName("verifyChain")
        verify.clicked.connect(self.verify)
        self.status = QLabel("")
        self.status.setObjectName("auditStatus")

        filters = QHBoxLayout()
        for label, widget in (("Lot", self.lot), ("User", self.user), ("Action", self.action),
                              ("From", self.since), ("To", self.until)):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        filters.addWidget(search)
        filters.addStretch(1)
        actions = QHBoxLayout()
        actions.addWidget(self.status, 1)
        actions.addWidget(self.more)
        actions.addWidget(csv_button)
        actions.addWidget(pdf_button)
        actions.addWidget(verify)

        self.table = QTableWidget(0, 8)
        self.table.setObjectName("auditTable")
        self.table.setHorizontalHeaderLabels(
            ["#", "When (UTC)", "Who", "Workstation", "Action", "Record", "Reason", "Changes"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((60, 140, 160, 150, 150, 170, 200)):
            self.table.setColumnWidth(column, width)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(actions)
        layout.addWidget(self.table, 1)
        runner.submit(audit.actions, session, on_result=self._actions_loaded)
        when_first_shown(self, self.apply)

    def _actions_loaded(self, names: list[str]) -> None:
        self.action.addItems(names)

    def current_filter(self) -> TrailFilter:
        return TrailFilter(
            lot_code=self.lot.text().strip() or None,
            username=self.user.text().strip() or None,
            action=self.action.currentText().strip() or None,
            since=self.since.date().toPython(),  # type: ignore[arg-type]
            until=self.until.date().toPython(),  # type: ignore[arg-type]
        )

    def apply(self) -> None:
        self._rows = []
        self.table.setRowCount(0)
        self._load(None)

    def load_more(self) -> None:
        self._load(self._rows[-1].id if self._rows else None)

    def _load(self, before: int | None) -> None:
        self.status.setText("Loading…")
        self._runner.submit(audit.entries, self._session, self.current_filter(),
                            before_id=before, limit=PAGE, key=(self, "entries"),
                            on_result=self._loaded,
                            on_error=lambda exc: self.status.setText(str(exc)))

    def _loaded(self, rows: list[TrailEntry]) -> None:
        first = len(self._rows)
        self._rows += rows
        self.table.setRowCount(len(self._rows))
        for r, e in enumerate(rows, start=first):
            values = [str(e.id), e.at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
                      e.printed_name or e.username, e.workstation or "", e.action,
                      f"{e.record_type} {e.record_id or ''}", e.reason or "", e.changes()]
            for c, v in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(v))
        self.more.setEnabled(len(rows) == PAGE)
        self.status.setText(f"{len(self._rows)} entries shown")

    def export(self, kind: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self, f"Export audit trail ({kind.upper()})",
                                              f"audit-trail.{kind}", f"{kind.upper()} (*.{kind})")
        if path:
            self.export_to(Path(path), kind)

    def export_to(self, path: Path, kind: str) -> None:
        f = self.current_filter()
        session = self._session

        def produce() -> bytes:
            if kind == "pdf":
                return audit.export_pdf(session, f)
            out = io.StringIO()
            audit.write_csv(audit.entries(session, f, limit=100_000), out)
            return out.getvalue().encode("utf-8")

        self.status.setText(f"Exporting {kind.upper()}…")
        self._runner.submit(produce, on_result=lambda data: self._write(path, data),
                            on_error=lambda exc: self.status.setText(f"Export failed: {exc}"))

    def _write(self, path: Path, data: bytes) -> None:
        path.write_bytes(data)
        self.status.setText(f"Exported to {path}")

    def verify(self) -> None:
        self.status.setText("Verifying the hash chain…")
        self._runner.submit(audit.verify_chain, self._session, on_result=self._verified,
                            on_error=lambda exc: self.status.setText(str(exc)))

    def _verified(self, report: ChainReport) -> None:
        if report.ok:
            self.status.setText(f"✔ Audit trail intact: {report.rows:,} rows verified")
        else:
            assert report.problem is not None
            self.status.setText(f"✖ AUDIT TRAIL BROKEN at row {report.problem.row_id}: "
                                f"{report.problem.problem}")
            apply_message_role(self.status, "error", weight=600)

