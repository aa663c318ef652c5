"""A compliance officer opens a recall on a source lot, sees the affected customers, signs the
mass hold, and every affected lot still in hand is on hold with the recall as its reason."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from app.db.engine import make_engine
from app.db.server import ServerTarget
from app.views.main_window import MainWindow
from app.views.recalls_panel import OpenRecallDialog
from app.views.tasks import TaskRunner
from app.workflows.session import login
from tests.conftest import DEMO_PASSWORDS
from tests.db.test_recalls import hero_lot
from tests.gui.test_signed_decisions import answer_dialogs, sign_with

TIMEOUT = 30_000


def test_open_a_recall_see_customers_sign_the_mass_hold(qtbot: QtBot, db: ServerTarget,
                                                        runner: TaskRunner) -> None:
    owner = make_engine(db.admin_url)
    source = hero_lot(owner)
    session = login(db, "cora.compliance", DEMO_PASSWORDS["cora.compliance"])
    window = MainWindow(session, runner)
    qtbot.addWidget(window)
    window.show()
    window.show_lot(source)
    qtbot.waitUntil(lambda: window.recalls.current_lot == source, timeout=TIMEOUT)
    panel = window.recalls
    window.tabs.setCurrentWidget(panel)

    def fill(dialog: QWidget) -> bool:
        if not isinstance(dialog, OpenRecallDialog):
            return False
        assert dialog.lots.text() == source  # the lot on screen is the starting point
        dialog.reason.setText("Supplier reports Salmonella in the source lot")
        dialog.reference.setText("FDA-RES-2026-77")
        dialog._check()
        return True

    answer_dialogs(qtbot, [fill])
    panel.start(mock=False)
    qtbot.waitUntil(lambda: panel.impact is not None and panel.customers.rowCount() > 0,
                    timeout=TIMEOUT)
    impact = panel.impact
    assert impact is not None
    assert panel.customers.rowCount() == len(impact.customers) >= 10
    assert panel.figures["unexplained"].text().endswith("closes")
    assert panel.hold_button.isEnabled()

    answer_dialogs(qtbot, [sign_with(DEMO_PASSWORDS["cora.compliance"], "cora.compliance")])
    panel.sign_hold()  # returns when the signing dialog is done
    qtbot.waitUntil(lambda: panel.message.text().startswith("Held"), timeout=TIMEOUT)
    in_hand = sorted({s.lot_code for s in impact.trace.stock})
    with owner.connect() as conn:
        rows = conn.execute(text("""
            SELECT l.lot_code, l.status, d.reason FROM quality.lots l
            JOIN LATERAL (SELECT reason FROM quality.lot_decisions x WHERE x.lot_id = l.id
                          ORDER BY x.id DESC LIMIT 1) d ON true
            WHERE l.lot_code = ANY(:codes) ORDER BY l.lot_code"""), {"codes": in_hand}).all()
    owner.dispose()
    assert [r[0] for r in rows] == in_hand
    assert all(status == "hold" and reason.startswith(f"Recall {impact.recall.number}:")
               for _code, status, reason in rows)
    qtbot.waitUntil(lambda: not panel.hold_button.isEnabled(), timeout=TIMEOUT)
    window.close()
    session.close()
