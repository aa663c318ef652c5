"""The Inspections tab: lots waiting for receiving inspection (oldest first) and the form.

A scanned GS1 label (or a typed lot code) opens the lot's inspection; Enter on a waiting lot
does the same. Completing is signed; a failure holds the lot and opens an NCR in the database,
and the form says so."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.documents.gs1 import GS1Error, parse_gs1
from app.views.analytics.table import Column, RowsModel, selected_row, sortable_view
from app.views.inspection.form import InspectionGrid
from app.views.messages import describe
from app.views.signing_dialog import RecordedWhileOffline, SigningDialog
from app.views.style import apply_message_role
from app.views.tasks import TaskRunner
from app.workflows import inspections
from app.workflows.inspections import AwaitingInspection, Entry, OpenInspection
from app.workflows.session import UserSession


def lot_from_scan(raw: str) -> str:
    """The lot code of a scanned GS1 element string (AI 10), or the text as typed."""
    text = raw.strip()
    looks_gs1 = (text.startswith(("(", "]C1", "]d2")) or "\x1d" in text
                 or (text[:2].isdigit() and len(text) > 16 and text[:16].isdigit()))
    if looks_gs1:
        try:
            found = parse_gs1(text).lot
        except GS1Error:
            return text
        return found or text
    return text


class InspectionPanel(QWidget):
    count_changed = Signal(int)
    completed = Signal(str, str)  # lot code, 'passed' | 'failed' | 'skipped'

    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__()
        self._session = session
        self._runner = runner
        self.current: OpenInspection | None = None

        self.model = RowsModel([
            Column("Lot", lambda r: r.lot_code),
            Column("Item", lambda r: r.item),
            Column("Supplier", lambda r: r.supplier or "—"),
            Column("Received", lambda r: r.received_at, text=lambda r: f"{r.received_at:%Y-%m-%d}"),
            Column("State", lambda r: "started" if r.inspection_id else "to inspect"),
        ], self)
        self.waiting, _proxy = sortable_view(self.model, "inspectionsWaiting")
        # Enter or a double-click on a waiting lot opens it
        self.waiting.activated.connect(lambda _i: self._open_selected())
        self.waiting.doubleClicked.connect(lambda _i: self._open_selected())

        self.scan = QLineEdit()
        self.scan.setObjectName("inspectionScan")
        self.scan.setPlaceholderText("Scan the lot label or type the lot code, then Enter")
        self.scan.returnPressed.connect(lambda: self.open_lot(lot_from_scan(self.scan.text())))
        self.heading = QLabel("Scan a lot or pick one from the list.")
        self.heading.setObjectName("inspectionHeading")
        self.heading.setWordWrap(True)
        self.grid = InspectionGrid()
        self.grid.changed.connect(self._update_buttons)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid)
        self.attach_button = QPushButton("Attach photo or file…")
        self.attach_button.setObjectName("inspectionAttach")
        self.attach_button.clicked.connect(self._attach)
        self.attachments = QLabel("")
        self.complete_button = QPushButton("Complete and sign… (Ctrl+Enter)")
        self.complete_button.setObjectName("inspectionComplete")
        self.complete_button.clicked.connect(self.complete)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.complete,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.message = QLabel("")
        self.message.setObjectName("inspectionMessage")
        self.message.setWordWrap(True)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("Waiting for receiving inspection"))
        left_layout.addWidget(self.waiting)
        right = QWidget()
        form = QVBoxLayout(right)
        form.setContentsMargins(0, 0, 0, 0)
        form.addWidget(self.scan)
        form.addWidget(self.heading)
        form.addWidget(scroll, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.attach_button)
        buttons.addWidget(self.attachments, 1)
        buttons.addWidget(self.complete_button)
        form.addLayout(buttons)
        form.addWidget(self.message)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 2)
        split.setSizes([420, 940])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self._update_buttons()
        self.refresh()

    # ------------------------------------------------------------ the list
    def refresh(self) -> None:
        self._runner.submit(inspections.awaiting, self._session, on_result=self._listed,
                            on_error=self._say_error, key=("inspections", id(self)))

    def _listed(self, rows: list[AwaitingInspection]) -> None:
        self.model.set_rows(rows)
        self.waiting.resizeColumnsToContents()
        self.count_changed.emit(len(rows))

    def _open_selected(self) -> None:
        row = selected_row(self.waiting, self.model)
        if row is not None:
            self.open_lot(row.lot_code)

    # ------------------------------------------------------------ one inspection
    def open_lot(self, lot_code: str) -> None:
        if not lot_code:
            self._say("error", "Scan a lot label or type a lot code.")
            return
        self._say("muted", f"Opening the inspection of {lot_code}…")
        self._runner.submit(inspections.start, self._session, lot_code, on_result=self._opened,
                            on_error=self._say_error)

    def _opened(self, opened: OpenInspection) -> None:
        self.scan.clear()
        if opened.skipped:
            self.current = None
            self.grid.show_inspection(OpenInspection(opened.id, opened.lot_code, 0, 0, 1, []))
            self.heading.setText(f"<b>{opened.lot_code}</b> — {opened.item}")
            self._say("ok", f"Lot {opened.lot_code} is not inspected this time: the skip-lot rule "
                            "of its plan applies (recorded as skipped inspection "
                            f"{opened.id}). Release it as usual.")
            self.completed.emit(opened.lot_code, "skipped")
            self.refresh()
            self._update_buttons()
            return
        self.current = opened
        sample = ("every unit" if opened.sample_size == 0 else
                  f"sample {opened.sample_size}, accept ≤ {opened.accept}, reject ≥ {opened.reject}")
        self.heading.setText(
            f"<b>{opened.lot_code}</b> — {opened.item} from {opened.supplier or 'no supplier'}"
            f"<br>Inspection {opened.id}: {sample} ({opened.severity} inspection)")
        self.grid.show_inspection(opened)
        self.attachments.setText(", ".join(opened.attachments))
        self._say("muted", "P = pass, F = fail, Tab to the next; Ctrl+Enter completes.")
        first = self.grid.first_input()
        if first is not None:
            first.setFocus()
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.current is not None
        self.attach_button.setEnabled(has)
        self.complete_button.setEnabled(has)

    def entries(self) -> list[Entry]:
        out: list[Entry] = []
        for row in self.grid.rows:
            entered = row.result()
            if entered is None:
                continue
            value, passed = entered
            out.append(Entry(row.characteristic.id, value, passed, row.note.text().strip() or None))
        return out

    def complete(self) -> None:
        opened = self.current
        if opened is None:
            return
        missing = self.grid.missing()
        if missing:
            self._say("error", "Enter a result for " + ", ".join(missing) + " first.")
            return
        notes = self.grid.needing_notes()
        if notes:
            self._say("error", "Say what was found for " + ", ".join(notes) + " (the note).")
            return
        self._say("muted", "Recording the results…")
        self._runner.submit(inspections.record_many, self._session, opened.id, self.entries(),
                            on_result=lambda _r: self._ask_signature(opened),
                            on_error=self._say_error)

    def _ask_signature(self, opened: OpenInspection) -> None:
        defects = self.grid.defects.value()
        failures = self.grid.failures()
        verdict = ("fails: " + ", ".join(failures) if failures else
                   "fails: nonconforming units reach the rejection number"
                   if defects >= opened.reject else "passes")
        lines = [("Lot", f"{opened.lot_code} — {opened.item}"),
                 ("Inspection", f"{opened.id}: {len(self.entries())} results, "
                                f"{defects} nonconforming of {opened.sample_size}"),
                 ("Outcome", verdict + (" — the lot is held and an NCR opened" if failures
                                        or defects >= opened.reject else ""))]
        dialog = SigningDialog(
            self._session, self._runner, title=f"inspection of {opened.lot_code}",
            meaning="Inspected", record_lines=lines, parent=self,
            perform=lambda c: inspections.complete(self._session, c, opened.id, defects))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            self._say("muted", "Not signed: the results are recorded; the inspection stays open.")
            return
        status = dialog.result_value
        if isinstance(status, RecordedWhileOffline):
            status = "recorded"
        self._runner.submit(inspections.ncr_of, self._session, opened.id,
                            on_result=lambda ncr: self._done(opened, str(status), ncr),
                            on_error=self._say_error)

    def _done(self, opened: OpenInspection, status: str, ncr: int | None) -> None:
        self.current = None
        self._update_buttons()
        if status == "failed":
            self._say("error", f"Inspection {opened.id} failed: lot {opened.lot_code} is on hold"
                               + (f" and NCR-{ncr:05d} is open." if ncr else "."))
        else:
            self._say("ok", f"Inspection {opened.id} {status}: lot {opened.lot_code} may be "
                            "released once its other checks are met.")
        self.completed.emit(opened.lot_code, status)
        self.refresh()
        self.scan.setFocus()

    def _attach(self) -> None:
        opened = self.current
        if opened is None:
            return
        name, _ = QFileDialog.getOpenFileName(self, "Attach a photo or file", "",
                                              "Photos and documents (*.jpg *.jpeg *.png *.pdf);;All files (*)")
        if name:
            self.attach_file(Path(name))

    def attach_file(self, path: Path) -> None:
        opened = self.current
        if opened is None:
            return
        try:
            content = path.read_bytes()
        except OSError as exc:
            self._say("error", f"{path.name} cannot be read: {exc.strerror or exc}")
            return

        def attached(_id: int) -> None:
            shown = self.attachments.text()
            self.attachments.setText(f"{shown}, {path.name}" if shown else path.name)
            self._say("ok", f"{path.name} attached to inspection {opened.id}.")

        self._runner.submit(inspections.attach, self._session, opened.id, path.name, content,
                            on_result=attached, on_error=self._say_error)

    # ------------------------------------------------------------ messages
    def _say(self, role: str, text: str) -> None:
        self.message.setText(text)
        apply_message_role(self.message, role)

    def _say_error(self, exc: BaseException) -> None:
        self._say("error", describe(exc))
