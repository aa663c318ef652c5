"""What every rule editor shares: a table of the rules in force, a form to change one with a
reason, and a message line; only who may make the change sees the form (the database decides:
`capability` names the action of `app.db.capabilities`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.views.analytics.table import Column, RowsModel, selected_row, sortable_view
from app.views.tasks import TaskRunner
from app.workflows.session import UserSession


class RuleEditor(QWidget):
    """A sortable table of rows loaded by `load_rows(session)`, and a form whose fields the
    subclass adds with `add_field`; `save` runs `write(session, reason)` off the UI thread."""

    title = "Change"
    capability = ""  # the action of app.db.capabilities that saving the form takes

    def __init__(self, session: UserSession, runner: TaskRunner, columns: Sequence[Column],
                 name: str) -> None:
        super().__init__()
        self.session = session
        self.runner = runner
        self.model = RowsModel(columns, self)
        self.view, self.proxy = sortable_view(self.model, name)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.proxy.setFilterKeyColumn(-1)
        self.message = QLabel("")
        self.message.setObjectName(f"{name}Message")
        self.message.setWordWrap(True)
        self.form_box = QGroupBox(self.title)
        self.form = QFormLayout(self.form_box)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why (kept with the new version)")
        self.save_button = QPushButton("Save as new version")
        self.save_button.clicked.connect(self.save)
        self.form_box.setVisible(session.person.may(self.capability))
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.form_box)
        layout.addWidget(self.message)

    def finish_form(self) -> None:
        self.form.addRow("Reason:", self.reason)
        self.form.addRow("", self.save_button)

    def load_rows(self, session: UserSession) -> Sequence[Any]:
        raise NotImplementedError

    def write(self, session: UserSession, reason: str) -> Any:
        raise NotImplementedError

    def fill_form(self, row: Any) -> None:
        """Put the selected row's values into the form."""

    def refresh(self) -> None:
        self.runner.submit(self.load_rows, self.session, on_result=self._loaded,
                           on_error=lambda exc: self.message.setText(f"Could not load: {exc}"))

    def _loaded(self, rows: Sequence[Any]) -> None:
        self.model.set_rows(rows)
        self.view.resizeColumnsToContents()

    def _selected(self) -> None:
        row = selected_row(self.view, self.model)
        if row is not None:
            self.fill_form(row)

    def save(self) -> None:
        reason = self.reason.text().strip()
        if not reason:
            self.message.setText("Say why the rule changes: the reason is kept with the version.")
            return
        try:
            work = self.prepare_write(reason)
        except ValueError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText("Saving…")
        self.runner.submit(work, on_result=self._saved,
                           on_error=lambda exc: self.message.setText(str(exc)))

    def prepare_write(self, reason: str) -> Callable[[], Any]:
        """Read the form on the UI thread; return the work to run off it."""
        session = self.session
        return lambda: self.write(session, reason)

    def _saved(self, result: Any) -> None:
        self.reason.clear()
        self.message.setText(self.saved_text(result))
        self.refresh()

    def saved_text(self, result: Any) -> str:
        return f"Saved (version {result})." if isinstance(result, int) else "Saved."
