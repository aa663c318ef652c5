"""Help > About: version, build, Qt, the database server and its schema revision, folders."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from app import __version__
from app.db import migrate
from app.views.about_dialog import AboutDialog
from app.views.help_menu import install_help_menu
from app.views.tasks import TaskRunner
from app.workflows.session import UserSession


def test_about_shows_versions_and_the_schema(qtbot: QtBot, inspector: UserSession) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    install_help_menu(window, inspector)
    menus = [a.text() for a in window.menuBar().actions()]
    assert "&Help" in menus
    runner = TaskRunner()
    dialog = AboutDialog(inspector, runner, window)
    qtbot.addWidget(dialog)
    values = dialog.values
    qtbot.waitUntil(lambda: values["Database server"].text().startswith("PostgreSQL"),
                    timeout=10_000)
    runner.wait()
    assert values["Version"].text() == __version__
    assert values["Build"].text() == "dev"
    assert values["Qt"].text().startswith("Qt 6.")
    # The inspector's own role cannot read the revision; the workstation's connection can.
    assert values["Database schema"].text() == f"{migrate.head_revision()} (current)"
    assert values["Data folder"].text() and values["Log folder"].text()
