"""Labels printed for a lot: what each carried (its GS1 element strings, status and reason),
who printed it, and the SSCC serials of pallets.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.db.migrate import execute_sql, secure_database

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TZ = postgresql.TIMESTAMP(timezone=True)
Q = "quality"


def upgrade() -> None:
    op.create_table(
        "printed_labels",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column("size", sa.Text(), nullable=False),
        sa.Column("sscc", sa.Text(), nullable=True),
        sa.Column("content", postgresql.JSONB(), nullable=False),
        sa.Column("printed_by", sa.Text(), nullable=False),
        sa.Column("printed_at", TZ, nullable=False),
        sa.CheckConstraint("kind IN ('lot', 'pallet', 'status')",
                           name=op.f("ck_printed_labels_kind_known")),
        sa.CheckConstraint("size IN ('4x6', '100x150')", name=op.f("ck_printed_labels_size_known")),
        sa.CheckConstraint("(kind = 'pallet') = (sscc IS NOT NULL)",
                           name=op.f("ck_printed_labels_sscc_on_pallets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_printed_labels")),
        sa.UniqueConstraint("sscc", name=op.f("uq_printed_labels_sscc")),
        schema=Q,
    )
    op.create_index(op.f("ix_printed_labels_lot_id"), "printed_labels", ["lot_id"], schema=Q)
    # an SSCC is never issued twice: its serial reference comes from here
    execute_sql("CREATE SEQUENCE quality.sscc_serial MINVALUE 1;")
    execute_sql("GRANT SELECT ON quality.printed_labels TO lotproof_inspector, lotproof_approver, "
                "lotproof_compliance, lotproof_admin, lotproof_auditor;")
    secure_database()


def downgrade() -> None:
    op.drop_table("printed_labels", schema=Q)
    execute_sql("DROP SEQUENCE quality.sscc_serial;")
