"""Round 2, the ERP's database account: round 1 guarded a lot's STATUS and the allocation /
shipment of lots that are not available or past their date. Everything else about a lot that
decides the outcome is plain ERP data the account may rewrite, unaudited:

- item_id: the lot is re-labelled as a lenient item (no documents, no specification), released
  by an approver who sees no blockers, and labelled back.
- expiry_date: an expired lot's date is moved forward and the lot ships.
- erp.stock: a lot with no stock at the moment of the recall hold is never held, and stays
  `available` inside an open recall; stock hidden for that moment (or a return arriving after
  it) ships.
- customer requirements set by compliance (excluded lots) are asked (quality.check_shipment) but
  never enforced: the ERP allocates an excluded lot.

The attacker is a login made for the test, standing in for the ERP's account, with SELECT,
INSERT and UPDATE on erp.lots, erp.stock, erp.allocations and erp.shipment_lines.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from app.db.server import ServerTarget, connect
from tests.conftest import unique_username
from tests.security.support import (
    ErpAccount,
    as_user,
    blockers_of,
    cluster_rows,
    make_lot,
    owner_one,
    owner_rows,
    release,
    status_of,
)


@pytest.fixture
def erp(db: ServerTarget) -> Iterator[ErpAccount]:
    """The ERP's account: receipts, stock, allocations and shipments."""
    account = ErpAccount(unique_username("rt.erp2"), "erp-" + secrets.token_hex(8))
    cluster_rows(db, f"CREATE ROLE \"{account.username}\" LOGIN PASSWORD '{account.password}'")
    for grant in ("USAGE ON SCHEMA erp, erp_builtin",
                  "SELECT, INSERT, UPDATE ON erp.lots, erp.stock, erp.allocations, "
                  "erp.shipment_lines",
                  "SELECT ON erp.sales_order_lines, erp.sales_orders, erp.shipments, erp.items",
                  "USAGE ON SEQUENCE erp_builtin.lots_id_seq, erp_builtin.allocations_id_seq, "
                  "erp_builtin.shipment_lines_id_seq"):
        owner_rows(db, f'GRANT {grant} TO "{account.username}"')
    yield account
    owner_rows(db, f'DROP OWNED BY "{account.username}"')
    cluster_rows(db, f'DROP ROLE "{account.username}"')


def _as_erp(db: ServerTarget, erp: ErpAccount, sql: str, params: Any = None) -> str:
    try:
        with connect(erp.url(db)) as conn:
            conn.execute(sql, params)
        return "ok"
    except psycopg.Error as exc:
        return f"refused: {str(exc).strip().splitlines()[0]}"


def _order_line(db: ServerTarget) -> tuple[int, int]:
    line, customer = owner_rows(db, """
        SELECT ol.id, o.customer_id FROM erp.sales_order_lines ol
        JOIN erp.sales_orders o ON o.id = ol.order_id ORDER BY ol.id LIMIT 1""")[0]
    return int(line), int(customer)


def _allocate(db: ServerTarget, erp: ErpAccount, lot_id: int, line: int) -> str:
    return _as_erp(db, erp, "INSERT INTO erp.allocations (order_line_id, lot_id, qty) "
                            "VALUES (%s, %s, 1)", (line, lot_id))


def _trail_by(db: ServerTarget, username: str, lot_id: int) -> list[Any]:
    return owner_rows(db, "SELECT id, action, new_values FROM audit.trail WHERE username = %s "
                          "AND lot_id = %s ORDER BY id", (username, lot_id))


def test_the_erp_relabels_a_lot_as_a_lenient_item_for_its_release(
        db: ServerTarget, erp: ErpAccount) -> None:
    """Attack: a lot of an item that needs a verified COA waits in quarantine; the ERP's account
    sets its item_id to an item that needs no documents, an approver (seeing no blockers)
    releases it, and the ERP sets the item back: a lot of the strict item is available with no
    COA ever seen, and no audit row records either change.
    Safe outcome: the ERP may not change the item of a lot Lotproof decides on (refused), or the
    lot is not available as the strict item without its COA."""
    lot = make_lot(db)  # needs a COA
    lenient = make_lot(db, required_documents=())
    before = blockers_of(db, lot)
    steps = [f"to lenient item: {_as_erp(db, erp, 'UPDATE erp.lots SET item_id = %s WHERE id = %s', (lenient.item_id, lot.id))}"]
    during = blockers_of(db, lot)
    ok, outcome = release(db, "arlo.approver", lot, "nothing outstanding")
    steps.append(f"release ({ok}): {outcome}")
    steps.append(f"back to the strict item: {_as_erp(db, erp, 'UPDATE erp.lots SET item_id = %s WHERE id = %s', (lot.item_id, lot.id))}")
    item = owner_one(db, "SELECT item_id FROM quality.lots WHERE id = %s", (lot.id,))
    assert not (status_of(db, lot) == "available" and item == lot.item_id), (
        f"{lot.code} of {lot.item_name!r} is available without a COA (blockers {before} -> "
        f"{during} while re-labelled as item {lenient.item_id}, -> {blockers_of(db, lot)} "
        f"now): {steps}; audit rows by the ERP for the lot: {_trail_by(db, erp.username, lot.id)}")


