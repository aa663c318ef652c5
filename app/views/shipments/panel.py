"""The Shipments tab: find a shipment (by number, order, customer or a lot shipped), see the
certificate each line needs and what stops it, issue it as a PDF or print an issued one again,
and send the SDS revisions the customer has not had."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.db.queries.shipment_documents import CertificateNeed, SdsDue, ShipmentRow
from app.views.analytics.table import Column, RowsModel, selected_row, sortable_view
from app.views.first_show import when_first_shown
from app.views.messages import describe
from app.views.style import apply_message_role
from app.views.tasks import TaskRunner
from app.workflows import shipment_documents as docs
from app.workflows.session import UserSession

KINDS = {"coa": "certificate of analysis", "coc": "certificate of conformance"}


def _state(n: CertificateNeed) -> str:
    if n.issued_id is not None:
        return f"issued ({n.kind.upper()}-{n.issued_id:06d})"
    return "ready to issue" if not n.blockers else "cannot be issued: " + "; ".join(n.blockers)


class ShipmentsPanel(QWidget):
    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__()
        self._session = session
        self._runner = runner
        self.shipment: ShipmentRow | None = None
        self.last_written: Path | None = None
        self.search = QLineEdit()
        self.search.setObjectName("shipmentSearch")
        self.search.setPlaceholderText("Shipment, order, customer or lot — Enter to search")
        self.search.returnPressed.connect(self.refresh)
        self.shipments = RowsModel([
            Column("Shipment", lambda r: r.number),
            Column("Shipped", lambda r: r.shipped_at,
                   text=lambda r: f"{r.shipped_at:%Y-%m-%d %H:%M}"),
            Column("Customer", lambda r: r.customer),
            Column("Order", lambda r: r.order_number or "—"),
            Column("Lines", lambda r: r.lines, numeric=True),
            Column("Lots", lambda r: ", ".join(r.lots)),
            Column("Certificates asked for", lambda r: ", ".join(KINDS[k] for k in r.certificates)
                   or "none"),
        ], self)
        self.shipment_view, self._proxy = sortable_view(self.shipments, "shipments")
        self.shipment_view.selectionModel().selectionChanged.connect(self._chosen)
        self.lines = RowsModel([
            Column("Line", lambda n: n.position, numeric=True),
            Column("Lot", lambda n: n.lot_code),
            Column("Item", lambda n: n.item),
            Column("Quantity", lambda n: n.qty, numeric=True),
            Column("Certificate", lambda n: KINDS[n.kind] + ("" if n.required else
                                                              " (on request)")),
            Column("State", _state, colour=lambda n: "error" if n.blockers and n.issued_id is None
                   else "ok" if n.issued_id else None, tooltip=_state),
        ], self)
        self.line_view, _ = sortable_view(self.lines, "shipmentLines")
        self.sds = QLabel("")
        self.sds.setObjectName("sdsDue")
        self.sds.setWordWrap(True)
        may_issue = session.person.may("issue_certificate")
        self.issue_button = self._button("Issue certificate PDF…", "issueCertificate",
                                         self.ask_issue, visible=may_issue)
        self.reprint_button = self._button("Reprint certificate PDF…", "reprintCertificate",
                                           self.ask_reprint)
        self.sds_button = self._button("Send SDS…", "sendSds", self.ask_sds, visible=may_issue)
        self.message = QLabel("")
        self.message.setObjectName("shipmentMessage")
        self.message.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(QLabel("Shipments"))
        top.addWidget(self.search, 1)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(QLabel("Lines and the certificates they need"))
        lower_layout.addWidget(self.line_view, 1)
        lower_layout.addWidget(self.sds)
        buttons = QHBoxLayout()
        for b in (self.issue_button, self.reprint_button, self.sds_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lower_layout.addLayout(buttons)
        lower_layout.addWidget(self.message)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.shipment_view)
        split.addWidget(lower)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        self._update_buttons()
        when_first_shown(self, self.refresh)

    def _button(self, label: str, name: str, slot: Callable[[], None], *,
                visible: bool = True) -> QPushButton:
        button = QPushButton(label)
        button.setObjectName(name)
        button.clicked.connect(slot)
        button.setVisible(visible)
        return button

    # ------------------------------------------------------------ finding a shipment
    def show_lot(self, lot_code: str) -> None:
        """The lot's shipments (from the lot screen)."""
        self.search.setText(lot_code)
        self.refresh()

    def refresh(self) -> None:
        self._runner.submit(docs.find_shipments, self._session, self.search.text(),
                            on_result=self._found, on_error=self._failed,
                            key=("shipments", id(self)))

    def _found(self, rows: list[ShipmentRow]) -> None:
        chosen = self.shipment.number if self.shipment else None
        self.shipments.set_rows(rows)
        self.shipment_view.resizeColumnsToContents()
        self._say("muted", f"{len(rows)} shipment(s)" + (" (the newest 200)" if len(rows) == 200
                                                          else ""))
        for row in range(self.shipments.rowCount()):
            r = self.shipments.row_at(row)
            if r is not None and (r.number == chosen or len(rows) == 1):
                self.shipment_view.selectRow(self._proxy.mapFromSource(
                    self.shipments.index(row, 0)).row())
                break

    def _chosen(self) -> None:
        self.shipment = selected_row(self.shipment_view, self.shipments)
        self._load_lines()

    def _load_lines(self) -> None:
        if self.shipment is None:
            self.lines.set_rows([])
            self.sds.setText("")
            self._update_buttons()
            return
        number = self.shipment.number
        self._runner.submit(lambda: (docs.needs(self._session, number),
                                     docs.sds_due(self._session, number)),
                            on_result=self._lines, on_error=self._failed,
                            key=("shipment-lines", id(self)))

    def _lines(self, found: tuple[list[CertificateNeed], list[SdsDue]]) -> None:
        needs, sds = found
        self.lines.set_rows(needs)
        self.line_view.resizeColumnsToContents()
        self.sds.setText("SDS due with this shipment: " + "; ".join(
            f"{d.item} — {d.why}" for d in sds) if sds else "No SDS is due with this shipment.")
        apply_message_role(self.sds, "warning" if sds else "muted")
        self.sds_button.setEnabled(bool(sds) and all(d.document_id for d in sds))
        self._update_buttons()

    def _update_buttons(self) -> None:
        needs = [self.lines.row_at(r) for r in range(self.lines.rowCount())]
        self.issue_button.setEnabled(self.shipment is not None)
        self.reprint_button.setEnabled(any(n is not None and n.issued_id for n in needs))
        if self.shipment is None:
            self.sds_button.setEnabled(False)

    def _line(self) -> CertificateNeed | None:
        found: CertificateNeed | None = selected_row(self.line_view, self.lines)
        return found

    # ------------------------------------------------------------ issuing and printing
    def ask_issue(self) -> None:
        if self.shipment is None:
            return
        line = self._line()
        suggested = f"{self.shipment.number}" + (f"-line{line.position}" if line else "") + ".pdf"
        path, _ = QFileDialog.getSaveFileName(self, "Save the certificate", suggested,
                                              "PDF (*.pdf)")
        if path:
            self.issue(Path(path), line.position if line else None)

    def issue(self, path: Path, line: int | None = None) -> None:
        """Issue the certificate of the selected shipment's line (or every line) into `path`."""
        assert self.shipment is not None
        number = self.shipment.number
        self._say("muted", f"Issuing the certificate for {number}…")
        self._runner.submit(docs.issue, self._session, number, line,
                            on_result=lambda out: self._write(path, out.pdf, ", ".join(
                                c.number for c in out.certificates)),
                            on_error=self._failed)

    def ask_reprint(self) -> None:
        line = self._line() or next((n for n in (self.lines.row_at(r) for r in
                                                 range(self.lines.rowCount()))
                                     if n is not None and n.issued_id), None)
        if line is None or line.issued_id is None:
            self._say("warning", "Select a line whose certificate was issued.")
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the certificate", f"{line.kind.upper()}-{line.issued_id:06d}.pdf",
            "PDF (*.pdf)")
        if path:
            self.reprint(Path(path), line.issued_id)

    def reprint(self, path: Path, certificate_id: int) -> None:
        self._runner.submit(docs.reprint, self._session, certificate_id,
                            on_result=lambda pdf: self._write(path, pdf, "reprint"),
                            on_error=self._failed)

    def ask_sds(self) -> None:
        if self.shipment is None:
            return
        folder = QFileDialog.getExistingDirectory(self, "Folder for the SDS files")
        if folder:
            self.send_sds(Path(folder))

    def send_sds(self, folder: Path) -> None:
        assert self.shipment is not None
        number = self.shipment.number

        def written(files: list[tuple[str, bytes]]) -> None:
            try:
                for name, content in files:
                    (folder / Path(name).name).write_bytes(content)
            except OSError as exc:
                QMessageBox.warning(self, "Not saved", f"{folder}: {exc.strerror or exc}")
                return
            self.last_written = folder
            self._say("ok", f"{len(files)} SDS file(s) written to {folder} and recorded as sent "
                            f"with {number}")
            self._load_lines()

        self._runner.submit(docs.send_sds, self._session, number, on_result=written,
                            on_error=self._failed)

    def _write(self, path: Path, pdf: bytes, what: str) -> None:
        try:
            path.write_bytes(pdf)
        except OSError as exc:
            QMessageBox.warning(self, "Not saved", f"{path} cannot be written: "
                                                   f"{exc.strerror or exc}")
            return
        self.last_written = path
        self._say("ok", f"{what}: saved {path}")
        self._load_lines()

    def _say(self, role: str, text: str) -> None:
        self.message.setText(text)
        apply_message_role(self.message, role)

    def _failed(self, exc: BaseException) -> None:
        self._say("error", describe(exc))
