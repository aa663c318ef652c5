"""Starting the workstation: log, theme, which database, the database, log-in, the schema check,
the main window; and stopping it cleanly."""

from __future__ import annotations

import gc
import logging
import os
import sys
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QGraphicsView,
    QMessageBox,
    QProgressDialog,
    QWidget,
)
from shiboken6 import isValid

from app import __version__, frozen
from app.db.schema_version import SchemaStatus
from app.db.server import ServerTarget, check_server, open_server
from app.logs import setup_file_log
from app.progress import Progress
from app.views import smoke as smoke_test
from app.views.blocking import wait_for
from app.views.connection_dialog import ConnectionDialog
from app.views.crash import CrashReporter
from app.views.login_dialog import LoginDialog
from app.views.main_window import MainWindow
from app.views.schema_check import ensure_schema
from app.views.style import apply_theme
from app.views.tasks import TaskRunner
from app.views.termination import Termination
from app.workflows import connection, setup
from app.workflows.connection import Connection
from app.workflows.setup import DemoLogin

_log = logging.getLogger(__name__)

SMOKE_CLOSE_MS = 1_500


@dataclass
class Started:
    target: ServerTarget
    demo_logins: list[DemoLogin]
    status: SchemaStatus | None = None  # None: nothing could be checked before log-in


def start_database(demo_if_empty: bool, progress: Progress | None = None, *,
                   choice: Connection | None = None, password: str | None = None) -> Started:
    """Open the database the environment or the remembered choice names (the embedded one by
    default) and get it ready: refuse a newer schema, create a missing one, load the demo."""
    if choice is not None and choice.kind == "server":
        target = connection.target_for(choice, password)
        if target.admin_url.password is None:  # people log in with their own accounts
            return Started(target, [])
        check_server(target.admin_url)
    else:
        target = open_server()
    try:
        status = setup.prepare(target, demo_if_empty=demo_if_empty, progress=progress)
        return Started(target, setup.demo_logins(target), status)
    except BaseException:
        target.stop()
        raise


def run(*, demo_if_empty: bool = True, username: str | None = None,
        password: str | None = None, smoke: bool = False, choose_database: bool = False) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Lotproof")
    app.setOrganizationName("Lotproof")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("lotproof")
    log_file = setup_file_log()
    _log.info("Lotproof %s (build %s) starting; log %s", __version__, frozen.build_id(), log_file)
    failures: list[BaseException] = []
    reporter = CrashReporter(log_file, interactive=not smoke, on_crash=failures.append).install()
    watchdog = smoke_test.Watchdog().start() if smoke else None
    termination = Termination(app).install()
    try:
        apply_theme(app)
        code = _run(app, demo_if_empty=demo_if_empty, username=username, password=password,
                    watchdog=watchdog, choose_database=choose_database)
        if termination.requested:
            return termination.exit_code
        if failures:
            _log.error("%d unhandled error(s) during the session", len(failures))
            return code or 1
        return code
    finally:
        termination.uninstall()
        reporter.uninstall()
        if watchdog is not None:
            watchdog.cancel()


