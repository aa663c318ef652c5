"""Tryton on the suite's embedded server: an empty Tryton database (modules and company) and the
small demo distributor made from a copy of it, each ONCE per test run; each test that wants a
database of its own gets a copy of one (CREATE DATABASE ... TEMPLATE, about 1.5 s).

trytond keeps one pool of models and one connection pool per database name for the whole process.
Every copy has a new name, so proteus opens it afresh (about 1 s); a template's connections are
closed (`close_database`) before it is copied, and a copy's before it is dropped.

Without the `tryton` extra these tests skip on a developer's machine and fail in CI.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from psycopg import sql

from app.db.server import ServerTarget, connect
from app.db.tryton import tryton_installed
from tests.support.ci import skip_unless_ci

BASE = "tryton_test_base"
DEMO = "tryton_test_demo"
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


@pytest.fixture(scope="session")
def tryton_base(pg_server: ServerTarget, tryton_config_dir: Path) -> TrytonDatabase:
    """An empty Tryton database: the demo's modules, the company, its chart and fiscal years."""
    from app.db.tryton.database import close_database, create_tryton_database

    _admin(pg_server, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
        sql.Identifier(BASE)))
    create_tryton_database(pg_server, BASE, config_dir=tryton_config_dir)
    close_database(BASE)
    return TrytonDatabase(pg_server.for_database(BASE), BASE, tryton_config_dir)


@pytest.fixture(scope="session")
def tryton_demo(pg_server: ServerTarget, tryton_base: TrytonDatabase) -> TrytonDemo:
    """The small demo distributor (seed 1, up to yesterday), made once: a template to copy."""
    from app.db.tryton.database import close_database
    from app.db.tryton.demo import seed_tryton_demo

    _admin(pg_server, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
        sql.Identifier(DEMO)))
    close_database(BASE)
    _admin(pg_server, sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
        sql.Identifier(DEMO), sql.Identifier(BASE)))
    report = seed_tryton_demo(pg_server, DEMO, scale="small", seed=DEMO_SEED,
                              as_of=dt.date.today(), config_dir=tryton_base.config_dir)
    close_database(DEMO)
    return TrytonDemo(pg_server.for_database(DEMO), DEMO, tryton_base.config_dir, report)


@pytest.fixture
def tryton_db(pg_server: ServerTarget, tryton_demo: TrytonDemo) -> Iterator[TrytonDemo]:
    """A copy of the small demo for one test, which may change it."""
    copy = copy_database(pg_server, tryton_demo.name, tryton_demo.config_dir)
    yield TrytonDemo(copy.target, copy.name, copy.config_dir, tryton_demo.report)
    drop_database(copy)


@pytest.fixture
def tryton_empty(pg_server: ServerTarget, tryton_base: TrytonDatabase) -> Iterator[TrytonDatabase]:
    """A copy of the empty Tryton database (modules, company) for one test."""
    copy = copy_database(pg_server, tryton_base.name, tryton_base.config_dir)
    yield copy
    drop_database(copy)


@pytest.fixture(scope="module")
def tryton_shared(pg_server: ServerTarget, tryton_demo: TrytonDemo) -> Iterator[TrytonDemo]:
    """A copy of the small demo that the tests of one module only read."""
    copy = copy_database(pg_server, tryton_demo.name, tryton_demo.config_dir)
    yield TrytonDemo(copy.target, copy.name, copy.config_dir, tryton_demo.report)
    drop_database(copy)
