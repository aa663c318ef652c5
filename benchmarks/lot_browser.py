"""Lot browser speed on the demo data in use (issue: opens < 1 s, lot-code search < 200 ms).

    LOTPROOF_DATA_DIR=... python -m benchmarks.lot_browser [--runs N]

Measures, against whatever database Lotproof is configured for (seed it first with
`lotproof demo seed --scale large`):
- opening the browser as a person: log in (fresh connection pool), first page of lots
  (newest first, the workstation's default), the site list and the lot count;
- search by lot code as typed (prefixes of random lot codes), and by supplier lot code;
- a deep page (rows 100,000-100,200) by keyset versus by OFFSET, the naive baseline.
"""

from __future__ import annotations

import argparse
import random

from sqlalchemy import text

from app.db.engine import make_engine
from app.db.queries.lot_browser import LotFilter
from app.db.server import open_server
from app.workflows import lots
from app.workflows.session import login
from benchmarks.timing import measure, measure_each


def _open_window(target: object, user: str, password: str) -> None:
    """Log in and open the real main window; return when the first page of lots is on screen."""
    import os
    import time

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.views.main_window import MainWindow
    from app.views.tasks import TaskRunner

    app = QApplication.instance() or QApplication([])
    runner = TaskRunner()
    session = login(target, user, password)  # type: ignore[arg-type]
    window = MainWindow(session, runner)
    window.show()
    deadline = time.monotonic() + 10
    while window.lot_browser.model.rowCount() == 0 and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.001)
    assert window.lot_browser.model.rowCount() > 0
    window.close()
    runner.wait()
    session.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--user", default="ivy.inspector")
    parser.add_argument("--password", default="demo-inspector")
    args = parser.parse_args()

    target = open_server()
    owner = make_engine(target.admin_url)
    with owner.connect() as conn:
        n_lots = conn.execute(text("SELECT count(*) FROM quality.lots")).scalar_one()
        n_moves = conn.execute(text(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = 'erp.movements'::regclass"
        )).scalar_one()
        sample = list(conn.execute(text(
            "SELECT lot_code, supplier_lot_code FROM quality.lots TABLESAMPLE SYSTEM (1) "
            "WHERE supplier_lot_code IS NOT NULL LIMIT 400")).all())
        if len(sample) < 240:  # small data: a 1 % block sample holds too few lots
            sample = list(conn.execute(text(
                "SELECT lot_code, supplier_lot_code FROM quality.lots "
                "WHERE supplier_lot_code IS NOT NULL ORDER BY random() LIMIT 400")).all())
        supplier_word = conn.execute(text(
            "SELECT split_part(name, ' ', 1) FROM erp.suppliers ORDER BY id LIMIT 1")).scalar_one()
    print(f"data: {n_lots:,} lots, ~{n_moves:,} movements")
    rng = random.Random(5)
    rng.shuffle(sample)

    def open_browser() -> None:
        session = login(target, args.user, args.password)
        lots.browse(session, LotFilter(), "created_at", descending=True)
        lots.sites(session)
        lots.count(session, LotFilter())
        session.close()

    session = login(target, args.user, args.password)
    results = [
        (measure("open browser (login, first page, sites, count)", open_browser,
                 runs=args.runs), 1000.0),
        (measure("first page only (newest first)",
                 lambda: lots.browse(session, LotFilter(), "created_at", descending=True),
                 runs=args.runs), None),
        (measure_each("search: full lot code",
                      lambda code: lots.browse(session, LotFilter(search=code)),
                      [c for c, _s in sample[:60]]), 200.0),
        (measure_each("search: lot code prefix as typed (7 chars)",
                      lambda code: lots.browse(session, LotFilter(search=code[:7])),
                      [c for c, _s in sample[60:120]]), 200.0),
        (measure_each("search: supplier lot code",
                      lambda code: lots.browse(session, LotFilter(search=code)),
                      [s for _c, s in sample[120:180]]), 200.0),
        (measure_each("search: lot code, status filter 'available'",
                      lambda code: lots.browse(session, LotFilter(search=code,
                                                                  statuses=("available",))),
                      [c for c, _s in sample[180:240]]), 200.0),
        (measure("search: item name word 'acid' (many lots)",
                 lambda: lots.browse(session, LotFilter(search="acid")), runs=args.runs), None),
        (measure("search: supplier name word",
                 lambda: lots.browse(session, LotFilter(search=supplier_word)), runs=args.runs),
         None),
    ]
    deep = min(100_000, max(n_lots - 300, 0))
    with owner.connect() as conn:
        cursor_code = conn.execute(text(
            "SELECT lot_code FROM quality.lots ORDER BY lot_code OFFSET :n LIMIT 1"), {"n": deep}
        ).scalar_one()
    from app.db.queries.lot_browser import Cursor

    keyset = measure(f"page at row {deep:,}: keyset",
                     lambda: lots.browse(session, LotFilter(), "lot_code",
                                         after=Cursor(cursor_code, cursor_code)),
                     runs=args.runs)

    def offset_page() -> None:
        with session.engine.connect() as conn:
            conn.execute(text(
                "SELECT l.*, i.name FROM quality.lots l JOIN erp.items i ON i.id = l.item_id "
                "ORDER BY l.lot_code OFFSET :n LIMIT 200"), {"n": deep}).all()

    offset = measure(f"page at row {deep:,}: OFFSET (baseline)", offset_page, runs=args.runs)
    results.append((measure("workstation: main window until first page shown (offscreen Qt)",
                            lambda: _open_window(target, args.user, args.password),
                            runs=args.runs), 1000.0))
    for timing, bar in results:
        print(timing.line(bar))
    print(keyset.line())
    print(offset.line())
    print(f"keyset vs OFFSET at row {deep:,}: {offset.median_ms / keyset.median_ms:.1f}x faster")
    session.close()
    owner.dispose()
    target.stop()


if __name__ == "__main__":
    main()
