"""trace functions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from app.db.migrate import run_sql_file

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0005_trace_functions.sql")


def downgrade() -> None:
    raise NotImplementedError("Lotproof migrations only go forward")
