"""lot lock mode: FOR NO KEY UPDATE

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from app.db.migrate import run_sql_file

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0008_lot_lock_mode.sql")


def downgrade() -> None:
    raise NotImplementedError("Lotproof migrations only go forward")
