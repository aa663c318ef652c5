"""The workstation's main window."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow

from app import __version__
from app.views.lot_browser.panel import LotBrowser
from app.views.tasks import TaskRunner
from app.workflows.session import UserSession


class MainWindow(QMainWindow):
    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__()
        self.session = session
        self.runner = runner
        self.setWindowTitle(f"Lotproof {__version__} — {session.person.printed_name}")
        self.resize(1400, 820)

        self.lot_browser = LotBrowser(session, runner)
        self.setCentralWidget(self.lot_browser)

        find = QAction("Find lot", self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(lambda: self.lot_browser.search.setFocus())
        refresh = QAction("Refresh", self)
        refresh.setShortcut(QKeySequence.StandardKey.Refresh)
        refresh.triggered.connect(self.lot_browser.apply_filters)
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        lots_menu = self.menuBar().addMenu("&Lots")
        lots_menu.addActions([find, refresh])
        lots_menu.addSeparator()
        lots_menu.addAction(quit_action)

        person = session.person
        self.user_label = QLabel(f"{person.printed_name} — {person.role_title}")
        self.user_label.setObjectName("statusUser")
        self.database_label = QLabel(f"Database: {session.target.display_name()}")
        self.database_label.setObjectName("statusDatabase")
        self.statusBar().addWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.database_label)
