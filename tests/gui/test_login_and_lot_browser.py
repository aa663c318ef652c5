"""The workstation as an inspector uses it: log in, find lots, read one — on the real database."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget
from pytestqt.qtbot import QtBot

from app.db.server import ServerTarget
from app.views.login_dialog import LoginDialog
from app.views.lot_browser.model import COLUMNS, PAGE_SIZE
from app.views.main_window import MainWindow
from app.views.tasks import TaskRunner
from app.workflows.session import UserSession
from app.workflows.setup import DemoLogin
from tests.conftest import DEMO_PASSWORDS

TIMEOUT = 10_000


def test_wrong_password_shows_a_clear_error_then_login_works(
        qtbot: QtBot, shared_db: ServerTarget, runner: TaskRunner) -> None:
    demo = [DemoLogin("ivy.inspector", DEMO_PASSWORDS["ivy.inspector"], "inspector")]
    dialog = LoginDialog(shared_db, demo, runner)
    qtbot.addWidget(dialog)
    dialog.username.setText("ivy.inspector")
    dialog.password.setText("wrong-password")
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Wrong user name or password" in dialog.error.text(),
                    timeout=TIMEOUT)
    assert dialog.result() != LoginDialog.DialogCode.Accepted
    assert dialog.buttons.isEnabled()
    # Clicking the demo login fills both fields.
    table = dialog.findChild(QTableWidget, "demoLogins")
    assert table is not None
    dialog.username.clear()
    rect = table.visualItemRect(table.item(0, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert dialog.username.text() == "ivy.inspector"
    assert dialog.password.text() == DEMO_PASSWORDS["ivy.inspector"]
    with qtbot.waitSignal(dialog.accepted, timeout=TIMEOUT):
        dialog.attempt()
    assert dialog.session is not None
    assert dialog.session.person.printed_name == "Ivy Inspector (demo)"
    dialog.session.close()


def test_lot_browser_pages_searches_filters_sorts_and_shows_detail(
        qtbot: QtBot, inspector: UserSession, runner: TaskRunner) -> None:
    window = MainWindow(inspector, runner)
    qtbot.addWidget(window)
    window.show()
    browser = window.lot_browser
    model = browser.model
    assert "Ivy Inspector (demo)" in window.user_label.text()
    assert "Inspector" in window.user_label.text()
    assert "lotproof_test" in window.database_label.text()

    qtbot.waitUntil(lambda: model.rowCount() == PAGE_SIZE, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: browser.count_label.text().endswith(" lots"), timeout=TIMEOUT)
    total = int(browser.count_label.text().split()[0].replace(",", ""))
    assert total > 1_800

    # Scrolling to the end fetches the next page from the server, not all lots.
    browser.table.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() == 2 * PAGE_SIZE, timeout=TIMEOUT)
    assert model.rowCount() < total

    # The first row is selected and its detail shown.
    first_code = model.lot_at(0).lot_code  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: browser.detail.title.text() == first_code, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: browser.detail.pages.currentWidget() is browser.detail.tabs,
                    timeout=TIMEOUT)
    tabs = browser.detail.tabs
    assert any(tabs.tabText(i).startswith("Movements (") for i in range(tabs.count()))

    # Search as you type, by a lot code.
    target_code = model.lot_at(150).lot_code  # type: ignore[union-attr]
    qtbot.keyClicks(browser.search, target_code)
    qtbot.waitUntil(lambda: model.rowCount() == 1 and model.lot_at(0).lot_code == target_code,
                    timeout=TIMEOUT)
    qtbot.waitUntil(lambda: browser.count_label.text() == "1 lots", timeout=TIMEOUT)
    browser.search.clear()

    # Filter by status.
    browser.status_actions["hold"].setChecked(True)
    qtbot.waitUntil(lambda: 0 < model.rowCount() < PAGE_SIZE and all(
        model.lot_at(r).status == "hold" for r in range(model.rowCount())),  # type: ignore[union-attr]
        timeout=TIMEOUT)
    assert "Hold" in browser.status_button.text()
    browser.status_actions["hold"].setChecked(False)

    # Sort by expiry, newest first, by clicking the header twice.
    expires = next(i for i, (key, _label) in enumerate(COLUMNS) if key == "expiry_date")
    header = browser.table.horizontalHeader()
    header.setSortIndicator(expires, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: model.sort_key == ("expiry_date", True) and model.rowCount() > 0,
                    timeout=TIMEOUT)
    dates = [model.lot_at(r).expiry_date for r in range(model.rowCount())]  # type: ignore[union-attr]
    present = [d for d in dates if d is not None]
    assert present == sorted(present, reverse=True)
    window.close()
