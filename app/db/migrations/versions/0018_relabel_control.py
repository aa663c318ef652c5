"""Relabel and repack under control: a request, a second person's signed approval, the ERP's
transformation recorded against it; and the exception for one the ERP did unapproved.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.db.migrate import execute_sql, secure_database

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

TZ = postgresql.TIMESTAMP(timezone=True)
Q = "quality"
ROLES = "lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor"
DATA = """
INSERT INTO quality.exception_routes (type, title, owner_role, severity, priority) VALUES
 ('unapproved_relabel', 'Relabel or repack done in the ERP without a signed approval',
  'lotproof_compliance', 'high', 1);
-- relabels and repacks the ERP did before this version are history, not exceptions
INSERT INTO quality.settings (key, value) VALUES ('relabel_control_since', now()::text)
ON CONFLICT (key) DO NOTHING;
"""


def upgrade() -> None:
    op.create_table(
        "relabel_requests",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column("new_lot_code", sa.Text(), nullable=False),
        sa.Column("new_item_id", sa.Integer(), nullable=False),
        sa.Column("qty", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("labels", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.Text(), nullable=False),
        sa.Column("requested_at", TZ, nullable=False),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decided_at", TZ, nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("signature_id", sa.BigInteger(), nullable=True),
        sa.Column("child_lot_id", sa.BigInteger(), nullable=True),
        sa.Column("done_at", TZ, nullable=True),
        sa.CheckConstraint("kind IN ('relabel', 'repack')", name=op.f("ck_relabel_requests_kind_known")),
        sa.CheckConstraint("state IN ('requested', 'approved', 'refused', 'done')",
                           name=op.f("ck_relabel_requests_state_known")),
        sa.CheckConstraint("qty > 0", name=op.f("ck_relabel_requests_qty_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relabel_requests")),
        sa.UniqueConstraint("child_lot_id", name=op.f("uq_relabel_requests_child_lot_id")),
        schema=Q,
    )
    op.create_index(op.f("ix_relabel_requests_lot_id"), "relabel_requests", ["lot_id"], schema=Q)
    op.create_index("ix_relabel_requests_open", "relabel_requests", ["state"], schema=Q,
                    postgresql_where=sa.text("state IN ('requested', 'approved')"))
    # the exception queue looks at the transformations since the control began
    op.create_index("ix_lot_genealogy_created_at", "lot_genealogy", ["created_at"],
                    schema="erp_builtin")
    execute_sql(DATA)
    execute_sql(f"GRANT SELECT ON quality.relabel_requests TO {ROLES};")
    secure_database()


def downgrade() -> None:
    execute_sql("DELETE FROM quality.exception_routes WHERE type = 'unapproved_relabel'; "
                "DELETE FROM quality.settings WHERE key = 'relabel_control_since';")
    op.drop_index("ix_lot_genealogy_created_at", "lot_genealogy", schema="erp_builtin")
    op.drop_table("relabel_requests", schema=Q)
