"""The approved supplier list: each supplier's status per item category. Receipts from a
supplier that is suspended or disqualified for the category land on hold."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import QComboBox, QLabel

from app.views.analytics.table import Column
from app.views.compliance.rule_form import RuleEditor
from app.views.first_show import when_first_shown
from app.views.tasks import TaskRunner
from app.workflows import compliance
from app.workflows.compliance import SupplierApprovalRow
from app.workflows.session import UserSession

STATUSES = ("approved", "conditional", "suspended", "disqualified")


class SupplierApprovals(RuleEditor):
    title = "Change a supplier's status for a category"
    capability = "set_supplier_approval"

    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__(session, runner, [
            Column("Supplier", lambda r: r.supplier),
            Column("Category", lambda r: r.category.replace("_", " ")),
            Column("Status", lambda r: r.status),
            Column("Version", lambda r: r.version, numeric=True),
            Column("Set by", lambda r: r.set_by or "ERP"),
            Column("Reason", lambda r: r.reason or ""),
        ], "supplierApprovals")
        self.supplier = QLabel("Select a row above")
        self.status = QComboBox()
        self.status.setObjectName("supplierStatus")
        self.status.addItems(STATUSES)
        self.form.addRow("Supplier / category:", self.supplier)
        self.form.addRow("New status:", self.status)
        self.finish_form()
        self._row: SupplierApprovalRow | None = None
        when_first_shown(self, self.refresh)

    def load_rows(self, session: UserSession) -> Sequence[Any]:
        return compliance.supplier_approvals(session)

    def fill_form(self, row: Any) -> None:
        self._row = row
        self.supplier.setText(f"{row.supplier} — {row.category.replace('_', ' ')}")
        self.status.setCurrentText(row.status)

    def prepare_write(self, reason: str) -> Callable[[], Any]:
        row = self._row
        if row is None:
            raise ValueError("Select the supplier and category to change.")
        session, status = self.session, self.status.currentText()
        return lambda: compliance.set_supplier_approval(session, row.supplier_id, row.category,
                                                        status, reason)
