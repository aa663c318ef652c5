"""COA trend chart speed (issue 7: the trend chart for a test with 5,000 lots draws in < 300 ms).

    python -m benchmarks.chart_speed [--runs N] [--points 5000] [--fetch]

Draw (the bar): from the trend data in hand to the chart painted — `TrendChart.set_data`, the
pending events, and `grab()` of the 1200×700 widget (offscreen Qt) — on 5,000 generated lots:
moisture results around 5 % with a shift, a drift and a few outliers, so the Western Electric
marks and out-of-spec rings are drawn too. The analysis (control limits and rules, which runs on
the worker thread with the query) is timed on its own.

With --fetch, also the data fetch: a throwaway embedded server is migrated and seeded with the
small demo data, one item gets 5,000 lots with a verified COA each, and `charts.trend` (query,
spec, analysis) runs as the demo auditor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Connection, text

from app.db.queries.chart_data import SpecLimits, TrendRow
from app.workflows.charts import TrendData, build_trend
from benchmarks.timing import Timing, measure

SUPPLIERS = (("S-A", "Alder Ingredients", 0.35), ("S-B", "Birchwood Foods", 0.25),
             ("S-C", "Cedar Mills", 0.15), ("S-D", "Dunmore Trading", 0.12),
             ("S-E", "Elmstead Supply", 0.08), ("S-F", "Fernhill Commodities", 0.05))
SPEC = SpecLimits("Moisture", None, Decimal("8.0"), "%")
BAR_MS = 300.0


def synthetic_values(n: int, seed: int = 7) -> list[float]:
    """Moisture % of n lots: in control around 5.0 (σ 0.5), a supplier's shift of +0.9 for a
    stretch, a slow drift at the end, and about one outlier in 400 (some above the 8 % spec)."""
    rng = random.Random(seed)
    values = []
    for i in range(n):
        v = rng.gauss(5.0, 0.5)
        if 0.55 * n <= i < 0.6 * n:
            v += 0.9
        if i > 0.9 * n:
            v += 1.2 * (i - 0.9 * n) / (0.1 * n)
        if rng.random() < 0.0025:
            v += rng.choice((2.5, 3.5, -2.5))
        values.append(round(max(v, 0.1), 2))
    return values


def synthetic_rows(n: int, seed: int = 7) -> list[TrendRow]:
    rng = random.Random(seed)
    start = dt.datetime(2021, 1, 4, 8, tzinfo=dt.UTC)
    step = dt.timedelta(days=5 * 365) / n
    weights = [w for _c, _n, w in SUPPLIERS]
    rows = []
    for i, value in enumerate(synthetic_values(n, seed)):
        code, name, _w = rng.choices(SUPPLIERS, weights)[0]
        rows.append(TrendRow(i + 1, f"BM-{i + 1:06d}", code, name, start + i * step,
                             Decimal(str(value)), "%", i + 1, i + 1))
    return rows


def draw_timing(data: TrendData, runs: int) -> tuple[Timing, float]:
    """Median time to draw the chart, and the first (cold) draw."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import time

    from PySide6.QtWidgets import QApplication

    from app.views.charts.trend_chart import TrendChart

    app = QApplication.instance() or QApplication([])
    chart = TrendChart()
    chart.resize(1200, 700)
    chart.show()
    app.processEvents()

    def draw() -> None:
        chart.set_data(data)
        app.processEvents()
        image = chart.grab()
        assert not image.isNull()

    started = time.perf_counter()
    draw()
    cold = (time.perf_counter() - started) * 1000
    timing = measure(f"draw: set data + paint, {len(data.points):,} lots", draw, runs=runs,
                     warmup=0)
    chart.close()
    return timing, cold


