"""The documents queue: drop supplier documents here (or onto a lot), watch them being read,
and open any document to review what was read from it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.views.documents.ingest_jobs import IngestJobs
from app.views.documents.review import DocumentReviewDialog
from app.views.first_show import when_first_shown
from app.views.tasks import TaskRunner
from app.workflows import documents
from app.workflows.documents import DocumentSummary, IngestOutcome
from app.workflows.session import UserSession

FILE_FILTER = "Documents (*.pdf *.png *.jpg *.jpeg *.tif *.tiff);;All files (*)"


def dropped_paths(event: QDropEvent | QDragEnterEvent) -> list[Path]:
    return [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]


class DocumentsPanel(QWidget):
    document_changed = Signal(int)

    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__()
        self.setAcceptDrops(True)
        self._session = session
        self._runner = runner
        self._rows: list[DocumentSummary] = []
        self.jobs = IngestJobs(session)
        self.jobs.stored.connect(self._stored)
        self.jobs.finished_all.connect(self.refresh)
        self.open_after_ingest = False

        hint = QLabel("Drop COAs, SDSs or scans here to read and store them — or drop them "
                      "onto a lot to link them to it.")
        hint.setObjectName("dropHint")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        add = QPushButton("Add files…")
        add.setObjectName("addDocuments")
        add.clicked.connect(self.choose_files)
        if not session.person.may("store_document"):  # the auditor reads, stores nothing
            self.setAcceptDrops(False)
            add.setVisible(False)
            hint.setText("Documents stored for lots, items and suppliers (read only).")
        self.status = QComboBox()
        self.status.setObjectName("documentStatus")
        for label, value in (("All documents", None), ("To review", "new"),
                             ("Verified", "verified"), ("Rejected", "rejected")):
            self.status.addItem(label, value)
        self.status.currentIndexChanged.connect(lambda _i: self.refresh())
        bar = QHBoxLayout()
        bar.addWidget(hint, 1)
        bar.addWidget(add)
        bar.addWidget(self.status)

        self.table = QTableWidget(0, 7)
        self.table.setObjectName("documentQueue")
        self.table.setHorizontalHeaderLabels(["#", "File", "Kind", "Status", "Lot number read",
                                              "Linked lots", "Uploaded"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.cellDoubleClicked.connect(lambda row, _c: self.open_review(self._rows[row].id))

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.jobs)
        splitter.addWidget(self.table)
        splitter.setSizes([160, 500])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        when_first_shown(self, self.refresh)

    def refresh(self) -> None:
        self._runner.submit(documents.queue, self._session, self.status.currentData(),
                            on_result=self._loaded)

    def _loaded(self, rows: list[DocumentSummary]) -> None:
        self._rows = rows
        self.table.setRowCount(len(rows))
        for r, d in enumerate(rows):
            values = [str(d.id), d.file_name, d.kind.replace("_", " ").upper(),
                      d.status + (" (superseded)" if d.superseded else ""), d.lot_number or "",
                      ", ".join(d.lots), d.uploaded_at.strftime("%Y-%m-%d %H:%M")]
            for c, v in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(v))

    def ingest(self, paths: list[Path], lot_code: str | None = None) -> None:
        self.open_after_ingest = len(paths) == 1
        self.jobs.add(paths, lot_code)

    def choose_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Add supplier documents", "", FILE_FILTER)
        if names:
            self.ingest([Path(n) for n in names])

    def _stored(self, outcome: IngestOutcome) -> None:
        self.document_changed.emit(outcome.document_id)
        if self.open_after_ingest:
            self.open_review(outcome.document_id)

    def open_review(self, document_id: int) -> DocumentReviewDialog:
        dialog = DocumentReviewDialog(self._session, self._runner, document_id, self)
        dialog.changed.connect(self.document_changed)
        dialog.changed.connect(lambda _id: self.refresh())
        dialog.setModal(False)
        dialog.show()
        self.last_review = dialog
        return dialog

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_paths(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_paths(event)
        if paths:
            event.acceptProposedAction()
            self.ingest(paths)
