"""change notifications (LISTEN/NOTIFY)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # its functions live in app/db/sql/ and are applied at every upgrade


def downgrade() -> None:
    raise NotImplementedError("Lotproof migrations only go forward")
