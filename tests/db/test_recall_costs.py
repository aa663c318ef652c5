"""What the demo recall costs: stock at cost, shipped at the sales price, open receivables of the
affected orders, each summed here from the trace's own findings and the ERP's rows; substitutes
for each customer that meet that customer's rules (never the recall's own lots, first expiring
first), from an equivalent item when compliance marks one; the same figures in the report and
the notification CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError

from app.db.server import ServerTarget
from app.workflows import compliance, recalls
from app.workflows.recalls import RecallImpact
from app.workflows.session import UserSession, login
from tests.conftest import DEMO_PASSWORDS
from tests.db.test_recalls import hero_lot
from tests.support.pdf_text import words


@pytest.fixture
def cora(db: ServerTarget) -> Iterator[UserSession]:
    session = login(db, "cora.compliance", DEMO_PASSWORDS["cora.compliance"])
    yield session
    session.close()


def mock_recall(cora: UserSession, owner: Engine) -> RecallImpact:
    opened = recalls.open_recall(cora, [hero_lot(owner)], "Foreign matter found", "II",
                                 mock=True)
    return recalls.impact(cora, opened.id)


def test_demo_recall_money_sums(cora: UserSession, owner_engine: Engine) -> None:
    result = mock_recall(cora, owner_engine)
    costs = result.costs
    with owner_engine.connect() as conn:
        cost_of = dict(conn.execute(text(
            "SELECT l.lot_code, i.unit_cost FROM quality.lots l JOIN erp.items i "
            "ON i.id = l.item_id WHERE l.lot_code = ANY(:c)"),
            {"c": result.trace.lot_codes}).all())
        price_of = {(s, lot): qty * price for s, lot, qty, price in conn.execute(text(
            "SELECT sh.shipment_number, l.lot_code, sl.qty, ol.unit_price "
            "FROM erp.shipment_lines sl JOIN erp.shipments sh ON sh.id = sl.shipment_id "
            "JOIN quality.lots l ON l.id = sl.lot_id "
            "JOIN erp.sales_order_lines ol ON ol.id = sl.order_line_id "
            "WHERE sh.shipment_number = ANY(:s)"),
            {"s": [s.shipment for s in result.trace.shipments]})}
        open_amount = conn.execute(text(
            "SELECT coalesce(sum(i.amount_open), 0) FROM erp.invoices i WHERE i.order_id IN ("
            " SELECT ol.order_id FROM erp.shipment_lines sl JOIN erp.shipments sh"
            " ON sh.id = sl.shipment_id JOIN erp.sales_order_lines ol ON ol.id = sl.order_line_id"
            " WHERE sh.shipment_number = ANY(:s))"),
            {"s": [s.shipment for s in result.trace.shipments]}).scalar_one()
    in_hand = sum((s.qty * cost_of[s.lot_code] for s in result.trace.stock if not s.in_transit),
                  Decimal(0))
    assert costs.stock_value == in_hand > 0
    shipped = sum((price_of[(s.shipment, s.lot_code)] for s in result.trace.shipments),
                  Decimal(0))
    assert costs.shipped_value == shipped and costs.unpriced_lines == 0
    assert costs.shipped_value > result.exposure  # sold above cost
    assert costs.open_receivables == open_amount > 0
    assert {r.customer_code for r in costs.receivables} <= {c.customer_code
                                                            for c in result.customers}
    assert costs.currency == "USD"
    assert result.summary()["open_receivables"] == str(costs.open_receivables)

    # what is to replace: per customer and item, what it was shipped of the affected lots
    shipped_to = {c.customer_code: c.qty for c in result.customers}
    needed: dict[str, Decimal] = {}
    for need in costs.needs:
        needed[need.customer_code] = needed.get(need.customer_code, Decimal(0)) + need.shipped
    assert needed == shipped_to
    assert costs.replacement_cost == sum((s.take * s.unit_cost for s in costs.substitutes),
                                         Decimal(0)) > 0


def test_substitutes_meet_each_customers_rules(cora: UserSession, owner_engine: Engine) -> None:
    result = mock_recall(cora, owner_engine)
    costs = result.costs
    assert costs.substitutes
    affected = set(result.trace.lot_codes)
    with owner_engine.connect() as conn:
        lots = {code: (status, expiry) for code, status, expiry in conn.execute(text(
            "SELECT lot_code, status, expiry_date FROM quality.lots WHERE lot_code = ANY(:c)"),
            {"c": [s.lot_code for s in costs.substitutes]})}
    with owner_engine.connect() as conn:
        free = {code: qty for code, qty in conn.execute(text(
            "SELECT l.lot_code, sum(s.qty) FROM quality.lots l JOIN erp.stock s ON s.lot_id = l.id "
            "JOIN erp.locations loc ON loc.id = s.location_id AND loc.kind NOT IN "
            "('in_transit', 'returns') WHERE l.lot_code = ANY(:c) GROUP BY 1"),
            {"c": [s.lot_code for s in costs.substitutes]})}
    taken: dict[str, Decimal] = {}
    for s in costs.substitutes:
        taken[s.lot_code] = taken.get(s.lot_code, Decimal(0)) + s.take
    assert all(taken[code] <= free[code] for code in taken)  # no lot promised twice over
    for need in costs.needs:
        subs = [s for s in costs.substitutes
                if s.customer_code == need.customer_code and s.for_sku == need.item_sku]
        assert sum((s.take for s in subs), Decimal(0)) + need.short == need.qty
        expiries = [s.expiry_date for s in subs]
        assert expiries == sorted(expiries)  # first expiring first
        for s in subs:
            assert s.lot_code not in affected and lots[s.lot_code][0] == "available"
            assert 0 < s.take <= s.available and not s.equivalent

    # a customer that wants a long shelf life is offered only lots that have it
    need = max(costs.needs, key=lambda n: n.qty)
    subs = [s for s in costs.substitutes if s.customer_code == need.customer_code
            and s.for_sku == need.item_sku]
    earliest = subs[0].expiry_date
    assert earliest is not None
    with owner_engine.connect() as conn:
        customer_id = int(conn.execute(text("SELECT id FROM erp.customers WHERE code = :c"),
                                       {"c": need.customer_code}).scalar_one())
        today = conn.execute(text("SELECT current_date")).scalar_one()
    min_days = (earliest - today).days + 1
    compliance.set_customer_requirements(
        cora, customer_id, min_days=min_days, min_percent=None, excluded_suppliers=[],
        excluded_lots=[], required_documents=[], reason="Quality agreement: long shelf life")
    again = recalls.impact(cora, result.recall.id).costs
    offered = [s for s in again.substitutes if s.customer_code == need.customer_code
               and s.for_sku == need.item_sku]
    assert all(s.expiry_date is None or (s.expiry_date - today).days >= min_days
               for s in offered)
    assert subs[0].lot_code not in {s.lot_code for s in offered}


def test_an_equivalent_item_substitutes_when_compliance_says_so(
        cora: UserSession, owner_engine: Engine, db: ServerTarget) -> None:
    result = mock_recall(cora, owner_engine)
    need = max(result.costs.needs, key=lambda n: n.qty)
    with owner_engine.connect() as conn:
        customer_id, item_id = conn.execute(text(
            "SELECT c.id, i.id FROM erp.customers c, erp.items i "
            "WHERE c.code = :c AND i.sku = :s"), {"c": need.customer_code,
                                                   "s": need.item_sku}).one()
        # the same product in another pack, with stock free to ship
        other_id, other_sku = conn.execute(text("""
            SELECT i.id, i.sku FROM erp.items i WHERE i.id <> :i
              AND split_part(i.sku, '-', 1) = split_part(:s, '-', 1)
              AND EXISTS (SELECT 1 FROM quality.suggest_allocation(i.id, :c, 1))
            ORDER BY i.id LIMIT 1"""), {"i": item_id, "s": need.item_sku, "c": customer_id}
        ).one()
        own_lots = [str(c) for (c,) in conn.execute(text(
            "SELECT lot_code FROM quality.suggest_allocation(:i, :c, 1e9)"),
            {"i": item_id, "c": customer_id})]
    # the customer will take none of the item's own lots
    compliance.set_customer_requirements(
        cora, customer_id, min_days=None, min_percent=None, excluded_suppliers=[],
        excluded_lots=own_lots, required_documents=[], reason="Lots under complaint")
    before = recalls.impact(cora, result.recall.id).costs
    assert not [s for s in before.substitutes if s.customer_code == need.customer_code
                and s.for_sku == need.item_sku]

    auditor = login(db, "aude.auditor", DEMO_PASSWORDS["aude.auditor"])
    try:
        with pytest.raises(ProgrammingError, match="permission denied"), \
                auditor.engine.begin() as conn:
            conn.execute(text("SELECT quality.set_item_equivalent(:a, :b, true, 'same')"),
                         {"a": item_id, "b": other_id})
    finally:
        auditor.close()
    compliance.set_item_equivalent(cora, item_id, other_id, active=True,
                                   reason="Same product, other pack size (CC-2026-14)")
    after = recalls.impact(cora, result.recall.id).costs
    subs = [s for s in after.substitutes if s.customer_code == need.customer_code
            and s.for_sku == need.item_sku]
    assert subs and all(s.equivalent and s.item_sku == other_sku for s in subs)


def test_report_and_csv_carry_the_money(cora: UserSession, owner_engine: Engine) -> None:
    result = mock_recall(cora, owner_engine)
    costs = result.costs
    text_of_report = words(recalls.report_pdf(cora, result))
    assert "What it costs" in text_of_report and "Substitute stock" in text_of_report
    for value in (costs.stock_value, costs.shipped_value, costs.open_receivables,
                  costs.replacement_cost):
        assert f"{value:,.2f} USD" in text_of_report
    out = io.StringIO()
    recalls.write_notifications(result, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert sum(Decimal(r["open_receivables"]) for r in rows) == costs.open_receivables
    assert sum(Decimal(r["replacement_cost"]) for r in rows) == costs.replacement_cost
    assert {r["currency"] for r in rows} == {"USD"}
