"""The workstation's main window: lots, the approvals inbox and the audit trail."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.db.errors import LoginFailed
from app.views import messages
from app.views.analytics import ExpiryRiskPanel, SupplierScorecardPanel
from app.views.audit_view import AuditPanel
from app.views.charts import ChartsPanel
from app.views.compliance.panel import CompliancePanel
from app.views.documents.panel import DocumentsPanel
from app.views.evidence_export import EvidenceExport
from app.views.first_show import BuiltWhenShown
from app.views.help_menu import install_help_menu, install_shortcuts
from app.views.inbox import InboxPanel
from app.views.inspection.panel import InspectionPanel
from app.views.labels_dialog import LabelsDialog
from app.views.live_updates import LiveUpdates
from app.views.lot_browser.panel import LotBrowser
from app.views.nonconformance.board import NonconformanceBoard
from app.views.recalls_panel import RecallsPanel
from app.views.shipments.panel import ShipmentsPanel
from app.views.style import apply_message_role
from app.views.tasks import TaskRunner
from app.views.trace.trace_window import TraceWindow
from app.workflows import certificates
from app.workflows.session import UserSession, verify_password


class LockDialog(QDialog):
    """The session is locked: only the same person's password opens it again."""

    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__()
        self.setWindowTitle("Lotproof — locked")
        self._session = session
        self._runner = runner
        person = session.person
        self.password = QLineEdit()
        self.password.setObjectName("unlockPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel("")
        apply_message_role(self.error, "error")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Unlock")
        buttons.accepted.connect(self.unlock)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Locked. {person.printed_name} ({person.username}) — enter "
                                "your password to continue."))
        layout.addWidget(self.password)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def unlock(self) -> None:
        self._runner.submit(verify_password, self._session, self.password.text(),
                            on_result=lambda _ok: self.accept(),
                            on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.password.clear()
        self.error.setText(str(exc) if isinstance(exc, LoginFailed) else f"{exc}")

    def reject(self) -> None:  # Escape does not unlock
        pass


class MainWindow(QMainWindow):
    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__()
        self.session = session
        self.runner = runner
        self.setWindowTitle(f"Lotproof {__version__} — {session.person.printed_name}")
        self.resize(1400, 820)

        self.lot_browser = LotBrowser(session, runner)
        self.inbox = InboxPanel(session, runner)
        self.audit = AuditPanel(session, runner)
        self.inspections = InspectionPanel(session, runner)
        self.nonconformance = NonconformanceBoard(session, runner)
        self.documents = DocumentsPanel(session, runner)
        self.recalls = RecallsPanel(session, runner)
        self.shipments = ShipmentsPanel(session, runner)
        self.compliance = CompliancePanel(session, runner)
        self.analytics = QTabWidget()
        self.analytics.setObjectName("analyticsTabs")
        self.scorecard = SupplierScorecardPanel(session, runner)
        self.expiry_risk = ExpiryRiskPanel(session, runner)
        self.charts_tab = BuiltWhenShown(lambda: ChartsPanel(session, runner),
                                         built=self._charts_built)
        self.analytics.addTab(self.charts_tab, "Charts")
        self.analytics.addTab(self.scorecard, "Supplier scorecard")
        self.analytics.addTab(self.expiry_risk, "Expiry risk")
        self.tabs = QTabWidget()
        self.tabs.addTab(self.lot_browser, "Lots")
        self.tabs.addTab(self.inbox, "Approvals")
        self.tabs.addTab(self.documents, "Documents")
        self.tabs.addTab(self.inspections, "Inspections")
        self.tabs.addTab(self.nonconformance, "NCR / CAPA")
        self.tabs.addTab(self.shipments, "Shipments")
        self.tabs.addTab(self.recalls, "Recalls")
        self.tabs.addTab(self.compliance, "Compliance")
        self.tabs.addTab(self.analytics, "Analytics")
        self.tabs.addTab(self.audit, "Audit trail")
        self.setCentralWidget(self.tabs)

        self.inbox.open_lot.connect(self.show_lot)
        self.inbox.count_changed.connect(
            lambda n: self.tabs.setTabText(1, f"Approvals ({n})" if n else "Approvals"))
        self.inbox.decision_made.connect(self._decision_made)
        self.inspections.count_changed.connect(
            lambda n: self._count_tab(self.inspections, "Inspections", n))
        self.inspections.completed.connect(self._inspection_completed)
        self.nonconformance.count_changed.connect(
            lambda n: self._count_tab(self.nonconformance, "NCR / CAPA", n, " overdue"))
        self.lot_browser.decision_made.connect(lambda _code: self.inbox.refresh())
        self.lot_browser.detail.certificate_button.clicked.connect(self.save_certificate)
        self.lot_browser.detail.files_dropped.connect(
            lambda paths, code: self.documents.ingest(paths, code))
        self.lot_browser.detail.document_opened.connect(self.documents.open_review)
        self.documents.document_changed.connect(self._document_changed)
        self.lot_browser.detail.trace_button.clicked.connect(self.open_trace)
        self.lot_browser.detail.shipments_button.clicked.connect(self.show_lot_shipments)
        self.lot_browser.detail.labels_button.clicked.connect(lambda: self.open_labels("lot"))
        self.lot_browser.detail.status_label_button.clicked.connect(
            lambda: self.open_labels("status"))
        self.lot_browser.decision_bar.label_due.connect(self._offer_status_label)
        self.evidence = EvidenceExport(self, session, runner)
        self.lot_browser.detail.dossier_button.clicked.connect(
            lambda: self.evidence.ask_dossier(self.lot_browser.detail.lot_code or ""))
        self.scorecard.dossier_requested.connect(self.evidence.ask_supplier_dossier)
        self.lot_browser.detail.bundle_button.clicked.connect(
            lambda: self.evidence.ask_bundle(self.lot_browser.detail.lot_code or ""))
        self.lot_browser.lot_selected.connect(self._lot_selected)
        self.recalls.lots_held.connect(self.refresh)
        self.trace_windows: list[TraceWindow] = []

        find = QAction("Find lot", self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(self._focus_search)
        refresh = QAction("Refresh", self)
        refresh.setShortcut(QKeySequence.StandardKey.Refresh)
        refresh.triggered.connect(self.refresh)
        lock = QAction("Lock session", self)
        lock.setShortcut(QKeySequence("Ctrl+L"))
        lock.triggered.connect(self.lock)
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        menu = self.menuBar().addMenu("&Lotproof")
        menu.addActions([find, refresh])
        menu.addSeparator()
        menu.addActions([lock, quit_action])

        self._inbox_soon = QTimer(self, singleShot=True, interval=300)
        self._inbox_soon.timeout.connect(self.inbox.refresh)
        self.live = LiveUpdates(session, self)
        self.live.lots_changed.connect(self._lots_changed)
        self.live.reload_lots.connect(self.lot_browser.apply_filters)
        self.live.decisions_changed.connect(self._decisions_changed)
        self.live.documents_changed.connect(self._documents_changed)
        self.live.exceptions_changed.connect(self._inbox_soon.start)
        self.live.link_changed.connect(self._link_changed)

        person = session.person
        self.user_label = QLabel(f"{person.printed_name} — {person.role_title}")
        self.user_label.setObjectName("statusUser")
        self.database_label = QLabel(f"Database: {session.target.display_name()}")
        self.database_label.setObjectName("statusDatabase")
        self.statusBar().addWidget(self.user_label)
        self.link_label = QLabel("")
        self.link_label.setObjectName("statusLink")
        self.statusBar().addPermanentWidget(self.link_label)
        self.statusBar().addPermanentWidget(self.database_label)
        install_help_menu(self, session)
        install_shortcuts(self)
        messages.bridge().subscribe(self, self.show_message)
        self.live.start()

    def show_message(self, role: str, text: str) -> None:
        """The message area: what background work has to tell the person (its failures)."""
        self.statusBar().showMessage(text, 30_000 if role == "error" else 10_000)

    def _focus_search(self) -> None:
        self.tabs.setCurrentWidget(self.lot_browser)
        self.lot_browser.search.setFocus()

    def show_lot(self, lot_code: str) -> None:
        self.tabs.setCurrentWidget(self.lot_browser)
        self.lot_browser.open_lot(lot_code)

    def refresh(self) -> None:
        self.lot_browser.apply_filters()
        self.inbox.refresh()
        self.inspections.refresh()
        self.nonconformance.refresh()

    def _decision_made(self, lot_code: str) -> None:
        self.lot_browser.model.refresh_lot(lot_code)
        current = self.lot_browser.current_view
        if current is not None and current.detail.lot.lot_code == lot_code:
            self.lot_browser.open_lot(lot_code)

    def _count_tab(self, page: QWidget, title: str, n: int, what: str = "") -> None:
        self.tabs.setTabText(self.tabs.indexOf(page), f"{title} ({n}{what})" if n else title)

    def _inspection_completed(self, lot_code: str, _status: str) -> None:
        self._decision_made(lot_code)
        self.inbox.refresh()
        self.nonconformance.refresh()

    def _charts_built(self, panel: QWidget) -> None:
        assert isinstance(panel, ChartsPanel)
        panel.open_lot.connect(self.show_lot)

    def _lots_changed(self, codes: list[str]) -> None:
        """Another workstation (or the ERP) changed these lots: refresh their rows and the
        lot on screen, nothing else."""
        self.lot_browser.model.refresh_lots(codes)
        current = self.lot_browser.current_view
        if current is not None and current.detail.lot.lot_code in codes:
            self.lot_browser.open_lot(current.detail.lot.lot_code)

    def _decisions_changed(self, codes: list[str]) -> None:
        self._inbox_soon.start()
        self._lots_changed(codes)

    def _documents_changed(self, codes: list[str], _ids: list[int]) -> None:
        self.documents.refresh()
        self._lots_changed(codes)

    def _link_changed(self, connected: bool, message: str) -> None:
        if connected:
            self.link_label.setText("● Live")
            apply_message_role(self.link_label, "live")
            self.link_label.setToolTip("Changes made on other workstations show here at once.")
            if message == "reconnected":
                self.statusBar().showMessage("Connection to the database is back.", 10_000)
        else:
            self.link_label.setText("● Connection lost — reconnecting…")
            apply_message_role(self.link_label, "error", weight=700)
            self.link_label.setToolTip(f"The database cannot be reached: {message}. Your "
                                       "unsaved input is kept; Lotproof reconnects by itself.")

    def _lot_selected(self, lot_code: str) -> None:
        self.recalls.current_lot = lot_code

    def show_lot_shipments(self) -> None:
        code = self.lot_browser.detail.lot_code
        if code:
            self.tabs.setCurrentWidget(self.shipments)
            self.shipments.show_lot(code)

    def open_labels(self, kind: str) -> LabelsDialog | None:
        code = self.lot_browser.detail.lot_code
        if not code:
            return None
        dialog = LabelsDialog(self.session, self.runner, code, kind, parent=self)
        dialog.show()
        return dialog

    def _offer_status_label(self, lot_code: str) -> None:
        if self.session.person.may("print_label"):
            self.statusBar().showMessage(
                f"Lot {lot_code} must not move: print the label for its stock with the "
                f"“Print … label…” button on the lot", 30_000)
            self.lot_browser.detail.status_label_button.setFocus()

    def open_trace(self) -> TraceWindow | None:
        view = self.lot_browser.current_view
        if view is None:
            return None
        window = TraceWindow(self.session, self.runner, view.detail.lot.lot_code)
        window.open_lot.connect(self.show_lot)
        window.show()
        self.trace_windows = [w for w in self.trace_windows if w.isVisible()] + [window]
        return window

    def _document_changed(self, _document_id: int) -> None:
        current = self.lot_browser.current_view
        if current is not None:
            self.lot_browser.open_lot(current.detail.lot.lot_code)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.live.stop()
        # pyqtgraph's plots crash PySide6 when they are destroyed as part of this window's
        # children; taken out and deleted on their own first, they go quietly.
        charts, self.charts_tab.panel = self.charts_tab.panel, None
        if charts is not None:
            charts.setParent(None)
            charts.deleteLater()
        self.documents.jobs.wait(30_000)
        for window in self.trace_windows:
            window.close()
        super().closeEvent(event)

    def lock(self) -> None:
        self.session.signing.lock()
        LockDialog(self.session, self.runner).exec()

    def save_certificate(self) -> None:
        view = self.lot_browser.current_view
        if view is None:
            return
        code = view.detail.lot.lot_code
        path, _ = QFileDialog.getSaveFileName(self, "Save release certificate",
                                              f"release-certificate-{code}.pdf", "PDF (*.pdf)")
        if path:
            self.save_certificate_to(code, Path(path))

    def save_certificate_to(self, lot_code: str, path: Path) -> None:
        self.statusBar().showMessage(f"Writing the release certificate of {lot_code}…")
        self.runner.submit(certificates.release_certificate, self.session, lot_code,
                           on_result=lambda data: self._written(path, data),
                           on_error=lambda exc: self.statusBar().showMessage(str(exc), 10_000))

    def _written(self, path: Path, data: bytes) -> None:
        path.write_bytes(data)
        self.statusBar().showMessage(f"Saved {path}", 10_000)
