"""Customer certificate speed: issuing a shipment line's COA (the database gathers, judges and
keeps it; the PDF is laid out) end to end, on a throwaway database with the small demo data.

    python -m benchmarks.customer_certificate [--runs N] [--lines N]

The issue's bar: a customer COA for a shipment in under 1 second. Each run issues a new
certificate (a new record) for a one-line shipment, and once for a shipment of `--lines` lines.
The issue names no peer; the lot's release certificate (laid out from live queries, kept
nothing) is timed in the same run as a reference for what a PDF of the lot costs here.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from itertools import count
from pathlib import Path

from sqlalchemy import text

from benchmarks.timing import measure


def main() -> None:
    from app.db import migrate
    from app.db.demo.load import DEMO_USERS, seed_demo
    from app.db.engine import make_engine
    from app.db.server import open_server
    from app.workflows import certificates
    from app.workflows import shipment_documents as docs
    from app.workflows.demo_history import add_quality_history
    from app.workflows.session import login

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--lines", type=int, default=10)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="lotproof-certificate-bench-"))
    target = open_server(root / "db", delete_on_stop=True)
    try:
        engine = make_engine(target.admin_url)
        migrate.upgrade(engine)
        seed_demo(target.admin_url, engine, scale="small", seed=7)
        add_quality_history(target, seed=7)
        with engine.begin() as conn:
            lots = [(int(i), str(c)) for i, c in conn.execute(text("""
                SELECT l.id, l.lot_code FROM quality.lots l
                WHERE l.status = 'available' AND EXISTS (SELECT 1 FROM quality.release_signatures(l.id))
                  AND NOT EXISTS (SELECT 1 FROM quality.certificate_results(l.id, NULL) r
                                  WHERE r.problem IS NOT NULL)
                ORDER BY l.id""")).all()]
            customer = int(conn.execute(text("SELECT min(id) FROM erp.customers")).scalar_one())
            numbers = count(1)

            def shipment(n_lines: int) -> str:
                number = f"BENCH-{next(numbers):05d}"
                sid = conn.execute(text(
                    "INSERT INTO erp.shipments (shipment_number, customer_id, site_id, shipped_at) "
                    "VALUES (:n, :c, (SELECT min(id) FROM erp.sites), now()) RETURNING id"),
                    {"n": number, "c": customer}).scalar_one()
                for k in range(n_lines):
                    conn.execute(text("INSERT INTO erp.shipment_lines (shipment_id, lot_id, qty) "
                                      "VALUES (:s, :l, 1)"),
                                 {"s": sid, "l": lots[k % len(lots)][0]})
                return number

            singles = [shipment(1) for _ in range(args.runs + 1)]
            many = [shipment(args.lines) for _ in range(args.runs + 1)]
        engine.dispose()
        password = {u: p for u, _n, _r, p in DEMO_USERS}["ivy.inspector"]
        session = login(target, "ivy.inspector", password)
        print(f"{len(lots)} released lots with a clean spec check; customer {customer}")
        one, several = iter(singles), iter(many)
        timings = [
            measure("issue the COA of a one-line shipment (DB + PDF)",
                    lambda: docs.issue(session, next(one)), runs=args.runs),
            measure(f"issue the COAs of a {args.lines}-line shipment (one PDF)",
                    lambda: docs.issue(session, next(several)), runs=args.runs),
            measure("reprint an issued certificate", lambda: docs.reprint(session, 1),
                    runs=args.runs),
            measure("reference: the lot's release certificate",
                    lambda: certificates.release_certificate(session, lots[0][1]),
                    runs=args.runs),
        ]
        session.close()
        for timing, bar in zip(timings, (1000, None, 1000, None), strict=True):
            print(timing.line(bar))
    finally:
        target.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
