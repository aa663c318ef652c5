"""compliance rules and exceptions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 15:00:07.618991
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.db.migrate import run_sql_file

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


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
    run_sql_file("0006_rules_and_exceptions.sql")


def downgrade() -> None:
    raise NotImplementedError("Lotproof migrations only go forward")
