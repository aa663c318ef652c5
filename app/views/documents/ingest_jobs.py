"""Files being read and stored, one row each: progress per file, cancel, and a clear message for
a file that cannot be read. Reading runs on a pool of its own, so OCR never delays the screens."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import QThreadPool, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
)

from app.progress import Cancelled
from app.views.tasks import TaskHandle, TaskRunner
from app.workflows import documents
from app.workflows.documents import DocumentError, IngestOutcome
from app.workflows.session import UserSession


class IngestJobs(QTableWidget):
    stored = Signal(object)  # IngestOutcome
    finished_all = Signal()

    def __init__(self, session: UserSession) -> None:
        super().__init__(0, 4)
        self.setObjectName("ingestJobs")
        self.setHorizontalHeaderLabels(["File", "Progress", "Outcome", ""])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self._session = session
        pool = QThreadPool(self)
        pool.setMaxThreadCount(1)  # one file at a time; Tesseract uses one core per page
        self._runner = TaskRunner(pool)
        self._running = 0

    @property
    def busy(self) -> bool:
        return self._running > 0

    def wait(self, msecs: int = 60_000) -> bool:
        return self._runner.wait(msecs)

    def add(self, paths: list[Path], lot_code: str | None = None) -> None:
        for path in paths:
            row = self.rowCount()
            self.insertRow(row)
            self.setItem(row, 0, QTableWidgetItem(path.name))
            bar = QProgressBar()
            bar.setRange(0, 0)
            self.setCellWidget(row, 1, bar)
            self.setItem(row, 2, QTableWidgetItem(
                f"waiting — for lot {lot_code}" if lot_code else "waiting"))
            cancel = QPushButton("Cancel")
            self.setCellWidget(row, 3, cancel)
            self._running += 1
            handle = self._runner.submit(
                documents.ingest, self._session, path, lot_code=lot_code, with_progress=True,
                on_result=partial(self._stored, row),
                on_error=partial(self._failed, row),
                on_progress=partial(self._progress, row),
            )
            cancel.clicked.connect(lambda _c=False, h=handle, r=row: self._cancel(h, r))

    def _say(self, row: int, text: str) -> None:
        self.setItem(row, 2, QTableWidgetItem(text))

    def _progress(self, row: int, done: int, total: int, _name: str = "") -> None:
        bar = self.cellWidget(row, 1)
        if isinstance(bar, QProgressBar):
            bar.setRange(0, max(total, 1))
            bar.setValue(done)
            bar.setFormat(f"page {done} of {total}")
        self._say(row, "reading…")

    def _cancel(self, handle: TaskHandle, row: int) -> None:
        handle.cancel()
        self._say(row, "cancelling…")

    def _end(self, row: int, text: str, *, ok: bool) -> None:
        bar = self.cellWidget(row, 1)
        if isinstance(bar, QProgressBar):
            bar.setRange(0, 1)
            bar.setValue(1 if ok else 0)
            bar.setFormat("done" if ok else "—")
        self.removeCellWidget(row, 3)
        self._say(row, text)
        self._running -= 1
        if self._running == 0:
            self.finished_all.emit()

    def _stored(self, row: int, outcome: IngestOutcome) -> None:
        state = "stored" if outcome.created else "already stored (same file)"
        where = (f"linked to {', '.join(outcome.linked_lots)}" if outcome.linked_lots
                 else f"lot number {outcome.lot_number} matches {len(outcome.candidates)} lots "
                      "— choose in the review" if outcome.needs_lot_choice
                 else "not linked to a lot")
        self._end(row, f"{outcome.kind.upper()} {state} as document {outcome.document_id}, "
                       f"{where}", ok=True)
        self.stored.emit(outcome)

    def _failed(self, row: int, exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            self._end(row, "cancelled — nothing stored", ok=False)
        elif isinstance(exc, DocumentError):
            self._end(row, f"NOT STORED: {exc.problem}", ok=False)
        else:
            self._end(row, f"NOT STORED: {exc}", ok=False)
