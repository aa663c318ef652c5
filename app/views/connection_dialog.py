"""First run: which database this workstation works on — the embedded one (the default) or a
shared PostgreSQL server, with a button that tests the connection off the UI thread."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.db.settings import data_dir
from app.views.style import apply_message_role
from app.views.tasks import TaskRunner
from app.workflows import connection
from app.workflows.connection import EMBEDDED, Connection, Probe


class ConnectionDialog(QDialog):
    def __init__(self, runner: TaskRunner, current: Connection | None = None, *,
                 keyring: bool | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Lotproof — choose the database")
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 72)
        self._runner = runner
        self.chosen: Connection | None = None
        self.password_entered: str | None = None
        self.remember_password = False
        self._keyring = connection.keyring_available() if keyring is None else keyring

        self.embedded = QRadioButton("The embedded database on this workstation")
        self.embedded.setObjectName("useEmbedded")
        self.shared = QRadioButton("A shared PostgreSQL server")
        self.shared.setObjectName("useServer")
        group = QButtonGroup(self)
        group.addButton(self.embedded)
        group.addButton(self.shared)
        embedded_note = QLabel(f"For a single workstation or a demonstration. The data is kept "
                               f"in {data_dir()}; the demo data is loaded on first start.")
        embedded_note.setWordWrap(True)
        apply_message_role(embedded_note, "muted")

        self.url = QLineEdit()
        self.url.setObjectName("serverUrl")
        self.url.setPlaceholderText("postgresql://db.example.com:5432/lotproof")
        self.username = QLineEdit()
        self.username.setObjectName("serverUser")
        self.username.setPlaceholderText("optional")
        self.password = QLineEdit()
        self.password.setObjectName("serverPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = QCheckBox("Remember the password in the system keyring")
        self.remember.setObjectName("rememberPassword")
        self.remember.setEnabled(self._keyring)
        self.remember.setChecked(self._keyring)
        if not self._keyring:
            self.remember.setToolTip("No system keyring is available: the password is not kept "
                                     "and is asked for at each start.")
        form = QFormLayout()
        form.addRow("Server URL", self.url)
        form.addRow("Connect as", self.username)
        form.addRow("Password", self.password)
        form.addRow("", self.remember)
        server_note = QLabel(
            "Each person logs in with their own account. The account above is the workstation's "
            "own (for example the schema owner, so that it can create or upgrade the schema); "
            "leave it empty to check nothing before people log in.")
        server_note.setWordWrap(True)
        apply_message_role(server_note, "muted")
        self.test_button = QPushButton("Test connection")
        self.test_button.setObjectName("testConnection")
        self.test_button.clicked.connect(self.test)
        self.outcome = QLabel("")
        self.outcome.setObjectName("connectionResult")
        self.outcome.setWordWrap(True)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)
        self.server_box = QGroupBox()
        box_layout = QVBoxLayout(self.server_box)
        box_layout.addLayout(form)
        box_layout.addWidget(server_note)
        box_layout.addLayout(test_row)
        box_layout.addWidget(self.outcome)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Continue")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Where is Lotproof's database?</b>"))
        layout.addWidget(self.embedded)
        layout.addWidget(embedded_note)
        layout.addWidget(self.shared)
        layout.addWidget(self.server_box)
        layout.addWidget(self.buttons)

        if current is not None and current.kind == "server" and current.url:
            self.shared.setChecked(True)
            self.url.setText(current.url)
        else:
            self.embedded.setChecked(True)
        self.shared.toggled.connect(self._kind_changed)
        self._kind_changed()

    def _kind_changed(self) -> None:
        self.server_box.setEnabled(self.shared.isChecked())

    def _server(self) -> tuple[Connection, str]:
        url = connection.server_url(self.url.text(), self.username.text(), self.password.text())
        return Connection("server", connection.strip_password(url)), self.password.text()

    def test(self) -> None:
        try:
            url = connection.server_url(self.url.text(), self.username.text(),
                                        self.password.text())
        except ValueError as exc:
            self._show(str(exc), ok=False)
            return
        self.test_button.setEnabled(False)
        self._show("Connecting…", ok=None)
        self._runner.submit(connection.probe, url, on_result=self._tested,
                            on_error=self._failed)

    def _tested(self, probe: Probe) -> None:
        self.test_button.setEnabled(True)
        self._show(probe.describe(), ok=True)

    def _failed(self, error: BaseException) -> None:
        self.test_button.setEnabled(True)
        self._show(str(error), ok=False)

    def _show(self, message: str, *, ok: bool | None) -> None:
        self.outcome.setText(message)
        apply_message_role(self.outcome, "muted" if ok is None else "ok" if ok else "error")
        self.adjustSize()

    def accept(self) -> None:
        if self.embedded.isChecked():
            self.chosen = EMBEDDED
            super().accept()
            return
        try:
            self.chosen, password = self._server()
        except ValueError as exc:
            self._show(str(exc), ok=False)
            return
        self.password_entered = password or None
        self.remember_password = self.remember.isChecked() and self._keyring
        super().accept()
