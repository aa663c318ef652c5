"""ERP adapters: the built-in ERP's tables move to `erp_builtin`; `erp` becomes the interface
(views, one set per adapter, in app/db/sql/erp_*.sql); what Lotproof decides about a lot (its
quality status, the recall flags of allocations) moves out of the ERP's rows into Lotproof's

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.db.migrate import execute_sql, secure_database

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ERP_TABLES = ("sites", "locations", "items", "suppliers", "customers", "purchase_orders",
              "purchase_order_lines", "receipts", "lots", "receipt_lines", "stock", "transfers",
              "transformations", "lot_genealogy", "sales_orders", "sales_order_lines",
              "allocations", "shipments", "shipment_lines", "returns", "movements")

MOVE_TABLES = """
CREATE SCHEMA IF NOT EXISTS erp_builtin;
DO $$
DECLARE
    t text;
BEGIN
    -- The interface's views are made again from their files after the migrations; the tables'
    -- triggers move with them and are replaced by the adapter's file.
    FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'erp' AND c.relkind = 'v' LOOP
        EXECUTE format('DROP VIEW erp.%I CASCADE', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY[{tables}] LOOP
        EXECUTE format('ALTER TABLE erp.%I SET SCHEMA erp_builtin', t);
    END LOOP;
END $$;
GRANT USAGE ON SCHEMA erp_builtin TO
    lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
GRANT SELECT ON ALL TABLES IN SCHEMA erp_builtin TO
    lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
""".replace("{tables}", ", ".join(f"'{t}'" for t in ERP_TABLES))

# Every lot has its Lotproof state: the status it had in the ERP's row until now. The backfill is
# the migration's doing, said so in the trail ('schema.erp_adapter').
LOT_STATUS = """
DO $$
BEGIN
    IF to_regprocedure('quality._audit_context(text,text,bigint)') IS NOT NULL THEN
        PERFORM quality._audit_context('schema.erp_adapter',
                                       'quality status moved out of the ERP''s lot row', NULL);
    END IF;
END $$;
INSERT INTO quality.lot_state (lot_id, version, status, released_once, updated_at)
SELECT l.id, 0, l.status, false, clock_timestamp() FROM erp_builtin.lots l
WHERE NOT EXISTS (SELECT 1 FROM quality.lot_state s WHERE s.lot_id = l.id);
UPDATE quality.lot_state s SET status = l.status
FROM erp_builtin.lots l WHERE l.id = s.lot_id AND s.status IS DISTINCT FROM l.status;
INSERT INTO quality.allocation_flags (allocation_id, reason, flagged_at)
SELECT a.id, coalesce(a.flag_reason, 'flagged'), clock_timestamp()
FROM erp_builtin.allocations a WHERE a.flagged;
"""


def upgrade() -> None:
    execute_sql(MOVE_TABLES)
    op.add_column("lot_state", sa.Column("status", sa.Text(), nullable=True), schema="quality")
    op.create_table(
        "allocation_flags",
        sa.Column("allocation_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("recall_id", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("flagged_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("allocation_id", name=op.f("pk_allocation_flags")),
        schema="quality",
    )
    execute_sql(LOT_STATUS)
    execute_sql("GRANT SELECT ON quality.allocation_flags TO lotproof_inspector, lotproof_approver, "
                "lotproof_compliance, lotproof_admin, lotproof_auditor")
    op.alter_column("lot_state", "status", nullable=False,
                    server_default=sa.text("'quarantine'"), schema="quality")
    op.create_check_constraint(
        op.f("ck_lot_state_status"), "lot_state",
        "status IN ('quarantine', 'available', 'hold', 'rejected', 'expired', 'use_as_is', "
        "'rework', 'repack', 'return_to_vendor', 'scrap')", schema="quality")
    op.create_index("ix_lot_state_status", "lot_state", ["status", "lot_id"], schema="quality")
    # Triggers whose WHEN names the columns that leave (the adapter's file makes them again).
    execute_sql("DROP TRIGGER IF EXISTS audit_lot_status ON erp_builtin.lots; "
                "DROP TRIGGER IF EXISTS allocation_flags_audited ON erp_builtin.allocations;")
    op.drop_index("ix_lots_status_lot_code", table_name="lots", schema="erp_builtin")
    op.drop_constraint("ck_lots_status", "lots", schema="erp_builtin")
    op.drop_column("lots", "status", schema="erp_builtin")
    op.drop_column("allocations", "flagged", schema="erp_builtin")
    op.drop_column("allocations", "flag_reason", schema="erp_builtin")
    # Lotproof's records name the ERP's rows by id; they do not constrain the ERP (whose rows, in
    # Tryton's case, are not in tables of Lotproof's).
    execute_sql("""
        DO $$
        DECLARE
            c record;
        BEGIN
            FOR c IN SELECT con.conname, con.conrelid::regclass::text AS tab
                     FROM pg_constraint con JOIN pg_class r ON r.oid = con.confrelid
                     JOIN pg_namespace n ON n.oid = r.relnamespace
                     JOIN pg_class s ON s.oid = con.conrelid
                     JOIN pg_namespace sn ON sn.oid = s.relnamespace
                     WHERE con.contype = 'f' AND n.nspname = 'erp_builtin'
                       AND sn.nspname = 'quality' LOOP
                EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.tab, c.conname);
            END LOOP;
        END $$;""")
    secure_database()


def downgrade() -> None:
    raise NotImplementedError("Lotproof migrations only go forward")
