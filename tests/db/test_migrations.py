"""The schema comes from migrations, and the models say exactly what the migrations build."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from app.db import migrate
from app.db.engine import make_engine
from app.db.models import Base
from app.db.server import ServerTarget


@pytest.mark.filterwarnings("ignore:Expression #1 'lower")  # text_pattern_ops expression indexes
def test_empty_database_migrates_to_head_without_drift(empty_db: ServerTarget) -> None:
    engine = make_engine(empty_db.admin_url)
    try:
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "include_schemas": True,
                    "include_name": lambda name, type_, parent: (
                        type_ != "schema" or name in ("erp", "erp_builtin", "quality", "audit")
                    ),
                },
            )
            diff = compare_metadata(context, Base.metadata)
        assert diff == [], f"models and migrated schema differ: {diff}"
        schemas = set(inspect(engine).get_schema_names())
        assert {"erp", "quality", "audit"} <= schemas
        # Upgrading again is a no-op.
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()


def test_group_roles_exist_and_cannot_log_in(empty_db: ServerTarget) -> None:
    engine = make_engine(empty_db.admin_url)
    try:
        migrate.upgrade(engine)
        with engine.connect() as conn:
            roles = dict(conn.execute(text(
                "SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname LIKE 'lotproof\\_%'"
            )).all())
        assert set(roles) >= {"lotproof_inspector", "lotproof_approver", "lotproof_compliance",
                              "lotproof_admin", "lotproof_auditor"}
        assert not any(roles.values())
    finally:
        engine.dispose()


def test_lot_browser_indexes_exist(shared_db: ServerTarget) -> None:
    engine = make_engine(shared_db.admin_url)
    try:
        names = {ix["name"] for ix in inspect(engine).get_indexes("lots", schema="erp_builtin")}
        assert {"ix_lots_lot_code_lower", "ix_lots_supplier_lot_code_lower",
                "ix_lots_expiry_date_lot_code"} <= names
        state = {ix["name"] for ix in inspect(engine).get_indexes("lot_state", schema="quality")}
        assert "ix_lot_state_status" in state  # the status is Lotproof's, indexed there
        genealogy = {ix["name"] for ix in inspect(engine).get_indexes("lot_genealogy",
                                                                       schema="erp_builtin")}
        assert "ix_lot_genealogy_parent_lot_id_child_lot_id" in genealogy
    finally:
        engine.dispose()
