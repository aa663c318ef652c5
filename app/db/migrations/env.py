"""Alembic environment: runs on the connection `app.db.migrate` hands it."""

from alembic import context

from app.db.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    include_schemas=True,
    version_table_schema="public",
    include_name=lambda name, type_, parent: (
        type_ != "schema" or name in ("erp", "erp_builtin", "quality", "audit")
    ),
)
with context.begin_transaction():
    context.run_migrations()
