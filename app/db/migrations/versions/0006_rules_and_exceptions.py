"""compliance rules and exceptions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 15:00:07.618991
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.db.migrate import execute_sql

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


DATA_AND_GRANTS = """
INSERT INTO quality.settings (key, value) VALUES
    ('sds_review_days', '1095'),
    ('hold_review_days', '14'),
    ('expiry_horizon_days', '90'),
    ('expiry_urgent_days', '30'),
    ('document_grace_days', '2'),
    ('return_window_days', '60'),
    ('excursion_auto_hold', 'true')
ON CONFLICT (key) DO NOTHING;

INSERT INTO quality.exception_routes (type, title, owner_role, severity, priority) VALUES
    ('shipped_on_hold', 'Shipped while on hold', 'lotproof_compliance', 'critical', 1),
    ('temperature_excursion', 'Temperature excursion', 'lotproof_compliance', 'critical', 1),
    ('out_of_spec', 'COA result out of specification', 'lotproof_compliance', 'high', 2),
    ('short_dated_allocation', 'Allocation short of the customer''s shelf life', 'lotproof_approver', 'high', 2),
    ('supplier_document_overdue', 'Supplier COA overdue', 'lotproof_compliance', 'medium', 3),
    ('expiring_stock', 'Stock expiring soon', 'lotproof_approver', 'medium', 3),
    ('old_hold', 'Hold not reviewed', 'lotproof_compliance', 'medium', 3),
    ('sds_out_of_date', 'SDS past its review period', 'lotproof_compliance', 'medium', 4),
    ('missing_document', 'Required document missing', 'lotproof_inspector', 'medium', 4),
    ('unverified_document', 'Document waiting for review', 'lotproof_inspector', 'low', 5),
    ('return_awaiting_inspection', 'Customer return waiting for inspection', 'lotproof_inspector', 'medium', 3),
    ('quantity_mismatch', 'Received quantity differs from the order', 'lotproof_inspector', 'low', 5);

INSERT INTO quality.retention_rules (record_type, years, basis) VALUES
    ('fsma204_tracking_event', 2, 'FSMA 204 (21 CFR 1.1455): 2 years from creation'),
    ('coa_document', 5, 'company policy: 5 years after upload'),
    ('quality_decision', 7, 'drug and supplement GMP records: at least 1 year past expiry; 7 years kept'),
    ('audit_trail', 10, 'company policy: 10 years'),
    ('recall', 10, 'company policy: 10 years after opening');

INSERT INTO quality.lot_status_transitions
    (action, from_status, to_status, roles, signatures_required, meaning, needs_reason) VALUES
('rule_hold', 'quarantine', 'hold', '{}', 0, NULL, true),
('rule_hold', 'available', 'hold', '{}', 0, NULL, true);

GRANT SELECT ON ALL TABLES IN SCHEMA quality TO
    lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;

-- Every workstation reads the schema version it is talking to (refused when newer than it knows).
GRANT USAGE ON SCHEMA public TO
    lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;

GRANT SELECT ON public.alembic_version TO
    lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
