"""lot lock mode: FOR NO KEY UPDATE

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # its functions live in app/db/sql/ and are applied at every upgrade


def downgrade() -> None:
    raise NotImplementedError("Lotproof migrations only go forward")
