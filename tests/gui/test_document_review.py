"""An inspector drops a COA on a lot, sees what was read and where, corrects one value, confirms
the rest, verifies — and the database has the link and the audit trail."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from app.db.engine import make_engine
from app.db.server import ServerTarget
from app.views.documents.review import CorrectionDialog, DocumentReviewDialog
from app.views.main_window import MainWindow
from app.views.tasks import TaskRunner
from app.workflows.session import login
from tests.conftest import DEMO_PASSWORDS
from tests.gui.test_signed_decisions import answer_dialogs
from tests.support.coa_files import coa_for_a_quarantine_lot

TIMEOUT = 30_000


def drop_files(widget: QWidget, paths: list[Path]) -> None:
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, data,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    # Offscreen Qt does not route a synthetic drop without a drag in progress: hand it to the
    # widget's own handler, as the drop would.
    widget.dropEvent(event)  # type: ignore[attr-defined]


def test_drop_a_coa_on_a_lot_review_correct_confirm_verify(
        qtbot: QtBot, db: ServerTarget, runner: TaskRunner, tmp_path: Path) -> None:
    owner = make_engine(db.admin_url)
    path, lot, supplier_lot = coa_for_a_quarantine_lot(owner, tmp_path)
    session = login(db, "ivy.inspector", DEMO_PASSWORDS["ivy.inspector"])
    window = MainWindow(session, runner)
    qtbot.addWidget(window)
    window.show()
    window.show_lot(lot)
    detail = window.lot_browser.detail
    qtbot.waitUntil(lambda: detail.lot_code == lot, timeout=TIMEOUT)

    drop_files(detail, [path])  # the drop lands on the lot shown
    panel = window.documents
    qtbot.waitUntil(lambda: getattr(panel, "last_review", None) is not None, timeout=TIMEOUT)
    review = panel.last_review
    assert isinstance(review, DocumentReviewDialog)
    qtbot.waitUntil(lambda: review.review is not None and review.fields.rowCount() >= 4,
                    timeout=TIMEOUT)
    assert review.review is not None
    assert f"lot {lot}" in review.heading.text()
    jobs = panel.jobs
    qtbot.waitUntil(lambda: not jobs.busy, timeout=TIMEOUT)
    outcome_text = jobs.item(0, 2).text()  # type: ignore[union-attr]
    assert "COA stored as document" in outcome_text and lot in outcome_text

    # Selecting the lot number highlights where it was read on the page.
    assert review.select_field("lot_number")
    qtbot.waitUntil(lambda: review.page_view.highlighted is not None, timeout=TIMEOUT)
    field = next(f for f in review.review.fields if f.name == "lot_number")
    assert review.page_view.highlighted == tuple(field.bbox or [])
    rect = review.page_view.highlight_rect()
    assert rect is not None and rect.width() > 10 and rect.top() > 0
    row = next(i for i, f in enumerate(review.review.fields) if f.name == "lot_number")
    assert review.fields.item(row, 1).text() == supplier_lot  # type: ignore[union-attr]

    # Correct the product name, with a reason.
    assert review.select_field("product_name")

    def correct(dialog: QWidget) -> bool:
        if not isinstance(dialog, CorrectionDialog):
            return False
        dialog.value.setText("Gelatine, corrected by inspector")
        dialog.reason.setText("Product name misprinted on the COA")
        dialog._check()
        return True

    answer_dialogs(qtbot, [correct])
    review.correct_selected()
    qtbot.waitUntil(lambda: review.review is not None and any(
        f.corrected_by for f in review.review.fields), timeout=TIMEOUT)
    review.confirm_all()
    qtbot.waitUntil(lambda: review.message.text() != "Saving…", timeout=TIMEOUT)
    assert review.message.text() == "Saved.", review.message.text()
    qtbot.waitUntil(lambda: review.review is not None and all(
        f.confirmed_by for f in review.review.fields) and all(
        r.confirmed_by for r in review.review.results), timeout=TIMEOUT)
    # Who entered and corrected the values does not verify them (EU GMP Annex 11 §6) ...
    review.verify()
    qtbot.waitUntil(lambda: "another person verifies" in review.message.text(), timeout=TIMEOUT)
    # ... a second person does, in their own review window.
    approver = login(db, "arlo.approver", DEMO_PASSWORDS["arlo.approver"])
    second = DocumentReviewDialog(approver, runner, review.document_id)
    second.changed.connect(panel.document_changed)  # as the approver's own window would
    qtbot.addWidget(second)
    second.show()
    qtbot.waitUntil(lambda: second.review is not None, timeout=TIMEOUT)
    second.verify()
    qtbot.waitUntil(lambda: second.review is not None
                    and second.review.summary.status == "verified", timeout=TIMEOUT)
    assert not second.verify_button.isEnabled()
    second.close()
    approver.close()
    # The lot's documents tab shows the verified COA.
    browser = window.lot_browser
    qtbot.waitUntil(lambda: browser.current_view is not None and any(
        d.file_name == path.name and d.status == "verified"
        for d in browser.current_view.documents), timeout=TIMEOUT)
    assert detail.documents.rowCount() == len(browser.current_view.documents)  # type: ignore[union-attr]

    with owner.connect() as conn:
        linked = conn.execute(text(
            "SELECT d.status, d.verified_by FROM quality.document_links k "
            "JOIN quality.documents d ON d.id = k.document_id "
            "JOIN quality.lots l ON l.id = k.lot_id WHERE l.lot_code = :c"), {"c": lot}).all()
        trail = conn.execute(text(
            "SELECT action, username, reason FROM audit.trail WHERE action LIKE 'document.%' "
            "ORDER BY id")).all()
    owner.dispose()
    assert linked == [("verified", "arlo.approver")]
    actions = [a for a, _u, _r in trail]
    assert {"document.store", "document.link", "document.field.correct",
            "document.field.confirm", "document.verify"} <= set(actions)
    assert ("document.field.correct", "ivy.inspector",
            "Product name misprinted on the COA") in trail
    review.close()
    window.close()
    session.close()


def test_a_bad_file_dropped_is_named_and_nothing_stored(
        qtbot: QtBot, db: ServerTarget, runner: TaskRunner, tmp_path: Path) -> None:
    bad = tmp_path / "scan-from-fax.pdf"
    bad.write_bytes(b"this is not a PDF at all")
    session = login(db, "ivy.inspector", DEMO_PASSWORDS["ivy.inspector"])
    window = MainWindow(session, runner)
    qtbot.addWidget(window)
    panel = window.documents
    drop_files(panel, [bad])
    qtbot.waitUntil(lambda: panel.jobs.rowCount() == 1 and not panel.jobs.busy, timeout=TIMEOUT)
    message = panel.jobs.item(0, 2).text()  # type: ignore[union-attr]
    assert message == ("NOT STORED: not a PDF or a supported image (it looks like a text file)")
    assert getattr(panel, "last_review", None) is None
    window.close()
    session.close()
