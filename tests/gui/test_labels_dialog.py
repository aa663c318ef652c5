"""Labels from the workstation: putting a lot on hold offers its ON HOLD label, which prints
with the lot in its barcode; the Labels… window prints a GS1 lot label and lists what was
printed; the auditor prints nothing but can print a label again as it was."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import zxingcpp
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from app.db.engine import make_engine
from app.db.server import ServerTarget
from app.documents.gs1 import parse_gs1
from app.documents.reading import PDFIUM_LOCK
from app.views.labels_dialog import LabelsDialog
from app.views.tasks import TaskRunner
from app.workflows import labels
from tests.conftest import DEMO_PASSWORDS
from tests.gui.test_signed_decisions import (
    TIMEOUT,
    answer_dialogs,
    fill_form,
    open_window,
    session_of,
    sign_with,
)
from tests.support.pdf_text import page_texts


def scanned(pdf: Path) -> list[str]:
    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(pdf)
        try:
            image = document[0].render(scale=300 / 72).to_pil().convert("L")
        finally:
            document.close()
    return [b.text for b in zxingcpp.read_barcodes(image)]


def a_lot(db: ServerTarget) -> str:
    owner = make_engine(db.admin_url)
    with owner.connect() as conn:
        code = str(conn.execute(text(
            "SELECT l.lot_code FROM quality.lots l JOIN erp.items i ON i.id = l.item_id "
            "WHERE l.status = 'available' AND i.gtin IS NOT NULL "
            "AND l.expiry_date > current_date + 60 ORDER BY l.id LIMIT 1")).scalar_one())
    owner.dispose()
    return code


def test_hold_offers_the_on_hold_label(qtbot: QtBot, db: ServerTarget, runner: TaskRunner,
                                       tmp_path: Path) -> None:
    code = a_lot(db)
    inspector = session_of(db, "ivy.inspector")
    window = open_window(qtbot, inspector, runner, code)
    detail = window.lot_browser.detail
    bar = window.lot_browser.decision_bar
    assert not detail.status_label_button.isVisible()  # an available lot gets no status label
    qtbot.waitUntil(lambda: bar.buttons["hold"].isEnabled(), timeout=TIMEOUT)
    answer_dialogs(qtbot, [fill_form("Water damage on the top layer"),
                           sign_with(DEMO_PASSWORDS["ivy.inspector"], "ivy.inspector")])
    bar.buttons["hold"].click()
    qtbot.waitUntil(lambda: detail.status_label_button.isVisible(), timeout=TIMEOUT)
    assert detail.status_label_button.text() == "Print ON HOLD label…"
    assert "must not move" in window.statusBar().currentMessage()

    detail.status_label_button.click()
    dialog = window.findChild(LabelsDialog)
    assert dialog is not None and dialog.kind.currentData() == "status"
    out = tmp_path / "hold.pdf"
    dialog.print_to(out)
    qtbot.waitUntil(lambda: dialog.written == out, timeout=TIMEOUT)
    assert "ON HOLD" in page_texts(out)[0] and "Water damage on the top layer" in page_texts(out)[0]
    assert [parse_gs1(t).lot for t in scanned(out)] == [code]
    qtbot.waitUntil(lambda: dialog.printed.topLevelItemCount() == 1, timeout=TIMEOUT)
    item = dialog.printed.topLevelItem(0)
    assert item is not None and item.text(1) == "Status: ON HOLD"

    # a refused label says why, in the window
    dialog.kind.setCurrentIndex(dialog.kind.findData("pallet"))
    assert dialog.units.isEnabled()
    dialog.size_box.setCurrentIndex(dialog.size_box.findData("100x150"))
    dialog.units.setValue(40)
    pallet = tmp_path / "pallet.pdf"
    dialog.print_to(pallet)
    qtbot.waitUntil(lambda: dialog.written == pallet, timeout=TIMEOUT)
    assert any(parse_gs1(t).sscc for t in scanned(pallet))
    dialog.close()
    window.close()
    inspector.close()


def test_auditor_reprints_but_does_not_print(qtbot: QtBot, db: ServerTarget,
                                             runner: TaskRunner, tmp_path: Path) -> None:
    code = a_lot(db)
    inspector = session_of(db, "ivy.inspector")
    labels.print_labels(inspector, code, "lot")
    inspector.close()

    auditor = session_of(db, "aude.auditor")
    window = open_window(qtbot, auditor, runner, code)
    window.lot_browser.detail.labels_button.click()
    dialog = window.findChild(LabelsDialog)
    assert dialog is not None
    assert not dialog.print_button.isEnabled() and "printing one is" in \
        dialog.print_button.toolTip()
    qtbot.waitUntil(lambda: dialog.printed.topLevelItemCount() == 1, timeout=TIMEOUT)
    out = tmp_path / "again.pdf"
    dialog.reprint_to(out, dialog._rows[0].id)
    qtbot.waitUntil(lambda: dialog.written == out, timeout=TIMEOUT)
    gs1 = [parse_gs1(t) for t in scanned(out)]
    assert {d.lot for d in gs1 if d.lot} == {code}
    dialog.close()
    window.close()
    auditor.close()
