"""Two workstations on one database: what one does shows on the other within a second, without
anyone touching it; a decision taken on a screen that went stale is refused with who changed the
lot and when; a lost connection shows at once and comes back by itself."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from app.db.engine import make_engine
from app.db.server import ServerTarget
from app.views.main_window import MainWindow
from app.views.signing_dialog import SigningDialog
from app.views.tasks import TaskRunner
from app.workflows import decisions
from app.workflows.session import UserSession
from app.workflows.signing import Credentials
from tests.conftest import DEMO_PASSWORDS
from tests.gui.test_signed_decisions import answer_dialogs, fill_form, session_of, sign_with

TIMEOUT = 15_000


def _held_lot_released_before(db: ServerTarget) -> str:
    owner = make_engine(db.admin_url)
    try:
        with owner.connect() as conn:
            return str(conn.execute(text("""
                SELECT l.lot_code FROM quality.lots l JOIN quality.lot_state s ON s.lot_id = l.id
                WHERE l.status = 'hold' AND s.released_once AND coalesce(s.hold_kind, '') <> 'recall'
                  AND NOT EXISTS (SELECT 1 FROM quality.lot_decisions d
                                  WHERE d.lot_id = l.id AND d.state = 'pending')
                ORDER BY l.id LIMIT 1""")).scalar_one())
    finally:
        owner.dispose()


def _window(qtbot: QtBot, session: UserSession, runner: TaskRunner, code: str) -> MainWindow:
    window = MainWindow(session, runner)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.link_label.text() == "● Live", timeout=TIMEOUT)
    window.lot_browser.search.setText(code)  # the lot is in the list on screen
    window.show_lot(code)
    browser = window.lot_browser
    qtbot.waitUntil(lambda: browser.current_view is not None
                    and browser.current_view.detail.lot.lot_code == code
                    and _shown_status(window, code) == "hold", timeout=TIMEOUT)
    return window


def _shown_status(window: MainWindow, code: str) -> str | None:
    model = window.lot_browser.model
    for r in range(model.rowCount()):
        row = model.lot_at(r)
        if row is not None and row.lot_code == code:
            return str(row.status)
    return None


def test_a_release_shows_on_the_other_workstation_and_a_stale_decision_is_refused(
        qtbot: QtBot, db: ServerTarget, runner: TaskRunner) -> None:
    code = _held_lot_released_before(db)
    approver = session_of(db, "arlo.approver")
    officer = session_of(db, "cora.compliance")
    first = _window(qtbot, approver, runner, code)
    second = _window(qtbot, officer, runner, code)
    bar = second.lot_browser.decision_bar
    qtbot.waitUntil(lambda: bar.buttons["reject"].isEnabled(), timeout=TIMEOUT)
    # Without live updates on the officer's screen, the refusal itself must bring the fresh state.
    second.live.stop()

    seen: list[str] = []

    def approver_releases_meanwhile(dialog: QWidget) -> bool:
        # The officer's reject form is open on the held lot; on the other workstation the
        # approver releases it.
        if not fill_form("Supplier could not explain the deviation")(dialog):
            return False
        decisions.release(approver, Credentials("arlo.approver", DEMO_PASSWORDS["arlo.approver"]),
                          code, "Deviation explained by the supplier", expected_status="hold")
        seen.append(f"released at {time.monotonic()}")
        return True

    def refused(dialog: QWidget) -> bool:
        if not (isinstance(dialog, SigningDialog) and "changed by" in dialog.error.text()
                and dialog.buttons.isEnabled()):
            return False
        seen.append(dialog.error.text())
        dialog.reject()
        return True

    answer_dialogs(qtbot, [approver_releases_meanwhile,
                           sign_with(DEMO_PASSWORDS["cora.compliance"], "cora.compliance"),
                           refused])
    bar.buttons["reject"].click()  # returns when the dialogs are done
    assert len(seen) == 2, seen
    message = seen[1]
    assert f"lot {code} is now available" in message
    assert "changed by Arlo Approver (demo)" in message and "nothing was changed" in message
    assert decisions.lot_state(officer, code).status == "available"  # type: ignore[union-attr]

    # The officer's screen reads the lot again after the refusal.
    qtbot.waitUntil(lambda: _shown_status(second, code) == "available", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: second.lot_browser.current_view is not None
                    and second.lot_browser.current_view.state.status == "available",
                    timeout=TIMEOUT)
    first.close()
    second.close()
    approver.close()
    officer.close()


def test_a_change_made_elsewhere_shows_within_a_second(
        qtbot: QtBot, db: ServerTarget, runner: TaskRunner) -> None:
    code = _held_lot_released_before(db)
    officer = session_of(db, "cora.compliance")
    watching = _window(qtbot, officer, runner, code)
    approver = session_of(db, "arlo.approver")
    decisions.release(approver, Credentials("arlo.approver", DEMO_PASSWORDS["arlo.approver"]),
                      code, "Investigation closed", expected_status="hold")
    committed = time.monotonic()
    qtbot.waitUntil(lambda: _shown_status(watching, code) == "available", timeout=1_000)
    lag = time.monotonic() - committed
    assert lag < 1.0, f"took {lag:.2f} s"
    qtbot.waitUntil(lambda: watching.lot_browser.current_view is not None
                    and watching.lot_browser.current_view.state.status == "available",
                    timeout=1_000)
    watching.close()
    officer.close()
    approver.close()


def test_a_lost_connection_shows_at_once_and_comes_back_by_itself(
        qtbot: QtBot, db: ServerTarget, runner: TaskRunner) -> None:
    officer = session_of(db, "cora.compliance")
    window = MainWindow(officer, runner)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.link_label.text() == "● Live", timeout=TIMEOUT)
    owner = make_engine(db.admin_url)
    states: list[str] = []
    window.live.link_changed.connect(lambda ok, _m: states.append("up" if ok else "down"))
    with owner.connect() as conn:
        killed = conn.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = 'lotproof live updates' AND usename = 'cora.compliance' "
            "AND datname = current_database()")).scalar_one()
    owner.dispose()
    assert killed == 1
    qtbot.waitUntil(lambda: "down" in states, timeout=3_000)
    assert "Connection lost" in window.link_label.text() or states[-1] == "up"
    qtbot.waitUntil(lambda: states[-1:] == ["up"] and window.link_label.text() == "● Live",
                    timeout=TIMEOUT)
    window.close()
    officer.close()
