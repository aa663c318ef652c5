"""A database schema newer than the client is refused; an older one is upgraded by an
administrator only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from app.db import migrate, schema_version
from app.db.engine import make_engine
from app.db.schema_version import SchemaState, SchemaTooNew, UpgradeNotPermitted
from app.db.server import ServerTarget
from app.db.users import create_user
from app.workflows import schema, setup
from app.workflows.session import login
from tests.conftest import DEMO_PASSWORDS, unique_username


@pytest.fixture
def owner(db: ServerTarget) -> Iterator[Engine]:
    engine = make_engine(db.admin_url)
    yield engine
    engine.dispose()


def test_revisions_classify() -> None:
    known = schema_version.known_revisions()
    assert known[-1] == migrate.head_revision() and len(known) >= 2
    assert schema_version.classify(None, known) is SchemaState.EMPTY
    assert schema_version.classify(known[-1], known) is SchemaState.CURRENT
    assert schema_version.classify(known[0], known) is SchemaState.OLDER
    assert schema_version.classify("9999_future", known) is SchemaState.NEWER


def test_newer_schema_is_refused(db: ServerTarget, owner: Engine) -> None:
    head = migrate.head_revision()
    with owner.begin() as conn:
        conn.execute(text("UPDATE public.alembic_version SET version_num = '9999_future'"))
    status = schema_version.read_status(owner)
    assert status.state is SchemaState.NEWER and status.revision == "9999_future"
    expected = (f"database schema 9999_future is newer than this Lotproof (knows up to {head}): "
                "install the newer Lotproof")
    # At start-up, with the workstation's own connection: refused before anyone logs in.
    with pytest.raises(SchemaTooNew) as refused:
        setup.prepare(db, demo_if_empty=False)
    assert str(refused.value) == expected
    # After a person logged in (an administrator too): refused, and nothing is migrated.
    session = login(db, "adam.admin", DEMO_PASSWORDS["adam.admin"])
    try:
        with pytest.raises(SchemaTooNew, match="install the newer Lotproof"):
            schema.check_after_login(db, session)
        with pytest.raises(SchemaTooNew):
            schema.upgrade_for(db, session)
    finally:
        session.close()
    assert migrate.current_revision(owner) == "9999_future"


def test_current_schema_passes(db: ServerTarget) -> None:
    assert setup.prepare(db, demo_if_empty=False).state is SchemaState.CURRENT
    session = login(db, "ivy.inspector", DEMO_PASSWORDS["ivy.inspector"])
    try:
        # Every group role may read the revision table (granted by migration 0006).
        assert schema_version.read_status(session.engine).state is SchemaState.CURRENT
        assert schema.check_after_login(db, session).state is SchemaState.CURRENT
        assert schema.upgrade_for(db, session).state is SchemaState.CURRENT
    finally:
        session.close()


def test_an_older_revision_is_older() -> None:
    known = schema_version.known_revisions()
    assert schema_version.classify(known[-2], known) is SchemaState.OLDER


def test_older_schema_is_upgraded_by_an_admin_only(empty_db: ServerTarget) -> None:
    """A database a release behind: the same tables with older functions (a definition file
    changed since it was upgraded). An older revision takes the same path (classify above)."""
    known = schema_version.known_revisions()
    engine = make_engine(empty_db.admin_url)
    try:
        migrate.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE quality.settings SET value = 'an older digest' "
                              "WHERE key = 'schema_definitions'"))
        recorded = known[-1]
        admin = unique_username("schema.admin")
        inspector = unique_username("schema.inspector")
        create_user(engine, admin, "Schema Admin", "admin", "admin-password-1")
        create_user(engine, inspector, "Schema Inspector", "inspector", "inspector-password-1")

        # At start-up an older schema is left alone: nobody has logged in yet.
        status = setup.prepare(empty_db, demo_if_empty=False)
        assert status.state is SchemaState.OLDER and status.revision == recorded

        session = login(empty_db, inspector, "inspector-password-1")
        try:
            assert schema.check_after_login(empty_db, session).state is SchemaState.OLDER
            assert not schema.may_upgrade(session)
            with pytest.raises(UpgradeNotPermitted) as refused:
                schema.upgrade_for(empty_db, session)
            assert "ask an administrator to upgrade" in str(refused.value)
            assert f"schema {recorded}" in str(refused.value)
        finally:
            session.close()

        session = login(empty_db, admin, "admin-password-1")
        try:
            assert schema.may_upgrade(session)
            assert schema.upgrade_for(empty_db, session).state is SchemaState.CURRENT
        finally:
            session.close()
        assert migrate.current_revision(engine) == known[-1]
    finally:
        engine.dispose()


def test_empty_database_is_created_only_by_a_role_that_may(empty_db: ServerTarget) -> None:
    status = setup.prepare(empty_db, demo_if_empty=False)
    assert status.state is SchemaState.CURRENT
    assert status.describe() == f"{migrate.head_revision()} (current)"
