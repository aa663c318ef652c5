"""change notifications (LISTEN/NOTIFY)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from app.db.migrate import run_sql_file

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0007_change_notifications.sql")


def downgrade() -> None:
    raise NotImplementedError("Lotproof migrations only go forward")
