"""Starting the workstation: database, log-in, main window; and stopping it cleanly."""

from __future__ import annotations

import gc
import os
import sys
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QEventLoop
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

from app.db.server import ServerTarget, open_server
from app.views.login_dialog import LoginDialog
from app.views.main_window import MainWindow
from app.views.tasks import TaskRunner
from app.workflows import setup
from app.workflows.setup import DemoLogin


@dataclass
class Started:
    target: ServerTarget
    demo_logins: list[DemoLogin]


def start_database(demo_if_empty: bool, progress: object = None, cancel: object = None) -> Started:
    target = open_server()
    try:
        report = progress if callable(progress) else None
        setup.prepare(target, demo_if_empty=demo_if_empty,
                      progress=(lambda stage, done, total: report(done, total, stage))
                      if report else None)
        return Started(target, setup.demo_logins(target))
    except BaseException:
        target.stop()
        raise


def run(*, demo_if_empty: bool = True, username: str | None = None,
        password: str | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Lotproof")
    app.setOrganizationName("Lotproof")
    runner = TaskRunner()

    started = _start_with_progress(app, runner, demo_if_empty)
    if started is None:
        return 1
    target = started.target
    try:
        dialog = LoginDialog(target, started.demo_logins, runner)
        if username and password is not None:
            dialog.username.setText(username)
            dialog.password.setText(password)
            dialog.attempt()
        if dialog.exec() != LoginDialog.DialogCode.Accepted or dialog.session is None:
            return 0
        session = dialog.session
        window = MainWindow(session, runner)
        window.show()
        if os.environ.get("LOTPROOF_SMOKE_TEST"):
            from PySide6.QtCore import QTimer

            QTimer.singleShot(int(os.environ["LOTPROOF_SMOKE_TEST"]), window.close)
        code = app.exec()
        runner.wait()
        session.close()
        return int(code)
    finally:
        _delete_widgets(app)
        target.stop()


def _delete_widgets(app: QApplication) -> None:
    """Delete every window while Qt and Python are both alive: left to the interpreter's final
    garbage collection, PySide6 6.12 can crash on the way out."""
    for widget in app.topLevelWidgets():
        widget.deleteLater()
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


STAGES = {"lots": "Loading demo data…", "indexes": "Indexing demo data…",
          "quality history": "Signing the demo quality history…"}


def _start_with_progress(app: QApplication, runner: TaskRunner,
                         demo_if_empty: bool) -> Started | None:
    """Start the database off the UI thread, with a progress window while it takes time."""
    dialog = QProgressDialog("Starting the database…", "", 0, 0)
    dialog.setWindowTitle("Lotproof")
    dialog.setCancelButton(None)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setMinimumDuration(300)
    loop = QEventLoop()
    outcome: dict[str, object] = {}

    def on_progress(done: int, total: int, stage: str) -> None:
        dialog.setLabelText(STAGES.get(stage, "Preparing the database…"))
        dialog.setMaximum(max(total, 1))
        dialog.setValue(min(done, total))

    def finished(value: object = None, error: BaseException | None = None) -> None:
        outcome["value"], outcome["error"] = value, error
        loop.quit()

    runner.submit(start_database, demo_if_empty, with_progress=True,
                  on_result=lambda v: finished(v), on_error=lambda e: finished(error=e),
                  on_progress=on_progress)
    if "value" not in outcome:
        loop.exec()
    dialog.close()
    error = outcome.get("error")
    if isinstance(error, BaseException):
        QMessageBox.critical(None, "Lotproof cannot start", str(error))
        return None
    value = outcome.get("value")
    assert isinstance(value, Started)
    return value
