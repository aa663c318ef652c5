"""Returned goods: each return lands in the returns location (quarantine) with its reason code,
and is inspected and dispositioned like a receipt."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.views.analytics.table import Column, RowsModel, selected_row, sortable_view
from app.views.first_show import when_first_shown
from app.views.tasks import TaskRunner
from app.workflows import compliance
from app.workflows.compliance import ReturnRow
from app.workflows.session import UserSession


class ReturnsPanel(QWidget):
    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__()
        self._session = session
        self._runner = runner
        self.model = RowsModel([
            Column("RMA", lambda r: r.rma_number),
            Column("Lot", lambda r: r.lot_code),
            Column("Customer", lambda r: r.customer),
            Column("Qty", lambda r: r.qty, numeric=True),
            Column("Returned", lambda r: r.returned_at,
                   text=lambda r: f"{r.returned_at:%Y-%m-%d}"),
            Column("Reason", lambda r: r.reason_code.replace("_", " ")),
            Column("Inspection", lambda r: r.outcome or "to inspect",
                   text=lambda r: (f"{r.outcome} ({(r.disposition or '').replace('_', ' ')}) "
                                   f"by {r.inspected_by}") if r.outcome else "to inspect"),
        ], self)
        self.view, _proxy = sortable_view(self.model, "returnsTable")
        self.outcome = QComboBox()
        self.outcome.addItems(("accepted", "rejected"))
        self.disposition = QComboBox()
        for d in compliance.RETURN_DISPOSITIONS:
            self.disposition.addItem(d.replace("_", " "), d)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("What the inspection found")
        inspect = QPushButton("Record inspection")
        inspect.clicked.connect(self.inspect_selected)
        box = QGroupBox("Inspect the selected return")
        form = QFormLayout(box)
        form.addRow("Outcome:", self.outcome)
        form.addRow("Disposition:", self.disposition)
        form.addRow("Finding:", self.reason)
        form.addRow("", inspect)
        box.setVisible(session.person.may("inspect_return"))
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(box)
        layout.addWidget(self.message)
        when_first_shown(self, self.refresh)

    def refresh(self) -> None:
        self._runner.submit(compliance.returns, self._session, on_result=self._loaded,
                            on_error=lambda exc: self.message.setText(f"Could not load: {exc}"))

    def _loaded(self, rows: Sequence[Any]) -> None:
        self.model.set_rows(rows)
        self.view.resizeColumnsToContents()

    def inspect_selected(self) -> None:
        row: ReturnRow | None = selected_row(self.view, self.model)
        if row is None:
            self.message.setText("Select the return you inspected.")
            return
        reason = self.reason.text().strip()
        if not reason:
            self.message.setText("Say what the inspection found.")
            return
        session, outcome = self._session, self.outcome.currentText()
        disposition = str(self.disposition.currentData())
        self._runner.submit(compliance.inspect_return, session, row.id, outcome, reason,
                            disposition,
                            on_result=lambda _r: self._done(row),
                            on_error=lambda exc: self.message.setText(str(exc)))

    def _done(self, row: ReturnRow) -> None:
        self.reason.clear()
        self.message.setText(f"Inspection of {row.rma_number} recorded.")
        self.refresh()
