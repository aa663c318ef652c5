"""Trace and recall speed on the large demo data (issue: traceability and recalls).

    LOTPROOF_DATA_DIR=<large data> python -m benchmarks.trace_recall [--runs N]

Bars: forward + backward trace of a lot with a 10-level genealogy < 100 ms (median); full recall
impact of a source lot reaching 10,000 shipments < 2 s; recall report PDF plus FSMA 204
spreadsheet < 5 s. The same traces are also run the way Odoo's and ERPNext's traceability
reports work — one query per hop from Python — and the ratio is printed, measured in this run.
"""

from __future__ import annotations

import argparse
import io
from typing import Any

from sqlalchemy import Connection, text

from app.db.engine import make_engine
from app.db.server import open_server
from app.workflows import recalls, trace
from app.workflows.session import UserSession, login
from benchmarks.timing import measure


def chain_end(conn: Connection) -> str:
    """A lot at the end of a 10-level genealogy."""
    return str(conn.execute(text("""
        WITH RECURSIVE down(id, d) AS (
            SELECT l.id, 0 FROM quality.lots l WHERE l.origin = 'receipt' AND EXISTS (
                SELECT 1 FROM erp.lot_genealogy g WHERE g.parent_lot_id = l.id)
            UNION ALL
            SELECT g.child_lot_id, d + 1 FROM down JOIN erp.lot_genealogy g
            ON g.parent_lot_id = down.id WHERE d < 10)
        SELECT l.lot_code FROM down JOIN quality.lots l ON l.id = down.id WHERE d = 10
        ORDER BY l.id LIMIT 1""")).scalar_one())


def hero(conn: Connection) -> str:
    """The source lot whose descendants reached the most shipments."""
    return str(conn.execute(text("""
        SELECT l.lot_code FROM erp.lot_genealogy g JOIN quality.lots l ON l.id = g.parent_lot_id
        GROUP BY l.lot_code ORDER BY count(*) DESC LIMIT 1""")).scalar_one())


def per_hop(conn: Connection, lot_code: str, forward: bool) -> dict[str, Any]:
    """The baseline: walk the genealogy one query per lot, then one query per lot for each
    kind of finding — as ERP traceability reports do from their application server."""
    start = conn.execute(text("SELECT id FROM quality.lots WHERE lot_code = :c"),
                         {"c": lot_code}).scalar_one()
    seen, frontier = {start}, [start]
    this, nxt = ("parent_lot_id", "child_lot_id") if forward else ("child_lot_id", "parent_lot_id")
    while frontier:
        following = []
        for lot in frontier:
            for (other,) in conn.execute(text(
                    f"SELECT {nxt} FROM erp.lot_genealogy WHERE {this} = :l"), {"l": lot}):
                if other not in seen:
                    seen.add(other)
                    following.append(other)
        frontier = following
    found: dict[str, list[Any]] = {"shipments": [], "stock": [], "allocations": []}
    for lot in seen:
        if forward:
            found["shipments"] += conn.execute(text(
                "SELECT sh.shipment_number, c.name, sh.shipped_at, sl.qty FROM erp.shipment_lines sl "
                "JOIN erp.shipments sh ON sh.id = sl.shipment_id "
                "JOIN erp.customers c ON c.id = sh.customer_id WHERE sl.lot_id = :l"),
                {"l": lot}).all()
            found["stock"] += conn.execute(text(
                "SELECT location_id, qty FROM erp.stock WHERE lot_id = :l"), {"l": lot}).all()
            found["allocations"] += conn.execute(text(
                "SELECT id, qty FROM erp.allocations WHERE lot_id = :l AND status = 'open'"),
                {"l": lot}).all()
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    target = open_server()
    owner = make_engine(target.admin_url)
    session: UserSession = login(target, "cora.compliance", "demo-compliance")
    with owner.connect() as conn:
        lots = conn.execute(text("SELECT count(*) FROM quality.lots")).scalar_one()
        deep = chain_end(conn)
        source = hero(conn)
    print(f"data: {lots:,} lots; 10-level lot {deep}; source lot {source}")

    both = measure("trace: forward + backward, 10-level lot",
                   lambda: (trace.trace(session, [deep], "backward"),
                            trace.trace(session, [deep], "forward")), runs=args.runs)

    def baseline_both() -> None:
        with owner.connect() as conn:
            per_hop(conn, deep, False)
            per_hop(conn, deep, True)

    both_base = measure("  baseline: one query per hop from Python", baseline_both,
                        runs=args.runs)
    forward = measure("trace: forward of the source lot (201 lots, 10,000 shipments)",
                      lambda: trace.trace(session, [source], "forward"), runs=args.runs)
    recall = recalls.open_recall(session, [source], "Benchmark mock recall", "I", mock=True)
    impact_result: list[recalls.RecallImpact] = []
    impact = measure("recall impact of the source lot (trace, customers, mass balance)",
                     lambda: impact_result.append(recalls.impact(session, recall.id)),
                     runs=args.runs)
    result = impact_result[-1]

    def baseline_impact() -> None:
        with owner.connect() as conn:
            per_hop(conn, source, True)

    impact_base = measure("  baseline: one query per hop from Python", baseline_impact,
                          runs=max(3, args.runs // 2))
    report = measure("recall report PDF", lambda: recalls.report_pdf(session, result),
                     runs=args.runs)
    evidence = [both, both_base, forward, impact, impact_base, report]
    fsma = _fsma(session, result, args.runs)
    if fsma is not None:
        evidence.append(fsma)
    print(f"impact: {len(result.trace.lots)} lots, {len(result.trace.shipments):,} shipments, "
          f"{len(result.customers)} customers, unexplained {result.balance_total.unexplained}")
    bars = {both.name: 100.0, impact.name: 2000.0}
    for timing in evidence:
        print(timing.line(bars.get(timing.name)))
    print(f"trace vs per-hop baseline: {both_base.median_ms / both.median_ms:.1f}x faster")
    print(f"source-lot forward trace vs per-hop baseline: "
          f"{impact_base.median_ms / forward.median_ms:.1f}x faster")
    print(f"whole impact (trace + customers + mass balance) vs per-hop trace alone: "
          f"{impact_base.median_ms / impact.median_ms:.1f}x")
    if fsma is not None:
        total = report.median_ms + fsma.median_ms
        print(f"report PDF + FSMA 204 spreadsheet: {total:.0f} ms (bar 5000 ms: "
              f"{'PASS' if total < 5000 else 'FAIL'})")
    session.close()
    owner.dispose()
    target.stop()


def _fsma(session: UserSession, result: recalls.RecallImpact, runs: int) -> Any:
    try:
        from app.workflows import exports
    except ImportError:
        return None
    return measure("FSMA 204 spreadsheet (XLSX) of the recalled lots",
                   lambda: exports.fsma204_xlsx(session, lot_codes=result.trace.lot_codes,
                                                out=io.BytesIO()), runs=runs)


if __name__ == "__main__":
    main()
