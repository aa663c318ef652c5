"""The deadlock the soak run found, made to happen on purpose (issue: shared database).

    python -m benchmarks.deadlock_hold_vs_ingest [--extra-sql FIX.sql]

An inspector stores a COA (its transaction now holds the audit chain head); an approver holds the
lot the COA is for (`hold_lot` locks the lot row FOR UPDATE, then waits for the chain head); the
inspector links the COA to that lot (the foreign-key check wants FOR KEY SHARE on the lot row,
which FOR UPDATE blocks). PostgreSQL kills one of them with `deadlock detected`. Exit code 1 while
it does; with a fix (e.g. the lot locked FOR NO KEY UPDATE, given as `--extra-sql`), both commit.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import text

from app.db import migrate
from app.db.demo.load import seed_demo
from app.db.engine import make_engine
from app.db.server import connect, open_server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--extra-sql", type=Path, help="SQL run as the owner first (a fix)")
    args = parser.parse_args()
    target = open_server(Path(tempfile.mkdtemp(prefix="lotproof-deadlock-")) / "db",
                         delete_on_stop=True)
    try:
        engine = make_engine(target.admin_url)
        migrate.upgrade(engine)
        seed_demo(target.admin_url, engine, scale="small", seed=2)
        with engine.connect() as conn:
            lot = conn.execute(text("SELECT lot_code FROM quality.lots WHERE status = 'available' "
                                    "ORDER BY id LIMIT 1")).scalar_one()
        engine.dispose()
        if args.extra_sql:
            with connect(target.admin_url, autocommit=True) as conn:
                conn.execute(args.extra_sql.read_text())  # type: ignore[arg-type]
        inspector = connect(target.url_for("ivy.inspector", "demo-inspector"))
        row = inspector.execute(
            "SELECT document_id FROM quality.store_document('coa.pdf', 'application/pdf', %s, 1, "
            "'{}'::jsonb)", (b"%PDF-1.4 a COA",)).fetchone()
        assert row is not None
        outcome: dict[str, str] = {}

        def hold() -> None:
            approver = connect(target.url_for("arlo.approver", "demo-approver"))
            try:
                approver.execute("SELECT quality.hold_lot(%s, 'deadlock test', 'available')",
                                 (lot,))
                approver.commit()
                outcome["hold"] = "committed"
            except Exception as exc:
                outcome["hold"] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            finally:
                approver.close()

        holder = threading.Thread(target=hold)
        holder.start()
        time.sleep(1.0)  # the hold has the lot and waits for the chain head
        try:
            inspector.execute("SELECT quality.link_document(%s, %s)", (row[0], lot))
            inspector.commit()
            outcome["ingest"] = "committed"
        except Exception as exc:
            outcome["ingest"] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
        holder.join()
        inspector.close()
    finally:
        target.stop()
    print(f"lot {lot}: the approver's hold: {outcome['hold']}; the inspector's ingest: "
          f"{outcome['ingest']}")
    return 1 if any("eadlock" in v for v in outcome.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
