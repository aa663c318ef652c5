"""Quality events against lots, shipments or locations: temperature excursions (entered, or read
from a data logger's CSV), damage, complaints and deviations. An excursion on stock in hand puts
the lots on hold and raises an exception, in the database, when it is recorded."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.views.analytics.table import Column, RowsModel, sortable_view
from app.views.first_show import when_first_shown
from app.views.tasks import TaskRunner
from app.workflows import compliance
from app.workflows.session import UserSession

KINDS = (("temperature_excursion", "Temperature excursion"), ("damage", "Damage"),
         ("complaint", "Customer complaint"), ("deviation", "Deviation"))


def _decimal(text: str, what: str) -> Decimal | None:
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"{what}: '{text}' is not a number") from exc


class QualityEvents(QWidget):
    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__()
        self._session = session
        self._runner = runner
        self.model = RowsModel([
            Column("When", lambda r: r.occurred_at, text=lambda r: f"{r.occurred_at:%Y-%m-%d %H:%M}"),
            Column("Kind", lambda r: r.kind.replace("_", " ")),
            Column("Concerns", lambda r: r.subject),
            Column("Source", lambda r: r.source.replace("_", " ")),
            Column("By", lambda r: r.recorded_by),
            Column("What happened", lambda r: r.description),
        ], self)
        self.view, _proxy = sortable_view(self.model, "qualityEvents")

        self.kind = QComboBox()
        self.kind.setObjectName("eventKind")
        for key, label in KINDS:
            self.kind.addItem(label, key)
        self.lot = QLineEdit()
        self.lot.setObjectName("eventLot")
        self.lot.setPlaceholderText("lot code")
        self.shipment = QLineEdit()
        self.shipment.setPlaceholderText("shipment number")
        self.location = QComboBox()
        self.location.addItem("—", None)
        self.description = QLineEdit()
        self.description.setObjectName("eventDescription")
        self.measured = QLineEdit()
        self.measured.setPlaceholderText("highest (or lowest) reading, °C")
        self.limit_min = QLineEdit("2")
        self.limit_max = QLineEdit("8")
        limits = QHBoxLayout()
        limits.addWidget(QLabel("min"))
        limits.addWidget(self.limit_min)
        limits.addWidget(QLabel("max"))
        limits.addWidget(self.limit_max)
        limits.addWidget(QLabel("°C"))
        record = QPushButton("Record event")
        record.setObjectName("recordEvent")
        record.clicked.connect(self.record)
        import_csv = QPushButton("Import data-logger CSV…")
        import_csv.clicked.connect(self.choose_logger_file)
        buttons = QHBoxLayout()
        buttons.addWidget(record)
        buttons.addWidget(import_csv)
        buttons.addStretch(1)

        box = QGroupBox("Record a quality event")
        form = QFormLayout(box)
        form.addRow("Kind:", self.kind)
        form.addRow("Lot:", self.lot)
        form.addRow("Shipment:", self.shipment)
        form.addRow("Location:", self.location)
        form.addRow("What happened:", self.description)
        form.addRow("Reading:", self.measured)
        form.addRow("Temperature limits:", limits)
        form.addRow("", buttons)
        box.setVisible(session.person.may("record_quality_event"))
        self.message = QLabel("")
        self.message.setObjectName("eventMessage")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(box)
        layout.addWidget(self.message)
        when_first_shown(self, self._first_load)

    def _first_load(self) -> None:
        self._runner.submit(compliance.locations, self._session, on_result=self._locations)
        self.refresh()

    def _locations(self, rows: list[tuple[int, str]]) -> None:
        for location_id, label in rows:
            self.location.addItem(label, location_id)

    def refresh(self) -> None:
        self._runner.submit(compliance.recent_events, self._session, on_result=self._loaded,
                            on_error=lambda exc: self.message.setText(f"Could not load: {exc}"))

    def _loaded(self, rows: Sequence[Any]) -> None:
        self.model.set_rows(rows)
        self.view.resizeColumnsToContents()

    def _target(self) -> dict[str, Any]:
        return {"lot_code": self.lot.text().strip() or None,
                "shipment": self.shipment.text().strip() or None,
                "location_id": self.location.currentData()}

    def record(self) -> None:
        kind = str(self.kind.currentData())
        try:
            reading = _decimal(self.measured.text(), "Reading")
            low = _decimal(self.limit_min.text(), "Minimum")
            high = _decimal(self.limit_max.text(), "Maximum")
        except ValueError as exc:
            self.message.setText(str(exc))
            return
        description = self.description.text().strip()
        if not description:
            self.message.setText("Describe what happened.")
            return
        readings: dict[str, Any] = {}
        if kind == "temperature_excursion":
            readings = {"measured_min": reading, "measured_max": reading, "limit_min": low,
                        "limit_max": high}
        session, target = self._session, self._target()
        self.message.setText("Recording…")
        self._runner.submit(lambda: compliance.record_event(session, kind, description,
                                                            **target, **readings),
                            on_result=self._recorded, on_error=self._failed)

    def choose_logger_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Data-logger file", "", "CSV (*.csv *.txt)")
        if path:
            self.import_logger_file(Path(path))

    def import_logger_file(self, path: Path) -> None:
        try:
            low = _decimal(self.limit_min.text(), "Minimum")
            high = _decimal(self.limit_max.text(), "Maximum")
            data = path.read_text(encoding="utf-8-sig")
        except (ValueError, OSError) as exc:
            self.message.setText(f"{path.name}: {exc}")
            return
        session, target = self._session, self._target()
        self.message.setText(f"Reading {path.name}…")
        self._runner.submit(lambda: compliance.import_logger_csv(
            session, data, limit_min=low, limit_max=high, logger=path.name, **target),
            on_result=lambda ids: self._imported(path, ids),
            on_error=lambda exc: self._failed(exc, path.name))

    def _recorded(self, event_id: int) -> None:
        self.description.clear()
        self.message.setText(f"Event {event_id} recorded. An excursion on stock in hand puts the "
                             "lots on hold and raises an exception.")
        self.refresh()

    def _imported(self, path: Path, ids: list[int]) -> None:
        self.message.setText(f"{path.name}: {len(ids)} excursion(s) recorded" if ids
                             else f"{path.name}: every reading within the limits")
        self.refresh()

    def _failed(self, exc: BaseException, name: str | None = None) -> None:
        self.message.setText(f"{name}: {exc}" if name else str(exc))
