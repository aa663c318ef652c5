"""Is the database's schema one this Lotproof can work on?

The database records its Alembic revision; this client knows the revisions of its own migrations.
- no revision: an empty database, to be created (by a role that may);
- the newest known: current;
- an older known one: to be upgraded, by an administrator only;
- a revision this client does not know: written by a newer Lotproof, refused.

A person's login role may not be able to read the revision table (it lives in the `public`
schema, closed to PUBLIC): the state is then UNKNOWN, and the check is left to a connection
that can read it (the owner's, which the workstation holds for the embedded server).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from app.db import definitions, migrate
from app.db.errors import DatabaseUnavailable

ADMIN_ROLE = "lotproof_admin"


class SchemaState(StrEnum):
    EMPTY = "empty"
    CURRENT = "current"
    OLDER = "older"
    NEWER = "newer"
    UNKNOWN = "unknown"


class SchemaTooNew(DatabaseUnavailable):
    """The database was migrated by a newer Lotproof; this one must not work on it."""


class UpgradeNotPermitted(DatabaseUnavailable):
    """The schema is older (or absent) and the person may not upgrade it."""


@dataclass(frozen=True)
class SchemaStatus:
    revision: str | None
    head: str
    state: SchemaState

    def describe(self) -> str:
        """For the About box and messages: `0006 (current)`, `0005 (older: ...)`."""
        if self.state is SchemaState.UNKNOWN:
            return "not readable with this login"
        if self.state is SchemaState.EMPTY:
            return f"empty (this Lotproof creates {self.head})"
        if self.state is SchemaState.CURRENT:
            return f"{self.revision} (current)"
        if self.state is SchemaState.OLDER and self.revision == self.head:
            return f"{self.revision} (its database functions are older than this Lotproof's)"
        if self.state is SchemaState.OLDER:
            return f"{self.revision} (older; this Lotproof knows up to {self.head})"
        return f"{self.revision} (newer than this Lotproof, which knows up to {self.head})"


def known_revisions() -> list[str]:
    """This client's revisions, oldest first."""
    script = ScriptDirectory.from_config(migrate._config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def classify(revision: str | None, known: list[str]) -> SchemaState:
    if revision is None:
        return SchemaState.EMPTY
    if revision == known[-1]:
        return SchemaState.CURRENT
    if revision in known:
        return SchemaState.OLDER
    return SchemaState.NEWER


_VERSION_TABLE = text("""
    SELECT has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT')
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relname = 'alembic_version'
""")


def read_status(bind: Engine | Connection) -> SchemaStatus:
    """Where the database stands, as far as this connection's role can see."""
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return read_status(conn)
    known = known_revisions()
    readable = bind.execute(_VERSION_TABLE).scalar_one_or_none()
    if readable is None:  # no version table: nothing was ever migrated here
        return SchemaStatus(None, known[-1], SchemaState.EMPTY)
    if not readable:
        return SchemaStatus(None, known[-1], SchemaState.UNKNOWN)
    revisions = list(bind.execute(text("SELECT version_num FROM public.alembic_version")).scalars())
    if not revisions:
        return SchemaStatus(None, known[-1], SchemaState.EMPTY)
    unknown = [r for r in revisions if r not in known]
    revision = unknown[0] if unknown else max(revisions, key=known.index)
    state = classify(revision, known)
    if state is SchemaState.CURRENT and not _runs_these_definitions(bind):
        state = SchemaState.OLDER  # same tables, older functions: `db upgrade` re-applies them
    return SchemaStatus(revision, known[-1], state)


def _runs_these_definitions(bind: Connection) -> bool:
    settings: dict[str, str] = dict(bind.execute(text(
        "SELECT key, value FROM quality.settings "
        "WHERE key IN ('schema_definitions', 'erp_adapter')")).all())
    adapter = settings.get("erp_adapter", definitions.DEFAULT_ADAPTER)
    return bool(settings.get("schema_definitions") == definitions.digest(adapter))


def too_new_message(status: SchemaStatus) -> str:
    return (f"database schema {status.revision} is newer than this Lotproof (knows up to "
            f"{status.head}): install the newer Lotproof")


def refuse_newer(status: SchemaStatus) -> None:
    if status.state is SchemaState.NEWER:
        raise SchemaTooNew(too_new_message(status))


def may_upgrade(bind: Engine | Connection) -> bool:
    """The connected role may upgrade the schema: a superuser, the owner of the database or of
    Lotproof's schemas, or a member of `lotproof_admin`. (The database itself still refuses a
    migration the role has no rights for.)"""
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return may_upgrade(conn)
    query = text("""
        SELECT r.rolsuper
            OR pg_has_role(session_user, d.datdba, 'MEMBER')
            OR EXISTS (SELECT 1 FROM pg_namespace n
                       WHERE n.nspname IN ('erp', 'quality', 'audit')
                         AND pg_has_role(session_user, n.nspowner, 'MEMBER'))
            OR (EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :admin)
                AND pg_has_role(session_user, :admin, 'MEMBER'))
        FROM pg_roles r, pg_database d
        WHERE r.rolname = session_user AND d.datname = current_database()
    """)
    return bool(bind.execute(query, {"admin": ADMIN_ROLE}).scalar())


def not_permitted_message(status: SchemaStatus) -> str:
    if status.state is SchemaState.EMPTY:
        return ("the database has no Lotproof schema yet: ask an administrator to create it "
                "(`lotproof db upgrade`)")
    if status.revision == status.head:
        return (f"the database functions of schema {status.revision} are older than this "
                "Lotproof's: ask an administrator to upgrade it (an administrator logs in to "
                "Lotproof, or runs `lotproof db upgrade`)")
    return (f"database schema {status.revision} is older than this Lotproof (knows up to "
            f"{status.head}): ask an administrator to upgrade it (an administrator logs in to "
            "Lotproof, or runs `lotproof db upgrade`)")


def upgrade(engine: Engine) -> SchemaStatus:
    """Migrate to this client's newest revision (refusing a newer database) and say where it
    stands afterwards."""
    refuse_newer(read_status(engine))
    migrate.upgrade(engine)
    return read_status(engine)
