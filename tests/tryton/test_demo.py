"""The demo distributor in Tryton, as Tryton's own tables hold it (read with SQL, as Lotproof's
adapter will), and Tryton's lot trace over it through proteus."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app.db.tryton.demo import SCALES, seed_tryton_demo, table_counts
from tests.tryton.conftest import DEMO_SEED, TrytonDatabase, TrytonDemo

# The first test to use a fixture waits for the Tryton databases (about 5 minutes here).
pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]

SMALL = SCALES["small"]
SUPPLIER_LOT = re.compile(
    r"^(\d{6}[A-H]|B\d{6}-\d{2}|LOT\d{4}[A-H]|[A-H]X\d{7}|\d{2}-\d{4}-[A-H])(-\d+)?$")


def test_small_demo_has_lots_with_expiry_and_a_thousand_moves(tryton_shared: TrytonDemo) -> None:
    db = tryton_shared
    assert table_counts(db.target, db.name) == db.report.counts
    lots = db.rows("SELECT number, expiration_date, shelf_life_expiration_date FROM stock_lot")
    assert 100 <= len(lots) <= 300
    assert all(expiry is not None and sled == expiry for _n, expiry, sled in lots)
    assert sorted(n for n, _e, _s in lots) == sorted(db.report.lot_numbers)
    assert db.report.counts["stock_move"] >= 1000
    # every move of a lot-tracked product carries its lot
    assert db.rows("SELECT count(*) FROM stock_move WHERE lot IS NULL AND state = 'done'") == [(0,)]


def test_purchases_received_by_supplier_lot(tryton_shared: TrytonDemo) -> None:
    rows = tryton_shared.rows("""
        SELECT m.state, m.origin, m.shipment, l.number, s.state, pl.purchase
        FROM stock_move m
        JOIN stock_location f ON f.id = m.from_location
        JOIN stock_lot l ON l.id = m.lot
        JOIN stock_shipment_in s ON m.shipment = 'stock.shipment.in,' || s.id
        JOIN purchase_line pl ON m.origin = 'purchase.line,' || pl.id
        WHERE f.type = 'supplier'""")
    assert len(rows) == tryton_shared.report.counts["purchase_line"]
    assert {(state, shipment_state) for state, _o, _s, _n, shipment_state, _p in rows} == {
        ("done", "done")}
    numbers = [number for *_x, number, _s, _p in rows]
    assert len(set(numbers)) == len(numbers)  # one lot per line
    assert all(SUPPLIER_LOT.match(n) for n in numbers), numbers[:10]
    # and each received lot was put away from the receiving dock into a bin
    put_away = tryton_shared.rows("""
        SELECT count(*) FROM stock_move m JOIN stock_location t ON t.id = m.to_location
        JOIN stock_location p ON p.id = t.parent
        WHERE m.shipment LIKE 'stock.shipment.in,%' AND m.origin LIKE 'stock.move,%'
          AND m.state = 'done'
          AND t.type = 'storage' AND p.name LIKE '% zone %'""")
    assert put_away == [(len(rows),)]


def test_repacks_and_blends_consume_input_lots_and_make_output_lots(
        tryton_shared: TrytonDemo) -> None:
    rows = tryton_shared.rows("""
        SELECT p.id, p.state,
               array_agg(li.number ORDER BY li.number) FILTER (WHERE m.production_input = p.id),
               array_agg(lo.number) FILTER (WHERE m.production_output = p.id),
               bool_and(m.state = 'done')
        FROM production p
        JOIN stock_move m ON p.id IN (m.production_input, m.production_output)
        LEFT JOIN stock_lot li ON li.id = m.lot AND m.production_input = p.id
        LEFT JOIN stock_lot lo ON lo.id = m.lot AND m.production_output = p.id
        GROUP BY p.id, p.state""")
    assert len(rows) == tryton_shared.report.counts["production"] > 0
    repacks = [r for r in rows if r[3][0].startswith("RP")]
    blends = [r for r in rows if r[3][0].startswith("BL")]
    assert repacks and blends and len(repacks) + len(blends) == len(rows)
    for _id, state, inputs, outputs, moves_done in rows:
        assert state == "done" and moves_done
        assert len(outputs) == 1 and None not in inputs
    assert all(len(r[2]) == 1 for r in repacks)
    assert all(len(r[2]) == 2 for r in blends)
    # a repack turns a bulk pack into the small pack of the same product
    pairs = tryton_shared.rows("""
        SELECT ti.name, tout.name FROM production p
        JOIN stock_move i ON i.production_input = p.id
        JOIN stock_move o ON o.production_output = p.id
        JOIN product_product pi ON pi.id = i.product JOIN product_template ti ON ti.id = pi.template
        JOIN product_product po ON po.id = o.product
        JOIN product_template tout ON tout.id = po.template
        JOIN stock_lot l ON l.id = o.lot WHERE l.number LIKE 'RP%'""")
    assert all(a.split(", ")[0] == b.split(", ")[0] and a != b for a, b in pairs)


def test_internal_shipments_done_and_in_transit(tryton_shared: TrytonDemo) -> None:
    states = dict(tryton_shared.rows(
        "SELECT state, count(*) FROM stock_shipment_internal GROUP BY state"))
    assert states == {"done": SMALL.transfers - SMALL.in_transit, "shipped": SMALL.in_transit}
    moves = tryton_shared.rows("""
        SELECT s.id, m.state, f.name, t.name, m.lot IS NOT NULL
        FROM stock_shipment_internal s
        JOIN stock_move m ON m.shipment = 'stock.shipment.internal,' || s.id
        JOIN stock_location f ON f.id = m.from_location
        JOIN stock_location t ON t.id = m.to_location
        WHERE s.state = 'shipped'""")
    outgoing = [m for m in moves if m[3] == "Transit"]
    incoming = [m for m in moves if m[2] == "Transit"]
    assert outgoing and len(outgoing) == len(incoming) == len(moves) / 2
    assert {m[1] for m in outgoing} == {"done"}
    assert "done" not in {m[1] for m in incoming}
    assert all(m[4] for m in moves)


def test_customer_shipments_done_assigned_and_waiting(tryton_shared: TrytonDemo) -> None:
    states = dict(tryton_shared.rows(
        "SELECT state, count(*) FROM stock_shipment_out GROUP BY state"))
    assert states == {"done": SMALL.sales - SMALL.open_shipments - SMALL.waiting,
                      "assigned": SMALL.open_shipments, "waiting": SMALL.waiting}
    shipped = tryton_shared.rows("""
        SELECT m.state, m.lot IS NOT NULL, m.origin LIKE 'sale.line,%', s.state
        FROM stock_move m JOIN stock_location t ON t.id = m.to_location
        JOIN stock_shipment_out s ON m.shipment = 'stock.shipment.out,' || s.id
        WHERE t.type = 'customer' AND s.state = 'done'""")
    assert shipped and set(shipped) == {("done", True, True, "done")}
    # an open shipment: its picks (storage -> output) hold assigned lots, nothing has left
    assigned = tryton_shared.rows("""
        SELECT m.state, m.lot IS NOT NULL, f.type FROM stock_move m
        JOIN stock_shipment_out s ON m.shipment = 'stock.shipment.out,' || s.id
        JOIN stock_location f ON f.id = m.from_location
        WHERE s.state = 'assigned' AND m.origin LIKE 'stock.move,%'""")
    assert assigned and {(state, lot) for state, lot, _t in assigned} == {("assigned", True)}
    waiting = tryton_shared.rows("""
        SELECT DISTINCT sa.state, m.state FROM stock_shipment_out s
        JOIN stock_move m ON m.shipment = 'stock.shipment.out,' || s.id
        JOIN sale_line sl ON m.origin = 'sale.line,' || sl.id JOIN sale_sale sa ON sa.id = sl.sale
        WHERE s.state = 'waiting'""")
    assert waiting == [("processing", "draft")]


def test_split_picks_take_the_earliest_expiring_lot_first(tryton_shared: TrytonDemo) -> None:
    """A sale line served from several lots (FEFO) picks them in expiry order: the demo sets the
    shipment's pick (storage -> output) to the first lot and adds one per further lot, in order;
    Tryton then splits the outgoing move (output -> customer) per lot, each pick its origin."""
    lines = tryton_shared.rows("""
        SELECT o.origin, array_agg(l.expiration_date ORDER BY i.id)
        FROM stock_move i JOIN stock_move o ON i.origin = 'stock.move,' || o.id
        JOIN stock_lot l ON l.id = i.lot
        WHERE i.shipment LIKE 'stock.shipment.out,%' AND o.origin LIKE 'sale.line,%'
        GROUP BY o.origin HAVING count(*) > 1""")
    assert lines, "no sale line of the demo was picked from more than one lot"
    for _id, expiries in lines:
        assert expiries == sorted(expiries)


def test_customer_returns_received(tryton_shared: TrytonDemo) -> None:
    rows = tryton_shared.rows("""
        SELECT r.state, m.state, m.lot, r.customer,
               EXISTS (SELECT 1 FROM stock_move o
                       JOIN stock_shipment_out s ON o.shipment = 'stock.shipment.out,' || s.id
                       JOIN stock_location t ON t.id = o.to_location
                       WHERE o.lot = m.lot AND s.customer = r.customer AND t.type = 'customer'
                         AND o.state = 'done' AND o.effective_date <= m.effective_date)
        FROM stock_shipment_out_return r
        JOIN stock_move m ON m.shipment = 'stock.shipment.out.return,' || r.id
        JOIN stock_location f ON f.id = m.from_location
        WHERE f.type = 'customer'""")
    assert len(rows) == SMALL.returns
    assert all(r[0] == "done" and r[1] == "done" and r[2] is not None and r[4] for r in rows)


def test_tryton_lot_trace_through_proteus(tryton_shared: TrytonDemo) -> None:
    """From a blend's lot down to the lots it was made of and their supplier receipts, and
    from a received lot up to where it went, with Tryton's own stock.lot.trace."""
    from proteus import Model

    config = tryton_shared.config()
    Lot = Model.get("stock.lot", config=config)
    LotTrace = Model.get("stock.lot.trace", config=config)
    blend = Lot.find([("number", "like", "BL%")])[0]
    made, = [t for t in LotTrace.find([("lot", "=", blend.id)])
             if t.document and type(t.document).__name__ == "production"]
    inputs = made.downward_traces
    assert len(inputs) == 2 and {t.lot.id for t in inputs} != {blend.id}
    for trace in inputs:
        assert trace.document.id == made.document.id  # the production's input moves
        chain = trace
        while chain.downward_traces:
            chain = chain.downward_traces[0]
        assert chain.from_location.type == "supplier"
        assert type(chain.document).__name__ == "stock.shipment.in"
        assert chain.lot.id == trace.lot.id

    received = LotTrace.find([("from_location.type", "=", "supplier")], limit=1)[0]
    onward = received.upward_traces
    assert onward and onward[0].from_location.id == received.to_location.id


