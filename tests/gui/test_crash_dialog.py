"""An exception escaping a Qt slot is logged and shown in a dialog naming the log file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from app.views.crash import CrashReporter


def _raise() -> None:
    raise RuntimeError("the slot broke")


def test_an_error_in_a_slot_shows_the_log_file(qtbot: QtBot, tmp_path: Path) -> None:
    log_file = tmp_path / "lotproof.log"
    seen: list[BaseException] = []
    shown: list[str] = []
    reporter = CrashReporter(log_file, on_crash=seen.append).install()

    def close_dialog() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMessageBox) and widget.objectName() == "crashDialog":
                shown.append(widget.text())
                widget.close()

    try:
        QTimer.singleShot(0, _raise)
        closer = QTimer(interval=50)
        closer.timeout.connect(close_dialog)
        closer.start()
        qtbot.waitUntil(lambda: bool(shown), timeout=5_000)
        closer.stop()
    finally:
        reporter.uninstall()
    assert [str(e) for e in seen] == ["the slot broke"]
    assert str(log_file) in shown[0] and "RuntimeError: the slot broke" in shown[0]