def test_the_erp_moves_an_expired_lots_date_forward_and_allocates_it(
        db: ServerTarget, erp: ErpAccount) -> None:
    """Attack: a released lot's expiry date has passed (the expiry check has not run yet); the
    ERP's account sets expiry_date a year ahead and allocates the lot to an order: the guard
    compares with the date the ERP just wrote. No audit row records the new date.
    Safe outcome: the date change (a shelf-life extension, a quality decision) is refused, or the
    allocation is."""
    lot = make_lot(db, required_documents=())
    ok, outcome = release(db, "arlo.approver", lot)
    assert ok and status_of(db, lot) == "available", f"set-up: release {outcome}"
    owner_rows(db, "UPDATE erp.lots SET expiry_date = current_date - 3 WHERE id = %s",
               (lot.id,))  # time passes
    line, _customer = _order_line(db)
    direct = _allocate(db, erp, lot.id, line)
    assert direct.startswith("refused"), f"set-up: an expired lot must not allocate: {direct}"
    extended = _as_erp(db, erp, "UPDATE erp.lots SET expiry_date = current_date + 365 "
                                "WHERE id = %s", (lot.id,))
    allocated = _allocate(db, erp, lot.id, line)
    assert allocated.startswith("refused") or extended.startswith("refused"), (
        f"{lot.code} expired 3 days ago; the ERP moved its date a year ahead ({extended}) and "
        f"allocated it ({allocated}); audit rows by the ERP for the lot: "
        f"{_trail_by(db, erp.username, lot.id)}")


@pytest.mark.parametrize("how", ["erp_hides_the_stock_during_the_hold",
                                 "stock_comes_back_after_the_hold"])
def test_a_lot_in_an_open_recall_is_allocated_once_its_stock_reappears(
        db: ServerTarget, erp: ErpAccount, how: str) -> None:
    """Attack: a released lot is named in a recall; when the compliance officer signs the mass
    hold its stock is zero (the ERP's account set it to 0 just then, or it had all shipped and
    a return comes back later), so quality.recall_hold skips it and marks the recall held. The
    stock reappears and the ERP allocates the lot: it is still `available` inside the open
    recall.
    Safe outcome: the allocation is refused (a lot in a recall that is not closed does not
    leave), or the lot is on hold by then."""
    lot = make_lot(db, required_documents=())
    ok, outcome = release(db, "arlo.approver", lot)
    assert ok and status_of(db, lot) == "available", f"set-up: release {outcome}"
    recall = as_user(db, "cora.compliance", "SELECT quality.open_recall(ARRAY[%s], %s, 'I', "
                     "NULL, false)", (lot.code, "Salmonella found in retained sample"))[0][0]
    zero = "UPDATE erp.stock SET qty = 0 WHERE lot_id = %s"
    if how == "erp_hides_the_stock_during_the_hold":
        hidden = _as_erp(db, erp, zero, (lot.id,))
    else:
        owner_rows(db, zero, (lot.id,))  # everything had shipped
        hidden = "shipped before the recall"
    held = as_user(db, "cora.compliance", "SELECT quality.recall_hold(%s)", (recall,))[0][0]
    back = _as_erp(db, erp, "UPDATE erp.stock SET qty = 40 WHERE lot_id = %s", (lot.id,))
    line, _customer = _order_line(db)
    allocated = _allocate(db, erp, lot.id, line)
    state = owner_rows(db, "SELECT r.state, rl.held FROM quality.recalls r JOIN "
                           "quality.recall_lots rl ON rl.recall_id = r.id WHERE r.id = %s "
                           "AND rl.lot_id = %s", (recall, lot.id))
    assert allocated.startswith("refused") or status_of(db, lot) == "hold", (
        f"{lot.code} is in recall {recall} ({state}: state, held) and is "
        f"{status_of(db, lot)}: stock to 0 ({hidden}), recall_hold {held}, stock back "
        f"({back}), allocation {allocated}")


def test_the_erp_allocates_a_lot_the_customer_excluded(db: ServerTarget,
                                                        erp: ErpAccount) -> None:
    """Attack: compliance records that a customer excludes a lot (set_customer_requirements,
    excluded lots); quality.check_shipment says no, but the ERP's account allocates the lot to
    that customer's order anyway: customer requirements are only asked, never enforced.
    Safe outcome: the allocation is refused."""
    lot = make_lot(db, required_documents=())
    ok, outcome = release(db, "arlo.approver", lot)
    assert ok and status_of(db, lot) == "available", f"set-up: release {outcome}"
    line, customer = _order_line(db)
    as_user(db, "cora.compliance", "SELECT quality.set_customer_requirements(%s, NULL, NULL, "
            "NULL, ARRAY[%s], NULL, %s)", (customer, lot.code, "Customer complaint on this lot"))
    asked = owner_rows(db, "SELECT allowed, reasons FROM quality.check_shipment(%s, %s, 1)",
                       (lot.code, customer))
    allocated = _allocate(db, erp, lot.id, line)
    assert allocated.startswith("refused"), (
        f"customer {customer} excludes {lot.code}; check_shipment answers {asked}; the ERP's "
        f"allocation to its order line {line}: {allocated}")
