"""Schema migrations: bring any database to head, and report where it stands.

Migrations (`app/db/migrations/versions/`) hold tables, indexes, grants on tables and data; the
functions and triggers are the files in `app/db/sql/`, applied after the migrations by
`app.db.definitions`.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from app.db import definitions

MIGRATIONS = Path(__file__).with_name("migrations")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head", *, erp: str | None = None) -> None:
    """Migrate to `revision`; at head, (re-)apply every definition file in the same transaction.
    (An older revision is only a step on the way: its database has tables but no functions.)
    `erp` names the ERP adapter of a new database (`builtin` by default, or `tryton`)."""
    config = _config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        if MigrationContext.configure(conn).get_current_revision() == head_revision():
            if erp is not None:
                definitions.choose_adapter(driver(conn), erp)
            definitions.apply(driver(conn))


def driver(conn: Connection) -> definitions.Connection:
    raw = conn.connection.driver_connection
    assert raw is not None
    return raw  # type: ignore[no-any-return]


def apply_definitions(*areas: str) -> None:
    """For a migration whose DDL needs a function now (an index on `quality.lot_match_key`)."""
    from alembic import op

    definitions.apply(driver(op.get_bind()), only=areas)


def execute_sql(statements: str) -> None:
    """Run SQL text (several statements) inside the migration's transaction, as it is: no
    bind-parameter or percent processing on the way."""
    from alembic import op

    driver(op.get_bind()).execute(statements, prepare=False)  # type: ignore[call-overload]


def secure_database() -> None:
    """Hand the objects made so far to lotproof_owner and close temporary objects to logins."""
    from alembic import op

    definitions.secure(driver(op.get_bind()))
