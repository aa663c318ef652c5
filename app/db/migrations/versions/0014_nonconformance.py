"""Nonconformance, CAPA and supplier corrective action: records, their status machines as data;
skip-lot on inspection plans, skipped inspections and inspection attachments.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.db.migrate import execute_sql, secure_database

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TZ = postgresql.TIMESTAMP(timezone=True)
Q = "quality"

# The status machines, one row per move. Signed moves ask for a fresh signature.
TRANSITIONS = """
INSERT INTO quality.qm_transitions (record_kind, action, from_status, to_status, roles, signed, label) VALUES
 ('ncr', 'record_containment', 'open', 'open', '{lotproof_inspector,lotproof_approver,lotproof_compliance}', false, 'Record containment'),
 ('ncr', 'record_containment', 'investigated', 'investigated', '{lotproof_inspector,lotproof_approver,lotproof_compliance}', false, 'Record containment'),
 ('ncr', 'record_investigation', 'open', 'investigated', '{lotproof_inspector,lotproof_approver,lotproof_compliance}', false, 'Record root cause'),
 ('ncr', 'record_investigation', 'investigated', 'investigated', '{lotproof_inspector,lotproof_approver,lotproof_compliance}', false, 'Record root cause'),
 ('ncr', 'record_disposition', 'open', 'open', '{lotproof_approver,lotproof_compliance}', false, 'Record disposition'),
 ('ncr', 'record_disposition', 'investigated', 'investigated', '{lotproof_approver,lotproof_compliance}', false, 'Record disposition'),
 ('ncr', 'close', 'investigated', 'closed', '{lotproof_approver,lotproof_compliance}', true, 'Close (signed)'),
 ('ncr', 'cancel', 'open', 'cancelled', '{lotproof_compliance}', false, 'Cancel'),
 ('ncr', 'cancel', 'investigated', 'cancelled', '{lotproof_compliance}', false, 'Cancel'),
 ('capa', 'add_action', 'open', 'open', '{lotproof_approver,lotproof_compliance}', false, 'Add action'),
 ('capa', 'complete_action', 'open', 'open', '{lotproof_inspector,lotproof_approver,lotproof_compliance}', false, 'Mark action done'),
 ('capa', 'check_effectiveness', 'open', 'verified', '{lotproof_approver,lotproof_compliance}', false, 'Check effectiveness'),
 ('capa', 'check_ineffective', 'open', 'open', '{lotproof_approver,lotproof_compliance}', false, 'Check effectiveness'),
 ('capa', 'close', 'verified', 'closed', '{lotproof_approver,lotproof_compliance}', true, 'Close (signed)'),
 ('capa', 'cancel', 'open', 'cancelled', '{lotproof_compliance}', false, 'Cancel'),
 ('scar', 'send', 'draft', 'sent', '{lotproof_approver,lotproof_compliance}', false, 'Mark sent'),
 ('scar', 'record_response', 'sent', 'answered', '{lotproof_approver,lotproof_compliance}', false, 'Record answer'),
 ('scar', 'accept', 'answered', 'closed', '{lotproof_approver,lotproof_compliance}', false, 'Accept answer'),
 ('scar', 'ask_again', 'answered', 'sent', '{lotproof_approver,lotproof_compliance}', false, 'Ask again'),
 ('scar', 'cancel', 'draft', 'cancelled', '{lotproof_compliance}', false, 'Cancel'),
 ('scar', 'cancel', 'sent', 'cancelled', '{lotproof_compliance}', false, 'Cancel');
INSERT INTO quality.exception_routes (type, title, owner_role, severity, priority) VALUES
 ('capa_action_overdue', 'CAPA action past its due date', 'lotproof_compliance', 'high', 2),
 ('capa_check_overdue', 'CAPA effectiveness check past its due date', 'lotproof_compliance', 'high', 2),
 ('scar_overdue', 'Supplier has not answered a SCAR by its due date', 'lotproof_compliance', 'medium', 3);
