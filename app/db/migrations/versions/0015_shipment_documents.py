"""What leaves with a shipment: customers' own limits, certificate profiles, the certificates
issued and the SDS revisions sent.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.db.migrate import execute_sql, secure_database

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TZ = postgresql.TIMESTAMP(timezone=True)
Q = "quality"
TABLES = ("customer_specs", "certificate_profiles", "issued_certificates", "sds_deliveries")


def upgrade() -> None:
    op.create_table(
        "customer_specs",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("test", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("min_value", sa.Numeric(), nullable=True),
        sa.Column("max_value", sa.Numeric(), nullable=True),
        sa.Column("unit", sa.Text(), nullable=True),
        sa.Column("text_requirement", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by", sa.Text(), nullable=False),
        sa.Column("set_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_specs")),
        schema=Q,
    )
    op.create_index(op.f("ix_customer_specs_customer_id_item_id"), "customer_specs",
                    ["customer_id", "item_id"], schema=Q)
    op.create_table(
        "certificate_profiles",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("template", sa.Text(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by", sa.Text(), nullable=False),
        sa.Column("set_at", TZ, nullable=False),
        sa.CheckConstraint("kind IN ('coa', 'coc')", name=op.f("ck_certificate_profiles_kind_known")),
        sa.CheckConstraint("template IN ('standard', 'compact')",
                           name=op.f("ck_certificate_profiles_template_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_profiles")),
        sa.UniqueConstraint("customer_id", "version",
                            name=op.f("uq_certificate_profiles_customer_id_version")),
        schema=Q,
    )
    op.create_table(
        "issued_certificates",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("shipment_id", sa.BigInteger(), nullable=False),
        sa.Column("shipment_line_id", sa.BigInteger(), nullable=False),
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("template", sa.Text(), nullable=False),
        sa.Column("content", postgresql.JSONB(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("issued_by", sa.Text(), nullable=False),
        sa.Column("issued_at", TZ, nullable=False),
        sa.CheckConstraint("kind IN ('coa', 'coc')", name=op.f("ck_issued_certificates_kind_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_certificates")),
        schema=Q,
    )
    op.create_index(op.f("ix_issued_certificates_shipment_id"), "issued_certificates",
                    ["shipment_id"], schema=Q)
    op.create_index(op.f("ix_issued_certificates_lot_id"), "issued_certificates", ["lot_id"],
                    schema=Q)
    op.create_table(
        "sds_deliveries",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.BigInteger(), nullable=False),
        sa.Column("shipment_id", sa.BigInteger(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["quality.documents.id"],
                                name=op.f("fk_sds_deliveries_document_id_documents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sds_deliveries")),
        sa.UniqueConstraint("customer_id", "document_id",
                            name=op.f("uq_sds_deliveries_customer_id_document_id")),
        schema=Q,
    )
    op.create_index(op.f("ix_sds_deliveries_item_id"), "sds_deliveries", ["item_id"], schema=Q)
    execute_sql("GRANT SELECT ON " + ", ".join(f"quality.{t}" for t in TABLES) + """
    TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
""")
    secure_database()


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table, schema=Q)
