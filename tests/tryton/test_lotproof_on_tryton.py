"""Lotproof beside Tryton: its commands read Tryton's lots, its guards stop what Tryton's own
client does with a lot Lotproof holds, a receipt in Tryton lands in quarantine, and its trace
names the lots Tryton's own stock.lot.trace names."""

from __future__ import annotations

import datetime as dt
import io
import json
import select
from collections import defaultdict
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from app.cli import main
from app.db.demo.load import DEMO_USERS
from app.db.server import connect
from tests.tryton.conftest import TrytonDemo

pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]

PASSWORDS = {u: p for u, _n, _r, p in DEMO_USERS}


def _cli(db: TrytonDemo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
         *argv: str, stdin: str = "") -> tuple[int, str]:
    monkeypatch.setenv("LOTPROOF_DATABASE_URL",
                       db.target.admin_url.render_as_string(hide_password=False))
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    return code, capsys.readouterr().out


def _hold(db: TrytonDemo, monkeypatch: pytest.MonkeyPatch,
          capsys: pytest.CaptureFixture[str], number: str) -> None:
    code, out = _cli(db, monkeypatch, capsys, "lot", "hold", number, "--reason",
                     "Seal broken on two drums", "--user", "ivy.inspector", "--password-stdin",
                     stdin=PASSWORDS["ivy.inspector"] + "\n")
    assert code == 0 and f"lot {number} is now hold" in out, out


