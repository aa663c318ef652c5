"""Documents required per item and per supplier (on top of the item's list in the ERP): a lot
is not released until each is verified, and a missing one lands in the exception queue."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QWidget

from app.views.analytics.table import Column
from app.views.compliance.rule_form import RuleEditor
from app.views.first_show import when_first_shown
from app.views.tasks import TaskRunner
from app.workflows import compliance
from app.workflows.compliance import DocumentRequirementRow
from app.workflows.session import UserSession

DOCUMENTS = (("COA", "COA per lot"), ("SDS", "current SDS"),
             ("ALLERGEN_STATEMENT", "allergen statement"))


class DocumentRequirements(RuleEditor):
    title = "Documents required of an item's lots or of a supplier"
    capability = "set_document_requirements"

    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__(session, runner, [
            Column("For", lambda r: r.scope),
            Column("Code", lambda r: r.code),
            Column("Name", lambda r: r.name),
            Column("In the ERP", lambda r: ", ".join(r.erp_documents)),
            Column("Required by compliance", lambda r: ", ".join(r.documents)),
            Column("Version", lambda r: r.version, numeric=True),
            Column("Reason", lambda r: r.reason or ""),
        ], "documentRequirements")
        self.target = QLabel("Select an item or a supplier above")
        self.boxes = {key: QCheckBox(label) for key, label in DOCUMENTS}
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        for box in self.boxes.values():
            line.addWidget(box)
        line.addStretch(1)
        self.form.addRow("For:", self.target)
        self.form.addRow("Required:", row)
        self.finish_form()
        self._row: DocumentRequirementRow | None = None
        when_first_shown(self, self.refresh)

    def load_rows(self, session: UserSession) -> Sequence[Any]:
        return compliance.document_requirements(session)

    def fill_form(self, row: Any) -> None:
        self._row = row
        self.target.setText(f"{row.scope} {row.code} — {row.name}"
                            + (f" (the ERP already requires {', '.join(row.erp_documents)})"
                               if row.erp_documents else ""))
        for key, box in self.boxes.items():
            box.setChecked(key in row.documents)

    def prepare_write(self, reason: str) -> Callable[[], Any]:
        row = self._row
        if row is None:
            raise ValueError("Select the item or supplier to change.")
        session = self.session
        documents = [key for key, box in self.boxes.items() if box.isChecked()]
        if row.scope == "item":
            return lambda: compliance.set_document_requirements(
                session, item_id=row.id, documents=documents, reason=reason)
        return lambda: compliance.set_document_requirements(
            session, supplier_id=row.id, documents=documents, reason=reason)
