"""The audit-prep reviewer opens a lot, exports its evidence bundle (which verifies against its
manifest), and finds nothing on any screen that would change a record."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QAbstractButton, QStackedWidget, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from app.db.engine import make_engine
from app.db.server import ServerTarget
from app.reports.evidence_bundle import verify_bundle
from app.views.main_window import MainWindow
from app.views.tasks import TaskRunner
from tests.gui.test_signed_decisions import session_of

TIMEOUT = 30_000
# What a reader may press: look, filter, export, verify. Anything else must be hidden or off.
READ_ONLY = {"", "Trace…", "Dossier…", "Evidence bundle…", "Release certificate…",
             "Export CSV…", "Export PDF…", "Export PNG…", "Filter", "Older entries", "Refresh",
             "Show", "All items", "Verify chain", "Status: all", "◀", "▶",
             "Recall report PDF…", "Notification list PDF…", "Notification list CSV…",
             "FSMA 204 spreadsheet…", "EPCIS events…", "Supplier dossier…", "Show closed",
             "NCR report PDF…", "CAPA log PDF…", "SCAR letter PDF…",
             "Shipments…", "Reprint certificate PDF…", "Labels…"}


def _reachable(widget: QWidget, window: QWidget) -> bool:
    """Shown to the person on some tab: not hidden on purpose (tab pages that are merely not
    current are hidden by their stack, which does not count)."""
    current: QWidget | None = widget
    while current is not None and current is not window:
        parent = current.parentWidget()
        if current.isHidden() and not isinstance(parent, QStackedWidget):
            return False
        current = parent
    return True


def test_the_auditor_exports_a_verifiable_bundle_and_can_change_nothing(
        qtbot: QtBot, shared_db: ServerTarget, runner: TaskRunner, tmp_path: Path) -> None:
    owner = make_engine(shared_db.admin_url)
    with owner.connect() as conn:
        code = conn.execute(text("""
            SELECT l.lot_code FROM quality.lots l
            JOIN quality.document_links k ON k.lot_id = l.id
            JOIN quality.lot_decisions d ON d.lot_id = l.id
            GROUP BY l.lot_code ORDER BY count(*) DESC, l.lot_code LIMIT 1""")).scalar_one()
    owner.dispose()
    auditor = session_of(shared_db, "aude.auditor")
    window = MainWindow(auditor, runner)
    qtbot.addWidget(window)
    window.show()
    window.show_lot(code)
    detail = window.lot_browser.detail
    qtbot.waitUntil(lambda: detail.lot_code == code and detail.bundle_button.isEnabled(),
                    timeout=TIMEOUT)

    bundle = tmp_path / f"evidence-{code}.zip"
    window.evidence.save_bundle(code, bundle)
    qtbot.waitUntil(lambda: window.evidence.last_bundle is not None, timeout=TIMEOUT)
    assert bundle.exists() and verify_bundle(bundle) == []
    assert "manifest with SHA-256" in window.statusBar().currentMessage()
    dossier = tmp_path / "dossier.pdf"
    window.evidence.save_dossier(code, dossier)
    qtbot.waitUntil(dossier.exists, timeout=TIMEOUT)
    assert dossier.read_bytes().startswith(b"%PDF")

    # Every tab, every button: only reading, exporting and verifying is on offer.
    bar = window.lot_browser.decision_bar
    assert all(not b.isVisibleTo(window) for b in bar.buttons.values())
    offered = set()
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        qtbot.wait(50)
        for button in window.findChildren(QAbstractButton):
            if button.isEnabled() and _reachable(button, window):
                offered.add(button.text())
    assert offered - READ_ONLY == set(), offered - READ_ONLY
    assert not window.documents.acceptDrops() and not detail.acceptDrops()
    window.close()
    auditor.close()
