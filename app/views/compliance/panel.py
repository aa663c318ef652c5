"""The Compliance tab: every rule that acts at receipt, release, allocation and shipment."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget

from app.views.compliance.customer_rules import CustomerRules
from app.views.compliance.document_requirements import DocumentRequirements
from app.views.compliance.quality_events import QualityEvents
from app.views.compliance.retention import RetentionReport
from app.views.compliance.returns import ReturnsPanel
from app.views.compliance.routing import ExceptionRouting
from app.views.compliance.spec_editor import SpecEditor
from app.views.compliance.supplier_approvals import SupplierApprovals
from app.views.tasks import TaskRunner
from app.workflows.session import UserSession


class CompliancePanel(QTabWidget):
    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__()
        self.setObjectName("compliancePanel")
        self.specs = SpecEditor(session, runner)
        self.suppliers = SupplierApprovals(session, runner)
        self.customers = CustomerRules(session, runner)
        self.documents = DocumentRequirements(session, runner)
        self.routing = ExceptionRouting(session, runner)
        self.events = QualityEvents(session, runner)
        self.returns = ReturnsPanel(session, runner)
        self.retention = RetentionReport(session, runner)
        self.addTab(self.specs, "Specifications")
        self.addTab(self.suppliers, "Approved suppliers")
        self.addTab(self.documents, "Required documents")
        self.addTab(self.customers, "Customer requirements")
        self.addTab(self.events, "Quality events")
        self.addTab(self.returns, "Returns")
        self.addTab(self.routing, "Exception routing")
        self.addTab(self.retention, "Record retention")
