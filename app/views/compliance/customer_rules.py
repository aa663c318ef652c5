"""Customer requirements checked at allocation and shipment: minimum remaining shelf life (days
or percent), excluded suppliers and lots, documents that travel with the goods."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import QLabel, QLineEdit, QSpinBox

from app.views.analytics.table import Column
from app.views.compliance.rule_form import RuleEditor
from app.views.first_show import when_first_shown
from app.views.tasks import TaskRunner
from app.workflows import compliance
from app.workflows.compliance import CustomerRulesRow
from app.workflows.session import UserSession


def _words(text: str) -> list[str]:
    return [w.strip() for w in text.replace(";", ",").split(",") if w.strip()]


def _numbers(text: str) -> list[int]:
    try:
        return [int(w) for w in _words(text)]
    except ValueError as exc:
        raise ValueError(f"Excluded suppliers are supplier numbers separated by commas, not "
                         f"{text!r}") from exc


class CustomerRules(RuleEditor):
    title = "Change a customer's requirements"
    capability = "set_customer_requirements"

    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__(session, runner, [
            Column("Customer", lambda r: f"{r.name} ({r.code})"),
            Column("Min. days", lambda r: r.min_days, numeric=True),
            Column("Min. %", lambda r: r.min_percent, numeric=True),
            Column("Excluded suppliers", lambda r: ", ".join(map(str, r.excluded_suppliers))),
            Column("Excluded lots", lambda r: ", ".join(r.excluded_lots)),
            Column("Documents", lambda r: ", ".join(r.required_documents)),
            Column("Version", lambda r: r.version, numeric=True),
        ], "customerRules")
        self.customer = QLabel("Select a customer above")
        self.min_days = QSpinBox()
        self.min_days.setRange(0, 3650)
        self.min_days.setSpecialValueText("none")
        self.min_percent = QSpinBox()
        self.min_percent.setRange(0, 100)
        self.min_percent.setSpecialValueText("none")
        self.min_percent.setSuffix(" %")
        self.suppliers = QLineEdit()
        self.suppliers.setPlaceholderText("supplier numbers, e.g. 4, 17")
        self.lots = QLineEdit()
        self.lots.setPlaceholderText("lot codes")
        self.documents = QLineEdit()
        self.documents.setPlaceholderText("COA, SDS, ALLERGEN_STATEMENT")
        self.form.addRow("Customer:", self.customer)
        self.form.addRow("Minimum shelf life left (days):", self.min_days)
        self.form.addRow("… or (percent of total life):", self.min_percent)
        self.form.addRow("Excluded suppliers:", self.suppliers)
        self.form.addRow("Excluded lots:", self.lots)
        self.form.addRow("Documents with each shipment:", self.documents)
        self.finish_form()
        self._row: CustomerRulesRow | None = None
        when_first_shown(self, self.refresh)

    def load_rows(self, session: UserSession) -> Sequence[Any]:
        return compliance.customer_rules(session)

    def fill_form(self, row: Any) -> None:
        self._row = row
        self.customer.setText(f"{row.name} ({row.code})")
        self.min_days.setValue(row.min_days or 0)
        self.min_percent.setValue(row.min_percent or 0)
        self.suppliers.setText(", ".join(map(str, row.excluded_suppliers)))
        self.lots.setText(", ".join(row.excluded_lots))
        self.documents.setText(", ".join(row.required_documents))

    def prepare_write(self, reason: str) -> Callable[[], Any]:
        row = self._row
        if row is None:
            raise ValueError("Select the customer to change.")
        session = self.session
        days, percent = self.min_days.value() or None, self.min_percent.value() or None
        suppliers, lots = _numbers(self.suppliers.text()), _words(self.lots.text())
        docs = [d.upper() for d in _words(self.documents.text())]
        return lambda: compliance.set_customer_requirements(
            session, row.customer_id, min_days=days, min_percent=percent,
            excluded_suppliers=suppliers, excluded_lots=lots, required_documents=docs,
            reason=reason)