"""


def upgrade() -> None:
    op.create_table('exception_routes',
    sa.Column('type', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('owner_role', sa.Text(), nullable=False),
    sa.Column('severity', sa.Text(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.PrimaryKeyConstraint('type', name=op.f('pk_exception_routes')),
    schema='quality'
    )
    op.create_table('exceptions',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('type', sa.Text(), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('severity', sa.Text(), nullable=False),
    sa.Column('owner_role', sa.Text(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.BigInteger(), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('opened_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('closed_at', postgresql.TIMESTAMP(timezone=True), nullable=True),
    sa.Column('closed_by', sa.Text(), nullable=True),
    sa.Column('close_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exceptions')),
    schema='quality'
    )
    op.create_index('ix_exceptions_lot_id', 'exceptions', ['lot_id'], unique=False, schema='quality')
    op.create_index('ix_exceptions_open_owner', 'exceptions', ['owner_role', 'priority'], unique=False, schema='quality', postgresql_where=sa.text('closed_at IS NULL'))
    op.create_index('uq_exceptions_open_type_key', 'exceptions', ['type', 'key'], unique=True, schema='quality', postgresql_where=sa.text('closed_at IS NULL'))
    op.create_table('retention_rules',
    sa.Column('record_type', sa.Text(), nullable=False),
    sa.Column('years', sa.Integer(), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('record_type', name=op.f('pk_retention_rules')),
    schema='quality'
    )
    op.create_table('customer_requirements',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('min_shelf_life_days', sa.Integer(), nullable=True),
    sa.Column('min_shelf_life_percent', sa.Integer(), nullable=True),
    sa.Column('excluded_supplier_ids', postgresql.ARRAY(sa.Integer()), server_default=sa.text("'{}'::integer[]"), nullable=False),
    sa.Column('excluded_lot_codes', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('required_documents', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('set_by', sa.Text(), nullable=False),
    sa.Column('set_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['erp.customers.id'], name=op.f('fk_customer_requirements_customer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_requirements')),
    sa.UniqueConstraint('customer_id', 'version', name=op.f('uq_customer_requirements_customer_id_version')),
    schema='quality'
    )
    op.create_table('document_requirements',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('supplier_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('documents', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('set_by', sa.Text(), nullable=False),
    sa.Column('set_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.CheckConstraint('(item_id IS NULL) <> (supplier_id IS NULL)', name=op.f('ck_document_requirements_one_scope')),
    sa.ForeignKeyConstraint(['item_id'], ['erp.items.id'], name=op.f('fk_document_requirements_item_id_items')),
    sa.ForeignKeyConstraint(['supplier_id'], ['erp.suppliers.id'], name=op.f('fk_document_requirements_supplier_id_suppliers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_requirements')),
    schema='quality'
    )
    op.create_index('ix_document_requirements_item', 'document_requirements', ['item_id', 'version'], unique=False, schema='quality')
    op.create_index('ix_document_requirements_supplier', 'document_requirements', ['supplier_id', 'version'], unique=False, schema='quality')
    op.create_table('spec_versions',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Text(), nullable=False),
    sa.Column('created_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['erp.items.id'], name=op.f('fk_spec_versions_item_id_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spec_versions')),
    sa.UniqueConstraint('item_id', 'version', name=op.f('uq_spec_versions_item_id_version')),
    schema='quality'
    )
    op.create_table('supplier_approvals',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('set_by', sa.Text(), nullable=False),
    sa.Column('set_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('approved', 'conditional', 'suspended', 'disqualified')", name=op.f('ck_supplier_approvals_status')),
    sa.ForeignKeyConstraint(['supplier_id'], ['erp.suppliers.id'], name=op.f('fk_supplier_approvals_supplier_id_suppliers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplier_approvals')),
    sa.UniqueConstraint('supplier_id', 'category', 'version', name=op.f('uq_supplier_approvals_supplier_id_category_version')),
    schema='quality'
    )
    op.create_table('quality_events',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('lot_id', sa.BigInteger(), nullable=True),
    sa.Column('shipment_id', sa.BigInteger(), nullable=True),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('occurred_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('ended_at', postgresql.TIMESTAMP(timezone=True), nullable=True),
    sa.Column('measured_min', sa.Numeric(), nullable=True),
    sa.Column('measured_max', sa.Numeric(), nullable=True),
    sa.Column('limit_min', sa.Numeric(), nullable=True),
    sa.Column('limit_max', sa.Numeric(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.Text(), nullable=False),
    sa.Column('recorded_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('temperature_excursion', 'damage', 'complaint', 'deviation')", name=op.f('ck_quality_events_kind')),
    sa.ForeignKeyConstraint(['location_id'], ['erp.locations.id'], name=op.f('fk_quality_events_location_id_locations')),
    sa.ForeignKeyConstraint(['lot_id'], ['erp.lots.id'], name=op.f('fk_quality_events_lot_id_lots')),
    sa.ForeignKeyConstraint(['shipment_id'], ['erp.shipments.id'], name=op.f('fk_quality_events_shipment_id_shipments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_events')),
    schema='quality'
    )
    op.create_index('ix_quality_events_lot_id', 'quality_events', ['lot_id'], unique=False, schema='quality')
    op.create_table('return_inspections',
    sa.Column('return_id', sa.BigInteger(), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('disposition', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('inspected_by', sa.Text(), nullable=False),
    sa.Column('inspected_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.CheckConstraint("outcome IN ('accepted', 'rejected')", name=op.f('ck_return_inspections_outcome')),
    sa.ForeignKeyConstraint(['return_id'], ['erp.returns.id'], name=op.f('fk_return_inspections_return_id_returns')),
    sa.PrimaryKeyConstraint('return_id', name=op.f('pk_return_inspections')),
    schema='quality'
    )
    op.add_column('item_specs', sa.Column('spec_version_id', sa.BigInteger(), nullable=True), schema='quality')
    op.create_foreign_key(op.f('fk_item_specs_spec_version_id_spec_versions'), 'item_specs', 'spec_versions', ['spec_version_id'], ['id'], source_schema='quality', referent_schema='quality')
    op.add_column('lot_decisions', sa.Column('rule_versions', postgresql.JSONB(astext_type=sa.Text()), nullable=True), schema='quality')
    execute_sql(DATA_AND_GRANTS)


def downgrade() -> None:
    raise NotImplementedError("Lotproof migrations only go forward")