def test_lot_list_and_erp_info_show_trytons_lots(
        lotproof_tryton_shared: TrytonDemo, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    db = lotproof_tryton_shared
    code, out = _cli(db, monkeypatch, capsys, "lot", "list", "--limit", "1000",
                     "--format", "json")
    assert code == 0
    listed = {row["lot_code"] for row in json.loads(out)}
    assert listed == {n for (n,) in db.rows("SELECT number FROM stock_lot")}
    code, out = _cli(db, monkeypatch, capsys, "erp", "info", "--format", "json")
    info = json.loads(out)
    assert info["erp"] == "tryton"
    assert info["lots"] == db.rows("SELECT count(*) FROM stock_lot")[0][0]
    assert info["movements"] == db.rows(
        "SELECT count(*) FROM stock_move WHERE state = 'done' AND lot IS NOT NULL")[0][0]
    assert info["lot_genealogy"] > 0 and info["transfers"] > 0 and info["returns"] > 0


def _assigned_pick(db: TrytonDemo) -> tuple[int, int, str]:
    """A customer shipment Tryton has assigned, and one lot reserved on its picks."""
    shipment, lot, number = db.rows("""
        SELECT s.id, l.id, l.number FROM stock_shipment_out s
        JOIN stock_move m ON m.shipment = 'stock.shipment.out,' || s.id
        JOIN stock_lot l ON l.id = m.lot
        WHERE s.state = 'assigned' AND m.state = 'assigned'
        ORDER BY s.id, m.id LIMIT 1""")[0]
    return int(shipment), int(lot), str(number)


def test_tryton_cannot_ship_a_lot_lotproof_holds(
        lotproof_tryton: TrytonDemo, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """What a Tryton user does with an assigned customer shipment (pick, pack, do) is refused
    once Lotproof holds one of its lots, with the lot named; the shipment stays as it was."""
    db = lotproof_tryton
    shipment, _lot, number = _assigned_pick(db)
    _hold(db, monkeypatch, capsys, number)
    config = db.config()
    shipments = config.get_proxy("stock.shipment.out")
    with pytest.raises(Exception, match=rf"lot {number} is hold and cannot be shipped"):
        shipments.pick([shipment], config.context)
    assert db.rows("SELECT state FROM stock_shipment_out WHERE id = %s", shipment) == [
        ("assigned",)]
    assert db.rows("SELECT count(*) FROM stock_move WHERE shipment = %s AND state = 'done'",
                   f"stock.shipment.out,{shipment}") == [(0,)]


def test_tryton_ships_the_same_lot_once_released_from_hold(
        lotproof_tryton: TrytonDemo, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The guard refuses only what Lotproof refuses: an available lot's shipment goes through
    Tryton's whole workflow."""
    db = lotproof_tryton
    shipment, lot, _number = _assigned_pick(db)
    assert db.rows("SELECT status FROM quality.lots WHERE id = %s", lot) == [("available",)]
    config = db.config()
    shipments = config.get_proxy("stock.shipment.out")
    for verb in ("pick", "pack", "do"):
        getattr(shipments, verb)([shipment], config.context)
    assert db.rows("SELECT state FROM stock_shipment_out WHERE id = %s", shipment) == [
        ("done",)]
    shipped = db.rows("SELECT count(*) FROM erp.shipment_lines WHERE shipment_id = %s",
                      shipment)[0][0]
    assert shipped >= 1


def test_tryton_cannot_assign_a_held_lot_to_a_shipment(
        lotproof_tryton: TrytonDemo, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A waiting shipment's pick given a held lot (as a Tryton user picks a lot) cannot be
    assigned: assign_try is refused with the lot named."""
    db = lotproof_tryton
    shipment, move, lot, number = db.rows("""
        SELECT s.id, m.id, l.id, l.number FROM stock_shipment_out s
        JOIN stock_move m ON m.shipment = 'stock.shipment.out,' || s.id
        JOIN stock_location t ON t.id = m.to_location AND t.type = 'storage'
        JOIN stock_location f ON f.id = m.from_location
        JOIN stock_lot l ON l.product = m.product
        JOIN erp.stock st ON st.lot_id = l.id AND st.qty >= m.internal_quantity
        JOIN stock_location here ON here.id = st.location_id
            AND here."left" >= f."left" AND here."right" <= f."right"
        JOIN quality.lots q ON q.id = l.id AND q.status = 'available'
        WHERE s.state = 'waiting' AND m.state = 'draft'
        ORDER BY s.id, m.id, l.id LIMIT 1""")[0]
    _hold(db, monkeypatch, capsys, str(number))
    config = db.config()
    config.get_proxy("stock.move").write([move], {"lot": lot}, config.context)
    with pytest.raises(Exception, match=rf"lot {number} is hold and cannot be assigned"):
        config.get_proxy("stock.shipment.out").assign_try([shipment], config.context)
    assert db.rows("SELECT state FROM stock_move WHERE id = %s", move) == [("draft",)]


def _receive_in_tryton(config: Any, db: TrytonDemo, number: str) -> int:
    """A purchase received the way a Tryton user does: order, confirm, supplier shipment with
    the supplier's lot on its incoming move, receive."""
    supplier, warehouse, product, unit, payment_term, currency, address = db.rows("""
        SELECT o.party, o.warehouse, pl.product, pl.unit, o.payment_term, o.currency,
               o.invoice_address
        FROM purchase_purchase o JOIN purchase_line pl ON pl.purchase = o.id
        ORDER BY o.id LIMIT 1""")[0]
    purchases = config.get_proxy("purchase.purchase")
    ctx = config.context
    [purchase] = purchases.create([{
        "party": supplier, "warehouse": warehouse, "invoice_method": "manual",
        "payment_term": payment_term, "currency": currency, "invoice_address": address,
        "purchase_date": dt.date.today(),
        "lines": [("create", [{"product": product, "quantity": 40, "unit": unit,
                               "unit_price": Decimal("2.50"), "description": "test lot"}])],
    }], ctx)
    purchases.quote([purchase], ctx)
    purchases.confirm([purchase], ctx)
    [line] = purchases.read([purchase], ["lines"], ctx)[0]["lines"]
    moves = config.get_proxy("purchase.line").read([line], ["moves"], ctx)[0]["moves"]
    [lot] = config.get_proxy("stock.lot").create([{"number": number, "product": product}], ctx)
    config.get_proxy("stock.move").write(moves, {"lot": lot}, ctx)
    inputs = db.rows("SELECT input_location, storage_location FROM stock_location "
                     "WHERE id = %s", warehouse)[0]
    shipments = config.get_proxy("stock.shipment.in")
    [shipment] = shipments.create([{
        "supplier": supplier, "warehouse": warehouse, "warehouse_input": inputs[0],
        "warehouse_storage": inputs[1], "incoming_moves": [("add", moves)],
        "planned_date": dt.date.today(), "effective_date": dt.date.today()}], ctx)
    shipments.receive([shipment], ctx)
    return int(lot)


def test_a_lot_received_in_tryton_is_in_quarantine_and_the_workstations_hear_of_it(
        lotproof_tryton: TrytonDemo) -> None:
    db = lotproof_tryton
    config = db.config()
    with connect(db.target.admin_url, autocommit=True) as listener:
        listener.execute("LISTEN lotproof_changes")
        lot = _receive_in_tryton(config, db, "LPT-0001")
        heard = []
        for _ in range(20):
            if select.select([listener.fileno()], [], [], 0.5)[0]:
                heard.extend(n.payload for n in listener.notifies(timeout=0.1))
            if heard:
                break
    status, supplier, origin = db.rows(
        "SELECT status, supplier_id, origin FROM quality.lots WHERE id = %s", lot)[0]
    assert (status, origin) == ("quarantine", "receipt")
    assert supplier == db.rows("SELECT s.supplier FROM stock_move m JOIN stock_shipment_in s "
                               "ON m.shipment = 'stock.shipment.in,' || s.id "
                               "WHERE m.lot = %s LIMIT 1", lot)[0][0]
    assert any("LPT-0001" in h for h in heard), f"no notification naming the lot: {heard}"
    assert db.rows("SELECT action FROM audit.trail WHERE record_type = 'quality.lot_state' "
                   "AND lot_id = %s ORDER BY id LIMIT 1", lot) == [("lot.receive",)]
    # and Lotproof's release checks ask for what a receipt needs
    blockers = db.rows("SELECT quality.release_blockers(%s)::text", lot)[0][0]
    assert "COA" in blockers


def test_customer_rules_answer_for_trytons_lots(lotproof_tryton_shared: TrytonDemo) -> None:
    """check_shipment and the FEFO suggestion work on Tryton's lots: FEFO offers the available
    lots of the item in expiry order, none that Lotproof holds back."""
    db = lotproof_tryton_shared
    customer, item = db.rows("""
        SELECT (SELECT min(o.party) FROM sale_sale o WHERE NOT EXISTS (
                    SELECT 1 FROM quality.customer_requirements r WHERE r.customer_id = o.party)),
               q.item_id
        FROM quality.lots q JOIN erp.stock st ON st.lot_id = q.id
        JOIN erp.locations loc ON loc.id = st.location_id
            AND loc.kind NOT IN ('in_transit', 'returns')
        WHERE q.status = 'available' AND q.expiry_date > current_date + 365
          AND st.qty > coalesce((SELECT sum(a.qty) FROM erp.allocations a
                                 WHERE a.lot_id = q.id), 0)
        ORDER BY q.item_id LIMIT 1""")[0]
    suggested = db.rows("SELECT lot_code, expiry_date FROM quality.suggest_allocation(%s, %s, %s)",
                        item, customer, 1000000)
    assert suggested, "no FEFO suggestion for an item with available stock"
    statuses = {code: status for code, status in db.rows(
        "SELECT lot_code, status FROM quality.lots WHERE item_id = %s", item)}
    assert all(statuses[code] == "available" for code, _e in suggested)
    expiries = [e for _c, e in suggested]
    assert expiries == sorted(expiries)
    code = suggested[0][0]
    assert db.rows("SELECT allowed, reasons FROM quality.check_shipment(%s, %s, %s)",
                   code, customer, 1) == [(True, [])]


# ---------------------------------------------------------------- trace against Tryton's own

def _tryton_trace_closure(config: Any) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """For each lot, the lots Tryton's stock.lot.trace reaches upward (forward) and downward
    (backward) from its moves, following its upward_traces and downward_traces."""
    traces = config.get_proxy("stock.lot.trace")
    ctx = config.context
    ids = traces.search([], 0, None, None, ctx)
    rows = traces.read(ids, ["lot", "upward_traces", "downward_traces"], ctx)
    lot_of = {r["id"]: r["lot"] for r in rows}
    up = {r["id"]: r["upward_traces"] for r in rows}
    down = {r["id"]: r["downward_traces"] for r in rows}
    by_lot: dict[int, list[int]] = defaultdict(list)
    for trace_id, lot in lot_of.items():
        by_lot[lot].append(trace_id)

    def reach(start: list[int], edges: dict[int, list[int]]) -> set[int]:
        seen, todo = set(start), list(start)
        while todo:
            for nxt in edges.get(todo.pop(), []):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return {lot_of[t] for t in seen if t in lot_of}

    forward = {lot: reach(t, up) for lot, t in by_lot.items()}
    backward = {lot: reach(t, down) for lot, t in by_lot.items()}
    return forward, backward


def test_trace_names_the_lots_trytons_own_trace_names(lotproof_tryton_shared: TrytonDemo) -> None:
    """For every lot of the small demo, Lotproof's forward and backward trace name the same
    lots as Tryton's stock.lot.trace followed to its ends."""
    db = lotproof_tryton_shared
    forward, backward = _tryton_trace_closure(db.config())
    codes = dict(db.rows("SELECT id, number FROM stock_lot"))
    differences = []
    with connect(db.target.admin_url) as conn:
        for lot, number in sorted(codes.items()):
            for direction, tryton in (("forward", forward), ("backward", backward)):
                found = conn.execute(f"SELECT quality.trace_{direction}(%s)",
                                     ([number],)).fetchone()
                assert found is not None
                ours = {row["lot_id"] for row in found[0]["lots"]}
                theirs = tryton.get(lot, {lot})
                if ours != theirs:
                    differences.append((number, direction, sorted(codes[x] for x in ours),
                                        sorted(codes[x] for x in theirs)))
    assert len(forward) >= 200
    assert sum(len(lots) > 1 for lots in forward.values()) >= 20  # through productions
    assert not differences, differences[:10]


def test_a_decided_lot_keeps_its_number_in_tryton(
        lotproof_tryton: TrytonDemo, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    db = lotproof_tryton
    _shipment, lot, number = _assigned_pick(db)
    _hold(db, monkeypatch, capsys, number)
    config = db.config()
    with pytest.raises(Exception, match=rf"lot {number} is hold: its product, number"):
        config.get_proxy("stock.lot").write([lot], {"number": number + "-X"}, config.context)
    with pytest.raises(psycopg.errors.InsufficientPrivilege), \
            connect(db.target.admin_url) as conn:
        conn.execute("SET ROLE lotproof_inspector")
        conn.execute("UPDATE quality.lot_state SET status = 'available' WHERE lot_id = %s",
                     (lot,))


def test_tryton_cannot_use_a_held_lot_in_a_production(
        lotproof_tryton: TrytonDemo, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A repack a Tryton user plans with a held lot as its input is refused at assignment."""
    db = lotproof_tryton
    lot, number, product, unit, bin_, warehouse, production_location, company = db.rows("""
        SELECT l.id, l.number, l.product, t.default_uom, st.location_id, w.id,
               w.production_location, (SELECT min(id) FROM company_company)
        FROM stock_lot l JOIN product_product p ON p.id = l.product
        JOIN product_template t ON t.id = p.template
        JOIN erp.stock st ON st.lot_id = l.id AND st.qty >= 10
        JOIN stock_location here ON here.id = st.location_id
        JOIN stock_location w ON w.type = 'warehouse' AND here."left" > w."left"
            AND here."right" < w."right"
        JOIN quality.lots q ON q.id = l.id AND q.status = 'available'
        WHERE w.production_location IS NOT NULL
        ORDER BY l.id LIMIT 1""")[0]
    _hold(db, monkeypatch, capsys, str(number))
    config = db.config()
    ctx = config.context
    productions = config.get_proxy("production")
    [production] = productions.create([{
        "company": company, "warehouse": warehouse, "location": production_location,
        "planned_date": dt.date.today(), "planned_start_date": dt.date.today(),
        "inputs": [("create", [{"product": product, "lot": lot, "quantity": 10, "unit": unit,
                                "from_location": bin_, "to_location": production_location,
                                "company": company}])]}], ctx)
    productions.wait([production], ctx)
    with pytest.raises(Exception, match=rf"lot {number} is hold and cannot be used in a "
                                         "production"):
        productions.assign_try([production], ctx)
    assert db.rows("SELECT state FROM stock_move WHERE production_input = %s",
                   production) == [("draft",)]


def test_audit_verify_holds_on_tryton_and_names_a_disabled_guard(
        lotproof_tryton: TrytonDemo, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The trail of the Tryton demo verifies (Tryton's lots adopted, receipts, decisions); the
    account owning Tryton's tables can disable Lotproof's guard on stock_move, and
    `lotproof audit verify` then says so."""
    db = lotproof_tryton
    code, out = _cli(db, monkeypatch, capsys, "audit", "verify")
    assert code == 0 and "audit trail intact" in out, out
    with connect(db.target.admin_url) as conn:
        conn.execute("ALTER TABLE stock_move DISABLE TRIGGER lotproof_move_guard")
    code = main(["audit", "verify"])
    out = "".join(capsys.readouterr())
    assert code == 1
    assert "lotproof_move_guard on Tryton's stock_move was dropped or disabled" in out, out
