"""The electronic signature prompt: shows exactly what is signed and what the signature means,
then re-authenticates (21 CFR 11.50, 11.100, 11.200)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from app.db.errors import DecisionRefused, OutcomeUnknown, StaleState
from app.views.style import apply_message_role
from app.views.tasks import TaskRunner
from app.workflows.session import UserSession
from app.workflows.signing import Credentials, outcome_of

RECHECK_MS = (500, 1000, 2000, 4000, 8000)


class RecordedWhileOffline:
    """The result of a signing whose connection was lost after it committed: the decision is
    recorded; the screen reads it back from the database."""

    state = "recorded"
    blockers: list[str] = []

STATEMENT = ("By signing I confirm that this electronic signature is the legally binding "
             "equivalent of my handwritten signature.")


class SigningDialog(QDialog):
    """Runs `perform(credentials)` off the UI thread when the person signs; `result` holds what
    it returned. Refusals are shown in the dialog, which stays open to try again."""

    def __init__(self, session: UserSession, runner: TaskRunner, *, title: str, meaning: str,
                 record_lines: list[tuple[str, str]],
                 perform: Callable[[Credentials], Any], parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Sign: {title}")
        self.setMinimumWidth(520)
        self._session = session
        self._runner = runner
        self._perform = perform
        self.result_value: Any = None
        self.stale = False  # refused because the record changed: the screen must reload

        what = QFrame()
        what.setFrameShape(QFrame.Shape.StyledPanel)
        what.setObjectName("signedRecord")
        record = QFormLayout(what)
        for label, value in record_lines:
            text = QLabel(value)
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            record.addRow(f"{label}:", text)

        self.meaning = QLabel(f"<b>{meaning}</b>")
        self.meaning.setObjectName("signatureMeaning")
        person = session.person
        self.username = QLineEdit()
        self.username.setObjectName("signUsername")
        self.password = QLineEdit()
        self.password.setObjectName("signPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow("Meaning of this signature:", self.meaning)
        if session.signing.asks_username():
            form.addRow("User name:", self.username)
        else:
            self.username.setText(person.username)
            form.addRow("Signing as:", QLabel(f"{person.printed_name} ({person.role_title})"))
        form.addRow("Password:", self.password)

        statement = QLabel(STATEMENT)
        statement.setWordWrap(True)
        apply_message_role(statement, "muted")
        self.error = QLabel("")
        self.error.setObjectName("signError")
        self.error.setWordWrap(True)
        apply_message_role(self.error, "error")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.sign_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.sign_button.setText("Sign")
        self.buttons.accepted.connect(self.sign)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("You are signing:"))
        layout.addWidget(what)
        layout.addLayout(form)
        layout.addWidget(statement)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        (self.username if not self.username.text() else self.password).setFocus()

    def sign(self) -> None:
        credentials = Credentials(self.username.text().strip(), self.password.text())
        if not credentials.username or not credentials.password:
            self.error.setText("Enter your user name and password to sign.")
            return
        self.error.setText("Signing…")
        self.buttons.setEnabled(False)
        self._runner.submit(self._perform, credentials, on_result=self._signed,
                            on_error=self._refused)

    def _signed(self, value: Any) -> None:
        self.result_value = value
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        if isinstance(exc, OutcomeUnknown):
            self.error.setText(str(exc))
            self._recheck(exc.transaction_id, 0)
            return
        self.stale = self.stale or isinstance(exc, StaleState)
        self.buttons.setEnabled(True)
        self.password.clear()
        self.password.setFocus()
        message = str(exc)
        if isinstance(exc, DecisionRefused) and exc.hint:
            message += f"\n{exc.hint}"
        self.error.setText(message)
        if self._session.signing.locked:
            self.sign_button.setEnabled(False)

    def _recheck(self, transaction_id: str, attempt: int) -> None:
        """Ask the server, with back-off, whether the lost signing committed; say which."""
        def answered(committed: bool | None) -> None:
            if committed is None:
                delay = RECHECK_MS[min(attempt, len(RECHECK_MS) - 1)]
                self.error.setText("The connection was lost while signing. Waiting for the "
                                   "database to find out whether your signature was recorded…")
                QTimer.singleShot(delay, lambda: self._recheck(transaction_id, attempt + 1))
            elif committed:
                self._signed(RecordedWhileOffline())
            else:
                self.buttons.setEnabled(True)
                self.password.clear()
                self.error.setText("The connection was lost before your signature was "
                                   "recorded: nothing was changed. Sign again to record it.")

        self._runner.submit(outcome_of, self._session, transaction_id, on_result=answered,
                            on_error=lambda _exc: answered(None))
