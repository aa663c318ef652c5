"""Forward and backward traces equal an independent reference computed in Python over the same
rows, on generated genealogies with splits, multi-level repacks, kits mixing several parents,
returns and cycles through rework (property-based, hypothesis)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, text

from app.db.engine import make_engine
from app.db.queries.trace import trace
from app.db.server import ServerTarget

KINDS = ("split", "repack", "relabel", "kit", "blend", "rework")


@pytest.fixture(scope="module")
def engine(shared_db: ServerTarget) -> Iterator[Engine]:
    e = make_engine(shared_db.admin_url)
    yield e
    e.dispose()


@st.composite
def genealogies(draw: st.DrawFn) -> dict[str, object]:
    n = draw(st.integers(min_value=1, max_value=18))
    edges = draw(st.lists(
        st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.sampled_from(KINDS),
                  st.integers(1, 500)),
        max_size=40).filter(lambda es: all(a != b for a, b, _k, _q in es)))
    shipments = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(1, 90)),
                              max_size=25))
    stock = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(1, 50)), max_size=10,
                          unique_by=lambda s: s[0]))
    returns = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(1, 5)), max_size=5))
    start = draw(st.integers(0, n - 1))
    return {"n": n, "edges": edges, "shipments": shipments, "stock": stock,
            "returns": returns, "start": start}


def _insert(conn: Connection, g: dict[str, object], tag: str) -> list[int]:
    """The generated lots and their history, with ids far above the demo data's."""
    base = 50_000_000
    conn.execute(text("SET LOCAL ROLE lotproof_owner"))  # the guard lets the owner set statuses
    item, site, customer, location = conn.execute(text(
        "SELECT (SELECT min(id) FROM erp.items), (SELECT min(id) FROM erp.sites), "
        "(SELECT min(id) FROM erp.customers), (SELECT min(id) FROM erp.locations "
        "WHERE kind = 'bin')")).one()
    ids = [base + i for i in range(int(g["n"]))]  # type: ignore[call-overload]
    for i, lot_id in enumerate(ids):
        conn.execute(text(
            "INSERT INTO erp.lots (id, lot_code, item_id, origin, site_id, created_at) "
            "VALUES (:id, :code, :item, 'receipt', :site, now())"),
            {"id": lot_id, "code": f"T{tag}-{i}", "item": item, "site": site})
    conn.execute(text("UPDATE quality.lot_state SET status = 'available' "
                      "WHERE lot_id = ANY(:ids)"), {"ids": ids})
    for e_no, (a, b, kind, qty) in enumerate(g["edges"]):  # type: ignore[attr-defined]
        conn.execute(text(
            "INSERT INTO erp.transformations (id, number, kind, site_id, performed_at) "
            "VALUES (:id, :num, :kind, :site, now())"),
            {"id": base + e_no, "num": f"TT{tag}-{e_no}", "kind": kind, "site": site})
        conn.execute(text(
            "INSERT INTO erp.lot_genealogy (parent_lot_id, child_lot_id, qty, transformation, "
            "transformation_id, created_at) VALUES (:p, :c, :q, :k, :t, now())"),
            {"p": ids[a], "c": ids[b], "q": qty, "k": kind, "t": base + e_no})
    order = conn.execute(text("SELECT min(id) FROM erp.sales_order_lines")).scalar_one()
    shipment_order = conn.execute(text("SELECT min(id) FROM erp.sales_orders")).scalar_one()
    for s_no, (lot, qty) in enumerate(g["shipments"]):  # type: ignore[attr-defined]
        conn.execute(text(
            "INSERT INTO erp.shipments (id, shipment_number, customer_id, order_id, site_id, "
            "shipped_at) VALUES (:id, :num, :cust, :o, :site, now())"),
            {"id": base + s_no, "num": f"TS{tag}-{s_no}", "cust": customer, "o": shipment_order,
             "site": site})
        conn.execute(text(
            "INSERT INTO erp.shipment_lines (shipment_id, order_line_id, lot_id, qty) "
            "VALUES (:s, :ol, :lot, :q)"),
            {"s": base + s_no, "ol": order, "lot": ids[lot], "q": qty})
    for lot, qty in g["stock"]:  # type: ignore[attr-defined]
        conn.execute(text("INSERT INTO erp.stock (lot_id, location_id, qty) VALUES (:l, :loc, :q)"),
                     {"l": ids[lot], "loc": location, "q": qty})
    for r_no, (lot, qty) in enumerate(g["returns"]):  # type: ignore[attr-defined]
        conn.execute(text(
            "INSERT INTO erp.returns (rma_number, customer_id, lot_id, location_id, qty, "
            "returned_at, reason_code) VALUES (:rma, :c, :l, :loc, :q, now(), 'DAMAGED')"),
            {"rma": f"TR{tag}-{r_no}", "c": customer, "l": ids[lot], "loc": location, "q": qty})
    return ids


