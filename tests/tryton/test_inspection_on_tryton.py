"""Receiving inspection and what follows a failure, on a lot Tryton received: the sample from
the quantity in Tryton's receipt, a failure holding the lot and opening an NCR that names
Tryton's supplier, a SCAR to that supplier in the scorecard."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from app.db.engine import make_engine
from app.db.queries import nonconformance as qm
from app.db.queries.supplier_scorecard import scorecard
from app.workflows import inspections
from app.workflows import nonconformance as nc
from app.workflows.signing import Credentials
from tests.support.inspections import as_user, planned_lot, record_all
from tests.tryton.conftest import TrytonDemo
from tests.tryton.test_quality_on_tryton import PASSWORDS

pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]


def test_a_failed_inspection_of_a_tryton_lot_holds_it_and_opens_an_ncr_on_trytons_supplier(
        lotproof_tryton: TrytonDemo) -> None:
    owner = make_engine(lotproof_tryton.target.admin_url)
    try:
        lot = planned_lot(lotproof_tryton.target, owner)
        received, supplier = lotproof_tryton.rows("""
            SELECT sum(m.internal_quantity)::int, p.name
            FROM stock_lot l JOIN stock_move m ON m.lot = l.id AND m.state = 'done'
            JOIN stock_location f ON f.id = m.from_location AND f.type = 'supplier'
            JOIN stock_shipment_in s ON m.shipment = 'stock.shipment.in,' || s.id
            JOIN party_party p ON p.id = s.supplier
            WHERE l.number = %s GROUP BY p.name""", lot)[0]
        ivy = as_user(lotproof_tryton.target, "ivy.inspector")
        arlo = as_user(lotproof_tryton.target, "arlo.approver")
        try:
            opened = inspections.open_inspection(ivy, lot)  # the lot size is Tryton's receipt
            with owner.connect() as conn:
                expected = conn.execute(text(
                    "SELECT sample_size FROM quality.sampling_plan(:n, 'II', 2.5)"),
                    {"n": received}).scalar_one()
            assert opened.sample_size == min(expected, received)
            record_all(ivy, opened, temperature=15.0)
            assert inspections.complete(ivy, Credentials("ivy.inspector", PASSWORDS["ivy.inspector"]),
                                        opened.id, defects=0) == "failed"
            ncr_id = inspections.ncr_of(ivy, opened.id)
            assert ncr_id is not None
            with ivy.engine.connect() as conn:
                detail = qm.ncr(conn, ncr_id)
            assert detail.supplier == supplier
            assert [(x.lot_code, x.status) for x in detail.lots] == [(lot, "hold")]
            scar = nc.open_scar(arlo, ncr_id, "Explain the warm delivery", dt.date.today() + dt.timedelta(7))
            nc.send_scar(arlo, scar)
            with owner.connect() as conn:
                first = conn.execute(text(
                    "SELECT min(r.received_at)::date, min(l.supplier_id) FROM quality.lots l "
                    "JOIN erp.receipt_lines rl ON rl.lot_id = l.id "
                    "JOIN erp.receipts r ON r.id = rl.receipt_id WHERE l.lot_code = :l"),
                    {"l": lot}).one()
                card = {s.supplier_id: s for s in scorecard(conn, first[0], dt.date.today()).suppliers}
            assert card[first[1]].open_scars == 1 and card[first[1]].name == supplier
        finally:
            ivy.close()
            arlo.close()
    finally:
        owner.dispose()
