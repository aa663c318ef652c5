"""documents: extracted fields, result provenance, review functions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 13:40:52.413283
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.db.migrate import apply_definitions, execute_sql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


GRANTS = """
GRANT SELECT ON quality.extracted_fields TO
    lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
"""

MATCH_KEY_INDEXES = """
CREATE INDEX ix_lots_supplier_lot_match_key ON erp.lots (quality.lot_match_key(supplier_lot_code));
CREATE INDEX ix_lots_lot_code_match_key ON erp.lots (quality.lot_match_key(lot_code));
"""


def upgrade() -> None:
    op.create_table('extracted_fields',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('document_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('value', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('page', sa.Integer(), nullable=True),
    sa.Column('bbox', postgresql.ARRAY(sa.Float()), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('method', sa.Text(), nullable=True),
    sa.Column('source_text', sa.Text(), nullable=True),
    sa.Column('corrected_value', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('corrected_by', sa.Text(), nullable=True),
    sa.Column('corrected_at', postgresql.TIMESTAMP(timezone=True), nullable=True),
    sa.Column('correction_reason', sa.Text(), nullable=True),
    sa.Column('confirmed_by', sa.Text(), nullable=True),
    sa.Column('confirmed_at', postgresql.TIMESTAMP(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['quality.documents.id'], name=op.f('fk_extracted_fields_document_id_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_extracted_fields')),
    sa.UniqueConstraint('document_id', 'name', name=op.f('uq_extracted_fields_document_id_name')),
    schema='quality'
    )
    op.add_column('coa_results', sa.Column('spec_min', sa.Numeric(), nullable=True), schema='quality')
    op.add_column('coa_results', sa.Column('spec_max', sa.Numeric(), nullable=True), schema='quality')
    op.add_column('coa_results', sa.Column('page', sa.Integer(), nullable=True), schema='quality')
    op.add_column('coa_results', sa.Column('bbox', postgresql.ARRAY(sa.Float()), nullable=True), schema='quality')
    op.add_column('coa_results', sa.Column('confidence', sa.Float(), nullable=True), schema='quality')
    op.add_column('coa_results', sa.Column('original', postgresql.JSONB(astext_type=sa.Text()), nullable=True), schema='quality')
    op.add_column('coa_results', sa.Column('confirmed_by', sa.Text(), nullable=True), schema='quality')
    op.add_column('coa_results', sa.Column('confirmed_at', postgresql.TIMESTAMP(timezone=True), nullable=True), schema='quality')
    op.add_column('coa_results', sa.Column('corrected_by', sa.Text(), nullable=True), schema='quality')
    op.add_column('coa_results', sa.Column('corrected_at', postgresql.TIMESTAMP(timezone=True), nullable=True), schema='quality')
    op.add_column('coa_results', sa.Column('correction_reason', sa.Text(), nullable=True), schema='quality')
    execute_sql(GRANTS)
    apply_definitions("lot_matching")  # the indexes below are on its expression
    execute_sql(MATCH_KEY_INDEXES)


def downgrade() -> None:
    raise NotImplementedError("Lotproof migrations only go forward")
