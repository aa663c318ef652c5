"""The Shipments tab as a shipping clerk's QA uses it: find the shipment, see what each line
needs, issue the certificate into a file and print it again; a line that cannot have one says
why; an auditor may reprint but not issue."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from app.db.server import ServerTarget
from app.views.shipments.panel import ShipmentsPanel
from app.views.tasks import TaskRunner
from app.workflows.session import UserSession
from tests.db.test_customer_certificates import (
    a_customer,
    released_lot,
    set_limits,
    ship,
    wants_certificate,
)
from tests.support.inspections import as_user
from tests.support.pdf_text import words

TIMEOUT = 20_000


@pytest.fixture
def people(db: ServerTarget) -> Iterator[dict[str, UserSession]]:
    sessions = {name: as_user(db, name) for name in
                ("ivy.inspector", "cora.compliance", "aude.auditor")}
    yield sessions
    for session in sessions.values():
        session.close()


def _open(qtbot: QtBot, session: UserSession, runner: TaskRunner, number: str) -> ShipmentsPanel:
    panel = ShipmentsPanel(session, runner)
    qtbot.addWidget(panel)
    panel.show()
    panel.search.setText(number)
    panel.refresh()
    qtbot.waitUntil(lambda: panel.lines.rowCount() > 0, timeout=TIMEOUT)
    return panel


def test_a_certificate_issued_and_printed_again_from_the_shipments_tab(
        qtbot: QtBot, owner_engine: Engine, people: dict[str, UserSession], runner: TaskRunner,
        tmp_path: Path) -> None:
    with owner_engine.connect() as conn:
        lot_id, code, _ = released_lot(conn)
        customer = a_customer(conn)
    wants_certificate(people["cora.compliance"], customer)
    ship(owner_engine, customer, lot_id, "SH-GUI-1")
    panel = _open(qtbot, people["ivy.inspector"], runner, "SH-GUI-1")
    need = panel.lines.row_at(0)
    assert need.lot_code == code and need.blockers == [] and need.issued_id is None
    assert panel.issue_button.isVisible() and panel.issue_button.isEnabled()
    out = tmp_path / "cert.pdf"
    panel.issue(out)
    qtbot.waitUntil(lambda: panel.last_written == out, timeout=TIMEOUT)
    assert code in words(out) and "Certificate of Analysis" in words(out)
    qtbot.waitUntil(lambda: panel.lines.row_at(0).issued_id is not None, timeout=TIMEOUT)
    assert panel.reprint_button.isEnabled()

    auditor = _open(qtbot, people["aude.auditor"], runner, "SH-GUI-1")
    assert not auditor.issue_button.isVisibleTo(auditor)
    assert not auditor.sds_button.isVisibleTo(auditor)
    again = tmp_path / "again.pdf"
    auditor.reprint(again, auditor.lines.row_at(0).issued_id)
    qtbot.waitUntil(lambda: auditor.last_written == again, timeout=TIMEOUT)
    assert code in words(again)


def test_a_line_that_cannot_have_its_certificate_says_why(
        qtbot: QtBot, owner_engine: Engine, people: dict[str, UserSession], runner: TaskRunner,
        tmp_path: Path) -> None:
    with owner_engine.connect() as conn:
        lot_id, _, item = released_lot(conn)
        customer = a_customer(conn)
    ship(owner_engine, customer, lot_id, "SH-GUI-2")
    wants_certificate(people["cora.compliance"], customer)
    set_limits(people["cora.compliance"], customer, item, "Lead (Pb)", None, Decimal("0.5"), "ppm")
    panel = _open(qtbot, people["ivy.inspector"], runner, "SH-GUI-2")
    index = panel.lines.index(0, len(panel.lines.columns) - 1)
    assert "cannot be issued: no verified result for Lead (Pb)" in panel.lines.data(index)
    panel.issue(tmp_path / "refused.pdf")
    qtbot.waitUntil(lambda: "cannot be issued" in panel.message.text(), timeout=TIMEOUT)
    assert not (tmp_path / "refused.pdf").exists()
