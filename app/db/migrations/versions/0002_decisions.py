"""quality decisions, signatures, audit trail

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 12:30:37.745638
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.db.migrate import execute_sql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


DATA_AND_GRANTS = """
-- The audit trail: append-only and hash-chained (21 CFR 11.10(e), EU GMP Annex 11 §9, §12).
--
-- Rows are appended only by audit.append(), which serialises on the chain head so each row
-- carries the hash of the row before it. The canonical text of a row (what is hashed) is the
-- fields below joined by the unit separator, NULL as \\N, the time in UTC with microseconds and
-- JSON as PostgreSQL's jsonb text; `lotproof audit verify` recomputes it independently.
INSERT INTO audit.chain_head (id, last_id, last_hash)
VALUES (1, 0, encode(sha256(convert_to('lotproof audit genesis', 'UTF8')), 'hex'));

GRANT SELECT ON audit.trail, audit.chain_head TO
    lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;

-- Electronic signatures (21 CFR 11.50, 11.70, 11.100, 11.200, 11.300; EU GMP Annex 11 §14)
-- and the account rules around them: lock-out after failed attempts, forced password change
-- after an administrator's reset, password ageing.
INSERT INTO quality.settings (key, value) VALUES
    ('signature_max_connection_age_seconds', '10'),
    ('signature_max_failures', '3'),
    ('password_max_age_days', '180')
ON CONFLICT (key) DO NOTHING;

-- The lot status machine and the decisions that move a lot through it.
--
-- quality.lot_status_transitions is the one definition: every decision function looks its move
-- up there (who may make it, how many signatures) and refuses anything else; the workstation
-- reads the same table to offer only the moves a person may make.
INSERT INTO quality.lot_status_transitions
    (action, from_status, to_status, roles, signatures_required, meaning, needs_reason) VALUES
('hold', 'quarantine', 'hold', '{lotproof_inspector,lotproof_approver,lotproof_compliance}', 1, 'Placed on hold', true),
('hold', 'available', 'hold', '{lotproof_inspector,lotproof_approver,lotproof_compliance}', 1, 'Placed on hold', true),
('release', 'quarantine', 'available', '{lotproof_approver,lotproof_compliance}', 1, 'Released', false),
('release', 'hold', 'available', '{lotproof_approver,lotproof_compliance}', 1, 'Released', true),
('reject', 'quarantine', 'rejected', '{lotproof_approver,lotproof_compliance}', 1, 'Rejected', true),
('reject', 'hold', 'rejected', '{lotproof_approver,lotproof_compliance}', 1, 'Rejected', true),
('reject', 'expired', 'rejected', '{lotproof_approver,lotproof_compliance}', 1, 'Rejected', true),
('disposition', 'rejected', 'available', '{lotproof_approver,lotproof_compliance}', 2, 'Disposition approved', true),
('disposition', 'rejected', 'rework', '{lotproof_approver,lotproof_compliance}', 2, 'Disposition approved', true),
('disposition', 'rejected', 'repack', '{lotproof_approver,lotproof_compliance}', 2, 'Disposition approved', true),
('disposition', 'rejected', 'return_to_vendor', '{lotproof_approver,lotproof_compliance}', 2, 'Disposition approved', true),
('disposition', 'rejected', 'scrap', '{lotproof_approver,lotproof_compliance}', 2, 'Disposition approved', true),
('expire', 'quarantine', 'expired', '{}', 0, NULL, false),
('expire', 'available', 'expired', '{}', 0, NULL, false),
('expire', 'hold', 'expired', '{}', 0, NULL, false),
('recall_hold', 'quarantine', 'hold', '{lotproof_compliance}', 1, 'Placed on hold (recall)', true),
('recall_hold', 'available', 'hold', '{lotproof_compliance}', 1, 'Placed on hold (recall)', true);

-- Login roles read; they change nothing but through the functions granted below.
GRANT SELECT ON ALL TABLES IN SCHEMA quality, audit TO
    lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;

REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA quality, audit, erp FROM PUBLIC;
"""


def upgrade() -> None:
    op.create_table('chain_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_id', sa.BigInteger(), nullable=False),
    sa.Column('last_hash', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chain_head')),
    schema='audit'
    )
    op.create_table('trail',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('username', sa.Text(), nullable=False),
    sa.Column('printed_name', sa.Text(), nullable=True),
    sa.Column('role', sa.Text(), nullable=True),
    sa.Column('workstation', sa.Text(), nullable=True),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('record_type', sa.Text(), nullable=False),
    sa.Column('record_id', sa.Text(), nullable=True),
    sa.Column('lot_id', sa.BigInteger(), nullable=True),
    sa.Column('old_values', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('new_values', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('signature_id', sa.BigInteger(), nullable=True),
    sa.Column('prev_hash', sa.Text(), nullable=False),
    sa.Column('row_hash', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trail')),
    schema='audit'
    )
    op.create_index('ix_trail_at', 'trail', ['at'], unique=False, schema='audit')
    op.create_index(op.f('ix_trail_lot_id'), 'trail', ['lot_id'], unique=False, schema='audit')
    op.create_index('ix_trail_record', 'trail', ['record_type', 'record_id'], unique=False, schema='audit')
    op.create_index('ix_trail_username_at', 'trail', ['username', 'at'], unique=False, schema='audit')
    op.create_table('alerts',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('raised_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('username', sa.Text(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('acknowledged_by', sa.Text(), nullable=True),
    sa.Column('acknowledged_at', postgresql.TIMESTAMP(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    schema='quality'
    )
    op.create_table('documents',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.Text(), nullable=False),
    sa.Column('file_name', sa.Text(), nullable=False),
    sa.Column('mime_type', sa.Text(), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('page_count', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('kind_confidence', sa.Float(), nullable=True),
    sa.Column('revision_date', sa.Date(), nullable=True),
    sa.Column('superseded_by_id', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.Text(), server_default=sa.text("'new'"), nullable=False),
    sa.Column('extraction', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('uploaded_by', sa.Text(), nullable=False),
    sa.Column('uploaded_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('verified_by', sa.Text(), nullable=True),
    sa.Column('verified_at', postgresql.TIMESTAMP(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('coa', 'sds', 'allergen_statement', 'other')", name=op.f('ck_documents_kind')),
    sa.CheckConstraint("status IN ('new', 'verified', 'rejected')", name=op.f('ck_documents_status')),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['quality.documents.id'], name=op.f('fk_documents_superseded_by_id_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('sha256', name=op.f('uq_documents_sha256')),
    schema='quality'
    )
    op.create_table('lot_status_transitions',
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('from_status', sa.Text(), nullable=False),
    sa.Column('to_status', sa.Text(), nullable=False),
    sa.Column('roles', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('signatures_required', sa.Integer(), nullable=False),
    sa.Column('meaning', sa.Text(), nullable=True),
    sa.Column('needs_reason', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.PrimaryKeyConstraint('action', 'from_status', 'to_status', name=op.f('pk_lot_status_transitions')),
    schema='quality'
    )
    op.create_table('signatures',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('record_type', sa.Text(), nullable=False),
    sa.Column('record_id', sa.BigInteger(), nullable=False),
    sa.Column('record_hash', sa.Text(), nullable=False),
    sa.Column('meaning', sa.Text(), nullable=False),
    sa.Column('username', sa.Text(), nullable=False),
    sa.Column('printed_name', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('signed_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('backend_pid', sa.Integer(), nullable=False),
    sa.Column('backend_start', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('workstation', sa.Text(), nullable=True),
    sa.Column('signature_hash', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signatures')),
    sa.UniqueConstraint('backend_pid', 'backend_start', name=op.f('uq_signatures_backend_pid_backend_start')),
    schema='quality'
    )
    op.create_index('ix_signatures_record', 'signatures', ['record_type', 'record_id'], unique=False, schema='quality')
    op.create_table('item_specs',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('test', sa.Text(), nullable=False),
    sa.Column('method', sa.Text(), nullable=True),
    sa.Column('min_value', sa.Numeric(), nullable=True),
    sa.Column('max_value', sa.Numeric(), nullable=True),
    sa.Column('text_requirement', sa.Text(), nullable=True),
    sa.Column('unit', sa.Text(), nullable=True),
    sa.Column('coa_acceptable', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['erp.items.id'], name=op.f('fk_item_specs_item_id_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_specs')),
    schema='quality'
    )
    op.create_index('ix_item_specs_item_id', 'item_specs', ['item_id'], unique=False, schema='quality')
    op.create_table('coa_results',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('document_id', sa.BigInteger(), nullable=False),
    sa.Column('lot_id', sa.BigInteger(), nullable=True),
    sa.Column('test', sa.Text(), nullable=False),
    sa.Column('method', sa.Text(), nullable=True),
    sa.Column('specification', sa.Text(), nullable=True),
    sa.Column('value', sa.Numeric(), nullable=True),
    sa.Column('unit', sa.Text(), nullable=True),
    sa.Column('result_text', sa.Text(), nullable=True),
    sa.Column('stated_pass', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['quality.documents.id'], name=op.f('fk_coa_results_document_id_documents')),
    sa.ForeignKeyConstraint(['lot_id'], ['erp.lots.id'], name=op.f('fk_coa_results_lot_id_lots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coa_results')),
    schema='quality'
    )
    op.create_index('ix_coa_results_document_id', 'coa_results', ['document_id'], unique=False, schema='quality')
    op.create_index('ix_coa_results_lot_id', 'coa_results', ['lot_id'], unique=False, schema='quality')
    op.create_table('document_links',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('document_id', sa.BigInteger(), nullable=False),
    sa.Column('lot_id', sa.BigInteger(), nullable=True),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('supplier_id', sa.Integer(), nullable=True),
    sa.Column('linked_by', sa.Text(), nullable=False),
    sa.Column('linked_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.CheckConstraint('num_nonnulls(lot_id, item_id, supplier_id) >= 1', name=op.f('ck_document_links_has_target')),
    sa.ForeignKeyConstraint(['document_id'], ['quality.documents.id'], name=op.f('fk_document_links_document_id_documents')),
    sa.ForeignKeyConstraint(['item_id'], ['erp.items.id'], name=op.f('fk_document_links_item_id_items')),
    sa.ForeignKeyConstraint(['lot_id'], ['erp.lots.id'], name=op.f('fk_document_links_lot_id_lots')),
    sa.ForeignKeyConstraint(['supplier_id'], ['erp.suppliers.id'], name=op.f('fk_document_links_supplier_id_suppliers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_links')),
    schema='quality'
    )
    op.create_index('ix_document_links_document_id', 'document_links', ['document_id'], unique=False, schema='quality')
    op.create_index('ix_document_links_item_id', 'document_links', ['item_id'], unique=False, schema='quality')
    op.create_index('ix_document_links_lot_id', 'document_links', ['lot_id'], unique=False, schema='quality')
    op.create_table('lot_decisions',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('lot_id', sa.BigInteger(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('from_status', sa.Text(), nullable=False),
    sa.Column('to_status', sa.Text(), nullable=False),
    sa.Column('disposition', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('override_justification', sa.Text(), nullable=True),
    sa.Column('blockers', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('state', sa.Text(), nullable=False),
    sa.Column('signatures_required', sa.Integer(), nullable=False),
    sa.Column('recall_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('created_by', sa.Text(), nullable=False),
    sa.Column('completed_at', postgresql.TIMESTAMP(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'done', 'cancelled')", name=op.f('ck_lot_decisions_state')),
    sa.ForeignKeyConstraint(['lot_id'], ['erp.lots.id'], name=op.f('fk_lot_decisions_lot_id_lots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lot_decisions')),
    schema='quality'
    )
    op.create_index('ix_lot_decisions_lot_id_created_at', 'lot_decisions', ['lot_id', 'created_at'], unique=False, schema='quality')
    op.create_index('ix_lot_decisions_pending', 'lot_decisions', ['state'], unique=False, schema='quality', postgresql_where=sa.text("state = 'pending'"))
    op.create_table('lot_state',
    sa.Column('lot_id', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('hold_kind', sa.Text(), nullable=True),
    sa.Column('recall_id', sa.BigInteger(), nullable=True),
    sa.Column('status_before_hold', sa.Text(), nullable=True),
    sa.Column('released_once', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('updated_at', postgresql.TIMESTAMP(timezone=True), nullable=True),
    sa.Column('updated_by', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['lot_id'], ['erp.lots.id'], name=op.f('fk_lot_state_lot_id_lots')),
    sa.PrimaryKeyConstraint('lot_id', name=op.f('pk_lot_state')),
    schema='quality'
    )
    op.add_column('users', sa.Column('failed_signatures', sa.Integer(), server_default=sa.text('0'), nullable=False), schema='quality')
    op.add_column('users', sa.Column('locked_at', postgresql.TIMESTAMP(timezone=True), nullable=True), schema='quality')
    op.add_column('users', sa.Column('must_change_password', sa.Boolean(), server_default=sa.text('false'), nullable=False), schema='quality')
    op.add_column('users', sa.Column('password_changed_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False), schema='quality')
    execute_sql(DATA_AND_GRANTS)


def downgrade() -> None:
    raise NotImplementedError("Lotproof migrations only go forward")
