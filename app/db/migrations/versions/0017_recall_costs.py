"""What a recall costs and what can replace it: sales prices on the built-in ERP's order lines,
its invoices with what is still open on them, and the items compliance accepts as equivalents.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.db.migrate import execute_sql, secure_database

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

TZ = postgresql.TIMESTAMP(timezone=True)
ROLES = "lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor"


def upgrade() -> None:
    op.add_column("sales_order_lines",
                  sa.Column("unit_price", sa.Numeric(precision=12, scale=4), nullable=True),
                  schema="erp_builtin")
    op.create_table(
        "invoices",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("invoice_number", sa.Text(), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("invoiced_at", TZ, nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("amount_open", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.CheckConstraint("amount_open >= 0 AND amount_open <= amount",
                           name=op.f("ck_invoices_open_within_amount")),
        sa.ForeignKeyConstraint(["order_id"], ["erp_builtin.sales_orders.id"],
                                name=op.f("fk_invoices_order_id_sales_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("invoice_number", name=op.f("uq_invoices_invoice_number")),
        schema="erp_builtin",
    )
    op.create_index(op.f("ix_invoices_order_id"), "invoices", ["order_id"], schema="erp_builtin")
    op.create_table(
        "item_equivalents",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("equivalent_item_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by", sa.Text(), nullable=False),
        sa.Column("set_at", TZ, nullable=False),
        sa.CheckConstraint("item_id <> equivalent_item_id",
                           name=op.f("ck_item_equivalents_not_itself")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_equivalents")),
        schema="quality",
    )
    op.create_index(op.f("ix_item_equivalents_item_id"), "item_equivalents", ["item_id"],
                    schema="quality")
    execute_sql(f"GRANT SELECT ON erp_builtin.invoices, quality.item_equivalents TO {ROLES};")
    secure_database()


def downgrade() -> None:
    op.drop_table("item_equivalents", schema="quality")
    op.drop_table("invoices", schema="erp_builtin")
    op.drop_column("sales_order_lines", "unit_price", schema="erp_builtin")
