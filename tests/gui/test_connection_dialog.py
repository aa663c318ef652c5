"""The first-run connection dialog: embedded by default; a shared server's URL tested off the UI
thread against the real test server; nothing secret written to disk."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.db.server import ServerTarget, libpq_url
from app.views.connection_dialog import ConnectionDialog
from app.views.tasks import TaskRunner
from app.workflows import connection

TIMEOUT = 15_000


def test_embedded_is_the_default(qtbot: QtBot, runner: TaskRunner) -> None:
    dialog = ConnectionDialog(runner, keyring=False)
    qtbot.addWidget(dialog)
    assert dialog.embedded.isChecked()
    assert not dialog.server_box.isEnabled()
    dialog.accept()
    assert dialog.chosen == connection.EMBEDDED


def test_test_button_reports_the_server_or_a_clear_error(
        qtbot: QtBot, runner: TaskRunner, pg_server: ServerTarget, tmp_path: Path) -> None:
    dialog = ConnectionDialog(runner, keyring=False)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.shared.click()
    assert dialog.server_box.isEnabled()
    assert not dialog.remember.isEnabled()  # no keyring here: the password is not kept

    url = pg_server.admin_url
    dialog.url.setText(libpq_url(url, show_password=False))
    dialog.username.setText(str(url.username))
    dialog.password.setText("wrong-password")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Wrong user name or password" in dialog.outcome.text(),
                    timeout=TIMEOUT)
    assert dialog.test_button.isEnabled()

    dialog.password.setText(str(url.password))
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert not dialog.test_button.isEnabled() or "Connected" in dialog.outcome.text()
    qtbot.waitUntil(lambda: dialog.outcome.text().startswith("Connected to PostgreSQL 1"),
                    timeout=TIMEOUT)
    assert "Lotproof schema:" in dialog.outcome.text()
    assert dialog.outcome.property("messageRole") == "ok"

    dialog.url.setText("postgresql://127.0.0.1:1/lotproof")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Cannot reach the Lotproof database" in dialog.outcome.text(),
                    timeout=TIMEOUT)
    assert dialog.outcome.property("messageRole") == "error"

    dialog.url.setText("")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert "Enter the server's address" in dialog.outcome.text()

    # Continue: the choice is remembered without the password.
    dialog.url.setText(libpq_url(url, show_password=False))
    dialog.accept()
    assert dialog.chosen is not None and dialog.chosen.kind == "server"
    assert dialog.password_entered == url.password and not dialog.remember_password
    kept = connection.save(dialog.chosen, dialog.password_entered,
                           remember_password=dialog.remember_password, folder=tmp_path)
    assert kept is False
    saved = (tmp_path / connection.CONNECTION_FILE).read_text()
    assert str(url.password) not in saved
    assert json.loads(saved)["kind"] == "server"
    assert connection.load(tmp_path) == dialog.chosen
