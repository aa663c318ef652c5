"""Saving a lot's dossier (PDF) and evidence bundle (ZIP) from the workstation: read-only work,
open to every role including the auditor, run off the UI thread with progress and cancel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMainWindow, QProgressDialog

from app.progress import Cancelled
from app.views.tasks import TaskHandle, TaskRunner
from app.workflows import evidence
from app.workflows.evidence import EvidenceBundle
from app.workflows.session import UserSession


class EvidenceExport:
    def __init__(self, window: QMainWindow, session: UserSession, runner: TaskRunner) -> None:
        self._window = window
        self._session = session
        self._runner = runner
        self.last_bundle: EvidenceBundle | None = None
        self.progress: QProgressDialog | None = None
        self._handle: TaskHandle | None = None

    def _say(self, message: str, msecs: int = 10_000) -> None:
        self._window.statusBar().showMessage(message, msecs)

    def ask_dossier(self, lot_code: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self._window, "Save lot dossier",
                                              f"dossier-{lot_code}.pdf", "PDF (*.pdf)")
        if path:
            self.save_dossier(lot_code, Path(path))

    def save_dossier(self, lot_code: str, path: Path) -> None:
        self._say(f"Writing the dossier of {lot_code}…", 0)
        self._runner.submit(evidence.lot_dossier, self._session, lot_code,
                            on_result=lambda data: self._dossier_written(path, data),
                            on_error=lambda exc: self._say(f"Dossier not written: {exc}"))

    def _dossier_written(self, path: Path, data: bytes) -> None:
        path.write_bytes(data)
        self._say(f"Saved {path}")

    def ask_supplier_dossier(self, supplier_code: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self._window, "Save supplier dossier",
                                              f"supplier-dossier-{supplier_code}.pdf",
                                              "PDF (*.pdf)")
        if path:
            self.save_supplier_dossier(supplier_code, Path(path))

    def save_supplier_dossier(self, supplier_code: str, path: Path) -> None:
        self._say(f"Writing the dossier of supplier {supplier_code}…", 0)
        self._runner.submit(evidence.supplier_dossier, self._session, supplier_code,
                            on_result=lambda data: self._dossier_written(path, data),
                            on_error=lambda exc: self._say(f"Dossier not written: {exc}"))

    def ask_bundle(self, lot_code: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self._window, "Save evidence bundle",
                                              f"evidence-{lot_code}.zip", "ZIP (*.zip)")
        if path:
            self.save_bundle(lot_code, Path(path))

    def save_bundle(self, lot_code: str, path: Path) -> None:
        progress = QProgressDialog(f"Evidence bundle of {lot_code}…", "Cancel", 0, 100,
                                   self._window)
        progress.setWindowTitle("Evidence bundle")
        progress.setWindowModality(Qt.WindowModality.NonModal)
        progress.setMinimumDuration(300)
        progress.setValue(0)
        self.progress = progress
        self._handle = self._runner.submit(
            evidence.evidence_bundle, self._session, lot_code, path, with_progress=True,
            on_progress=self._progressed, on_result=self._bundle_written,
            on_error=self._bundle_failed)
        progress.canceled.connect(self._handle.cancel)

    def _progressed(self, done: int, total: int, what: str) -> None:
        if self.progress is not None and total:
            self.progress.setMaximum(total)
            self.progress.setValue(done)
            self.progress.setLabelText(f"Evidence bundle: {what}")

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.reset()
            self.progress.deleteLater()
            self.progress = None

    def _bundle_written(self, bundle: EvidenceBundle) -> None:
        self._close_progress()
        self.last_bundle = bundle
        warning = ""
        if bundle.altered_documents:
            warning = (f" — WARNING: {len(bundle.altered_documents)} stored document(s) no "
                       "longer match the hash recorded at upload")
        self._say(f"Saved {bundle.path} ({len(bundle.files)} files, "
                  f"{bundle.size / 1024:.0f} KB, manifest with SHA-256 of each){warning}", 20_000)

    def _bundle_failed(self, exc: BaseException) -> None:
        self._close_progress()
        if isinstance(exc, Cancelled):
            self._say("Evidence bundle cancelled; nothing was written.")
        else:
            self._say(f"Evidence bundle not written: {exc}")