def _run(app: QApplication, *, demo_if_empty: bool, username: str | None,
         password: str | None, watchdog: smoke_test.Watchdog | None,
         choose_database: bool) -> int:
    smoke = watchdog is not None
    runner = TaskRunner()
    # A scripted start (--user, the smoke test) never asks: remembered choice or the default.
    choice, connection_password = _connection_choice(
        runner, choose_database and not smoke, ask=not smoke and username is None)
    if choice is None and connection_password == "cancelled":
        return 0
    if watchdog:
        watchdog.at("starting the database")
    started = _start_with_progress(app, runner, demo_if_empty, choice, connection_password,
                                   interactive=not smoke)
    if started is None:
        return 1
    target = started.target
    try:
        if watchdog:
            watchdog.at("logging in")
            username, password = wait_for(runner, smoke_test.login_for, target,
                                          started.demo_logins)
        dialog = LoginDialog(target, started.demo_logins, runner)
        if username:
            dialog.username.setText(username)
        elif choice is not None and choice.username:
            dialog.username.setText(choice.username)
        if username and password is not None:
            dialog.password.setText(password)
            dialog.attempt()
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.session is None:
            return 1 if smoke else 0
        session = dialog.session
        if watchdog:
            watchdog.at("checking the schema")
        if not ensure_schema(runner, target, session, interactive=not smoke):
            session.close()
            return 1
        if watchdog:
            watchdog.at("opening the main window")
        window = MainWindow(session, runner)
        window.show()
        close_after = os.environ.get("LOTPROOF_SMOKE_TEST") or (SMOKE_CLOSE_MS if smoke else None)
        if close_after:
            QTimer.singleShot(int(close_after), window.close)
        code = app.exec()
        runner.wait()
        session.close()
        if watchdog:
            watchdog.at("main window opened and closed" if window.isHidden() else "main window "
                        "did not close")
        return int(code)
    finally:
        _delete_widgets(app)
        target.stop()


def _connection_choice(runner: TaskRunner, choose: bool, *,
                       ask: bool = True) -> tuple[Connection | None, str | None]:
    """The remembered choice, or the first-run dialog's. (None, None): the environment decides
    (LOTPROOF_DATABASE_URL, LOTPROOF_DATA_DIR, tests) or nothing may be asked — the embedded
    database; (None, "cancelled"): the person left."""
    if connection.environment_decides():
        return None, None
    remembered = connection.load()
    if remembered is not None and not choose:
        return remembered, None
    if not ask:
        return None, None
    dialog = ConnectionDialog(runner, remembered)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.chosen is None:
        return None, "cancelled"
    kept = connection.save(dialog.chosen, dialog.password_entered,
                           remember_password=dialog.remember_password)
    _log.info("database connection: %s (password %s)", dialog.chosen.describe(),
              "in the keyring" if kept else "not stored")
    return dialog.chosen, dialog.password_entered


def _delete_widgets(app: QApplication) -> None:
    """Delete every window while Qt and Python are both alive: left to the interpreter's final
    garbage collection, PySide6 6.12 can crash on the way out."""
    for widget in app.topLevelWidgets():
        if not isValid(widget):
            continue
        _clear_scenes(widget)
        widget.deleteLater()
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


def _clear_scenes(widget: QWidget) -> None:
    """Empty every graphics scene (the pyqtgraph charts) from Python first: destroyed by Qt
    with the window, their items call back into Python objects already gone and crash."""
    for view in widget.findChildren(QGraphicsView):
        scene = view.scene()
        if scene is not None:
            scene.clear()


STAGES = {"lots": "Loading demo data…", "indexes": "Indexing demo data…",
          "quality history": "Signing the demo quality history…"}


def _start_with_progress(app: QApplication, runner: TaskRunner, demo_if_empty: bool,
                         choice: Connection | None, password: str | None, *,
                         interactive: bool = True) -> Started | None:
    """Start the database off the UI thread, with a progress window while it takes time."""
    dialog = QProgressDialog("Starting the database…", "", 0, 0)
    dialog.setWindowTitle("Lotproof")
    dialog.setCancelButton(None)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setMinimumDuration(300)

    def on_progress(done: int, total: int, stage: str) -> None:
        dialog.setLabelText(STAGES.get(stage, "Preparing the database…"))
        dialog.setMaximum(max(total, 1))
        dialog.setValue(min(done, total))

    try:
        value = wait_for(runner, start_database, demo_if_empty, with_progress=True,
                         on_progress=on_progress, choice=choice, password=password)
    except Exception as error:
        _log.error("the database did not start: %s", error, exc_info=error)
        if interactive:
            QMessageBox.critical(None, "Lotproof cannot start", str(error))
        else:
            print(f"lotproof: {error}", file=sys.stderr)
        return None
    finally:
        dialog.close()
    assert isinstance(value, Started)
    return value
