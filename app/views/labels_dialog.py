"""Printing a lot's labels: a GS1 lot label, pallet (SSCC) labels or its status label, as a PDF
for the label printer; and the labels printed before, to print again as they were."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.db.queries.labels import LabelRow
from app.views.messages import describe
from app.views.relabels_panel import RelabelRequestDialog
from app.views.style import colour_name
from app.views.tasks import TaskRunner
from app.workflows import labels
from app.workflows.session import UserSession

SIZE_NAMES = {"4x6": "4 × 6 in", "100x150": "100 × 150 mm"}
DATES = (("By item (best before for food, else expiry)", None), ("Expiry (17)", "17"),
         ("Best before (15)", "15"))


class LabelsDialog(QDialog):
    def __init__(self, session: UserSession, runner: TaskRunner, lot_code: str,
                 kind: str = "lot", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._runner = runner
        self.lot_code = lot_code
        self.setWindowTitle(f"Labels for lot {lot_code}")
        self.setObjectName("labelsDialog")
        self.written: Path | None = None

        self.kind = QComboBox()
        self.kind.setObjectName("labelKind")
        for key, name in labels.KINDS.items():
            self.kind.addItem(name, key)
        self.kind.setCurrentIndex(max(0, self.kind.findData(kind)))
        self.size_box = QComboBox()
        self.size_box.setObjectName("labelSize")
        for key, name in SIZE_NAMES.items():
            self.size_box.addItem(name, key)
        self.copies = QSpinBox()
        self.copies.setObjectName("labelCopies")
        self.copies.setRange(1, 500)
        self.units = QSpinBox()
        self.units.setObjectName("labelUnits")
        self.units.setRange(1, 100_000)
        self.units.setToolTip("Units of the item on each pallet (the count, AI 37)")
        self.date = QComboBox()
        self.date.setObjectName("labelDate")
        for name, ai in DATES:
            self.date.addItem(name, ai)
        form = QFormLayout()
        form.addRow("Label", self.kind)
        form.addRow("Size", self.size_box)
        form.addRow("Copies", self.copies)
        form.addRow("Units per pallet", self.units)
        form.addRow("Date on the label", self.date)

        self.message = QLabel("")
        self.message.setObjectName("labelMessage")
        self.message.setWordWrap(True)
        self.printed = QTreeWidget()
        self.printed.setObjectName("printedLabels")
        self.printed.setHeaderLabels(["#", "Label", "Size", "SSCC", "Printed by", "When (UTC)"])
        self.printed.setRootIsDecorated(False)
        self.printed.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self._rows: list[LabelRow] = []

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.print_button = QPushButton("Print to PDF…")
        self.print_button.setObjectName("printLabelButton")
        self.print_button.setDefault(True)
        may = session.person.may("print_label")
        self.print_button.setEnabled(may)
        if not may:
            self.print_button.setToolTip("Your role reads the labels printed; printing one is "
                                         "for inspectors, approvers and compliance")
        self.reprint_button = QPushButton("Print again…")
        self.reprint_button.setObjectName("reprintLabelButton")
        self.reprint_button.setToolTip("The selected label as it was printed")
        self.relabel_button = QPushButton("Relabel or repack…")
        self.relabel_button.setObjectName("relabelButton")
        self.relabel_button.setEnabled(session.person.may("request_relabel"))
        self.relabel_button.setToolTip("Ask for a new lot code or pack size; another person "
                                       "approves it with a signature before it is done")
        self.relabel_button.clicked.connect(self.ask_relabel)
        buttons.addButton(self.relabel_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.reprint_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.print_button.clicked.connect(self.ask_print)
        self.reprint_button.clicked.connect(self.ask_reprint)
        self.kind.currentIndexChanged.connect(self._kind_changed)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(QLabel("Printed before"))
        layout.addWidget(self.printed, 1)
        layout.addWidget(buttons)
        self._kind_changed()
        self.resize(680, 440)
        self.refresh()

    def _kind_changed(self) -> None:
        pallet = self.kind.currentData() == "pallet"
        self.units.setEnabled(pallet)
        self.date.setEnabled(self.kind.currentData() != "status")
        self.copies.setToolTip("Each pallet label is a pallet of its own, with a new SSCC"
                               if pallet else "")

    def _say(self, role: str, text: str) -> None:
        self.message.setStyleSheet(f"color: {colour_name('message.' + role)}")
        self.message.setText(text)

    def refresh(self) -> None:
        self._runner.submit(labels.labels_of_lot, self._session, self.lot_code,
                            on_result=self._show_printed,
                            on_error=lambda e: self._say("error", describe(e)))

    def _show_printed(self, rows: list[LabelRow]) -> None:
        self._rows = rows
        self.printed.clear()
        for r in rows:
            what = labels.KINDS[r.kind].split(" (")[0]
            if r.kind == "status":
                what = f"Status: {r.content.get('status')}"
            QTreeWidgetItem(self.printed, [str(r.id), what, SIZE_NAMES.get(r.size, r.size),
                                           r.sscc or "", r.printed_by,
                                           f"{r.printed_at:%Y-%m-%d %H:%M}"])
        self.reprint_button.setEnabled(bool(rows))

    # ------------------------------------------------------------ printing
    def ask_print(self) -> None:
        kind = str(self.kind.currentData())
        suggested = f"{self.lot_code}-{kind}-label.pdf"
        path, _ = QFileDialog.getSaveFileName(self, "Save the labels", suggested, "PDF (*.pdf)")
        if path:
            self.print_to(Path(path))

    def print_to(self, path: Path) -> None:
        kind = str(self.kind.currentData())
        self.print_button.setEnabled(False)
        self._say("muted", "Printing…")
        self._runner.submit(
            labels.print_labels, self._session, self.lot_code, kind, str(self.size_box.currentData()),
            copies=self.copies.value(), units=self.units.value() if kind == "pallet" else None,
            date_ai=self.date.currentData() if kind != "status" else None,
            on_result=lambda out: self._written(path, out.pdf, len(out.labels)),
            on_error=self._failed)

    def ask_reprint(self) -> None:
        current = self.printed.currentItem()
        index = self.printed.indexOfTopLevelItem(current) if current is not None else 0
        if not self._rows:
            self._say("warning", "No label has been printed for this lot yet.")
            return
        row = self._rows[max(0, index)]
        path, _ = QFileDialog.getSaveFileName(self, "Save the label",
                                              f"{self.lot_code}-label-{row.id}.pdf", "PDF (*.pdf)")
        if path:
            self.reprint_to(Path(path), row.id)

    def reprint_to(self, path: Path, label_id: int) -> None:
        self._runner.submit(labels.reprint, self._session, label_id,
                            on_result=lambda pdf: self._written(path, pdf, 1),
                            on_error=self._failed)

    def ask_relabel(self) -> RelabelRequestDialog:
        dialog = RelabelRequestDialog(self._session, self._runner, self.lot_code, parent=self)
        dialog.accepted.connect(lambda: self._say(
            "ok", f"{dialog.made.number if dialog.made else 'The request'} asked for: another "
                  f"person approves it under Approvals → Relabel / repack."))
        dialog.show()
        return dialog

    def _written(self, path: Path, pdf: bytes, count: int) -> None:
        try:
            path.write_bytes(pdf)
        except OSError as exc:
            self._failed(exc)
            return
        self.written = path
        self.print_button.setEnabled(self._session.person.may("print_label"))
        self._say("ok", f"{count} label(s) saved to {path} — print it on the label printer at "
                        f"actual size.")
        self.refresh()

    def _failed(self, error: BaseException) -> None:
        self.print_button.setEnabled(self._session.person.may("print_label"))
        self._say("error", f"No label printed: {describe(error)}")
