"""Lotproof's trace and recall impact on a Tryton database, against Tryton's own lot trace
(`stock.lot.trace` through its ORM), on the same data in the same run.

    python -m benchmarks.tryton_trace [--copies 455] [--runs 5] [--lots 12]
        [--server-url URL --demo-database NAME]

The data: the small Tryton demo, made through Tryton's API (proteus), then replicated in SQL
`--copies` times: every copied row is a row Tryton wrote, with its ids shifted by a stride per
table and its numbers suffixed (lots, moves, shipments of each kind, productions, purchases and
sales with their lines; the references between them — `shipment`, `origin`, `production_input`,
`lot` — shifted with them). Parties, products and locations are shared. 455 copies of the small
demo are about 98,000 lots and 500,000 moves. Then Lotproof is installed beside it
(`migrate.upgrade(erp="tryton")`), which adopts Tryton's lots.

Measured, for a sample of received lots that went into productions and were shipped:
- Lotproof: quality.trace_forward (the recall impact: every descendant lot, its stock by
  location, shipments with customers, open allocations and returns) and quality.trace_backward
  (to the supplier receipts), one call each;
- Tryton: the same lot's trace through stock.lot.trace, followed the way Tryton's client does
  (upward_traces / downward_traces of each trace, read batch by batch to the end), in this
  process through trytond's ORM (proteus' trytond configuration, no network).
Both name the same lots (checked for every sample; tests/tryton checks every lot of the demo).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from app.db import migrate
from app.db.engine import make_engine
from app.db.server import ServerTarget, connect, open_server

# table -> (Tryton model whose references name it, columns holding its number)
COPIED: dict[str, tuple[str, tuple[str, ...]]] = {
    "stock_lot": ("stock.lot", ("number",)),
    "stock_shipment_in": ("stock.shipment.in", ("number",)),
    "stock_shipment_out": ("stock.shipment.out", ("number",)),
    "stock_shipment_internal": ("stock.shipment.internal", ("number",)),
    "stock_shipment_out_return": ("stock.shipment.out.return", ("number",)),
    "production": ("production", ("number",)),
    "purchase_purchase": ("purchase.purchase", ("number",)),
    "purchase_line": ("purchase.line", ()),
    "sale_sale": ("sale.sale", ("number",)),
    "sale_line": ("sale.line", ()),
    "stock_move": ("stock.move", ()),  # last: it points into the others
}
# integer columns pointing into a copied table
POINTERS = {
    ("stock_move", "lot"): "stock_lot",
    ("stock_move", "production_input"): "production",
    ("stock_move", "production_output"): "production",
    ("purchase_line", "purchase"): "purchase_purchase",
    ("sale_line", "sale"): "sale_sale",
}
REFERENCES = {("stock_move", "shipment"), ("stock_move", "origin"), ("sale_sale", "origin")}


def replicate(conn: psycopg.Connection[Any], copies: int) -> tuple[dict[str, int], int]:
    """Copy every demo row of COPIED `copies` times with shifted ids; returns rows per table
    and the stride of lot ids (lot `id + stride * k` is copy k of lot `id`)."""
    stride = {t: int(conn.execute(sql.SQL("SELECT coalesce(max(id), 0) + 1 FROM {}").format(
        sql.Identifier(t))).fetchone()[0]) for t in COPIED}  # type: ignore[index]
    by_model = {model: table for table, (model, _n) in COPIED.items()}

    def reference(column: str) -> sql.Composable:
        # 'model,id' -> 'model,' || (id + stride(model) * k), for the copied models
        cases = [sql.SQL("WHEN split_part({c}, ',', 1) = {m} THEN {m} || ',' || "
                         "(split_part({c}, ',', 2)::integer + {s} * k.k)").format(
                     c=sql.Identifier(column), m=sql.Literal(model), s=sql.Literal(stride[t]))
                 for model, t in by_model.items()]
        return sql.SQL("CASE {} ELSE {} END").format(sql.SQL(" ").join(cases),
                                                    sql.Identifier(column))

    for table, (_model, numbers) in COPIED.items():
        columns = [str(c) for (c,) in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND table_name = %s ORDER BY ordinal_position", (table,)).fetchall()]
        values: list[sql.Composable] = []
        for c in columns:
            ident = sql.Identifier(c)
            if c == "id":
                values.append(sql.SQL("id + {} * k.k").format(sql.Literal(stride[table])))
            elif c in numbers:
                values.append(sql.SQL("{} || '-' || k.k").format(ident))
            elif (table, c) in POINTERS:
                values.append(sql.SQL("{} + {} * k.k").format(
                    ident, sql.Literal(stride[POINTERS[(table, c)]])))
            elif (table, c) in REFERENCES:
                values.append(reference(c))
            else:
                values.append(ident)
        conn.execute(sql.SQL(
            "INSERT INTO {t} ({cols}) SELECT {vals} FROM {t} "
            "CROSS JOIN generate_series(1, {n}) AS k(k) WHERE {t}.id < {s}").format(
                t=sql.Identifier(table), cols=sql.SQL(", ").join(map(sql.Identifier, columns)),
                vals=sql.SQL(", ").join(values), n=sql.Literal(copies),
                s=sql.Literal(stride[table])))
        conn.execute(sql.SQL("SELECT setval(pg_get_serial_sequence({t}, 'id'), "
                             "(SELECT max(id) FROM {i}))").format(
            t=sql.Literal(table), i=sql.Identifier(table)))
    conn.execute("ANALYZE")
    return {t: int(conn.execute(sql.SQL("SELECT count(*) FROM {}").format(
        sql.Identifier(t))).fetchone()[0]) for t in COPIED}, stride["stock_lot"]  # type: ignore[index]


def sample_lots(conn: psycopg.Connection[Any], n: int, stride: int,
                copies: int) -> list[tuple[int, str]]:
    """Received lots that went into a production and were also shipped: different lots of the
    demo, each in another copy."""
    originals = conn.execute("""
        SELECT l.id FROM stock_lot l
        WHERE l.id < %s AND EXISTS (SELECT 1 FROM stock_move m WHERE m.lot = l.id
                      AND m.production_input IS NOT NULL AND m.state = 'done')
          AND EXISTS (SELECT 1 FROM stock_move m JOIN stock_location c ON c.id = m.to_location
                      WHERE m.lot = l.id AND c.type = 'customer' AND m.state = 'done')
        ORDER BY l.id""", (stride,)).fetchall()
    picked = [int(originals[k * len(originals) // n][0]) + stride * (1 + k * copies // n)
              for k in range(min(n, len(originals)))]
    return [(i, str(conn.execute("SELECT number FROM stock_lot WHERE id = %s",
                                 (i,)).fetchone()[0]))  # type: ignore[index]
            for i in picked]


def tryton_trace(config: Any, lot_id: int, upward: bool) -> set[int]:
    """The lots Tryton's stock.lot.trace reaches from a lot's moves, upward or downward."""
    traces = config.get_proxy("stock.lot.trace")
    ctx = config.context
    field = "upward_traces" if upward else "downward_traces"
    frontier = traces.search([("lot", "=", lot_id)], 0, None, None, ctx)
    seen = set(frontier)
    lots = {lot_id}
    while frontier:
        following = []
        for row in traces.read(frontier, ["lot", field], ctx):
            lots.add(row["lot"])
            following.extend(t for t in row[field] if t not in seen)
        seen.update(following)
        frontier = list(dict.fromkeys(following))
    return lots


def lotproof_trace(conn: psycopg.Connection[Any], code: str, forward: bool) -> set[int]:
    row = conn.execute(f"SELECT quality.trace_{'forward' if forward else 'backward'}(%s)",
                       ([code],)).fetchone()
    assert row is not None
    return {int(x["lot_id"]) for x in row[0]["lots"]}


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    fn()  # warm-up: plans, caches, trytond's pool
    samples, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def build(server: ServerTarget, name: str, demo: str | None, config_dir: Path) -> None:
    from app.db.tryton.database import close_database
    from app.db.tryton.demo import seed_tryton_demo

    with connect(server.admin_url.set(database="postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        if demo is not None:
            close_database(demo)
            admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(demo)))
    if demo is None:
        seed_tryton_demo(server, name, scale="small", seed=1, config_dir=config_dir)
        close_database(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=455)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lots", type=int, default=12)
    parser.add_argument("--server-url", help="a server to use (default: a new embedded one)")
    parser.add_argument("--demo-database",
                        help="a small Tryton demo on that server to copy (default: make one)")
    args = parser.parse_args()
    from sqlalchemy.engine import make_url

    from app.db.tryton.database import open_config

    work = Path(tempfile.mkdtemp(prefix="lotproof-tryton-bench-"))
    server = (ServerTarget(admin_url=make_url(args.server_url)) if args.server_url
              else open_server(work / "db", delete_on_stop=True))
    name = "tryton_bench"
    try:
        started = time.perf_counter()
        build(server, name, args.demo_database, work)
        target = server.for_database(name)
        with connect(target.admin_url) as conn:
            counts, stride = replicate(conn, args.copies)
        made = time.perf_counter() - started
        engine = make_engine(target.admin_url)
        installing = time.perf_counter()
        migrate.upgrade(engine, erp="tryton")
        engine.dispose()
        print(f"Lotproof installed beside it (db upgrade, adopting every lot) in "
              f"{time.perf_counter() - installing:.0f} s")
        print(f"data: {counts['stock_lot']:,} lots, {counts['stock_move']:,} moves, "
              f"{counts['stock_shipment_out']:,} customer shipments, "
              f"{counts['production']:,} productions (made in {made:.0f} s)")
        config = open_config(target, name, config_dir=work)
        rows = []
        with connect(target.admin_url) as conn:
            for lot_id, code in sample_lots(conn, args.lots, stride, args.copies):
                f_ours_s, f_ours = timed(lambda c=code: lotproof_trace(conn, c, True), args.runs)
                b_ours_s, b_ours = timed(lambda c=code: lotproof_trace(conn, c, False), args.runs)
                f_theirs_s, f_theirs = timed(lambda i=lot_id: tryton_trace(config, i, True),
                                             args.runs)
                b_theirs_s, b_theirs = timed(lambda i=lot_id: tryton_trace(config, i, False),
                                             args.runs)
                same = f_ours == f_theirs and b_ours == b_theirs
                rows.append((code, len(f_ours), f_ours_s, f_theirs_s, b_ours_s, b_theirs_s, same))
        print("| lot | lots forward | Lotproof forward (recall impact) ms | Tryton upward ms "
              "| Lotproof backward ms | Tryton downward ms | same lots |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for code, n, fo, ft, bo, bt, same in rows:
            print(f"| {code} | {n} | {fo * 1000:.1f} | {ft * 1000:.1f} | {bo * 1000:.1f} "
                  f"| {bt * 1000:.1f} | {'yes' if same else 'NO'} |")
        fo = statistics.median(r[2] for r in rows)
        ft = statistics.median(r[3] for r in rows)
        bo = statistics.median(r[4] for r in rows)
        bt = statistics.median(r[5] for r in rows)
        print(f"\nmedian over {len(rows)} lots (each the median of {args.runs} runs): "
              f"forward {fo * 1000:.1f} ms vs Tryton {ft * 1000:.1f} ms ({ft / fo:.1f}x); "
              f"backward {bo * 1000:.1f} ms vs Tryton {bt * 1000:.1f} ms ({bt / bo:.1f}x); "
              f"same lots in {sum(r[6] for r in rows)} of {len(rows)}")
    finally:
        from app.db.tryton.database import close_database

        close_database(name)
        if not args.server_url:
            server.stop()


if __name__ == "__main__":
    main()
