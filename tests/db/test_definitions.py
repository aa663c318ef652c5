"""Each database function, trigger and function grant has one live definition: its file in
`app/db/sql/`. Migrations build tables; the files are what the database runs."""

from __future__ import annotations

import re

from app.db import definitions, migrate, schema_version
from app.db.engine import make_engine
from app.db.server import ServerTarget, connect
from tests.conftest import drop_database, new_database
from tests.support.catalog import differences, snapshot


def test_the_database_runs_exactly_its_files(shared_db: ServerTarget) -> None:
    """Applying the files again changes nothing: every function has the body of its file, and
    nothing in the database is defined by no file (it would be dropped)."""
    engine = make_engine(shared_db.admin_url)
    try:
        with engine.connect() as conn:
            before = snapshot(conn)
            definitions.apply(migrate.driver(conn))
            after = snapshot(conn)
            conn.rollback()
    finally:
        engine.dispose()
    assert differences(before, after) == []
    assert len(before["functions"]) >= 80


def test_each_function_is_defined_in_one_file_only() -> None:
    seen: dict[str, str] = {}
    for area in definitions.areas():
        for name in re.findall(r"CREATE OR REPLACE FUNCTION (\w+\.\w+)\(", area.text):
            assert name not in seen, f"{name} is defined in {seen[name]}.sql and {area.name}.sql"
            seen[name] = area.name
    assert "quality.release_blockers" in seen
    assert not re.search(r"CREATE (OR REPLACE )?FUNCTION", "".join(
        p.read_text() for p in migrate.MIGRATIONS.glob("versions/*.py"))), \
        "a migration defines a function: it belongs in its file in app/db/sql/"


def test_upgraded_step_by_step_equals_created_from_empty(pg_server: ServerTarget) -> None:
    stepwise, direct = new_database(pg_server), new_database(pg_server)
    try:
        for target, revisions in ((stepwise, schema_version.known_revisions()),
                                  (direct, ["head"])):
            engine = make_engine(target.admin_url)
            try:
                for revision in revisions:
                    migrate.upgrade(engine, revision)
            finally:
                engine.dispose()
        snapshots = []
        for target in (stepwise, direct):
            engine = make_engine(target.admin_url)
            try:
                with engine.connect() as conn:
                    snapshots.append(snapshot(conn))
            finally:
                engine.dispose()
        assert differences(*snapshots) == []
    finally:
        drop_database(stepwise)
        drop_database(direct)


def test_the_database_records_which_definitions_it_runs(shared_db: ServerTarget) -> None:
    with connect(shared_db.admin_url) as conn:
        assert definitions.recorded_digest(conn) == definitions.digest()
