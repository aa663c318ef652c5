"""Tryton on an embedded server of its own: an empty Tryton database (modules and company) and the
small demo distributor made from a copy of it, each ONCE per test run; each test that wants a
database of its own gets a copy of one (CREATE DATABASE ... TEMPLATE, about 1.5 s).

trytond keeps one pool of models and one connection pool per database name for the whole process.
Every copy has a new name, so proteus opens it afresh (about 1 s); a template's connections are
closed (`close_database`) before it is copied, and a copy's before it is dropped.

The server is not the rest of the suite's: login roles are the cluster's, and Lotproof's demo
people enrolled in the Tryton demo must not meet those of the built-in demo's template.

Without the `tryton` extra these tests skip on a developer's machine and fail in CI.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from psycopg import sql

from app.db.server import ServerTarget, connect, open_server
from app.db.tryton import tryton_installed
from tests.support.ci import skip_unless_ci

BASE = "tryton_test_base"
DEMO = "tryton_test_demo"
LOTPROOF = "tryton_test_lotproof"
DEMO_SEED = 1
_numbers = itertools.count(1)


@dataclass(frozen=True)
class TrytonDatabase:
    target: ServerTarget  # the server, with the database's name in its URL
    name: str
    config_dir: Path

    def config(self) -> Any:
        """A proteus configuration on this database (made current for proteus too)."""
        from app.db.tryton.database import open_config

        return open_config(self.target, self.name, config_dir=self.config_dir)

    def rows(self, query: str, *params: object) -> list[tuple[Any, ...]]:
        with connect(self.target.admin_url, autocommit=True) as conn:
            return conn.execute(query, params or None).fetchall()  # type: ignore[arg-type]


@dataclass(frozen=True)
class TrytonDemo(TrytonDatabase):
    report: Any  # TrytonSeedReport


def _admin(server: ServerTarget, statement: sql.Composable) -> None:
    with connect(server.admin_url.set(database="postgres"), autocommit=True) as conn:
        conn.execute(statement)


def copy_database(server: ServerTarget, template: str, config_dir: Path) -> TrytonDatabase:
    from app.db.tryton.database import close_database

    close_database(template)  # a template must have no connections
    name = f"tryton_test_{os.getpid()}_{next(_numbers)}"
    _admin(server, sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
        sql.Identifier(name), sql.Identifier(template)))
    return TrytonDatabase(server.for_database(name), name, config_dir)


def drop_database(database: TrytonDatabase) -> None:
    from app.db.tryton.database import close_database

    close_database(database.name)
    _admin(database.target, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
        sql.Identifier(database.name)))


@pytest.fixture(scope="session")
def tryton_config_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not tryton_installed():
        skip_unless_ci("the `tryton` extra is not installed (pip install -e '.[tryton]')")
    return tmp_path_factory.mktemp("tryton")


#: For working on these tests: a server that already holds the three databases below
#: (LOTPROOF_TEST_TRYTON_URL, an admin URL), used as it is instead of making them (7 minutes).
REUSE_URL = os.environ.get("LOTPROOF_TEST_TRYTON_URL")


def _exists(server: ServerTarget, name: str) -> bool:
    with connect(server.admin_url.set(database="postgres"), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            (name,)).fetchone() is not None


def _report_of(server: ServerTarget, name: str) -> Any:
    from app.db.tryton.demo import TrytonSeedReport, table_counts

    with connect(server.for_database(name).admin_url, autocommit=True) as conn:
        numbers = tuple(str(n) for (n,) in conn.execute(
            "SELECT number FROM stock_lot ORDER BY id").fetchall())
    return TrytonSeedReport(name, "small", DEMO_SEED, dt.date.today(), 0.0,
                            table_counts(server, name), numbers, {})


@pytest.fixture(scope="session")
def tryton_server(tryton_config_dir: Path) -> Iterator[ServerTarget]:
    if REUSE_URL:
        from sqlalchemy.engine import make_url

        yield ServerTarget(admin_url=make_url(REUSE_URL))
        return
    root = Path(tempfile.mkdtemp(prefix="lotproof-tryton-test-"))
    target = open_server(root / "db", delete_on_stop=True)
    yield target
    target.stop()


@pytest.fixture(scope="session")
def tryton_base(tryton_server: ServerTarget, tryton_config_dir: Path) -> TrytonDatabase:
    """An empty Tryton database: the demo's modules, the company, its chart and fiscal years."""
    from app.db.tryton.database import close_database, create_tryton_database

    if REUSE_URL and _exists(tryton_server, BASE):
        return TrytonDatabase(tryton_server.for_database(BASE), BASE, tryton_config_dir)
    _admin(tryton_server, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
        sql.Identifier(BASE)))
    create_tryton_database(tryton_server, BASE, config_dir=tryton_config_dir)
    close_database(BASE)
    return TrytonDatabase(tryton_server.for_database(BASE), BASE, tryton_config_dir)


