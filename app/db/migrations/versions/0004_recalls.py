"""recalls

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 14:02:29.890507
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.db.migrate import execute_sql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


DATA_AND_GRANTS = """
GRANT SELECT ON quality.recalls, quality.recall_lots TO
    lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
"""


def upgrade() -> None:
    op.create_table('recalls',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('number', sa.Text(), nullable=False),
    sa.Column('is_mock', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recall_class', sa.Text(), nullable=False),
    sa.Column('regulator_reference', sa.Text(), nullable=True),
    sa.Column('state', sa.Text(), server_default=sa.text("'open'"), nullable=False),
    sa.Column('opened_by', sa.Text(), nullable=False),
    sa.Column('opened_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('held_at', postgresql.TIMESTAMP(timezone=True), nullable=True),
    sa.Column('report_completed_at', postgresql.TIMESTAMP(timezone=True), nullable=True),
    sa.Column('closed_at', postgresql.TIMESTAMP(timezone=True), nullable=True),
    sa.Column('summary', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.CheckConstraint("recall_class IN ('I', 'II', 'III')", name=op.f('ck_recalls_recall_class')),
    sa.CheckConstraint("state IN ('open', 'held', 'closed')", name=op.f('ck_recalls_state')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recalls')),
    sa.UniqueConstraint('number', name=op.f('uq_recalls_number')),
    schema='quality'
    )
    op.create_table('recall_lots',
    sa.Column('recall_id', sa.BigInteger(), nullable=False),
    sa.Column('lot_id', sa.BigInteger(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('status_at_open', sa.Text(), nullable=False),
    sa.Column('held', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.CheckConstraint("role IN ('source', 'affected')", name=op.f('ck_recall_lots_role')),
    sa.ForeignKeyConstraint(['lot_id'], ['erp.lots.id'], name=op.f('fk_recall_lots_lot_id_lots')),
    sa.ForeignKeyConstraint(['recall_id'], ['quality.recalls.id'], name=op.f('fk_recall_lots_recall_id_recalls')),
    sa.PrimaryKeyConstraint('recall_id', 'lot_id', name=op.f('pk_recall_lots')),
    schema='quality'
    )
    op.create_index('ix_recall_lots_lot_id', 'recall_lots', ['lot_id'], unique=False, schema='quality')
    execute_sql(DATA_AND_GRANTS)


def downgrade() -> None:
    raise NotImplementedError("Lotproof migrations only go forward")
