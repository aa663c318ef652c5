"""Receiving inspections: one per lot at a time, under its item's plan, each characteristic's
result, completed with a signature.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.db.migrate import execute_sql, secure_database

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TZ = postgresql.TIMESTAMP(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inspections",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("severity", sa.Text(), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("accept", sa.Integer(), nullable=False),
        sa.Column("reject", sa.Integer(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("defects", sa.Integer(), nullable=True),
        sa.Column("opened_by", sa.Text(), nullable=False),
        sa.Column("opened_at", TZ, nullable=False),
        sa.Column("completed_by", sa.Text(), nullable=True),
        sa.Column("completed_at", TZ, nullable=True),
        sa.Column("signature_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'passed', 'failed')", name=op.f("ck_inspections_status_known")),
        sa.ForeignKeyConstraint(["plan_id"], ["quality.inspection_plans.id"],
                                name=op.f("fk_inspections_plan_id_inspection_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
        schema="quality",
    )
    op.create_index("ix_inspections_one_open_per_lot", "inspections", ["lot_id"], unique=True,
                    schema="quality", postgresql_where=sa.text("status = 'open'"))
    op.create_table(
        "inspection_results",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("inspection_id", sa.BigInteger(), nullable=False),
        sa.Column("characteristic_id", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Numeric(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["inspection_id"], ["quality.inspections.id"],
                                name=op.f("fk_inspection_results_inspection_id_inspections")),
        sa.ForeignKeyConstraint(["characteristic_id"], ["quality.inspection_characteristics.id"],
                                name=op.f("fk_inspection_results_characteristic_id_inspection_characteristics")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_results")),
        sa.UniqueConstraint("inspection_id", "characteristic_id",
                            name=op.f("uq_inspection_results_inspection_id_characteristic_id")),
        schema="quality",
    )
    execute_sql("""
GRANT SELECT ON quality.inspections, quality.inspection_results
    TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
""")
    secure_database()


def downgrade() -> None:
    op.drop_table("inspection_results", schema="quality")
    op.drop_index("ix_inspections_one_open_per_lot", table_name="inspections", schema="quality")
    op.drop_table("inspections", schema="quality")