def _reference(g: dict[str, object], forward: bool) -> dict[int, int]:
    """Breadth-first over the same edges in Python: lot index -> shallowest depth."""
    adjacent: dict[int, set[int]] = {}
    for a, b, _kind, _qty in g["edges"]:  # type: ignore[attr-defined]
        src, dst = (a, b) if forward else (b, a)
        adjacent.setdefault(src, set()).add(dst)
    depth = {int(g["start"]): 0}  # type: ignore[call-overload]
    queue = deque([int(g["start"])])  # type: ignore[call-overload]
    while queue:
        node = queue.popleft()
        for nxt in adjacent.get(node, ()):
            if nxt not in depth:
                depth[nxt] = depth[node] + 1
                queue.append(nxt)
    return depth


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(genealogies())
def test_traces_equal_the_python_reference(engine: Engine, g: dict[str, object]) -> None:
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            _insert(conn, g, "x")
            start = f"Tx-{g['start']}"
            for forward in (True, False):
                result = trace(conn, [start], "forward" if forward else "backward")
                got = {int(lot.lot_code.split("-")[1]): lot.depth for lot in result.lots}
                assert got == _reference(g, forward)
                for lot in result.lots:  # each path is a chain of real edges from the start
                    assert lot.path[0] == start and len(lot.path) == lot.depth + 1
                if forward:
                    reached = set(got)
                    expected = sorted(f"TS{'x'}-{i}" for i, (lot, _q) in
                                      enumerate(g["shipments"])  # type: ignore[arg-type]
                                      if lot in reached)
                    assert sorted(s.shipment for s in result.shipments) == expected
                    assert sorted(s.lot_code for s in result.stock) == sorted(
                        f"Tx-{lot}" for lot, _q in g["stock"]  # type: ignore[attr-defined]
                        if lot in reached)
                    assert len(result.returns) == sum(
                        1 for lot, _q in g["returns"] if lot in reached)  # type: ignore[attr-defined]
                else:
                    roots = {b for _a, b, _k, _q in g["edges"]}  # type: ignore[attr-defined]
                    expected_sources = sorted(f"Tx-{i}" for i in got if i not in roots)
                    assert sorted(s.lot_code for s in result.sources) == expected_sources
        finally:
            transaction.rollback()


def test_a_demo_chain_is_ten_levels_deep(engine: Engine) -> None:
    with engine.connect() as conn:
        deepest = conn.execute(text("""
            WITH RECURSIVE down(id, d) AS (
                SELECT l.id, 0 FROM quality.lots l WHERE l.origin = 'receipt'
                UNION ALL
                SELECT g.child_lot_id, d + 1 FROM down JOIN erp.lot_genealogy g
                ON g.parent_lot_id = down.id WHERE d < 12)
            SELECT l.lot_code FROM down JOIN quality.lots l ON l.id = down.id
            WHERE d = 10 LIMIT 1""")).scalar_one()
        back = trace(conn, [deepest], "backward")
    assert back.max_depth == 10
    assert len(back.sources) == 1 and back.sources[0].receipt is not None
    assert back.sources[0].supplier is not None
    assert [len(lot.path) for lot in back.lots] == list(range(1, 12))
