"""The receiving inspection form: one row per characteristic of the plan, in the order the
inspector works. A check takes P or F from the keyboard, a measurement its value, marked
against its limits as it is typed; the note of a row is in the Tab order only where a failure
needs one. Completing records the results and asks for the signature."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from app.views.style import apply_message_role
from app.workflows.inspections import Characteristic, OpenInspection

MEASURED = ("measurement", "temperature")
PASS, FAIL = "Pass", "Fail"


def limits_text(c: Characteristic) -> str:
    unit = f" {c.unit}" if c.unit else ""
    if c.min_value is not None and c.max_value is not None:
        return f"{c.min_value} – {c.max_value}{unit}"
    if c.min_value is not None:
        return f"≥ {c.min_value}{unit}"
    if c.max_value is not None:
        return f"≤ {c.max_value}{unit}"
    return "pass / fail"


def parse_value(text: str) -> Decimal | None:
    """A typed number ("12,5" reads as 12.5); None when it is not one."""
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


class CharacteristicRow:
    """The widgets of one characteristic: the result input, its mark and the note."""

    def __init__(self, c: Characteristic, changed: SignalInstance) -> None:
        self.characteristic = c
        self._changed = changed
        self.measured = c.kind in MEASURED
        self.value = QLineEdit()
        self.value.setObjectName(f"value{c.position}")
        self.value.setPlaceholderText(c.unit or "value")
        self.choice = QComboBox()
        self.choice.setObjectName(f"choice{c.position}")
        self.choice.addItems(["", PASS, FAIL])
        self.input: QWidget = self.value if self.measured else self.choice
        self.mark = QLabel("")
        self.mark.setObjectName(f"mark{c.position}")
        self.note = QLineEdit()
        self.note.setObjectName(f"note{c.position}")
        self.note.setPlaceholderText("what was found (needed for a failure)")
        self.note.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.value.textChanged.connect(self.update_mark)
        self.choice.currentIndexChanged.connect(self.update_mark)

    def result(self) -> tuple[Decimal | None, bool | None] | None:
        """(value, passed) as entered, or None when nothing is entered yet."""
        if self.measured:
            return (parse_value(self.value.text()), None) if self.value.text().strip() else None
        text = self.choice.currentText()
        return (None, text == PASS) if text else None

    def failed(self) -> bool | None:
        """Whether what is entered fails (None: nothing valid entered)."""
        c = self.characteristic
        if self.measured:
            value = parse_value(self.value.text())
            if value is None:
                return None
            return ((c.min_value is not None and value < c.min_value)
                    or (c.max_value is not None and value > c.max_value))
        text = self.choice.currentText()
        return None if not text else text == FAIL

    def update_mark(self) -> None:
        failed = self.failed()
        if self.measured and self.value.text().strip() and failed is None:
            self.mark.setText("not a number")
            apply_message_role(self.mark, "error")
        elif failed is None:
            self.mark.setText("")
        elif failed:
            self.mark.setText("out of limits" if self.measured else "failed")
            apply_message_role(self.mark, "error", weight=700)
        else:
            self.mark.setText("✓ within limits" if self.measured else "✓")
            apply_message_role(self.mark, "ok")
        # a failed check needs its note: only then is the note in the Tab order (a measured
        # value speaks for itself; its note is a click away)
        self.note.setFocusPolicy(Qt.FocusPolicy.StrongFocus if failed and not self.measured
                                 else Qt.FocusPolicy.ClickFocus)
        self._changed.emit()


class InspectionGrid(QFrame):
    """The characteristics of one open inspection, with what has been recorded already."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("inspectionGrid")
        self.rows: list[CharacteristicRow] = []
        self._grid = QGridLayout(self)
        self.defects = QSpinBox()
        self.defects.setObjectName("defects")

    def show_inspection(self, opened: OpenInspection) -> None:
        while self._grid.count():
            item = self._grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None and widget is not self.defects:
                widget.deleteLater()
        self.rows = [CharacteristicRow(c, self.changed) for c in opened.characteristics]
        for col, header in enumerate(("", "Characteristic", "Limits", "Result", "", "Note")):
            label = QLabel(f"<b>{header}</b>")
            self._grid.addWidget(label, 0, col)
        previous: QWidget | None = None
        for r, row in enumerate(self.rows, start=1):
            c = row.characteristic
            self._grid.addWidget(QLabel(str(c.position)), r, 0)
            self._grid.addWidget(QLabel(c.name + ("" if c.required else " (optional)")), r, 1)
            self._grid.addWidget(QLabel(limits_text(c)), r, 2)
            self._grid.addWidget(row.input, r, 3)
            self._grid.addWidget(row.mark, r, 4)
            self._grid.addWidget(row.note, r, 5)
            recorded = opened.results.get(c.id)
            if recorded is not None:
                if row.measured and recorded.value is not None:
                    row.value.setText(str(recorded.value))
                elif not row.measured:
                    row.choice.setCurrentText(PASS if recorded.passed else FAIL)
                row.note.setText(recorded.note or "")
            if previous is not None:
                QWidget.setTabOrder(previous, row.input)
                QWidget.setTabOrder(row.input, row.note)
            previous = row.note
        n = len(self.rows) + 1
        self._grid.addWidget(QLabel("Nonconforming units in the sample"), n, 1)
        self.defects.setRange(0, max(opened.sample_size, 0))
        self.defects.setValue(0)
        self._grid.addWidget(self.defects, n, 3)
        self._grid.addWidget(QLabel(f"rejects at {opened.reject}"), n, 4)
        if previous is not None:
            QWidget.setTabOrder(previous, self.defects)
        self._grid.setColumnStretch(5, 1)
        for r in range(self._grid.rowCount()):  # rows sit at the top, the space below them
            self._grid.setRowStretch(r, 0)
        self._grid.setRowStretch(n + 1, 1)

    def first_input(self) -> QWidget | None:
        return self.rows[0].input if self.rows else None

    def missing(self) -> list[str]:
        """Required characteristics with no valid result yet."""
        return [row.characteristic.name for row in self.rows
                if row.characteristic.required and row.failed() is None]

    def needing_notes(self) -> list[str]:
        return [row.characteristic.name for row in self.rows
                if not row.measured and row.failed() and not row.note.text().strip()]

    def failures(self) -> list[str]:
        return [row.characteristic.name for row in self.rows if row.failed()]