@pytest.fixture(scope="session")
def tryton_demo(tryton_server: ServerTarget, tryton_base: TrytonDatabase) -> TrytonDemo:
    """The small demo distributor (seed 1, up to yesterday), made once: a template to copy."""
    from app.db.tryton.database import close_database
    from app.db.tryton.demo import seed_tryton_demo

    if REUSE_URL and _exists(tryton_server, DEMO):
        return TrytonDemo(tryton_server.for_database(DEMO), DEMO, tryton_base.config_dir,
                          _report_of(tryton_server, DEMO))
    _admin(tryton_server, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
        sql.Identifier(DEMO)))
    close_database(BASE)
    _admin(tryton_server, sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
        sql.Identifier(DEMO), sql.Identifier(BASE)))
    report = seed_tryton_demo(tryton_server, DEMO, scale="small", seed=DEMO_SEED,
                              as_of=dt.date.today(), config_dir=tryton_base.config_dir)
    close_database(DEMO)
    return TrytonDemo(tryton_server.for_database(DEMO), DEMO, tryton_base.config_dir, report)


@pytest.fixture
def tryton_db(tryton_server: ServerTarget, tryton_demo: TrytonDemo) -> Iterator[TrytonDemo]:
    """A copy of the small demo for one test, which may change it."""
    copy = copy_database(tryton_server, tryton_demo.name, tryton_demo.config_dir)
    yield TrytonDemo(copy.target, copy.name, copy.config_dir, tryton_demo.report)
    drop_database(copy)


@pytest.fixture
def tryton_empty(tryton_server: ServerTarget, tryton_base: TrytonDatabase) -> Iterator[TrytonDatabase]:
    """A copy of the empty Tryton database (modules, company) for one test."""
    copy = copy_database(tryton_server, tryton_base.name, tryton_base.config_dir)
    yield copy
    drop_database(copy)


@pytest.fixture(scope="module")
def tryton_shared(tryton_server: ServerTarget, tryton_demo: TrytonDemo) -> Iterator[TrytonDemo]:
    """A copy of the small demo that the tests of one module only read."""
    copy = copy_database(tryton_server, tryton_demo.name, tryton_demo.config_dir)
    yield TrytonDemo(copy.target, copy.name, copy.config_dir, tryton_demo.report)
    drop_database(copy)


@pytest.fixture(scope="session")
def lotproof_tryton_template(tryton_server: ServerTarget, tryton_demo: TrytonDemo) -> TrytonDemo:
    """Lotproof installed beside the small Tryton demo (`LOTPROOF_ERP=tryton lotproof db
    upgrade`), its demo people enrolled and its demo quality history made on Tryton's lots."""
    from app.db import migrate
    from app.db.demo.load import ensure_demo_users
    from app.db.engine import make_engine
    from app.db.tryton.database import close_database
    from app.workflows.demo_history import add_quality_history

    if REUSE_URL and _exists(tryton_server, LOTPROOF):
        return TrytonDemo(tryton_server.for_database(LOTPROOF), LOTPROOF,
                          tryton_demo.config_dir, tryton_demo.report)
    _admin(tryton_server, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
        sql.Identifier(LOTPROOF)))
    close_database(DEMO)
    _admin(tryton_server, sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
        sql.Identifier(LOTPROOF), sql.Identifier(DEMO)))
    target = tryton_server.for_database(LOTPROOF)
    engine = make_engine(target.admin_url)
    migrate.upgrade(engine, erp="tryton")
    ensure_demo_users(engine)
    engine.dispose()
    add_quality_history(target, seed=DEMO_SEED)
    return TrytonDemo(target, LOTPROOF, tryton_demo.config_dir, tryton_demo.report)


@pytest.fixture
def lotproof_tryton(tryton_server: ServerTarget,
                    lotproof_tryton_template: TrytonDemo) -> Iterator[TrytonDemo]:
    """A copy of the Tryton demo with Lotproof beside it, for one test that may change it."""
    copy = copy_database(tryton_server, lotproof_tryton_template.name,
                         lotproof_tryton_template.config_dir)
    yield TrytonDemo(copy.target, copy.name, copy.config_dir, lotproof_tryton_template.report)
    drop_database(copy)


@pytest.fixture(scope="module")
def lotproof_tryton_shared(tryton_server: ServerTarget,
                           lotproof_tryton_template: TrytonDemo) -> Iterator[TrytonDemo]:
    """A copy that the tests of one module only read (or change in ways the others ignore)."""
    copy = copy_database(tryton_server, lotproof_tryton_template.name,
                         lotproof_tryton_template.config_dir)
    yield TrytonDemo(copy.target, copy.name, copy.config_dir, lotproof_tryton_template.report)
    drop_database(copy)
