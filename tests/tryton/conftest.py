"""Tryton on an embedded server of its own: an empty Tryton database (modules and company) and the
small demo distributor made from a copy of it, and Lotproof beside a copy of that, each ONCE per
test run (tests/tryton/templates.py; in a process of its own that starts as soon as the run's
tests are collected, so that it is done by the time they run); each test that wants a
database of its own gets a copy of one (CREATE DATABASE ... TEMPLATE, about 1.5 s).

trytond keeps one pool of models and one connection pool per database name for the whole process.
Every copy has a new name, so proteus opens it afresh (about 1 s); a template's connections are
closed (`close_database`) before it is copied, and a copy's before it is dropped.

The server is not the rest of the suite's: login roles are the cluster's, and Lotproof's demo
people enrolled in the Tryton demo must not meet those of the built-in demo's template.

Without the `tryton` extra these tests skip on a developer's machine and fail in CI.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
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
from tests.tryton import templates
from tests.tryton.templates import BASE, DEMO, DEMO_SEED, LOTPROOF

__all__ = ["BASE", "DEMO", "DEMO_SEED", "LOTPROOF"]
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


def _admin(server: ServerTarget, statement: sql.Composed) -> None:
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


#: For working on these tests: a server that already holds the three template databases
#: (LOTPROOF_TEST_TRYTON_URL, an admin URL), used as it is instead of making them (7 minutes).
REUSE_URL = os.environ.get("LOTPROOF_TEST_TRYTON_URL")


@dataclass
class _Background:
    """The Tryton server of the run and the process making its templates, started as soon as
    the run's tests are known (pytest_collection_finish) when some of them need Tryton."""
    server: ServerTarget | None = None
    config_dir: Path | None = None
    builder: subprocess.Popen[bytes] | None = None
    log: Path | None = None


_background = _Background()


def pytest_collection_finish(session: pytest.Session) -> None:
    if REUSE_URL or not tryton_installed() or _background.server is not None:
        return
    if not any("tests/tryton/" in item.nodeid for item in session.items):
        return
    root = Path(tempfile.mkdtemp(prefix="lotproof-tryton-test-"))
    _background.server = open_server(root / "db", delete_on_stop=True)
    _background.config_dir = root / "tryton"
    _background.config_dir.mkdir()
    _background.log = root / "templates.log"
    with _background.log.open("wb") as log:
        _background.builder = subprocess.Popen(
            [sys.executable, "-m", "tests.tryton.templates",
             _background.server.admin_url.render_as_string(hide_password=False),
             str(_background.config_dir)],
            stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).parents[2])


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _background.builder is not None and _background.builder.poll() is None:
        _background.builder.kill()
        _background.builder.wait()
    if _background.server is not None:
        _background.server.stop()
        _background.server = None


def _templates_ready() -> bool:
    """Wait for the background build; True when it made the templates."""
    if _background.builder is None:
        return bool(REUSE_URL)
    code = _background.builder.wait()
    if code != 0:
        log = _background.log.read_text(errors="replace") if _background.log else ""
        pytest.fail(f"making the Tryton templates failed (exit {code}):\n{log[-4000:]}")
    return True


@pytest.fixture(scope="session")
def tryton_config_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not tryton_installed():
        skip_unless_ci("the `tryton` extra is not installed (pip install -e '.[tryton]')")
    if _background.config_dir is not None:
        return _background.config_dir
    return tmp_path_factory.mktemp("tryton")


@pytest.fixture(scope="session")
def tryton_server(tryton_config_dir: Path) -> Iterator[ServerTarget]:
    if REUSE_URL:
        from sqlalchemy.engine import make_url

        yield ServerTarget(admin_url=make_url(REUSE_URL))
        return
    if _background.server is not None:
        yield _background.server
        return
    root = Path(tempfile.mkdtemp(prefix="lotproof-tryton-test-"))
    target = open_server(root / "db", delete_on_stop=True)
    yield target
    target.stop()


@pytest.fixture(scope="session")
def tryton_base(tryton_server: ServerTarget, tryton_config_dir: Path) -> TrytonDatabase:
    """An empty Tryton database: the demo's modules, the company, its chart and fiscal years."""
    if not (_templates_ready() and templates.exists(tryton_server, BASE)):
        templates.build_base(tryton_server, tryton_config_dir)
    return TrytonDatabase(tryton_server.for_database(BASE), BASE, tryton_config_dir)


@pytest.fixture(scope="session")
def tryton_demo(tryton_server: ServerTarget, tryton_base: TrytonDatabase) -> TrytonDemo:
    """The small demo distributor (seed 1, up to yesterday), made once: a template to copy."""
    if not (_templates_ready() and templates.exists(tryton_server, DEMO)):
        templates.build_demo(tryton_server, tryton_base.config_dir)
    return TrytonDemo(tryton_server.for_database(DEMO), DEMO, tryton_base.config_dir,
                      templates.demo_report(tryton_server, tryton_base.config_dir))


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
    if not (_templates_ready() and templates.exists(tryton_server, LOTPROOF)):
        templates.build_lotproof(tryton_server, tryton_demo.config_dir)
    return TrytonDemo(tryton_server.for_database(LOTPROOF), LOTPROOF, tryton_demo.config_dir,
                      tryton_demo.report)


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
