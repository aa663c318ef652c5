"""Relabel and repack under control in the workstation: asking for one from the lot, and the
requests a second person approves (signed) or refuses and the warehouse then carries out."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.views.messages import describe
from app.views.signing_dialog import SigningDialog
from app.views.style import colour_name
from app.views.tasks import TaskRunner
from app.workflows import relabels
from app.workflows.relabels import RelabelRequest
from app.workflows.session import UserSession


class RelabelRequestDialog(QDialog):
    """Ask for a relabel (new lot code) or a repack (new pack item) of part of a lot."""

    def __init__(self, session: UserSession, runner: TaskRunner, lot_code: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Relabel or repack lot {lot_code}")
        self.setObjectName("relabelRequestDialog")
        self._session = session
        self._runner = runner
        self.lot_code = lot_code
        self.made: RelabelRequest | None = None
        self.kind = QComboBox()
        self.kind.addItem("Choose…", None)  # no default for a consequential choice
        self.kind.addItem("Relabel (new lot code, same item)", "relabel")
        self.kind.addItem("Repack (new pack size)", "repack")
        self.new_code = QLineEdit()
        self.new_code.setPlaceholderText("the new lot code (a repack may leave it empty)")
        self.new_sku = QLineEdit()
        self.new_sku.setPlaceholderText("SKU of the new pack (repack only)")
        self.qty = QLineEdit()
        self.qty.setPlaceholderText("quantity of the lot to relabel or repack")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("why (shown to the approver and in the audit trail)")
        form = QFormLayout()
        form.addRow("What", self.kind)
        form.addRow("New lot code", self.new_code)
        form.addRow("New pack item", self.new_sku)
        form.addRow("Quantity", self.qty)
        form.addRow("Reason", self.reason)
        self.message = QLabel("Another person approves it with a signature; only then is it "
                              "done, and the new lot gets its labels.")
        self.message.setWordWrap(True)
        self.message.setObjectName("relabelMessage")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ask_button = QPushButton("Ask for approval")
        self.ask_button.setObjectName("askRelabel")
        self.buttons.addButton(self.ask_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ask_button.clicked.connect(self.ask)
        self.buttons.rejected.connect(self.reject)
        self.kind.currentIndexChanged.connect(
            lambda _i: self.new_sku.setEnabled(self.kind.currentData() == "repack"))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(560, 280)

    def _say(self, role: str, text: str) -> None:
        self.message.setStyleSheet(f"color: {colour_name('message.' + role)}")
        self.message.setText(text)

    def ask(self) -> None:
        kind = self.kind.currentData()
        if kind is None:
            self._say("error", "Choose a relabel or a repack.")
            return
        try:
            qty = Decimal(self.qty.text().strip().replace(",", "."))
        except InvalidOperation:
            self._say("error", f"“{self.qty.text()}” is not a quantity.")
            return
        self.ask_button.setEnabled(False)
        self._runner.submit(
            relabels.request, self._session, self.lot_code, str(kind),
            self.reason.text().strip(), qty, new_lot_code=self.new_code.text().strip() or None,
            new_sku=self.new_sku.text().strip() or None,
            on_result=self._made, on_error=self._refused)

    def _made(self, request: RelabelRequest) -> None:
        self.made = request
        self.accept()

    def _refused(self, error: BaseException) -> None:
        self.ask_button.setEnabled(True)
        self._say("error", describe(error))


class RelabelsPanel(QWidget):
    """Open relabel and repack requests: approve (signed) or refuse another person's, carry out
    an approved one."""

    count_changed = Signal(int)
    lot_made = Signal(str)

    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__()
        self._session = session
        self._runner = runner
        self.rows: list[RelabelRequest] = []
        self.table = QTableWidget(0, 8)
        self.table.setObjectName("relabelRequests")
        self.table.setHorizontalHeaderLabels(["Request", "Lot", "Becomes", "Quantity", "Reason",
                                              "Asked by", "State", "Approved by"])
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.approve_button = QPushButton("Approve (sign)…")
        self.approve_button.setObjectName("approveRelabel")
        self.refuse_button = QPushButton("Refuse…")
        self.refuse_button.setObjectName("refuseRelabel")
        self.carry_button = QPushButton("Carry out and print labels…")
        self.carry_button.setObjectName("carryOutRelabel")
        self.approve_button.clicked.connect(self.approve_selected)
        self.refuse_button.clicked.connect(self.refuse_selected)
        self.carry_button.clicked.connect(self.ask_carry_out)
        self.message = QLabel("")
        self.message.setObjectName("relabelsMessage")
        self.message.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(self.message, 1)
        for button in (self.approve_button, self.refuse_button, self.carry_button):
            button.setEnabled(False)
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self.refresh()

    def _say(self, role: str, text: str) -> None:
        self.message.setStyleSheet(f"color: {colour_name('message.' + role)}")
        self.message.setText(text)

    def refresh(self) -> None:
        self._runner.submit(relabels.requests, self._session, open_only=True,
                            on_result=self._show, on_error=lambda e: self._say("error",
                                                                               describe(e)))

    def _show(self, rows: list[RelabelRequest]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for r, q in enumerate(rows):
            becomes = q.new_lot_code + (f" ({q.new_sku})" if q.kind == "repack" else "")
            values = [q.number, q.lot_code, becomes, f"{q.qty:f} {q.uom}", q.reason,
                      q.requested_by, q.state, q.decided_by or ""]
            for c, v in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(v))
        self.table.resizeColumnsToContents()
        self.count_changed.emit(len(rows))
        self._selection_changed()

    def selected(self) -> RelabelRequest | None:
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()] if rows else None

    def select(self, request_id: int) -> None:
        for r, q in enumerate(self.rows):
            if q.id == request_id:
                self.table.selectRow(r)

    def _selection_changed(self) -> None:
        q = self.selected()
        me = self._session.person
        mine = q is not None and q.requested_by in (me.username, me.printed_name)
        may = me.may("approve_relabel")
        open_ = q is not None and q.state == "requested"
        self.approve_button.setEnabled(open_ and may and not mine)
        self.refuse_button.setEnabled(open_ and may and not mine)
        self.carry_button.setEnabled(q is not None and q.state == "approved")
        self.approve_button.setToolTip(
            "You asked for it: another person approves it" if mine else
            "" if may else "Approvers and compliance officers approve relabels")

    def approve_selected(self) -> None:
        q = self.selected()
        if q is None:
            return
        lines = [("Request", f"{q.number}: {q.kind} of lot {q.lot_code}"),
                 ("Becomes", f"lot {q.new_lot_code}, {q.new_sku}, {q.qty:f} {q.uom}"),
                 ("Reason", q.reason), ("Asked by", q.requested_by)]
        dialog = SigningDialog(self._session, self._runner, title=f"approve {q.number}",
                               meaning="Approved relabel", record_lines=lines,
                               perform=lambda c: relabels.approve(self._session, c, q.id),
                               parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._say("ok", f"{q.number} approved with your signature: it may now be done.")
            self.refresh()

    def refuse_selected(self) -> None:
        q = self.selected()
        if q is None:
            return
        reason, ok = QInputDialog.getText(self, "Refuse", f"Why is {q.number} refused?")
        if not ok:
            return

        def refused(_result: object) -> None:
            self._say("ok", f"{q.number} refused.")
            self.refresh()

        self._runner.submit(relabels.refuse, self._session, q.id, reason, on_result=refused,
                            on_error=lambda e: self._say("error", describe(e)))

    def ask_carry_out(self) -> None:
        q = self.selected()
        if q is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save the new lot's labels",
                                              f"{q.new_lot_code}-labels.pdf", "PDF (*.pdf)")
        if path:
            self.carry_out(q.id, Path(path))

    def carry_out(self, request_id: int, labels_path: Path) -> None:
        self._say("muted", "Carrying out…")

        def done(out: tuple[RelabelRequest, bytes | None, str | None]) -> None:
            request, pdf, problem = out
            if pdf is not None:
                labels_path.write_bytes(pdf)
            self._say("ok" if problem is None else "warning",
                      f"{request.number} done: lot {request.child_lot_code} made"
                      + (f"; its labels are in {labels_path}" if pdf is not None else "")
                      + (f"; no label printed: {problem}" if problem else ""))
            self.refresh()
            if request.child_lot_code:
                self.lot_made.emit(request.child_lot_code)

        self._runner.submit(relabels.carry_out, self._session, request_id, on_result=done,
                            on_error=lambda e: self._say("error", describe(e)))
