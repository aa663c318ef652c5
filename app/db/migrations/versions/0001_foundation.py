"""foundation: erp schema, quality users, roles

Revision ID: 0001
Revises:
Create Date: 2026-11-25 12:01:12.722572
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.db.migrate import execute_sql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


DATA_AND_GRANTS = """
-- Group roles carry the permissions; each person is a login role that is a member of one.
-- Roles are cluster-wide, so creating them is idempotent (several databases may share a cluster).
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['lotproof_inspector', 'lotproof_approver', 'lotproof_compliance',
                             'lotproof_admin', 'lotproof_auditor']
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END $$;

GRANT USAGE ON SCHEMA erp, quality, audit TO
    lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;

GRANT SELECT ON ALL TABLES IN SCHEMA erp, quality TO
    lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;

REVOKE ALL ON SCHEMA public FROM PUBLIC;
"""


def upgrade() -> None:
    for schema in ("erp", "quality", "audit"):
        op.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    op.create_table('customers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('min_shelf_life_days', sa.Integer(), nullable=True),
    sa.Column('contact_name', sa.Text(), nullable=True),
    sa.Column('contact_email', sa.Text(), nullable=True),
    sa.Column('contact_phone', sa.Text(), nullable=True),
    sa.Column('ship_to', sa.Text(), nullable=True),
    sa.Column('country', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers')),
    sa.UniqueConstraint('code', name=op.f('uq_customers_code')),
    schema='erp'
    )
    op.create_index(op.f('ix_customers_name'), 'customers', ['name'], unique=False, schema='erp')
    op.create_table('items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.Text(), nullable=False),
    sa.Column('gtin', sa.Text(), nullable=True),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('category', sa.Text(), nullable=False),
    sa.Column('uom', sa.Text(), nullable=False),
    sa.Column('lot_controlled', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('shelf_life_days', sa.Integer(), nullable=True),
    sa.Column('hazardous', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('required_documents', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('unit_cost', sa.Numeric(precision=12, scale=4), server_default=sa.text('0'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_items')),
    sa.UniqueConstraint('gtin', name=op.f('uq_items_gtin')),
    sa.UniqueConstraint('sku', name=op.f('uq_items_sku')),
    schema='erp'
    )
    op.create_index(op.f('ix_items_name'), 'items', ['name'], unique=False, schema='erp')
    op.create_table('sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('gln', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites')),
    sa.UniqueConstraint('code', name=op.f('uq_sites_code')),
    schema='erp'
    )
    op.create_table('suppliers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('country', sa.Text(), nullable=True),
    sa.Column('approval_status', sa.Text(), server_default=sa.text("'approved'"), nullable=False),
    sa.Column('contact_name', sa.Text(), nullable=True),
    sa.Column('contact_email', sa.Text(), nullable=True),
    sa.CheckConstraint("approval_status IN ('approved', 'conditional', 'pending', 'suspended', 'disqualified')", name=op.f('ck_suppliers_approval_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suppliers')),
    sa.UniqueConstraint('code', name=op.f('uq_suppliers_code')),
    schema='erp'
    )
    op.create_index(op.f('ix_suppliers_name'), 'suppliers', ['name'], unique=False, schema='erp')
    op.create_table('settings',
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_settings')),
    schema='quality'
    )
    op.create_table('users',
    sa.Column('username', sa.Text(), nullable=False),
    sa.Column('printed_name', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.Text(), server_default=sa.text('SESSION_USER'), nullable=False),
    sa.CheckConstraint("role IN ('lotproof_inspector', 'lotproof_approver', 'lotproof_compliance', 'lotproof_admin', 'lotproof_auditor')", name=op.f('ck_users_role')),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_users')),
    schema='quality'
    )
    op.create_table('locations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.CheckConstraint("kind IN ('warehouse', 'zone', 'bin', 'dock', 'staging', 'returns', 'in_transit')", name=op.f('ck_locations_kind')),
    sa.ForeignKeyConstraint(['parent_id'], ['erp.locations.id'], name=op.f('fk_locations_parent_id_locations')),
    sa.ForeignKeyConstraint(['site_id'], ['erp.sites.id'], name=op.f('fk_locations_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_locations')),
    sa.UniqueConstraint('site_id', 'code', name=op.f('uq_locations_site_id_code')),
    schema='erp'
    )
    op.create_index(op.f('ix_locations_site_id'), 'locations', ['site_id'], unique=False, schema='erp')
    op.create_table('lots',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('lot_code', sa.Text(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=True),
    sa.Column('supplier_lot_code', sa.Text(), nullable=True),
    sa.Column('manufacture_date', sa.Date(), nullable=True),
    sa.Column('expiry_date', sa.Date(), nullable=True),
    sa.Column('status', sa.Text(), server_default=sa.text("'quarantine'"), nullable=False),
    sa.Column('origin', sa.Text(), server_default=sa.text("'receipt'"), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('created_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("origin IN ('receipt', 'return', 'split', 'repack', 'relabel', 'kit', 'blend', 'rework')", name=op.f('ck_lots_origin')),
    sa.CheckConstraint("status IN ('quarantine', 'available', 'hold', 'rejected', 'expired', 'use_as_is', 'rework', 'repack', 'return_to_vendor', 'scrap')", name=op.f('ck_lots_status')),
    sa.ForeignKeyConstraint(['item_id'], ['erp.items.id'], name=op.f('fk_lots_item_id_items')),
    sa.ForeignKeyConstraint(['site_id'], ['erp.sites.id'], name=op.f('fk_lots_site_id_sites')),
    sa.ForeignKeyConstraint(['supplier_id'], ['erp.suppliers.id'], name=op.f('fk_lots_supplier_id_suppliers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lots')),
    sa.UniqueConstraint('lot_code', name=op.f('uq_lots_lot_code')),
    schema='erp'
    )
    op.create_index('ix_lots_created_at_lot_code', 'lots', ['created_at', 'lot_code'], unique=False, schema='erp')
    op.create_index('ix_lots_expiry_date_lot_code', 'lots', ['expiry_date', 'lot_code'], unique=False, schema='erp')
    op.create_index('ix_lots_item_id_lot_code', 'lots', ['item_id', 'lot_code'], unique=False, schema='erp')
    op.create_index('ix_lots_lot_code_lower', 'lots', [sa.literal_column('lower(lot_code) text_pattern_ops')], unique=False, schema='erp')
    op.create_index('ix_lots_manufacture_date_lot_code', 'lots', ['manufacture_date', 'lot_code'], unique=False, schema='erp')
    op.create_index('ix_lots_status_lot_code', 'lots', ['status', 'lot_code'], unique=False, schema='erp')
    op.create_index('ix_lots_supplier_id_lot_code', 'lots', ['supplier_id', 'lot_code'], unique=False, schema='erp')
    op.create_index('ix_lots_supplier_lot_code_lot_code', 'lots', ['supplier_lot_code', 'lot_code'], unique=False, schema='erp')
    op.create_index('ix_lots_supplier_lot_code_lower', 'lots', [sa.literal_column('lower(supplier_lot_code) text_pattern_ops')], unique=False, schema='erp')
    op.create_table('purchase_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('po_number', sa.Text(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('ordered_at', sa.Date(), nullable=False),
    sa.Column('status', sa.Text(), server_default=sa.text("'open'"), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['erp.sites.id'], name=op.f('fk_purchase_orders_site_id_sites')),
    sa.ForeignKeyConstraint(['supplier_id'], ['erp.suppliers.id'], name=op.f('fk_purchase_orders_supplier_id_suppliers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_orders')),
    sa.UniqueConstraint('po_number', name=op.f('uq_purchase_orders_po_number')),
    schema='erp'
    )
    op.create_index(op.f('ix_purchase_orders_supplier_id'), 'purchase_orders', ['supplier_id'], unique=False, schema='erp')
    op.create_table('sales_orders',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('order_number', sa.Text(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('ordered_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('requested_date', sa.Date(), nullable=True),
    sa.Column('ship_to', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), server_default=sa.text("'open'"), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['erp.customers.id'], name=op.f('fk_sales_orders_customer_id_customers')),
    sa.ForeignKeyConstraint(['site_id'], ['erp.sites.id'], name=op.f('fk_sales_orders_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_orders')),
    sa.UniqueConstraint('order_number', name=op.f('uq_sales_orders_order_number')),
    schema='erp'
    )
    op.create_index(op.f('ix_sales_orders_customer_id'), 'sales_orders', ['customer_id'], unique=False, schema='erp')
    op.create_index('ix_sales_orders_status_open', 'sales_orders', ['status'], unique=False, schema='erp', postgresql_where=sa.text("status = 'open'"))
    op.create_table('transfers',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('transfer_number', sa.Text(), nullable=False),
    sa.Column('from_site_id', sa.Integer(), nullable=False),
    sa.Column('to_site_id', sa.Integer(), nullable=False),
    sa.Column('shipped_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('received_at', postgresql.TIMESTAMP(timezone=True), nullable=True),
    sa.Column('status', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['from_site_id'], ['erp.sites.id'], name=op.f('fk_transfers_from_site_id_sites')),
    sa.ForeignKeyConstraint(['to_site_id'], ['erp.sites.id'], name=op.f('fk_transfers_to_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfers')),
    sa.UniqueConstraint('transfer_number', name=op.f('uq_transfers_transfer_number')),
    schema='erp'
    )
    op.create_table('transformations',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('number', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('performed_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('split', 'repack', 'relabel', 'kit', 'blend', 'rework')", name=op.f('ck_transformations_kind')),
    sa.ForeignKeyConstraint(['site_id'], ['erp.sites.id'], name=op.f('fk_transformations_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transformations')),
    sa.UniqueConstraint('number', name=op.f('uq_transformations_number')),
    schema='erp'
    )
    op.create_table('lot_genealogy',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('parent_lot_id', sa.BigInteger(), nullable=False),
    sa.Column('child_lot_id', sa.BigInteger(), nullable=False),
    sa.Column('qty', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('transformation', sa.Text(), nullable=False),
    sa.Column('transformation_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.CheckConstraint("transformation IN ('split', 'repack', 'relabel', 'kit', 'blend', 'rework')", name=op.f('ck_lot_genealogy_transformation')),
    sa.ForeignKeyConstraint(['child_lot_id'], ['erp.lots.id'], name=op.f('fk_lot_genealogy_child_lot_id_lots')),
    sa.ForeignKeyConstraint(['parent_lot_id'], ['erp.lots.id'], name=op.f('fk_lot_genealogy_parent_lot_id_lots')),
    sa.ForeignKeyConstraint(['transformation_id'], ['erp.transformations.id'], name=op.f('fk_lot_genealogy_transformation_id_transformations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lot_genealogy')),
    schema='erp'
    )
    op.create_index('ix_lot_genealogy_child_lot_id_parent_lot_id', 'lot_genealogy', ['child_lot_id', 'parent_lot_id'], unique=False, schema='erp')
    op.create_index('ix_lot_genealogy_parent_lot_id_child_lot_id', 'lot_genealogy', ['parent_lot_id', 'child_lot_id'], unique=False, schema='erp')
    op.create_index(op.f('ix_lot_genealogy_transformation_id'), 'lot_genealogy', ['transformation_id'], unique=False, schema='erp')
    op.create_table('movements',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('lot_id', sa.BigInteger(), nullable=False),
    sa.Column('qty', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('from_location_id', sa.Integer(), nullable=True),
    sa.Column('to_location_id', sa.Integer(), nullable=True),
    sa.Column('moved_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('reference', sa.Text(), nullable=True),
    sa.Column('transfer_id', sa.BigInteger(), nullable=True),
    sa.Column('shipment_line_id', sa.BigInteger(), nullable=True),
    sa.Column('transformation_id', sa.BigInteger(), nullable=True),
    sa.Column('receipt_line_id', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("kind IN ('receipt', 'putaway', 'transfer_out', 'transfer_in', 'pick', 'shipment', 'return', 'adjustment', 'split', 'repack', 'relabel', 'kit', 'blend', 'rework', 'scrap')", name=op.f('ck_movements_kind')),
    sa.CheckConstraint('from_location_id IS NOT NULL OR to_location_id IS NOT NULL', name=op.f('ck_movements_has_location')),
    sa.CheckConstraint('qty > 0', name=op.f('ck_movements_qty_positive')),
    sa.ForeignKeyConstraint(['from_location_id'], ['erp.locations.id'], name=op.f('fk_movements_from_location_id_locations')),
    sa.ForeignKeyConstraint(['lot_id'], ['erp.lots.id'], name=op.f('fk_movements_lot_id_lots')),
    sa.ForeignKeyConstraint(['to_location_id'], ['erp.locations.id'], name=op.f('fk_movements_to_location_id_locations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_movements')),
    schema='erp'
    )
    op.create_index('ix_movements_lot_id_moved_at', 'movements', ['lot_id', 'moved_at'], unique=False, schema='erp')
    op.create_index('ix_movements_moved_at', 'movements', ['moved_at'], unique=False, schema='erp')
    op.create_table('purchase_order_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('po_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('qty', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['erp.items.id'], name=op.f('fk_purchase_order_lines_item_id_items')),
    sa.ForeignKeyConstraint(['po_id'], ['erp.purchase_orders.id'], name=op.f('fk_purchase_order_lines_po_id_purchase_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_order_lines')),
    schema='erp'
    )
    op.create_index(op.f('ix_purchase_order_lines_po_id'), 'purchase_order_lines', ['po_id'], unique=False, schema='erp')
    op.create_table('receipts',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('receipt_number', sa.Text(), nullable=False),
    sa.Column('po_id', sa.Integer(), nullable=True),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('received_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('packing_slip', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['po_id'], ['erp.purchase_orders.id'], name=op.f('fk_receipts_po_id_purchase_orders')),
    sa.ForeignKeyConstraint(['site_id'], ['erp.sites.id'], name=op.f('fk_receipts_site_id_sites')),
    sa.ForeignKeyConstraint(['supplier_id'], ['erp.suppliers.id'], name=op.f('fk_receipts_supplier_id_suppliers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipts')),
    sa.UniqueConstraint('receipt_number', name=op.f('uq_receipts_receipt_number')),
    schema='erp'
    )
    op.create_index(op.f('ix_receipts_po_id'), 'receipts', ['po_id'], unique=False, schema='erp')
    op.create_table('sales_order_lines',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('order_id', sa.BigInteger(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('qty', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['erp.items.id'], name=op.f('fk_sales_order_lines_item_id_items')),
    sa.ForeignKeyConstraint(['order_id'], ['erp.sales_orders.id'], name=op.f('fk_sales_order_lines_order_id_sales_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_order_lines')),
    schema='erp'
    )
    op.create_index(op.f('ix_sales_order_lines_order_id'), 'sales_order_lines', ['order_id'], unique=False, schema='erp')
    op.create_table('shipments',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('shipment_number', sa.Text(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.BigInteger(), nullable=True),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('ship_to', sa.Text(), nullable=True),
    sa.Column('shipped_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('carrier', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['erp.customers.id'], name=op.f('fk_shipments_customer_id_customers')),
    sa.ForeignKeyConstraint(['order_id'], ['erp.sales_orders.id'], name=op.f('fk_shipments_order_id_sales_orders')),
    sa.ForeignKeyConstraint(['site_id'], ['erp.sites.id'], name=op.f('fk_shipments_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipments')),
    sa.UniqueConstraint('shipment_number', name=op.f('uq_shipments_shipment_number')),
    schema='erp'
    )
    op.create_index(op.f('ix_shipments_customer_id'), 'shipments', ['customer_id'], unique=False, schema='erp')
    op.create_index(op.f('ix_shipments_order_id'), 'shipments', ['order_id'], unique=False, schema='erp')
    op.create_index(op.f('ix_shipments_shipped_at'), 'shipments', ['shipped_at'], unique=False, schema='erp')
    op.create_table('stock',
    sa.Column('lot_id', sa.BigInteger(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('qty', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.CheckConstraint('qty >= 0', name=op.f('ck_stock_qty_not_negative')),
    sa.ForeignKeyConstraint(['location_id'], ['erp.locations.id'], name=op.f('fk_stock_location_id_locations')),
    sa.ForeignKeyConstraint(['lot_id'], ['erp.lots.id'], name=op.f('fk_stock_lot_id_lots')),
    sa.PrimaryKeyConstraint('lot_id', 'location_id', name=op.f('pk_stock')),
    schema='erp'
    )
    op.create_index(op.f('ix_stock_location_id'), 'stock', ['location_id'], unique=False, schema='erp')
    op.create_table('allocations',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('order_line_id', sa.BigInteger(), nullable=False),
    sa.Column('lot_id', sa.BigInteger(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('qty', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('status', sa.Text(), server_default=sa.text("'open'"), nullable=False),
    sa.Column('allocated_at', postgresql.TIMESTAMP(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('flagged', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('flag_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['location_id'], ['erp.locations.id'], name=op.f('fk_allocations_location_id_locations')),
    sa.ForeignKeyConstraint(['lot_id'], ['erp.lots.id'], name=op.f('fk_allocations_lot_id_lots')),
    sa.ForeignKeyConstraint(['order_line_id'], ['erp.sales_order_lines.id'], name=op.f('fk_allocations_order_line_id_sales_order_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocations')),
    schema='erp'
    )
    op.create_index(op.f('ix_allocations_lot_id'), 'allocations', ['lot_id'], unique=False, schema='erp')
    op.create_index(op.f('ix_allocations_order_line_id'), 'allocations', ['order_line_id'], unique=False, schema='erp')
    op.create_table('receipt_lines',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('receipt_id', sa.BigInteger(), nullable=False),
    sa.Column('po_line_id', sa.Integer(), nullable=True),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.BigInteger(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('qty', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['erp.items.id'], name=op.f('fk_receipt_lines_item_id_items')),
    sa.ForeignKeyConstraint(['location_id'], ['erp.locations.id'], name=op.f('fk_receipt_lines_location_id_locations')),
    sa.ForeignKeyConstraint(['lot_id'], ['erp.lots.id'], name=op.f('fk_receipt_lines_lot_id_lots')),
    sa.ForeignKeyConstraint(['po_line_id'], ['erp.purchase_order_lines.id'], name=op.f('fk_receipt_lines_po_line_id_purchase_order_lines')),
    sa.ForeignKeyConstraint(['receipt_id'], ['erp.receipts.id'], name=op.f('fk_receipt_lines_receipt_id_receipts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt_lines')),
    schema='erp'
    )
    op.create_index(op.f('ix_receipt_lines_lot_id'), 'receipt_lines', ['lot_id'], unique=False, schema='erp')
    op.create_index(op.f('ix_receipt_lines_receipt_id'), 'receipt_lines', ['receipt_id'], unique=False, schema='erp')
    op.create_table('shipment_lines',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('shipment_id', sa.BigInteger(), nullable=False),
    sa.Column('order_line_id', sa.BigInteger(), nullable=True),
    sa.Column('lot_id', sa.BigInteger(), nullable=False),
    sa.Column('qty', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['erp.lots.id'], name=op.f('fk_shipment_lines_lot_id_lots')),
    sa.ForeignKeyConstraint(['order_line_id'], ['erp.sales_order_lines.id'], name=op.f('fk_shipment_lines_order_line_id_sales_order_lines')),
    sa.ForeignKeyConstraint(['shipment_id'], ['erp.shipments.id'], name=op.f('fk_shipment_lines_shipment_id_shipments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipment_lines')),
    schema='erp'
    )
    op.create_index(op.f('ix_shipment_lines_lot_id'), 'shipment_lines', ['lot_id'], unique=False, schema='erp')
    op.create_index(op.f('ix_shipment_lines_shipment_id'), 'shipment_lines', ['shipment_id'], unique=False, schema='erp')
    op.create_table('returns',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('rma_number', sa.Text(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('shipment_line_id', sa.BigInteger(), nullable=True),
    sa.Column('lot_id', sa.BigInteger(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('qty', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('returned_at', postgresql.TIMESTAMP(timezone=True), nullable=False),
    sa.Column('reason_code', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['erp.customers.id'], name=op.f('fk_returns_customer_id_customers')),
    sa.ForeignKeyConstraint(['location_id'], ['erp.locations.id'], name=op.f('fk_returns_location_id_locations')),
    sa.ForeignKeyConstraint(['lot_id'], ['erp.lots.id'], name=op.f('fk_returns_lot_id_lots')),
    sa.ForeignKeyConstraint(['shipment_line_id'], ['erp.shipment_lines.id'], name=op.f('fk_returns_shipment_line_id_shipment_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_returns')),
    sa.UniqueConstraint('rma_number', name=op.f('uq_returns_rma_number')),
    schema='erp'
    )
    op.create_index(op.f('ix_returns_lot_id'), 'returns', ['lot_id'], unique=False, schema='erp')
    execute_sql(DATA_AND_GRANTS)


def downgrade() -> None:
    raise NotImplementedError("Lotproof migrations only go forward")
