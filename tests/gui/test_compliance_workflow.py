"""A compliance officer tightens a specification in the workstation; a released lot whose COA no
longer meets it appears in the officer's exception queue, is acted on (held, then rejected with
signatures) and leaves the queue."""

from __future__ import annotations

from decimal import Decimal

from pytestqt.qtbot import QtBot
from sqlalchemy import text

from app.db.engine import make_engine
from app.db.server import ServerTarget
from app.views.main_window import MainWindow
from app.views.tasks import TaskRunner
from app.workflows import compliance, decisions
from tests.conftest import DEMO_PASSWORDS
from tests.gui.test_signed_decisions import answer_dialogs, fill_form, session_of, sign_with

TIMEOUT = 20_000


def _released_lot_with_a_numeric_result(db: ServerTarget) -> tuple[str, int, str, Decimal]:
    owner = make_engine(db.admin_url)
    try:
        with owner.connect() as conn:
            return tuple(conn.execute(text("""
                SELECT l.lot_code, l.item_id, s.test, r.value
                FROM quality.lots l
                JOIN quality.document_links k ON k.lot_id = l.id
                JOIN quality.documents d ON d.id = k.document_id AND d.kind = 'coa'
                     AND d.status = 'verified'
                JOIN quality.coa_results r ON r.document_id = d.id AND r.value > 0
                JOIN quality.item_specs s ON s.item_id = l.item_id AND s.active
                     AND lower(s.test) = lower(r.test) AND s.max_value IS NOT NULL
                     AND coalesce(s.unit, '') = coalesce(r.unit, '')
                WHERE l.status = 'available'
                  AND NOT EXISTS (SELECT 1 FROM quality.spec_failures(l.id))
                ORDER BY l.id LIMIT 1""")).one())  # type: ignore[return-value]
    finally:
        owner.dispose()


def test_a_spec_change_puts_a_lot_in_the_exception_queue_until_it_is_acted_on(
        qtbot: QtBot, db: ServerTarget, runner: TaskRunner) -> None:
    lot, item_id, test_name, value = _released_lot_with_a_numeric_result(db)
    officer = session_of(db, "cora.compliance")
    window = MainWindow(officer, runner)
    qtbot.addWidget(window)
    window.show()
    window.tabs.setCurrentWidget(window.compliance)
    inbox = window.inbox
    qtbot.waitUntil(lambda: inbox.summary.text() != "Loading…", timeout=TIMEOUT)
    assert not any(e.lot_code == lot for e in inbox.exception_rows)

    editor = window.compliance.specs
    assert not editor.save_button.isHidden()
    qtbot.waitUntil(lambda: editor.item.count() > 0, timeout=TIMEOUT)
    editor.select_item(item_id)

    def row_of_test() -> int:
        for r in range(editor.table.rowCount()):
            cell = editor.table.item(r, 0)
            if cell is not None and cell.text().lower() == test_name.lower():
                return r
        return -1

    qtbot.waitUntil(lambda: row_of_test() >= 0, timeout=TIMEOUT)
    old_versions = editor.versions.count()
    tighter = (value * Decimal("0.9")).quantize(Decimal("0.0001"))
    editor.set_cell(row_of_test(), "Min", "")
    editor.set_cell(row_of_test(), "Max", str(tighter))
    editor.save("Tighter limit agreed with the customer")
    qtbot.waitUntil(lambda: editor.message.text().startswith("Saved as version"),
                    timeout=TIMEOUT)
    qtbot.waitUntil(lambda: editor.versions.count() == old_versions + 1, timeout=TIMEOUT)

    # The queue of the compliance role now shows the lot, most urgent first.
    inbox.refresh()
    qtbot.waitUntil(lambda: any(e.lot_code == lot and e.type == "out_of_spec"
                                for e in inbox.exception_rows), timeout=TIMEOUT)
    row = next(i for i, e in enumerate(inbox.exception_rows) if e.lot_code == lot)
    assert test_name.lower() in inbox.exception_rows[row].title.lower()
    assert inbox.tabs.tabText(3).startswith("Exceptions (")
    model = inbox.exception_model
    assert "is outside the spec" in model.data(model.index(row, 5))
    assert model.data(model.index(row, 3)) == "Compliance"

    # Act on it: open the lot from the queue, hold it, then reject it, each signed.
    window.tabs.setCurrentWidget(inbox)
    proxy = inbox.exceptions.model()
    inbox.exceptions.doubleClicked.emit(proxy.mapFromSource(model.index(row, 0)))  # type: ignore[attr-defined]
    browser = window.lot_browser
    qtbot.waitUntil(lambda: browser.current_view is not None
                    and browser.current_view.detail.lot.lot_code == lot, timeout=TIMEOUT)
    bar = browser.decision_bar
    password = DEMO_PASSWORDS["cora.compliance"]
    qtbot.waitUntil(lambda: bar.buttons["hold"].isEnabled(), timeout=TIMEOUT)
    answer_dialogs(qtbot, [fill_form(f"{test_name} out of the new specification"),
                           sign_with(password, "cora.compliance")])
    bar.buttons["hold"].click()
    qtbot.waitUntil(lambda: browser.current_view is not None
                    and browser.current_view.state.status == "hold", timeout=TIMEOUT)
    # Held, the lot is still to be decided: its exception stays open.
    assert any(e.lot_code == lot for e in compliance.exceptions(officer))

    qtbot.waitUntil(lambda: bar.buttons["reject"].isEnabled(), timeout=TIMEOUT)
    answer_dialogs(qtbot, [fill_form("Does not meet the specification"),
                           sign_with(password, "cora.compliance")])
    bar.buttons["reject"].click()
    qtbot.waitUntil(lambda: browser.current_view is not None
                    and browser.current_view.state.status == "rejected", timeout=TIMEOUT)
    inbox.refresh()
    qtbot.waitUntil(lambda: not any(e.lot_code == lot for e in inbox.exception_rows),
                    timeout=TIMEOUT)
    assert decisions.lot_state(officer, lot).status == "rejected"  # type: ignore[union-attr]
    window.close()
    officer.close()


def test_an_auditor_sees_the_rules_but_no_form_to_change_them(
        qtbot: QtBot, shared_db: ServerTarget, runner: TaskRunner) -> None:
    auditor = session_of(shared_db, "aude.auditor")
    window = MainWindow(auditor, runner)
    qtbot.addWidget(window)
    window.show()
    panel = window.compliance
    window.tabs.setCurrentWidget(panel)
    assert panel.specs.save_button.isHidden()
    for editor in (panel.suppliers, panel.customers, panel.routing):
        assert editor.form_box.isHidden()
    panel.setCurrentWidget(panel.suppliers)  # each list loads when first shown
    qtbot.waitUntil(lambda: panel.suppliers.model.rowCount() > 0, timeout=TIMEOUT)
    panel.setCurrentWidget(panel.routing)
    qtbot.waitUntil(lambda: panel.routing.model.rowCount() == 16, timeout=TIMEOUT)
    assert panel.retention.model.rowCount() == 0  # never shown: never loaded
    assert panel.specs.table.editTriggers() == panel.specs.table.EditTrigger.NoEditTriggers
    window.close()
    auditor.close()
