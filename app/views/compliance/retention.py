"""Record retention: how long each kind of record is kept, and how many have reached the end of
their period. Lotproof removes nothing; the list is for the records manager's review."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from app.views.analytics.table import Column, RowsModel, sortable_view
from app.views.first_show import when_first_shown
from app.views.tasks import TaskRunner
from app.workflows import compliance
from app.workflows.session import UserSession


class RetentionReport(QWidget):
    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__()
        self._session = session
        self._runner = runner
        self.model = RowsModel([
            Column("Record type", lambda r: r.record_type.replace("_", " ")),
            Column("Kept (years)", lambda r: r.years, numeric=True),
            Column("Basis", lambda r: r.basis),
            Column("Reached end of period", lambda r: r.reached, numeric=True),
            Column("Oldest", lambda r: r.oldest,
                   text=lambda r: f"{r.oldest:%Y-%m-%d}" if r.oldest else "—"),
        ], self)
        self.view, _proxy = sortable_view(self.model, "retentionReport")
        self.message = QLabel("Records are never removed by Lotproof: nothing is deleted before "
                              "its period ends, and what has reached it is listed here.")
        self.message.setWordWrap(True)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.view, 1)
        layout.addWidget(refresh)
        when_first_shown(self, self.refresh)

    def refresh(self) -> None:
        self._runner.submit(compliance.retention_report, self._session, on_result=self._loaded,
                            on_error=lambda exc: self.message.setText(f"Could not load: {exc}"))

    def _loaded(self, rows: Sequence[Any]) -> None:
        self.model.set_rows(rows)
        self.view.resizeColumnsToContents()