def test_a_fresh_copy_opens_and_stays_apart(tryton_db: TrytonDemo, tryton_shared: TrytonDemo,
                                            ) -> None:
    from proteus import Model

    config = tryton_db.config()
    Party = Model.get("party.party", config=config)
    Party(name="Copy Only Test Party").save()
    assert Party.find([("name", "=", "Copy Only Test Party")])
    other = tryton_shared.config()
    assert not Model.get("party.party", config=other).find(
        [("name", "=", "Copy Only Test Party")])
    again = tryton_db.config()  # a name opened before reuses its pools
    assert Model.get("party.party", config=again).find([("name", "=", "Copy Only Test Party")])


def test_same_seed_same_lots(tryton_base: TrytonDatabase,
                             request: pytest.FixtureRequest) -> None:
    """Two runs of the tiny demo with one seed on copies of the same empty database make the
    same lots (numbers, products, expiry dates, and ids)."""
    from tests.tryton.conftest import copy_database, drop_database

    as_of = dt.date.today()
    made = []
    for seed in (DEMO_SEED, DEMO_SEED):
        copy = copy_database(tryton_base.target, tryton_base.name, tryton_base.config_dir)
        request.addfinalizer(lambda copy=copy: drop_database(copy))  # type: ignore[misc]
        report = seed_tryton_demo(copy.target, copy.name, scale="tiny", seed=seed, as_of=as_of,
                                  config_dir=copy.config_dir)
        lots = copy.rows("SELECT l.id, l.number, l.expiration_date, t.code FROM stock_lot l "
                         "JOIN product_product p ON p.id = l.product "
                         "JOIN product_template t ON t.id = p.template ORDER BY l.id")
        assert [number for _id, number, _e, _c in lots] == list(report.lot_numbers)
        made.append(lots)
    assert made[0] == made[1] and len(made[0]) >= 10