def add_trend_lots(conn: Connection, item_id: int, rows: list[TrendRow],
                   test: str = "Moisture") -> int:
    """Lots of the item, each with a verified COA linked to it reporting `test` (as the schema
    owner, triggers off: bulk synthetic data, not a record of work). Returns lots added."""
    conn.execute(text("SET LOCAL session_replication_role = replica"))
    site = conn.execute(text("SELECT min(id) FROM erp.sites")).scalar_one()
    suppliers = [int(s) for s in conn.execute(text(
        "SELECT id FROM erp.suppliers ORDER BY id LIMIT :n"), {"n": len(SUPPLIERS)}).scalars()]
    by_code = {code: suppliers[i % len(suppliers)] for i, (code, _n, _w) in enumerate(SUPPLIERS)}
    params = {
        "item": item_id, "site": site, "test": test,
        "codes": [r.lot_code for r in rows],
        "suppliers": [by_code.get(r.supplier_code or "", suppliers[0]) for r in rows],
        "created": [r.received_at for r in rows],
        "values": [r.value for r in rows],
        "units": [r.unit for r in rows],
    }
    conn.execute(text("""
        INSERT INTO erp.lots (lot_code, item_id, supplier_id, site_id, expiry_date, created_at)
        SELECT t.code, :item, t.supplier, :site, CAST(t.created AS date) + 730, t.created
        FROM unnest(CAST(:codes AS text[]), CAST(:suppliers AS integer[]),
                    CAST(:created AS timestamptz[])) AS t(code, supplier, created)"""), params)
    conn.execute(text("SET LOCAL ROLE lotproof_owner"))  # their status, set up as the owner
    conn.execute(text("UPDATE quality.lot_state s SET status = 'available' FROM erp.lots l "
                      "WHERE l.id = s.lot_id AND l.lot_code = ANY(CAST(:codes AS text[]))"), params)
    conn.execute(text("RESET ROLE"))
    conn.execute(text("""
        WITH lot AS (SELECT id, lot_code, created_at FROM quality.lots
                     WHERE lot_code = ANY(CAST(:codes AS text[]))),
        doc AS (
            INSERT INTO quality.documents (sha256, file_name, mime_type, size_bytes, page_count,
                                           content, kind, status, uploaded_by, uploaded_at,
                                           verified_by, verified_at)
            SELECT encode(sha256(convert_to('bench-coa:' || lot_code, 'UTF8')), 'hex'),
                   'COA ' || lot_code || '.pdf', 'application/pdf', 1, 1, '\\x00', 'coa',
                   'verified', 'bench', created_at, 'bench', created_at
            FROM lot RETURNING id, file_name, uploaded_at),
        linked AS (
            INSERT INTO quality.document_links (document_id, lot_id, linked_by, linked_at)
            SELECT doc.id, lot.id, 'bench', doc.uploaded_at
            FROM doc JOIN lot ON doc.file_name = 'COA ' || lot.lot_code || '.pdf'
            RETURNING document_id, lot_id)
        INSERT INTO quality.coa_results (document_id, test, value, unit, stated_pass)
        SELECT linked.document_id, :test, t.value, t.unit, true
        FROM linked JOIN lot ON lot.id = linked.lot_id
        JOIN unnest(CAST(:codes AS text[]), CAST(:values AS numeric[]),
                    CAST(:units AS text[])) AS t(code, value, unit) ON t.code = lot.lot_code
    """), params)
    return len(rows)


def fetch_timings(rows: list[TrendRow], runs: int) -> list[Timing]:
    from app.db import migrate
    from app.db.demo.load import DEMO_USERS, seed_demo
    from app.db.engine import make_engine
    from app.db.server import open_server
    from app.workflows import charts
    from app.workflows.session import login

    root = Path(tempfile.mkdtemp(prefix="lotproof-chart-bench-"))
    target = open_server(root / "db", delete_on_stop=True)
    try:
        engine = make_engine(target.admin_url)
        migrate.upgrade(engine)
        seed_demo(target.admin_url, engine, scale="small", seed=7)
        with engine.begin() as conn:
            item_id = int(conn.execute(text(
                "SELECT min(item_id) FROM quality.item_specs WHERE test = 'Moisture'")
            ).scalar_one() or conn.execute(text("SELECT min(id) FROM erp.items")).scalar_one())
            add_trend_lots(conn, item_id, rows)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))  # as autovacuum would soon after such a load
        engine.dispose()
        password = {u: p for u, _n, _r, p in DEMO_USERS}["aude.auditor"]
        session = login(target, "aude.auditor", password)
        found = charts.trend(session, item_id, "Moisture")
        assert len(found.points) == len(rows), (len(found.points), len(rows))
        timings = [
            measure(f"fetch: charts.trend (query + analysis), {len(rows):,} lots",
                    lambda: charts.trend(session, item_id, "Moisture"), runs=runs),
            measure("fetch: charts.trend_choices (all items and tests)",
                    lambda: charts.trend_choices(session), runs=runs),
        ]
        session.close()
        return timings
    finally:
        target.stop()
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--points", type=int, default=5000)
    parser.add_argument("--fetch", action="store_true",
                        help="also time the data fetch on a throwaway database")
    args = parser.parse_args()

    rows = synthetic_rows(args.points)
    analysis = measure(f"analysis: limits + Western Electric rules, {args.points:,} lots",
                       lambda: build_trend(1, "BM-1 Benchmark item", "Moisture", rows, SPEC),
                       runs=args.runs)
    data = build_trend(1, "BM-1 Benchmark item", "Moisture", rows, SPEC)
    print(f"data: {len(data.points):,} lots, {data.out_of_spec_count} out of spec, "
          f"{data.out_of_control_count} out of control, {len(data.suppliers())} suppliers")
    draw, cold = draw_timing(data, args.runs)
    print(analysis.line())
    print(draw.line(BAR_MS))
    print(f"{'draw: first (cold) draw':<52} {cold:9.1f} ms")
    if args.fetch:
        for timing in fetch_timings(rows, args.runs):
            print(timing.line())


if __name__ == "__main__":
    main()
