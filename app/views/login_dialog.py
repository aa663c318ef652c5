"""Log in as a person (a PostgreSQL login role); the demo database shows its demo logins."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from app.db.errors import DatabaseUnavailable, LoginFailed
from app.db.server import ServerTarget
from app.views.style import apply_message_role
from app.views.tasks import TaskRunner
from app.workflows.session import UserSession, workstation_login
from app.workflows.setup import DemoLogin


class LoginDialog(QDialog):
    def __init__(self, target: ServerTarget, demo_logins: list[DemoLogin],
                 runner: TaskRunner) -> None:
        super().__init__()
        self.setWindowTitle("Lotproof — log in")
        self.setMinimumWidth(460)
        self._target = target
        self._runner = runner
        self.session: UserSession | None = None

        heading = QLabel("<b>Lotproof</b> — quality and compliance workstation")
        where = QLabel(f"Database: {target.display_name()}")
        where.setWordWrap(True)
        where.setObjectName("loginDatabase")
        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow("User name", self.username)
        form.addRow("Password", self.password)

        self.error = QLabel("")
        self.error.setObjectName("loginError")
        apply_message_role(self.error, "error")
        self.error.setWordWrap(True)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Log in")
        self.buttons.accepted.connect(self.attempt)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(where)
        layout.addLayout(form)
        layout.addWidget(self.error)
        if demo_logins:
            layout.addWidget(QLabel("Demo database — pick a demo login:"))
            layout.addWidget(self._demo_table(demo_logins))
        layout.addWidget(self.buttons)
        self.username.setFocus()

    def _demo_table(self, logins: list[DemoLogin]) -> QTableWidget:
        table = QTableWidget(len(logins), 3)
        table.setObjectName("demoLogins")
        table.setHorizontalHeaderLabels(["User name", "Password", "Role"])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for row, demo in enumerate(logins):
            for col, value in enumerate((demo.username, demo.password, demo.role.capitalize())):
                table.setItem(row, col, QTableWidgetItem(value))
        table.resizeColumnsToContents()
        table.horizontalHeader().setStretchLastSection(True)
        table.setFixedHeight(table.verticalHeader().length() + table.horizontalHeader().height() + 4)

        def pick(row: int, _col: int) -> None:
            self.username.setText(logins[row].username)
            self.password.setText(logins[row].password)

        table.cellClicked.connect(pick)
        def pick_and_log_in(row: int, col: int) -> None:
            pick(row, col)
            self.attempt()

        table.cellDoubleClicked.connect(pick_and_log_in)
        return table

    def attempt(self) -> None:
        self.error.setText("Logging in…")
        self.buttons.setEnabled(False)
        self._runner.submit(workstation_login, self._target, self.username.text(), self.password.text(),
                            on_result=self._logged_in, on_error=self._failed)

    def _logged_in(self, session: UserSession) -> None:
        self.session = session
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        if isinstance(exc, LoginFailed | DatabaseUnavailable):
            self.error.setText(str(exc))
        else:
            self.error.setText(f"Login failed: {exc}")
        self.password.selectAll()
        self.password.setFocus(Qt.FocusReason.OtherFocusReason)
