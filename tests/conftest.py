"""Shared fixtures: a real, throwaway PostgreSQL server and databases cloned from a seeded template.

One embedded server per test session (or the server named by LOTPROOF_TEST_DATABASE_URL). The
template database is migrated and loaded with the small demo data once; each test that changes
data gets its own copy (CREATE DATABASE ... TEMPLATE), which takes a fraction of a second.
"""

from __future__ import annotations

import itertools
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from app.db import definitions, migrate
from app.db.demo.load import DEMO_USERS, seed_demo
from app.db.engine import make_engine
from app.db.server import DRIVER, ServerTarget, connect, open_server
from app.workflows.demo_history import add_quality_history

TEMPLATE = "lotproof_test_template"
_numbers = itertools.count(1)

os.environ.pop("LOTPROOF_DATABASE_URL", None)  # never touch a configured production server
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Logs, remembered connections and audit witnesses of the suite stay out of the user's folders.
os.environ.setdefault("LOTPROOF_DATA_DIR", tempfile.mkdtemp(prefix="lotproof-test-data-"))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[ServerTarget]:
    external = os.environ.get("LOTPROOF_TEST_DATABASE_URL")
    if external:
        url = make_url(external).set(drivername=DRIVER)
        yield ServerTarget(admin_url=url)
        return
    root = Path(tempfile.mkdtemp(prefix="lotproof-test-"))
    target = open_server(root / "db", delete_on_stop=True)
    yield target
    target.stop()


def _admin(target: ServerTarget, sql: str) -> None:
    with connect(target.admin_url.set(database="postgres"), autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def template(pg_server: ServerTarget) -> ServerTarget:
    _admin(pg_server, f"DROP DATABASE IF EXISTS {TEMPLATE}")
    _admin(pg_server, f"CREATE DATABASE {TEMPLATE}")
    target = pg_server.for_database(TEMPLATE)
    engine = make_engine(target.admin_url)
    migrate.upgrade(engine)
    seed_demo(target.admin_url, engine, scale="small", seed=7)
    engine.dispose()
    add_quality_history(target, seed=7)
    return target


def new_database(server: ServerTarget, template_name: str | None = None) -> ServerTarget:
    name = f"lotproof_test_{os.getpid()}_{next(_numbers)}"
    source = f" TEMPLATE {template_name}" if template_name else ""
    _admin(server, f"CREATE DATABASE {name}{source}")
    # A copy does not keep its template's database privileges: close temporary objects again,
    # as `lotproof db upgrade` does.
    target = server.for_database(name)
    with connect(target.admin_url, autocommit=True) as conn:
        definitions.revoke_temporary(conn)
    return target


def drop_database(target: ServerTarget) -> None:
    _admin(target, f"DROP DATABASE IF EXISTS {target.admin_url.database} WITH (FORCE)")


@pytest.fixture
def db(pg_server: ServerTarget, template: ServerTarget) -> Iterator[ServerTarget]:
    """A database of its own with the schema and the small demo data, for a test that writes."""
    target = new_database(pg_server, TEMPLATE)
    yield target
    drop_database(target)


@pytest.fixture(scope="module")
def shared_db(pg_server: ServerTarget, template: ServerTarget) -> Iterator[ServerTarget]:
    """A seeded database that the tests of one module only read."""
    target = new_database(pg_server, TEMPLATE)
    yield target
    drop_database(target)


@pytest.fixture
def empty_db(pg_server: ServerTarget) -> Iterator[ServerTarget]:
    target = new_database(pg_server)
    yield target
    drop_database(target)


@pytest.fixture
def owner_engine(db: ServerTarget) -> Iterator[Engine]:
    engine = make_engine(db.admin_url)
    yield engine
    engine.dispose()


DEMO_PASSWORDS = {username: password for username, _n, _r, password in DEMO_USERS}
DEMO_BY_ROLE = {role: username for username, _n, role, _p in DEMO_USERS}


def unique_username(stem: str) -> str:
    """Login roles are cluster-wide and never reused: each test makes names of its own."""
    return f"{stem}.t{secrets.token_hex(4)}"
