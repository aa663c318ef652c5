"""Inspection plans: per item (and optionally per supplier), versioned, with their sampling
(Z1.4 level and AQL, a fixed count, or the square root of the lot plus one) and their
characteristics (visual, label, seal, temperature, identity, measurement with limits).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.db.migrate import execute_sql, secure_database

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inspection_plans",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sampling", sa.Text(), nullable=False),
        sa.Column("level", sa.Text(), nullable=True),
        sa.Column("aql", sa.Numeric(), nullable=True),
        sa.Column("fixed_count", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.CheckConstraint("sampling IN ('z14', 'fixed', 'sqrt')", name=op.f("ck_inspection_plans_sampling_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_plans")),
        schema="quality",
    )
    op.create_index(op.f("ix_inspection_plans_item_id_supplier_id"), "inspection_plans",
                    ["item_id", "supplier_id"], unique=False, schema="quality")
    op.create_table(
        "inspection_characteristics",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("min_value", sa.Numeric(), nullable=True),
        sa.Column("max_value", sa.Numeric(), nullable=True),
        sa.Column("unit", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('visual', 'label', 'seal', 'temperature', 'identity', 'measurement')",
                           name=op.f("ck_inspection_characteristics_kind_known")),
        sa.ForeignKeyConstraint(["plan_id"], ["quality.inspection_plans.id"],
                                name=op.f("fk_inspection_characteristics_plan_id_inspection_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_characteristics")),
        sa.UniqueConstraint("plan_id", "position", name=op.f("uq_inspection_characteristics_plan_id_position")),
        schema="quality",
    )
    execute_sql("""
GRANT SELECT ON quality.inspection_plans, quality.inspection_characteristics
    TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
""")
    secure_database()


def downgrade() -> None:
    op.drop_table("inspection_characteristics", schema="quality")
    op.drop_index(op.f("ix_inspection_plans_item_id_supplier_id"), table_name="inspection_plans",
                  schema="quality")
    op.drop_table("inspection_plans", schema="quality")
