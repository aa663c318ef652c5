"""Item specifications: the company's own acceptance limits per test, edited by a compliance
officer; saving makes a new version (with a reason), and the new limits act at once."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.views.first_show import when_first_shown
from app.views.tasks import TaskRunner
from app.workflows import compliance
from app.workflows.compliance import ItemChoice, SpecLine, SpecVersionRow
from app.workflows.session import UserSession

COLUMNS = ("Test", "Method", "Min", "Max", "Text requirement", "Unit", "Supplier COA accepted")
NO = ("no", "n", "false", "0")


class SpecEditor(QWidget):
    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__()
        self._session = session
        self._runner = runner
        self._items: list[ItemChoice] = []
        self.editable = session.person.may("set_item_specs")
        self.item = QComboBox()
        self.item.setObjectName("specItem")
        self.item.setEditable(True)
        self.item.currentIndexChanged.connect(lambda _i: self.load())
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("specTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.versions = QListWidget()
        self.versions.setObjectName("specVersions")
        self.versions.setMaximumHeight(120)
        add = QPushButton("Add test")
        add.clicked.connect(lambda: self.table.insertRow(self.table.rowCount()))
        remove = QPushButton("Remove test")
        remove.clicked.connect(lambda: self.table.removeRow(self.table.currentRow()))
        self.save_button = QPushButton("Save as new version…")
        self.save_button.setObjectName("saveSpec")
        self.save_button.clicked.connect(self.ask_and_save)
        for button in (add, remove, self.save_button):
            button.setVisible(self.editable)
        if not self.editable:
            self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.message = QLabel("")
        self.message.setObjectName("specMessage")
        self.message.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Item:"))
        top.addWidget(self.item, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(QLabel("Versions (decisions record the version that applied):"))
        layout.addWidget(self.versions)
        when_first_shown(self, lambda: runner.submit(compliance.items, session,
                                                     on_result=self._items_loaded))

    def _items_loaded(self, rows: list[ItemChoice]) -> None:
        self._items = rows
        self.item.blockSignals(True)
        for row in rows:
            self.item.addItem(f"{row.sku} — {row.name}", row.id)
        self.item.blockSignals(False)
        self.load()

    def select_item(self, item_id: int) -> None:
        index = self.item.findData(item_id)
        if index >= 0:
            self.item.setCurrentIndex(index)

    @property
    def item_id(self) -> int | None:
        value = self.item.currentData()
        return int(value) if value is not None else None

    def load(self) -> None:
        item_id = self.item_id
        if item_id is None:
            return
        session = self._session

        def both() -> tuple[list[SpecLine], list[SpecVersionRow]]:
            return (compliance.current_spec(session, item_id),
                    compliance.spec_versions(session, item_id))

        self._runner.submit(both, on_result=self._loaded)

    def _loaded(self, loaded: tuple[list[SpecLine], list[SpecVersionRow]]) -> None:
        lines, versions = loaded
        self.table.setRowCount(len(lines))
        for r, line in enumerate(lines):
            for c, value in enumerate((line.test, line.method, line.min_value, line.max_value,
                                       line.text_requirement, line.unit,
                                       "yes" if line.coa_acceptable else "no")):
                self.table.setItem(r, c, QTableWidgetItem("" if value is None else str(value)))
        self.versions.clear()
        for v in versions:
            self.versions.addItem(f"version {v.version} — {v.created_at:%Y-%m-%d %H:%M} by "
                                  f"{v.created_by}: {v.reason}")

    def tests(self) -> list[dict[str, Any]]:
        rows = []
        for r in range(self.table.rowCount()):
            cells = [self._text(r, c) for c in range(len(COLUMNS))]
            if not cells[0]:
                continue
            for c in (2, 3):
                if cells[c]:
                    try:
                        Decimal(cells[c])
                    except InvalidOperation as exc:
                        raise ValueError(f"{cells[0]}: '{cells[c]}' is not a number") from exc
            rows.append({"test": cells[0], "method": cells[1] or None, "min": cells[2] or None,
                         "max": cells[3] or None, "text": cells[4] or None,
                         "unit": cells[5] or None,
                         "coa_acceptable": cells[6].lower() not in NO})
        return rows

    def _text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text().strip() if item is not None else ""

    def set_cell(self, row: int, column: str, value: str) -> None:
        self.table.setItem(row, COLUMNS.index(column), QTableWidgetItem(value))

    def ask_and_save(self) -> None:
        reason, ok = QInputDialog.getText(self, "Save specification",
                                          "Why does the specification change?",
                                          QLineEdit.EchoMode.Normal)
        if ok:
            self.save(reason)

    def save(self, reason: str) -> None:
        item_id = self.item_id
        if item_id is None:
            return
        try:
            tests = self.tests()
        except ValueError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText("Saving…")
        self._runner.submit(compliance.set_item_specs, self._session, item_id, tests, reason,
                            on_result=self._saved,
                            on_error=lambda exc: self.message.setText(str(exc)))

    def _saved(self, version: int) -> None:
        self.message.setText(f"Saved as version {version}. Lots waiting for release were checked "
                             "against it and the exception queue brought up to date.")
        self.load()
