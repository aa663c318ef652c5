"""The Tryton template databases of the test run: an empty Tryton database (modules, company),
the small demo distributor made from a copy of it, and Lotproof installed beside a copy of the
demo with its demo quality history. Made once per run, in the test process or, while the rest
of the suite runs, in a process of their own (`python -m tests.tryton.templates URL DIR`): the
suite's own tests use one core, this work the other.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from psycopg import sql

from app.db.server import ServerTarget, connect

BASE = "tryton_test_base"
DEMO = "tryton_test_demo"
LOTPROOF = "tryton_test_lotproof"
DEMO_SEED = 1
REPORT = "demo-report.json"


def admin(server: ServerTarget, statement: sql.Composed) -> None:
    with connect(server.admin_url.set(database="postgres"), autocommit=True) as conn:
        conn.execute(statement)


def exists(server: ServerTarget, name: str) -> bool:
    with connect(server.admin_url.set(database="postgres"), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            (name,)).fetchone() is not None


def _fresh_copy(server: ServerTarget, name: str, template: str | None) -> None:
    from app.db.tryton.database import close_database

    admin(server, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
        sql.Identifier(name)))
    if template is not None:
        close_database(template)
        admin(server, sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template)))


def build_base(server: ServerTarget, config_dir: Path) -> None:
    from app.db.tryton.database import close_database, create_tryton_database

    _fresh_copy(server, BASE, None)
    create_tryton_database(server, BASE, config_dir=config_dir)
    close_database(BASE)


def build_demo(server: ServerTarget, config_dir: Path) -> None:
    from app.db.tryton.database import close_database
    from app.db.tryton.demo import seed_tryton_demo

    _fresh_copy(server, DEMO, BASE)
    report = seed_tryton_demo(server, DEMO, scale="small", seed=DEMO_SEED,
                              as_of=dt.date.today(), config_dir=config_dir)
    close_database(DEMO)
    (config_dir / REPORT).write_text(json.dumps({
        "seconds": report.seconds, "counts": report.counts,
        "lot_numbers": list(report.lot_numbers), "skipped": report.skipped}))


def build_lotproof(server: ServerTarget, config_dir: Path) -> None:
    """`LOTPROOF_ERP=tryton lotproof db upgrade` on a copy of the demo, the demo people, and
    Lotproof's demo quality history on Tryton's lots."""
    from app.db import migrate
    from app.db.demo.load import ensure_demo_users
    from app.db.engine import make_engine
    from app.workflows.demo_history import add_quality_history

    _fresh_copy(server, LOTPROOF, DEMO)
    target = server.for_database(LOTPROOF)
    engine = make_engine(target.admin_url)
    migrate.upgrade(engine, erp="tryton")
    ensure_demo_users(engine)
    engine.dispose()
    add_quality_history(target, seed=DEMO_SEED)


def demo_report(server: ServerTarget, config_dir: Path) -> Any:
    """The demo's seed report: as the build wrote it, or rebuilt from the database."""
    from app.db.tryton.demo import TrytonSeedReport, table_counts

    saved = config_dir / REPORT
    if saved.exists():
        data = json.loads(saved.read_text())
        return TrytonSeedReport(DEMO, "small", DEMO_SEED, dt.date.today(), data["seconds"],
                                data["counts"], tuple(data["lot_numbers"]), data["skipped"])
    with connect(server.for_database(DEMO).admin_url, autocommit=True) as conn:
        numbers = tuple(str(n) for (n,) in conn.execute(
            "SELECT number FROM stock_lot ORDER BY id").fetchall())
    return TrytonSeedReport(DEMO, "small", DEMO_SEED, dt.date.today(), 0.0,
                            table_counts(server, DEMO), numbers, {})


def main(argv: list[str]) -> int:
    from sqlalchemy.engine import make_url

    server = ServerTarget(admin_url=make_url(argv[0]))
    config_dir = Path(argv[1])
    build_base(server, config_dir)
    build_demo(server, config_dir)
    build_lotproof(server, config_dir)
    (config_dir / "built").write_text("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
