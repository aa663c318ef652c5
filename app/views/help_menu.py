"""The Help menu (About, keyboard shortcuts, the log folder) and the window-wide shortcuts.

Installed on the main window with one line each:

    install_help_menu(self, session)
    install_shortcuts(self)
"""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox, QTabWidget, QWidget

from app.db.settings import log_dir
from app.views.about_dialog import AboutDialog
from app.views.tasks import TaskRunner
from app.workflows.session import UserSession

NEXT_IN_INBOX = "F8"
PREVIOUS_IN_INBOX = "Shift+F8"

# What the shortcuts dialog lists; the decision buttons and the inbox bind their own. (Key
# sequences are made when shown: a standard key needs the running application.)
SHORTCUTS: list[tuple[str, str | QKeySequence.StandardKey]] = [
    ("Find a lot / scan a label", QKeySequence.StandardKey.Find),
    ("Hold the lot on screen", "Ctrl+Shift+H"),
    ("Release the lot on screen", "Ctrl+Shift+R"),
    ("Reject the lot on screen", "Ctrl+Shift+J"),
    ("Propose a disposition", "Ctrl+Shift+D"),
    ("Next item in the approvals inbox", NEXT_IN_INBOX),
    ("Previous item in the approvals inbox", PREVIOUS_IN_INBOX),
    ("Sign the selected second signature", "Ctrl+Shift+S"),
    ("Go to tab 1…9", "Ctrl+1"),
    ("Refresh", QKeySequence.StandardKey.Refresh),
    ("Lock the session", "Ctrl+L"),
    ("Quit", QKeySequence.StandardKey.Quit),
]


def install_help_menu(window: QMainWindow, session: UserSession) -> None:
    runner = getattr(window, "runner", None)
    if not isinstance(runner, TaskRunner):
        runner = TaskRunner()
        window._help_runner = runner  # type: ignore[attr-defined]  # kept alive with the window
    menu = window.menuBar().addMenu("&Help")
    shortcuts = QAction("&Keyboard shortcuts", window)
    shortcuts.triggered.connect(lambda: show_shortcuts(window))
    logs = QAction("Open the &log folder", window)
    logs.triggered.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_dir()))))
    about = QAction("&About Lotproof", window)
    about.setObjectName("aboutAction")
    about.setMenuRole(QAction.MenuRole.AboutRole)
    about.triggered.connect(lambda: AboutDialog(session, runner, window).exec())
    menu.addActions([shortcuts, logs])
    menu.addSeparator()
    menu.addAction(about)


def show_shortcuts(parent: QWidget) -> None:
    native = QKeySequence.SequenceFormat.NativeText
    rows = "".join(f"<tr><td>{what}</td><td><b>{QKeySequence(keys).toString(native)}</b></td></tr>"
                   for what, keys in SHORTCUTS)
    QMessageBox.information(parent, "Keyboard shortcuts",
                            f"<table cellspacing='6'>{rows}</table>")


def install_shortcuts(window: QMainWindow) -> None:
    """Window-wide shortcuts: next/previous in the approvals inbox (F8 / Shift+F8) and Ctrl+1…9
    for the tabs. Uses the window's `tabs`, `inbox` and `show_lot` when it has them."""
    tabs = getattr(window, "tabs", None)
    inbox = getattr(window, "inbox", None)
    if isinstance(tabs, QTabWidget):
        for index in range(9):
            go = QAction(window)
            go.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            go.triggered.connect(lambda _c=False, i=index: tabs.setCurrentIndex(i)
                                 if i < tabs.count() else None)
            window.addAction(go)
    if inbox is None or not hasattr(inbox, "next_item"):
        return
    for keys, step in ((NEXT_IN_INBOX, 1), (PREVIOUS_IN_INBOX, -1)):
        action = QAction("Next in inbox" if step > 0 else "Previous in inbox", window)
        action.setObjectName("nextInInbox" if step > 0 else "previousInInbox")
        action.setShortcut(QKeySequence(keys))
        action.triggered.connect(lambda _c=False, s=step: _step_inbox(window, s))
        window.addAction(action)


def _step_inbox(window: QMainWindow, step: int) -> None:
    inbox = window.inbox  # type: ignore[attr-defined]
    tabs = window.tabs  # type: ignore[attr-defined]
    code = inbox.next_item(step)
    if code and inbox.opens_lot_on_step() and hasattr(window, "show_lot"):
        window.show_lot(code)
    else:
        tabs.setCurrentWidget(inbox)