"""


def upgrade() -> None:
    op.add_column("inspection_plans", sa.Column("skip_after", sa.Integer(), nullable=True), schema=Q)
    op.add_column("inspection_plans", sa.Column("skip_every", sa.Integer(), nullable=True), schema=Q)
    op.drop_constraint("ck_inspections_status_known", "inspections", schema=Q)
    op.create_check_constraint(op.f("ck_inspections_status_known"), "inspections",
                               "status IN ('open', 'passed', 'failed', 'skipped')", schema=Q)
    op.create_table(
        "inspection_attachments",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("inspection_id", sa.BigInteger(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("attached_by", sa.Text(), nullable=False),
        sa.Column("attached_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["inspection_id"], ["quality.inspections.id"],
                                name=op.f("fk_inspection_attachments_inspection_id_inspections")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_attachments")),
        schema=Q,
    )
    op.create_index(op.f("ix_inspection_attachments_inspection_id"), "inspection_attachments",
                    ["inspection_id"], schema=Q)
    op.create_table(
        "qm_transitions",
        sa.Column("record_kind", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("from_status", sa.Text(), nullable=False),
        sa.Column("to_status", sa.Text(), nullable=False),
        sa.Column("roles", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("signed", sa.Boolean(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.CheckConstraint("record_kind IN ('ncr', 'capa', 'scar')",
                           name=op.f("ck_qm_transitions_record_kind_known")),
        sa.PrimaryKeyConstraint("record_kind", "action", "from_status", name=op.f("pk_qm_transitions")),
        schema=Q,
    )
    op.create_table(
        "ncrs",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_ref", sa.Text(), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("severity", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("found", sa.Text(), nullable=False),
        sa.Column("containment", sa.Text(), nullable=True),
        sa.Column("root_cause", sa.Text(), nullable=True),
        sa.Column("root_cause_method", sa.Text(), nullable=True),
        sa.Column("root_cause_detail", postgresql.JSONB(), nullable=True),
        sa.Column("disposition", sa.Text(), nullable=True),
        sa.Column("disposition_note", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("opened_by", sa.Text(), nullable=False),
        sa.Column("opened_at", TZ, nullable=False),
        sa.Column("closed_by", sa.Text(), nullable=True),
        sa.Column("closed_at", TZ, nullable=True),
        sa.Column("signature_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("source IN ('out_of_spec', 'inspection', 'quality_event', 'complaint', 'return', 'manual')",
                           name=op.f("ck_ncrs_source_known")),
        sa.CheckConstraint("severity IN ('minor', 'major', 'critical')", name=op.f("ck_ncrs_severity_known")),
        sa.CheckConstraint("root_cause_method IN ('5_whys', 'fishbone', 'fault_tree', 'other')",
                           name=op.f("ck_ncrs_method_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ncrs")),
        schema=Q,
    )
    op.create_index(op.f("ix_ncrs_status"), "ncrs", ["status"], schema=Q)
    op.create_index(op.f("ix_ncrs_supplier_id"), "ncrs", ["supplier_id"], schema=Q)
    op.create_table(
        "ncr_lots",
        sa.Column("ncr_id", sa.BigInteger(), nullable=False),
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column("hold_decision_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["ncr_id"], ["quality.ncrs.id"], name=op.f("fk_ncr_lots_ncr_id_ncrs")),
        sa.PrimaryKeyConstraint("ncr_id", "lot_id", name=op.f("pk_ncr_lots")),
        schema=Q,
    )
    op.create_index(op.f("ix_ncr_lots_lot_id"), "ncr_lots", ["lot_id"], schema=Q)
    op.create_table(
        "capas",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("ncr_id", sa.BigInteger(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("effectiveness_criteria", sa.Text(), nullable=False),
        sa.Column("effectiveness_due", sa.Date(), nullable=False),
        sa.Column("effective", sa.Boolean(), nullable=True),
        sa.Column("effectiveness_evidence", sa.Text(), nullable=True),
        sa.Column("checked_by", sa.Text(), nullable=True),
        sa.Column("checked_at", TZ, nullable=True),
        sa.Column("opened_by", sa.Text(), nullable=False),
        sa.Column("opened_at", TZ, nullable=False),
        sa.Column("closed_by", sa.Text(), nullable=True),
        sa.Column("closed_at", TZ, nullable=True),
        sa.Column("signature_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["ncr_id"], ["quality.ncrs.id"], name=op.f("fk_capas_ncr_id_ncrs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capas")),
        schema=Q,
    )
    op.create_index(op.f("ix_capas_ncr_id"), "capas", ["ncr_id"], schema=Q)
    op.create_index(op.f("ix_capas_status"), "capas", ["status"], schema=Q)
    op.create_table(
        "capa_actions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("capa_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("done_at", TZ, nullable=True),
        sa.Column("done_by", sa.Text(), nullable=True),
        sa.Column("done_note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.CheckConstraint("kind IN ('corrective', 'preventive')", name=op.f("ck_capa_actions_kind_known")),
        sa.ForeignKeyConstraint(["capa_id"], ["quality.capas.id"], name=op.f("fk_capa_actions_capa_id_capas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capa_actions")),
        schema=Q,
    )
    op.create_index(op.f("ix_capa_actions_capa_id"), "capa_actions", ["capa_id"], schema=Q)
    op.create_table(
        "scars",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("ncr_id", sa.BigInteger(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("response_due", sa.Date(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("sent_at", TZ, nullable=True),
        sa.Column("sent_by", sa.Text(), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("responded_on", sa.Date(), nullable=True),
        sa.Column("response_recorded_by", sa.Text(), nullable=True),
        sa.Column("closed_by", sa.Text(), nullable=True),
        sa.Column("closed_at", TZ, nullable=True),
        sa.Column("close_note", sa.Text(), nullable=True),
        sa.Column("opened_by", sa.Text(), nullable=False),
        sa.Column("opened_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["ncr_id"], ["quality.ncrs.id"], name=op.f("fk_scars_ncr_id_ncrs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scars")),
        schema=Q,
    )
    op.create_index(op.f("ix_scars_supplier_id"), "scars", ["supplier_id"], schema=Q)
    op.create_index(op.f("ix_scars_ncr_id"), "scars", ["ncr_id"], schema=Q)
    execute_sql(TRANSITIONS + """
GRANT SELECT ON quality.qm_transitions, quality.ncrs, quality.ncr_lots, quality.capas,
    quality.capa_actions, quality.scars, quality.inspection_attachments
    TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
""")
    secure_database()


def downgrade() -> None:
    execute_sql("DELETE FROM quality.exception_routes WHERE type IN "
                "('capa_action_overdue', 'capa_check_overdue', 'scar_overdue');")
    for table in ("scars", "capa_actions", "capas", "ncr_lots", "ncrs", "qm_transitions",
                  "inspection_attachments"):
        op.drop_table(table, schema=Q)
    op.drop_constraint("ck_inspections_status_known", "inspections", schema=Q)
    op.create_check_constraint(op.f("ck_inspections_status_known"), "inspections",
                               "status IN ('open', 'passed', 'failed')", schema=Q)
    op.drop_column("inspection_plans", "skip_every", schema=Q)
    op.drop_column("inspection_plans", "skip_after", schema=Q)
