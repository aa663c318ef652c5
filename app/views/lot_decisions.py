"""The decisions a person may take on the lot on screen: hold, release, reject, dispose.

Which buttons are enabled comes from the status machine the database defines (read once per
session) and the person's role; the database checks again when the decision is made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.views.signing_dialog import RecordedWhileOffline, SigningDialog
from app.views.style import apply_message_role, status_label
from app.views.tasks import TaskRunner
from app.workflows import decisions
from app.workflows.decisions import DISPOSITIONS, Credentials, DecisionResult, Transition
from app.workflows.lot_view import LotView
from app.workflows.session import UserSession

ACTIONS = (("hold", "Hold…"), ("release", "Release…"), ("reject", "Reject…"),
           ("disposition", "Dispose…"))
# Work while the lot is on screen (the buttons' window); listed in Help > Keyboard shortcuts.
SHORTCUTS = {"hold": "Ctrl+Shift+H", "release": "Ctrl+Shift+R", "reject": "Ctrl+Shift+J",
             "disposition": "Ctrl+Shift+D"}


class DecisionForm(QDialog):
    """Reason (and disposition or override justification) before the signature prompt."""

    def __init__(self, title: str, *, needs_reason: bool, blockers: list[str] | None = None,
                 dispositions: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.disposition = QComboBox()
        self.disposition.setObjectName("disposition")
        if dispositions:
            for value in DISPOSITIONS:
                self.disposition.addItem(status_label(value), value)
            form.addRow("Disposition:", self.disposition)
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("decisionReason")
        lines = self.fontMetrics().lineSpacing() * 4  # four lines at any font size and scale
        self.reason.setFixedHeight(lines)
        form.addRow("Reason:" if needs_reason else "Comment (optional):", self.reason)
        self.override = QPlainTextEdit()
        self.override.setObjectName("overrideJustification")
        self.override.setFixedHeight(lines)
        if blockers:
            text = "<b>This lot does not meet its release conditions:</b><ul>" + "".join(
                f"<li>{b}</li>" for b in blockers) + "</ul>Releasing it anyway needs a written " \
                "justification and the second signature of a compliance officer."
            note = QLabel(text)
            note.setWordWrap(True)
            note.setObjectName("releaseBlockers")
            layout.addWidget(note)
            form.addRow("Justification:", self.override)
        layout.addLayout(form)
        self.error = QLabel("")
        apply_message_role(self.error, "error")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Continue to signature")
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._needs_reason = needs_reason
        self._needs_override = bool(blockers)

    def _check(self) -> None:
        if self._needs_reason and not self.reason.toPlainText().strip():
            self.error.setText("A reason is required.")
        elif self._needs_override and not self.override.toPlainText().strip():
            self.error.setText("A justification is required to release despite the blockers.")
        else:
            self.accept()


class LotDecisionBar(QWidget):
    decided = Signal(str)  # lot code
    label_due = Signal(str)  # lot code: held or rejected just now, its stock wants a status label

    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__()
        self._session = session
        self._runner = runner
        self._machine: list[Transition] = []
        self._view: LotView | None = None
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for action, label in ACTIONS:
            button = QPushButton(label)
            button.setObjectName(f"action_{action}")
            button.setEnabled(False)
            button.clicked.connect(lambda _c=False, a=action: self.start(a))
            button.setShortcut(QKeySequence(SHORTCUTS[action]))
            button.setToolTip(f"{label.rstrip('…')} the lot on screen ({SHORTCUTS[action]})")
            self.buttons[action] = button
            row.addWidget(button)
        row.addStretch(1)
        runner.submit(decisions.transitions, session, on_result=self._machine_loaded)

    def _machine_loaded(self, machine: list[Transition]) -> None:
        self._machine = machine
        self._update()

    def show_lot(self, view: LotView | None) -> None:
        self._view = view
        self._update()

    def _update(self) -> None:
        allowed = set()
        if self._view is not None and self._view.pending is None:
            status = self._view.state.status
            allowed = {t.action for t in decisions.actions_for(self._machine, status,
                                                               self._session.person.role)}
        # The bar is for people who make decisions; the status machine enables each move.
        decides = any(self._session.person.may(action) for action in self.buttons)
        for action, button in self.buttons.items():
            button.setEnabled(action in allowed)
            button.setVisible(decides)

    def start(self, action: str) -> None:
        view = self._view
        if view is None:
            return
        lot = view.detail.lot
        status = view.state.status
        transition = next((t for t in decisions.actions_for(
            self._machine, status, self._session.person.role) if t.action == action), None)
        if transition is None:
            return
        blockers = view.blockers if action == "release" else []
        form = DecisionForm(f"{dict(ACTIONS)[action].rstrip('…')} lot {lot.lot_code}",
                            needs_reason=transition.needs_reason, blockers=blockers,
                            dispositions=action == "disposition", parent=self)
        if form.exec() != QDialog.DialogCode.Accepted:
            return
        reason = form.reason.toPlainText().strip()
        override = form.override.toPlainText().strip() or None
        disposition = form.disposition.currentData() if action == "disposition" else None
        perform, meaning, target = self._performer(action, lot.lot_code, status, reason,
                                                   override, disposition)
        lines = [("Lot", f"{lot.lot_code} — {lot.item_sku} {lot.item_name}"),
                 ("Decision", f"{status_label(status)} → {target}")]
        if reason:
            lines.append(("Reason", reason))
        if override:
            lines.append(("Override", override))
            lines.append(("Blockers overridden", "; ".join(blockers)))
        dialog = SigningDialog(self._session, self._runner, title=f"{action} {lot.lot_code}",
                               meaning=meaning, record_lines=lines, perform=perform, parent=self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            if dialog.stale:  # show the fresh state the refusal spoke of
                self.decided.emit(lot.lot_code)
            return
        result: DecisionResult | RecordedWhileOffline = dialog.result_value
        if isinstance(result, RecordedWhileOffline):
            QMessageBox.information(
                self, "Signature recorded",
                f"The connection dropped while you signed, but the database confirms your "
                f"decision on lot {lot.lot_code} was recorded. The lot is read back now.")
        elif result.state == "pending":
            QMessageBox.information(
                self, "Signed — waiting for a second signature",
                f"Your signature is recorded. Lot {lot.lot_code} stays "
                f"{status_label(status).lower()} until "
                + ("a compliance officer" if action == "release" else "another person")
                + " signs the decision in their approvals inbox.")
        self.decided.emit(lot.lot_code)
        if action in ("hold", "reject") and not isinstance(result, RecordedWhileOffline) \
                and result.state == "done":
            self.label_due.emit(lot.lot_code)

    def _performer(self, action: str, code: str, status: str, reason: str,
                   override: str | None,
                   disposition: str | None) -> tuple[Callable[[Credentials], Any], str, str]:
        s = self._session
        if action == "hold":
            return (lambda c: decisions.hold(s, c, code, reason, status)), "Placed on hold", "Hold"
        if action == "release":
            return ((lambda c: decisions.release(s, c, code, reason, status, override)),
                    "Released", "Available" + (" (after a compliance co-signature)"
                                               if override else ""))
        if action == "reject":
            return (lambda c: decisions.reject(s, c, code, reason, status)), "Rejected", "Rejected"
        assert disposition is not None
        return ((lambda c: decisions.propose_disposition(s, c, code, disposition, reason, status)),
                "Disposition proposed",
                f"{status_label(disposition)} (after a second person's signature)")
