"""Relabel in the workstation: the inspector asks from the lot's Labels window, the approver
signs it in Approvals → Relabel / repack (never their own request), the inspector carries it
out and gets the new lot's label."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.db.engine import make_engine
from app.db.server import ServerTarget
from app.views.labels_dialog import LabelsDialog
from app.views.main_window import MainWindow
from app.views.tasks import TaskRunner
from app.workflows import relabels
from tests.conftest import DEMO_PASSWORDS
from tests.db.test_customer_certificates import released_lot
from tests.db.test_labels import decoded
from tests.gui.test_signed_decisions import (
    TIMEOUT,
    answer_dialogs,
    open_window,
    session_of,
    sign_with,
)


def test_ask_approve_carry_out(qtbot: QtBot, db: ServerTarget, runner: TaskRunner,
                               tmp_path: Path) -> None:
    owner = make_engine(db.admin_url)
    with owner.connect() as conn:
        _lot, code, _item = released_lot(conn)
    owner.dispose()
    ivy = session_of(db, "ivy.inspector")
    window = open_window(qtbot, ivy, runner, code)
    window.lot_browser.detail.labels_button.click()
    labels_window = window.findChild(LabelsDialog)
    assert labels_window is not None and labels_window.relabel_button.isEnabled()
    ask = labels_window.ask_relabel()
    ask.ask_button.click()  # nothing chosen: said, nothing asked
    assert "Choose a relabel or a repack" in ask.message.text()
    ask.kind.setCurrentIndex(ask.kind.findData("relabel"))
    ask.new_code.setText(f"{code}-NEW")
    ask.qty.setText("1.5")
    ask.reason.setText("Label smudged by condensation")
    ask.ask_button.click()
    qtbot.waitUntil(lambda: ask.made is not None, timeout=TIMEOUT)
    assert ask.made is not None and ask.made.state == "requested"
    request_id = ask.made.id
    assert "another person approves it" in labels_window.message.text()
    labels_window.close()
    window.close()

    arlo = session_of(db, "arlo.approver")
    own = relabels.request(arlo, code, "repack", "Arlo's own", Decimal("1"))
    approver = MainWindow(arlo, runner)
    qtbot.addWidget(approver)
    approver.show()
    panel = approver.inbox.relabels
    qtbot.waitUntil(lambda: len(panel.rows) == 2, timeout=TIMEOUT)
    panel.select(own.id)
    assert not panel.approve_button.isEnabled()
    assert "another person approves" in panel.approve_button.toolTip()
    panel.select(request_id)
    assert panel.approve_button.isEnabled()
    answer_dialogs(qtbot, [sign_with(DEMO_PASSWORDS["arlo.approver"], "arlo.approver")])
    panel.approve_button.click()
    qtbot.waitUntil(lambda: any(q.id == request_id and q.state == "approved"
                                for q in panel.rows), timeout=TIMEOUT)
    assert "approved with your signature" in panel.message.text()
    panel.select(request_id)
    out = tmp_path / "new-lot.pdf"
    panel.carry_out(request_id, out)
    qtbot.waitUntil(lambda: out.exists(), timeout=TIMEOUT)
    assert f"lot {code}-NEW made" in panel.message.text()
    assert any(f"(10){code}-NEW" in b.text for b in decoded(out.read_bytes())[0])
    approver.close()
    arlo.close()
    ivy.close()
