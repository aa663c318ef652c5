"""Exception routing: which role works each type of exception, at which priority and severity."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QSpinBox

from app.db.capabilities import EXCEPTION_OWNERS
from app.views.analytics.table import Column
from app.views.compliance.rule_form import RuleEditor
from app.views.first_show import when_first_shown
from app.views.tasks import TaskRunner
from app.workflows import compliance
from app.workflows.compliance import RouteRow
from app.workflows.session import UserSession

SEVERITIES = ("critical", "high", "medium", "low")


def _role(role: str) -> str:
    return role.removeprefix("lotproof_").title()


class ExceptionRouting(RuleEditor):
    title = "Route an exception type"
    capability = "route_exceptions"

    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__(session, runner, [
            Column("Exception", lambda r: r.title),
            Column("Owner", lambda r: _role(r.owner_role)),
            Column("Priority", lambda r: r.priority, numeric=True),
            Column("Severity", lambda r: r.severity),
            Column("On", lambda r: "yes" if r.enabled else "no"),
            Column("Open now", lambda r: r.open_count, numeric=True),
        ], "exceptionRoutes")
        self.type = QLabel("Select a type above")
        self.owner = QComboBox()
        for role in EXCEPTION_OWNERS:
            self.owner.addItem(_role(role), role)
        self.priority = QSpinBox()
        self.priority.setRange(1, 9)
        self.severity = QComboBox()
        self.severity.addItems(SEVERITIES)
        self.enabled = QCheckBox("Raise this exception")
        self.form.addRow("Type:", self.type)
        self.form.addRow("Owner role:", self.owner)
        self.form.addRow("Priority (1 first):", self.priority)
        self.form.addRow("Severity:", self.severity)
        self.form.addRow("", self.enabled)
        self.finish_form()
        self._row: RouteRow | None = None
        when_first_shown(self, self.refresh)

    def load_rows(self, session: UserSession) -> Sequence[Any]:
        return compliance.routes(session)

    def fill_form(self, row: Any) -> None:
        self._row = row
        self.type.setText(row.title)
        self.owner.setCurrentIndex(max(0, self.owner.findData(row.owner_role)))
        self.priority.setValue(row.priority)
        self.severity.setCurrentText(row.severity)
        self.enabled.setChecked(row.enabled)

    def prepare_write(self, reason: str) -> Callable[[], Any]:
        row = self._row
        if row is None:
            raise ValueError("Select the exception type to route.")
        session = self.session
        owner, priority = str(self.owner.currentData()), self.priority.value()
        severity, enabled = self.severity.currentText(), self.enabled.isChecked()
        return lambda: compliance.set_route(session, row.type, owner, priority, severity,
                                            enabled, reason)
