"""The selected lot: attributes, stock by location, movement history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.views.style import colour, colour_name, status_colour, status_label
from app.workflows.lot_view import LotView


def _text(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, Decimal):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.setAlternatingRowColors(True)
    return table


def _fill(table: QTableWidget, rows: list[list[object]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(_text(value)))


#: The status label a lot in this status gets (app/db/sql/labels.sql prints the same words).
STATUS_LABELS = {"quarantine": "QUARANTINE", "hold": "ON HOLD", "rejected": "REJECTED"}


class LotDetailPanel(QWidget):
    files_dropped = Signal(object, str)  # list of paths, lot code
    document_opened = Signal(int)

    def __init__(self, decision_bar: QWidget | None = None) -> None:
        super().__init__()
        self.setAcceptDrops(True)
        self.lot_code: str | None = None
        self.title = QLabel("Select a lot")
        self.title.setObjectName("lotTitle")
        self.title.setStyleSheet("font-size: 15pt; font-weight: 600;")
        self.status = QLabel("")
        self.status.setObjectName("lotStatus")
        self.message = QLabel("Select a lot in the list to see its detail.")
        self.message.setWordWrap(True)

        attributes = QWidget()
        self.form = QFormLayout(attributes)
        self.fields: dict[str, QLabel] = {}
        for key, label in (
            ("item", "Item"), ("supplier", "Supplier"), ("supplier_lot_code", "Supplier lot"),
            ("origin", "Origin"), ("manufacture_date", "Manufactured"),
            ("expiry_date", "Expires"), ("on_hand", "On hand"), ("site", "Created at site"),
            ("receipt", "Receipt"), ("po", "Purchase order"),
            ("required_documents", "Required documents"), ("hazardous", "Hazardous"),
        ):
            value = QLabel("—")
            value.setWordWrap(True)
            value.setObjectName(f"field_{key}")
            self.fields[key] = value
            self.form.addRow(label, value)

        self.history = QTreeWidget()
        self.history.setObjectName("lotHistory")
        self.history.setHeaderLabels(["When (UTC)", "Decision", "By", "State", "Reason"])
        self.history.setAlternatingRowColors(True)
        self.history.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.documents = _table(["#", "File", "Kind", "Status", "Linked by"])
        self.documents.setObjectName("lotDocuments")
        self._document_ids: list[int] = []
        self.documents.cellDoubleClicked.connect(
            lambda row, _c: self.document_opened.emit(self._document_ids[row]))
        self.stock = _table(["Site", "Location", "Kind", "Quantity"])
        self.movements = _table(["When", "Movement", "Quantity", "From", "To", "Reference"])
        self.tabs = QTabWidget()
        self.tabs.addTab(attributes, "Attributes")
        self.tabs.addTab(self.history, "History")
        self.tabs.addTab(self.documents, "Documents")
        self.tabs.addTab(self.stock, "Stock")
        self.tabs.addTab(self.movements, "Movements")

        self.pages = QStackedWidget()
        self.pages.addWidget(self.message)
        self.pages.addWidget(self.tabs)

        self.blockers = QLabel("")
        self.blockers.setObjectName("lotBlockers")
        self.blockers.setWordWrap(True)
        self.trace_button = QPushButton("Trace…")
        self.trace_button.setObjectName("traceButton")
        self.trace_button.setEnabled(False)
        self.certificate_button = QPushButton("Release certificate…")
        self.certificate_button.setObjectName("certificateButton")
        self.certificate_button.setEnabled(False)
        self.dossier_button = QPushButton("Dossier…")
        self.dossier_button.setObjectName("dossierButton")
        self.dossier_button.setToolTip("The lot's dossier as a PDF: attributes, documents, "
                                       "results against the spec, signatures, audit trail")
        self.dossier_button.setEnabled(False)
        self.shipments_button = QPushButton("Shipments…")
        self.shipments_button.setObjectName("lotShipmentsButton")
        self.shipments_button.setToolTip("The shipments of this lot, with the customer "
                                         "certificates each line needs")
        self.shipments_button.setEnabled(False)
        self.labels_button = QPushButton("Labels…")
        self.labels_button.setObjectName("labelsButton")
        self.labels_button.setToolTip("GS1 lot label, pallet (SSCC) labels, status label; the "
                                      "labels printed before")
        self.labels_button.setEnabled(False)
        # offered on the lot while its stock must not move: the label for the warehouse
        self.status_label_button = QPushButton("")
        self.status_label_button.setObjectName("statusLabelButton")
        self.status_label_button.setVisible(False)
        self.may_print_labels = False  # the browser says, from the person's capabilities
        self.bundle_button = QPushButton("Evidence bundle…")
        self.bundle_button.setObjectName("bundleButton")
        self.bundle_button.setToolTip("A ZIP with the dossier, the original documents, the audit "
                                      "trail as CSV and a SHA-256 manifest of every file")
        self.bundle_button.setEnabled(False)
        heading = QHBoxLayout()
        heading.addWidget(self.status)
        heading.addStretch(1)
        heading.addWidget(self.trace_button)
        heading.addWidget(self.certificate_button)
        heading.addWidget(self.shipments_button)
        heading.addWidget(self.labels_button)
        heading.addWidget(self.dossier_button)
        heading.addWidget(self.bundle_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(heading)
        if decision_bar is not None:
            layout.addWidget(decision_bar)
        notes = QHBoxLayout()
        notes.addWidget(self.blockers, 1)
        notes.addWidget(self.status_label_button)
        layout.addLayout(notes)
        layout.addWidget(self.pages, 1)

    def show_loading(self, lot_code: str) -> None:
        self.title.setText(lot_code)
        self.status.setText("Loading…")

    def show_error(self, message: str) -> None:
        self.status.setText("")
        self.message.setText(message)
        self.pages.setCurrentWidget(self.message)

    def show_detail(self, view: LotView) -> None:
        detail = view.detail
        a = detail.lot
        self.lot_code = a.lot_code
        self.title.setText(a.lot_code)
        shown = status_colour(a.status).name()
        since = ""
        if view.state.updated_at is not None:
            since = (f" — since {view.state.updated_at:%Y-%m-%d %H:%M} by "
                     f"{view.state.updated_by}")
        hold = " (recall hold)" if view.state.hold_kind == "recall" else ""
        self.status.setText(
            f'<span style="color:{shown}; font-weight:600">{status_label(a.status)}{hold}'
            f'</span><span style="color:{colour_name("message.muted")}">{since}</span>'
        )
        if view.pending is not None:
            self.blockers.setText(f"Waiting: {view.pending.title} needs a second signature "
                                  f"(decision #{view.pending.id}).")
        elif view.blockers:
            self.blockers.setText("Release blocked: " + "; ".join(view.blockers))
        else:
            self.blockers.setText("")
        self.certificate_button.setEnabled(view.has_release)
        self.trace_button.setEnabled(True)
        self.shipments_button.setEnabled(True)
        self.labels_button.setEnabled(True)
        status_word = STATUS_LABELS.get(a.status)
        self.status_label_button.setVisible(status_word is not None and self.may_print_labels)
        if status_word:
            self.status_label_button.setText(f"Print {status_word} label…")
            self.status_label_button.setToolTip(
                f"A {status_word} label for the lot's stock, with the reason, so nobody moves it")
        self.dossier_button.setEnabled(True)
        self.bundle_button.setEnabled(True)
        self._fill_history(view)
        supplier = f"{a.supplier_name} ({a.supplier_status})" if a.supplier_name else "In-house"
        values = {
            "item": f"{a.item_sku} — {a.item_name}",
            "supplier": supplier,
            "supplier_lot_code": a.supplier_lot_code,
            "origin": a.origin.replace("_", " "),
            "manufacture_date": a.manufacture_date,
            "expiry_date": a.expiry_date,
            "on_hand": f"{_text(a.on_hand)} {a.uom}",
            "site": a.site_code,
            "receipt": f"{a.receipt_number} on {_text(a.received_at)}" if a.receipt_number else None,
            "po": a.po_number,
            "required_documents": a.required_documents,
            "hazardous": "Yes" if a.hazardous else "No",
        }
        for key, value in values.items():
            self.fields[key].setText(_text(value))
        _fill(self.stock, [[s.site_code, s.location_code, s.location_kind, s.qty]
                           for s in detail.stock])
        _fill(self.movements, [[m.moved_at, m.kind.replace("_", " "), m.qty, m.from_location,
                                m.to_location, m.reference] for m in detail.movements])
        self.tabs.setTabText(1, f"History ({len(view.history)})")
        self.tabs.setTabText(2, f"Documents ({len(view.documents)})")
        self.tabs.setTabText(3, f"Stock ({len(detail.stock)})")
        self.tabs.setTabText(4, f"Movements ({len(detail.movements)})")
        self._document_ids = [d.id for d in view.documents]
        _fill(self.documents, [[d.id, d.file_name, d.kind.upper(),
                                d.status + (" (superseded)" if d.superseded else ""),
                                "lot" if a.lot_code in d.lots else "item/supplier"]
                               for d in view.documents])
        self.pages.setCurrentWidget(self.tabs)

    def _fill_history(self, view: LotView) -> None:
        self.history.clear()
        for h in reversed(view.history):
            item = QTreeWidgetItem([
                h.created_at.strftime("%Y-%m-%d %H:%M"),
                f"{h.title}: {status_label(h.from_status)} → {status_label(h.to_status)}",
                h.created_by_name or h.created_by,
                h.state,
                h.reason or "",
            ])
            if h.override_justification:
                QTreeWidgetItem(item, ["", f"Override: {h.override_justification}", "", "",
                                       "; ".join(h.blockers)])
            for s in h.signatures:
                line = QTreeWidgetItem(item, ["", f"✍ {s.manifestation()}", "", "", ""])
                line.setFirstColumnSpanned(False)
                if not s.valid:
                    line.setForeground(1, colour("message.error"))
            self.history.addTopLevelItem(item)
            item.setExpanded(True)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.lot_code and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths and self.lot_code:
            event.acceptProposedAction()
            self.files_dropped.emit(paths, self.lot_code)
