"""Signed decisions in the workstation: an inspector holds, an approver releases, the certificate
shows the signatures; a second signature from the approvals inbox."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from app.db.engine import make_engine
from app.db.server import ServerTarget
from app.views.lot_decisions import DecisionForm
from app.views.main_window import MainWindow
from app.views.signing_dialog import SigningDialog
from app.views.tasks import TaskRunner
from app.workflows import decisions
from app.workflows.session import UserSession, login
from app.workflows.signing import Credentials
from tests.conftest import DEMO_PASSWORDS
from tests.support import pdf_text

TIMEOUT = 15_000


def session_of(db: ServerTarget, username: str) -> UserSession:
    return login(db, username, DEMO_PASSWORDS[username])


def answer_dialogs(qtbot: QtBot, answers: list[Callable[[QWidget], bool]]) -> list[str]:
    """Answer the modal dialogs as they open, in order; each answer returns True when done."""
    pending = list(answers)
    seen: list[str] = []

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if pending and dialog is not None and pending[0](dialog):
            seen.append(type(dialog).__name__)
            pending.pop(0)
        if pending:
            QTimer.singleShot(50, poll)

    QTimer.singleShot(50, poll)
    return seen


def fill_form(reason: str) -> Callable[[QWidget], bool]:
    def answer(dialog: QWidget) -> bool:
        if not isinstance(dialog, DecisionForm):
            return False
        dialog.reason.setPlainText(reason)
        dialog._check()
        return True
    return answer


def sign_with(password: str, username: str | None = None) -> Callable[[QWidget], bool]:
    def answer(dialog: QWidget) -> bool:
        if not isinstance(dialog, SigningDialog) or not dialog.buttons.isEnabled():
            return False
        if username is not None:
            dialog.username.setText(username)
        dialog.password.setText(password)
        dialog.sign_button.click()
        return True
    return answer


def open_window(qtbot: QtBot, session: UserSession, runner: TaskRunner, code: str) -> MainWindow:
    window = MainWindow(session, runner)
    qtbot.addWidget(window)
    window.show()
    window.show_lot(code)
    browser = window.lot_browser
    qtbot.waitUntil(lambda: browser.current_view is not None
                    and browser.current_view.detail.lot.lot_code == code, timeout=TIMEOUT)
    return window


def test_inspector_holds_approver_releases_certificate_shows_signatures(
        qtbot: QtBot, db: ServerTarget, runner: TaskRunner, tmp_path: Path) -> None:
    owner = make_engine(db.admin_url)
    with owner.connect() as conn:
        code = conn.execute(text("SELECT lot_code FROM quality.lots WHERE status = 'available' "
                                 "AND expiry_date > current_date + 60 ORDER BY id LIMIT 1")
                            ).scalar_one()
    owner.dispose()

    inspector = session_of(db, "ivy.inspector")
    window = open_window(qtbot, inspector, runner, code)
    bar = window.lot_browser.decision_bar
    qtbot.waitUntil(lambda: bar.buttons["hold"].isEnabled(), timeout=TIMEOUT)
    assert not bar.buttons["release"].isEnabled()  # an inspector may not release
    seen = answer_dialogs(qtbot, [fill_form("Forklift damage on two drums"),
                                  sign_with(DEMO_PASSWORDS["ivy.inspector"], "ivy.inspector")])
    bar.buttons["hold"].click()
    qtbot.waitUntil(lambda: window.lot_browser.current_view is not None
                    and window.lot_browser.current_view.state.status == "hold", timeout=TIMEOUT)
    assert seen == ["DecisionForm", "SigningDialog"]
    history = window.lot_browser.detail.history
    qtbot.waitUntil(lambda: history.topLevelItemCount() == 1, timeout=TIMEOUT)
    top = history.topLevelItem(0)
    assert top is not None and top.child(0) is not None
    assert "Placed on hold — Ivy Inspector (demo) (Inspector)" in top.child(0).text(1)
    window.close()
    inspector.close()

    approver = session_of(db, "arlo.approver")
    window = open_window(qtbot, approver, runner, code)
    bar = window.lot_browser.decision_bar
    qtbot.waitUntil(lambda: bar.buttons["release"].isEnabled(), timeout=TIMEOUT)
    # A wrong password first: refused in the dialog, which stays open; then the right one.
    shown: list[str] = []

    def retry_after_refusal(dialog: QWidget) -> bool:
        if not (isinstance(dialog, SigningDialog) and "attempts" in dialog.error.text()
                and dialog.buttons.isEnabled()):
            return False
        shown.extend([dialog.error.text(), dialog.meaning.text(), _all_text(dialog)])
        dialog.password.setText(DEMO_PASSWORDS["arlo.approver"])
        dialog.sign_button.click()
        return True

    seen = answer_dialogs(qtbot, [fill_form("Drums inspected, contents intact"),
                                  sign_with("wrong-password", "arlo.approver"),
                                  retry_after_refusal])
    bar.buttons["release"].click()  # returns when the dialogs are done
    qtbot.waitUntil(lambda: window.lot_browser.current_view is not None
                    and window.lot_browser.current_view.state.status == "available",
                    timeout=TIMEOUT)
    assert "Wrong password (1 of 3 attempts" in shown[0]
    assert "Released" in shown[1] and "You are signing" in shown[2] and code in shown[2]
    assert seen == ["DecisionForm", "SigningDialog", "SigningDialog"]
    certificate = tmp_path / "certificate.pdf"
    qtbot.waitUntil(lambda: window.lot_browser.detail.certificate_button.isEnabled(),
                    timeout=TIMEOUT)
    window.save_certificate_to(code, certificate)
    qtbot.waitUntil(certificate.exists, timeout=TIMEOUT)
    window.close()
    approver.close()

    # What the certificate says, from its text layer (not OCR: that tests Tesseract's spacing).
    pages = pdf_text.page_texts(certificate)
    said = pdf_text.words(certificate)
    assert "Lot release certificate" in said
    assert code in said
    assert "Arlo Approver (demo)" in said and "Ivy Inspector (demo)" in said
    assert "Placed on hold" in said and "Released" in said
    assert f"Page 1 of {len(pages)}" in pdf_text.words(certificate, 1)


def _all_text(widget: QWidget) -> str:
    from PySide6.QtWidgets import QLabel

    return " ".join(label.text() for label in widget.findChildren(QLabel))


def test_second_signature_from_the_approvals_inbox(qtbot: QtBot, db: ServerTarget,
                                                   runner: TaskRunner) -> None:
    owner = make_engine(db.admin_url)
    with owner.connect() as conn:
        code = conn.execute(text("SELECT lot_code FROM quality.lots WHERE status = 'quarantine' "
                                 "ORDER BY id LIMIT 1")).scalar_one()
    owner.dispose()
    approver = session_of(db, "arlo.approver")
    creds = Credentials("arlo.approver", DEMO_PASSWORDS["arlo.approver"])
    decisions.reject(approver, creds, code, "Foreign matter found", "quarantine")
    proposal = decisions.propose_disposition(approver, creds, code, "return_to_vendor",
                                             "Supplier accepts the return", "rejected")
    approver.close()

    compliance = session_of(db, "cora.compliance")
    window = MainWindow(compliance, runner)
    qtbot.addWidget(window)
    window.show()
    inbox = window.inbox
    qtbot.waitUntil(lambda: inbox.select_decision(proposal.decision_id), timeout=TIMEOUT)
    assert inbox.approve_button.isEnabled()
    assert window.tabs.tabText(1).startswith("Approvals (")
    answer_dialogs(qtbot, [sign_with(DEMO_PASSWORDS["cora.compliance"], "cora.compliance")])
    inbox.approve_selected()  # returns when the signing dialog is done
    qtbot.waitUntil(lambda: decisions.lot_state(compliance, code).status  # type: ignore[union-attr]
                    == "return_to_vendor", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not inbox.select_decision(proposal.decision_id), timeout=TIMEOUT)
    window.close()
    compliance.close()


def test_auditor_sees_no_decision_buttons(qtbot: QtBot, shared_db: ServerTarget,
                                          runner: TaskRunner) -> None:
    auditor = session_of(shared_db, "aude.auditor")
    owner = make_engine(shared_db.admin_url)
    with owner.connect() as conn:
        code = conn.execute(text("SELECT lot_code FROM quality.lots WHERE status = 'quarantine' "
                                 "LIMIT 1")).scalar_one()
    owner.dispose()
    window = open_window(qtbot, auditor, runner, code)
    for button in window.lot_browser.decision_bar.buttons.values():
        assert not button.isEnabled()
    assert window.audit.table.rowCount() >= 0
    window.close()
    auditor.close()

