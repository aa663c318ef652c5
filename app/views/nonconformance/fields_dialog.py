"""A small form for one step of an NCR, CAPA or SCAR: labelled fields, OK only when the
required ones are filled, the values back as a dict."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.views.style import apply_message_role


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: str = "text"  # text | multiline | choice | date
    choices: tuple[tuple[str, Any], ...] = ()  # (shown, value); the first is "" = not chosen
    required: bool = True
    default_days: int = 14  # a date field's default: today + this


class FieldsDialog(QDialog):
    def __init__(self, title: str, fields: list[Field], parent: QWidget | None = None,
                 intro: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self._fields = fields
        self.widgets: dict[str, QWidget] = {}
        form = QFormLayout()
        for f in fields:
            widget: QWidget
            if f.kind == "multiline":
                text = QPlainTextEdit()
                text.setTabChangesFocus(True)
                text.setFixedHeight(90)
                text.textChanged.connect(self._check)
                widget = text
            elif f.kind == "choice":
                combo = QComboBox()
                combo.addItem("— choose —", None)  # no default for a consequential choice
                for shown, value in f.choices:
                    combo.addItem(shown, value)
                combo.currentIndexChanged.connect(self._check)
                widget = combo
            elif f.kind == "date":
                date = QDateEdit(QDate.currentDate().addDays(f.default_days))
                date.setCalendarPopup(True)
                date.setDisplayFormat("yyyy-MM-dd")
                widget = date
            else:
                line = QLineEdit()
                line.textChanged.connect(self._check)
                widget = line
            widget.setObjectName(f"field_{f.key}")
            self.widgets[f.key] = widget
            form.addRow(f.label + ("" if f.required else " (optional)") + ":", widget)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.hint = QLabel("")
        apply_message_role(self.hint, "muted")
        layout = QVBoxLayout(self)
        if intro:
            label = QLabel(intro)
            label.setWordWrap(True)
            layout.addWidget(label)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self._check()

    def value(self, key: str) -> Any:
        widget = self.widgets[key]
        if isinstance(widget, QPlainTextEdit):
            return widget.toPlainText().strip()
        if isinstance(widget, QComboBox):
            return widget.currentData()
        if isinstance(widget, QDateEdit):
            d = widget.date()
            return dt.date(d.year(), d.month(), d.day())
        assert isinstance(widget, QLineEdit)
        return widget.text().strip()

    def values(self) -> dict[str, Any]:
        return {f.key: self.value(f.key) for f in self._fields}

    def _check(self) -> None:
        missing = [f.label for f in self._fields
                   if f.required and self.value(f.key) in (None, "")]
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not missing)
        self.hint.setText("Still needed: " + ", ".join(missing) if missing else "")
