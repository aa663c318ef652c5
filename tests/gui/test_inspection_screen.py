"""Receiving inspection through the screen, with real key events: the lot scanned, each
characteristic typed, out-of-limit values marked as they are typed, completed with a signature.
One inspection releases a lot's "needs own testing"; one holds the lot and opens an NCR."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, text

from app.db.server import ServerTarget
from app.views.inspection.panel import InspectionPanel, lot_from_scan
from app.views.nonconformance.board import NonconformanceBoard
from app.views.tasks import TaskRunner
from app.workflows import decisions
from app.workflows.session import UserSession
from tests.conftest import DEMO_PASSWORDS
from tests.gui.test_signed_decisions import answer_dialogs, sign_with
from tests.support.inspections import as_user, planned_lot
from tests.support.pdf_text import words

TIMEOUT = 20_000


@pytest.fixture
def ivy(db: ServerTarget) -> Iterator[UserSession]:
    session = as_user(db, "ivy.inspector")
    yield session
    session.close()


class Keys:
    """Sends key events to the widget with focus, counting what a person would press."""

    def __init__(self, qtbot: QtBot) -> None:
        self.qtbot = qtbot
        self.pressed = 0

    def type(self, text: str) -> None:
        for ch in text:
            self.qtbot.keyClick(QApplication.focusWidget(), ch)
            self.pressed += 1

    def key(self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        self.qtbot.keyClick(QApplication.focusWidget(), key, modifier)
        self.pressed += 1


def _inspect(qtbot: QtBot, panel: InspectionPanel, lot: str, temperature: str) -> Keys:
    """The path of docs/inspection.md: scan, P, Tab, temperature, Tab, P, Tab, Tab (optional
    remark skipped), 0 defects, Ctrl+Enter, then the signature."""
    keys = Keys(qtbot)
    panel.scan.setFocus()
    # a label scanner types the GS1 element string and Enter: one action for the person
    qtbot.keyClicks(panel.scan, f"(01)09501101530003(10){lot}")
    qtbot.keyClick(panel.scan, Qt.Key.Key_Return)
    keys.pressed += 1
    qtbot.waitUntil(lambda: panel.current is not None or not panel.message.text().startswith("Opening"),
                    timeout=TIMEOUT)
    assert panel.current is not None and panel.current.lot_code == lot, panel.message.text()
    rows = {r.characteristic.name: r for r in panel.grid.rows}
    # the new rows are shown on the next turn of the event loop, and take the focus then
    qtbot.waitUntil(lambda: QApplication.focusWidget() is rows["Packaging intact"].input,
                    timeout=TIMEOUT)
    keys.type("P")
    keys.key(Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is rows["Temperature at receipt"].input
    keys.type(temperature)
    keys.key(Qt.Key.Key_Tab)
    keys.type("P")
    keys.key(Qt.Key.Key_Tab)
    keys.key(Qt.Key.Key_Tab)  # past the optional remark
    assert QApplication.focusWidget() is panel.grid.defects
    keys.type("0")
    return keys


def test_an_inspection_on_the_screen_is_the_own_testing_the_release_needs(
        qtbot: QtBot, db: ServerTarget, owner_engine: Engine, ivy: UserSession,
        runner: TaskRunner) -> None:
    lot = planned_lot(db, owner_engine)
    assert any("needs own testing" in b for b in decisions.release_blockers(ivy, lot))
    panel = InspectionPanel(ivy, runner)
    qtbot.addWidget(panel)
    panel.resize(1200, 700)
    panel.show()
    qtbot.waitUntil(lambda: any(r.lot_code == lot for r in panel.model._rows), timeout=TIMEOUT)
    keys = _inspect(qtbot, panel, lot, "5")
    rows = {r.characteristic.name: r for r in panel.grid.rows}
    assert rows["Temperature at receipt"].mark.text() == "✓ within limits"
    answer_dialogs(qtbot, [sign_with(DEMO_PASSWORDS["ivy.inspector"], "ivy.inspector")])
    keys.key(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "passed" in panel.message.text(), timeout=TIMEOUT)
    # scan + 2 checks (P, Tab) + temperature (1 digit, Tab) + skip + defects + Ctrl+Enter
    assert keys.pressed == 1 + 2 + 2 + 2 + 1 + 1 + 1
    blockers = decisions.release_blockers(ivy, lot)
    assert not any("needs own testing" in b or "receiving inspection" in b for b in blockers), blockers
    qtbot.waitUntil(lambda: not any(r.lot_code == lot for r in panel.model._rows), timeout=TIMEOUT)


def test_an_out_of_limit_value_is_marked_as_typed_and_holds_the_lot_with_an_ncr(
        qtbot: QtBot, db: ServerTarget, owner_engine: Engine, ivy: UserSession,
        runner: TaskRunner, tmp_path: Path) -> None:
    lot = planned_lot(db, owner_engine)
    panel = InspectionPanel(ivy, runner)
    qtbot.addWidget(panel)
    panel.show()
    _inspect(qtbot, panel, lot, "14")
    rows = {r.characteristic.name: r for r in panel.grid.rows}
    assert rows["Temperature at receipt"].mark.text() == "out of limits"
    answer_dialogs(qtbot, [sign_with(DEMO_PASSWORDS["ivy.inspector"], "ivy.inspector")])
    qtbot.keyClick(panel.grid.defects, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "failed" in panel.message.text(), timeout=TIMEOUT)
    assert "is on hold and NCR-" in panel.message.text()
    with owner_engine.connect() as conn:
        assert conn.execute(text("SELECT status FROM quality.lots WHERE lot_code = :l"),
                            {"l": lot}).scalar_one() == "hold"
    board = NonconformanceBoard(ivy, runner)
    qtbot.addWidget(board)
    board.show()
    qtbot.waitUntil(lambda: any(lot in r.lots for r in board.model._rows), timeout=TIMEOUT)
    row = next(r for r in board.model._rows if lot in r.lots)
    board.select(row.kind, row.id)
    qtbot.waitUntil(lambda: lot in board.detail.toPlainText(), timeout=TIMEOUT)
    assert "Temperature at receipt 14" in board.detail.toPlainText()
    # the inspector may record the root cause, not close the NCR
    labels = {b.text() for b in board.findChildren(type(panel.complete_button)) if b.isVisible()}
    assert "Record root cause…" in labels and "Close (signed)…" not in labels
    assert "NCR report PDF…" in labels and "CAPA log PDF…" in labels
    report = tmp_path / "ncr.pdf"
    board.ncr_report(report)
    qtbot.waitUntil(lambda: "Saved" in board.message.text(), timeout=TIMEOUT)
    assert f"Nonconformance report {row.number}" in words(report.read_bytes())


def test_a_wrong_scan_is_named_and_the_form_keeps_nothing_half_done(
        qtbot: QtBot, db: ServerTarget, ivy: UserSession, runner: TaskRunner) -> None:
    assert lot_from_scan("(01)09501101530003(10)L26-0000001") == "L26-0000001"
    assert lot_from_scan("L26-0000001") == "L26-0000001"
    panel = InspectionPanel(ivy, runner)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.keyClicks(panel.scan, "NO-SUCH-LOT")
    qtbot.keyClick(panel.scan, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "no lot NO-SUCH-LOT" in panel.message.text(), timeout=TIMEOUT)
    assert panel.current is None and not panel.complete_button.isEnabled()


TEN = [
    {"name": "Seals intact", "kind": "seal"},
    {"name": "Outer cartons undamaged", "kind": "visual"},
    {"name": "Labels match the purchase order", "kind": "label"},
    {"name": "Lot and expiry legible", "kind": "label"},
    {"name": "Temperature at receipt", "kind": "temperature", "max": 8, "unit": "°C"},
    {"name": "Net weight", "kind": "measurement", "min": 24.8, "max": 25.3, "unit": "kg"},
    {"name": "Moisture", "kind": "measurement", "max": 6, "unit": "%"},
    {"name": "Identity (FTIR)", "kind": "identity"},
    {"name": "Colour", "kind": "visual"},
    {"name": "Odour", "kind": "visual"},
]
TYPED = {"Temperature at receipt": "5.5", "Net weight": "25.05", "Moisture": "4.1"}


def test_a_ten_characteristic_inspection_is_typed_without_the_mouse(
        qtbot: QtBot, db: ServerTarget, owner_engine: Engine, ivy: UserSession,
        runner: TaskRunner) -> None:
    """The keystroke count of docs/inspection.md: it fails when a step is added."""
    lot = planned_lot(db, owner_engine, TEN)
    panel = InspectionPanel(ivy, runner)
    qtbot.addWidget(panel)
    panel.show()
    keys = Keys(qtbot)
    panel.scan.setFocus()
    qtbot.keyClicks(panel.scan, lot)  # the scanner's one action
    qtbot.keyClick(panel.scan, Qt.Key.Key_Return)
    keys.pressed += 1
    qtbot.waitUntil(lambda: panel.current is not None, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.grid.first_input(),
                    timeout=TIMEOUT)  # once the new rows are shown
    for row in panel.grid.rows:
        assert QApplication.focusWidget() is row.input, row.characteristic.name
        keys.type(TYPED.get(row.characteristic.name, "P"))
        keys.key(Qt.Key.Key_Tab)
    keys.type("0")
    typing = keys.pressed
    answer_dialogs(qtbot, [sign_with(DEMO_PASSWORDS["ivy.inspector"], "ivy.inspector")])
    keys.key(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "passed" in panel.message.text(), timeout=TIMEOUT)
    # 1 scan + 7 × (P, Tab) + (3 + 5 + 3 characters + 3 Tabs) + 1 defects digit + Ctrl+Enter
    assert (typing, keys.pressed) == (1 + 14 + 14 + 1, 31)
