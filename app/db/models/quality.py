"""Schema `quality`: what Lotproof owns. Login roles read these tables; every change goes through a
SECURITY DEFINER function in the same schema."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TIMESTAMP
from sqlalchemy.orm import Mapped, mapped_column

from app.db import lot_status
from app.db.models.base import Base

SCHEMA = "quality"
TZ = TIMESTAMP(timezone=True)

GROUP_ROLES = (
    "lotproof_inspector",
    "lotproof_approver",
    "lotproof_compliance",
    "lotproof_admin",
    "lotproof_auditor",
)


class User(Base):
    """A person: one PostgreSQL login role. User names are never reused, so a row is never removed."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN (" + ", ".join(repr(r) for r in GROUP_ROLES) + ")", name="role"
        ),
        # A manifestation names one person: no two active people share a printed name.
        Index("uq_users_printed_name_active",
              text("quality.printed_name_key(printed_name)"), unique=True,
              postgresql_where=text("active")),
        {"schema": SCHEMA},
    )

    username: Mapped[str] = mapped_column(Text, primary_key=True)
    printed_name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_at: Mapped[dt.datetime] = mapped_column(TZ, server_default=func.now())
    created_by: Mapped[str] = mapped_column(Text, server_default=func.session_user())
    failed_signatures: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    locked_at: Mapped[dt.datetime | None] = mapped_column(TZ)
    must_change_password: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    password_changed_at: Mapped[dt.datetime] = mapped_column(TZ, server_default=func.now())
    # A password an administrator set (at enrolment or a reset) is known to that administrator:
    # the person signs only after setting their own and a second person checking who they are.
    password_set_by: Mapped[str | None] = mapped_column(Text)
    password_set_at: Mapped[dt.datetime | None] = mapped_column(TZ)
    identity_verified_by: Mapped[str | None] = mapped_column(Text)
    identity_verified_at: Mapped[dt.datetime | None] = mapped_column(TZ)


class Setting(Base):
    """Installation settings (e.g. that this is a demo database, and its demo logins)."""

    __tablename__ = "settings"
    __table_args__ = {"schema": SCHEMA}

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Alert(Base):
    """Something administrators must see: a locked account, a broken audit chain, ..."""

    __tablename__ = "alerts"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    raised_at: Mapped[dt.datetime] = mapped_column(TZ, server_default=func.now())
    kind: Mapped[str] = mapped_column(Text)
    username: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    acknowledged_by: Mapped[str | None] = mapped_column(Text)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(TZ)


class LotStatusTransition(Base):
    """The lot status machine: the one definition the decision functions enforce and the
    workstation reads."""

    __tablename__ = "lot_status_transitions"
    __table_args__ = {"schema": SCHEMA}

    action: Mapped[str] = mapped_column(Text, primary_key=True)
    from_status: Mapped[str] = mapped_column(Text, primary_key=True)
    to_status: Mapped[str] = mapped_column(Text, primary_key=True)
    roles: Mapped[list[str]] = mapped_column(ARRAY(Text))
    signatures_required: Mapped[int] = mapped_column(Integer)
    meaning: Mapped[str | None] = mapped_column(Text)
    needs_reason: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class LotState(Base):
    """Lotproof's side of a lot's status: version, why it is held, what it was before."""

    __tablename__ = "lot_state"
    __table_args__ = (
        CheckConstraint("status IN (" + ", ".join(repr(s) for s in lot_status.STATUSES) + ")",
                        name="status"),
        Index("ix_lot_state_status", "status", "lot_id"),
        {"schema": SCHEMA},
    )

    lot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    #: The lot's quality status: Lotproof's, never a column of the ERP's.
    status: Mapped[str] = mapped_column(Text, server_default=text("'quarantine'"))
    version: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    hold_kind: Mapped[str | None] = mapped_column(Text)
    recall_id: Mapped[int | None] = mapped_column(BigInteger)
    status_before_hold: Mapped[str | None] = mapped_column(Text)
    released_once: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    updated_at: Mapped[dt.datetime | None] = mapped_column(TZ)
    updated_by: Mapped[str | None] = mapped_column(Text)


class AllocationFlag(Base):
    """An ERP allocation a recall flagged for the ERP to undo (Lotproof's mark, not the ERP's)."""

    __tablename__ = "allocation_flags"
    __table_args__ = {"schema": SCHEMA}

    allocation_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    recall_id: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    flagged_at: Mapped[dt.datetime] = mapped_column(TZ)


class LotDecision(Base):
    """A quality decision on a lot; `pending` until every signature it needs is given."""

    __tablename__ = "lot_decisions"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'done', 'cancelled')", name="state"),
        Index("ix_lot_decisions_lot_id_created_at", "lot_id", "created_at"),
        Index("ix_lot_decisions_pending", "state", postgresql_where=text("state = 'pending'")),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    lot_id: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(Text)
    from_status: Mapped[str] = mapped_column(Text)
    to_status: Mapped[str] = mapped_column(Text)
    disposition: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    override_justification: Mapped[str | None] = mapped_column(Text)
    blockers: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    state: Mapped[str] = mapped_column(Text)
    signatures_required: Mapped[int] = mapped_column(Integer)
    recall_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(TZ)
    created_by: Mapped[str] = mapped_column(Text)
    completed_at: Mapped[dt.datetime | None] = mapped_column(TZ)
    rule_versions: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class Signature(Base):
    """An electronic signature (21 CFR 11.50): who, when, what it means, and a hash of exactly
    the record it signs. Never updated, never deleted."""

    __tablename__ = "signatures"
    __table_args__ = (
        UniqueConstraint("backend_pid", "backend_start"),
        Index("ix_signatures_record", "record_type", "record_id"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    record_type: Mapped[str] = mapped_column(Text)
    record_id: Mapped[int] = mapped_column(BigInteger)
    record_hash: Mapped[str] = mapped_column(Text)
    meaning: Mapped[str] = mapped_column(Text)
    username: Mapped[str] = mapped_column(Text)
    printed_name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[dt.datetime] = mapped_column(TZ)
    backend_pid: Mapped[int] = mapped_column(Integer)
    backend_start: Mapped[dt.datetime] = mapped_column(TZ)
    workstation: Mapped[str | None] = mapped_column(Text)
    signature_hash: Mapped[str] = mapped_column(Text)


class Document(Base):
    """A supplier document as received: the original bytes live here, never on a workstation."""

    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint("kind IN ('coa', 'sds', 'allergen_statement', 'other')", name="kind"),
        CheckConstraint("status IN ('new', 'verified', 'rejected')", name="status"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    sha256: Mapped[str] = mapped_column(Text, unique=True)
    file_name: Mapped[str] = mapped_column(Text)
    mime_type: Mapped[str] = mapped_column(Text)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    page_count: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    kind: Mapped[str] = mapped_column(Text)
    kind_confidence: Mapped[float | None] = mapped_column(Float)
    revision_date: Mapped[dt.date | None] = mapped_column(Date)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("quality.documents.id"))
    status: Mapped[str] = mapped_column(Text, server_default=text("'new'"))
    extraction: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    uploaded_by: Mapped[str] = mapped_column(Text)
    uploaded_at: Mapped[dt.datetime] = mapped_column(TZ)
    verified_by: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[dt.datetime | None] = mapped_column(TZ)


class DocumentLink(Base):
    __tablename__ = "document_links"
    __table_args__ = (
        CheckConstraint("num_nonnulls(lot_id, item_id, supplier_id) >= 1", name="has_target"),
        Index("ix_document_links_lot_id", "lot_id"),
        Index("ix_document_links_item_id", "item_id"),
        Index("ix_document_links_document_id", "document_id"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("quality.documents.id"))
    lot_id: Mapped[int | None] = mapped_column(BigInteger)
    item_id: Mapped[int | None] = mapped_column(Integer)
    supplier_id: Mapped[int | None] = mapped_column(Integer)
    linked_by: Mapped[str] = mapped_column(Text)
    linked_at: Mapped[dt.datetime] = mapped_column(TZ)
    # Where the document's product, supplier or lot number differ from the lot's: such a link
    # needs a reason and a second person, and never stands in for the lot's own COA.
    mismatches: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    reason: Mapped[str | None] = mapped_column(Text)
    confirmed_by: Mapped[str | None] = mapped_column(Text)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(TZ)


class ItemSpec(Base):
    """The company's acceptance limits for one test of an item (not the supplier's claim)."""

    __tablename__ = "item_specs"
    __table_args__ = (Index("ix_item_specs_item_id", "item_id"), {"schema": SCHEMA})

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer)
    test: Mapped[str] = mapped_column(Text)
    method: Mapped[str | None] = mapped_column(Text)
    min_value: Mapped[Decimal | None] = mapped_column(Numeric)
    max_value: Mapped[Decimal | None] = mapped_column(Numeric)
    text_requirement: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(Text)
    coa_acceptable: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    spec_version_id: Mapped[int | None] = mapped_column(ForeignKey("quality.spec_versions.id"))


class CoaResult(Base):
    """One row of a COA's results table, as extracted and verified."""

    __tablename__ = "coa_results"
    __table_args__ = (
        Index("ix_coa_results_lot_id", "lot_id"),
        Index("ix_coa_results_document_id", "document_id"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("quality.documents.id"))
    lot_id: Mapped[int | None] = mapped_column(BigInteger)
    test: Mapped[str] = mapped_column(Text)
    method: Mapped[str | None] = mapped_column(Text)
    specification: Mapped[str | None] = mapped_column(Text)
    value: Mapped[Decimal | None] = mapped_column(Numeric)
    unit: Mapped[str | None] = mapped_column(Text)
    result_text: Mapped[str | None] = mapped_column(Text)
    stated_pass: Mapped[bool | None] = mapped_column(Boolean)
    spec_min: Mapped[Decimal | None] = mapped_column(Numeric)
    spec_max: Mapped[Decimal | None] = mapped_column(Numeric)
    page: Mapped[int | None] = mapped_column(Integer)
    bbox: Mapped[list[float] | None] = mapped_column(ARRAY(Float))
    confidence: Mapped[float | None] = mapped_column(Float)
    original: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    confirmed_by: Mapped[str | None] = mapped_column(Text)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(TZ)
    corrected_by: Mapped[str | None] = mapped_column(Text)
    corrected_at: Mapped[dt.datetime | None] = mapped_column(TZ)
    correction_reason: Mapped[str | None] = mapped_column(Text)


class ExtractedField(Base):
    """One value read from a document, with where it came from; a correction keeps the value as
    read and records who changed it, when and why."""

    __tablename__ = "extracted_fields"
    __table_args__ = (UniqueConstraint("document_id", "name"), {"schema": SCHEMA})

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("quality.documents.id"))
    name: Mapped[str] = mapped_column(Text)
    value: Mapped[Any] = mapped_column(JSONB)
    page: Mapped[int | None] = mapped_column(Integer)
    bbox: Mapped[list[float] | None] = mapped_column(ARRAY(Float))
    confidence: Mapped[float] = mapped_column(Float)
    method: Mapped[str | None] = mapped_column(Text)
    source_text: Mapped[str | None] = mapped_column(Text)
    corrected_value: Mapped[Any | None] = mapped_column(JSONB)
    corrected_by: Mapped[str | None] = mapped_column(Text)
    corrected_at: Mapped[dt.datetime | None] = mapped_column(TZ)
    correction_reason: Mapped[str | None] = mapped_column(Text)
    confirmed_by: Mapped[str | None] = mapped_column(Text)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(TZ)


class Recall(Base):
    """A recall or a mock recall (an exercise: nothing held, nothing sent, timed)."""

    __tablename__ = "recalls"
    __table_args__ = (
        CheckConstraint("recall_class IN ('I', 'II', 'III')", name="recall_class"),
        CheckConstraint("state IN ('open', 'held', 'closed')", name="state"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[str] = mapped_column(Text, unique=True)
    is_mock: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    recall_class: Mapped[str] = mapped_column(Text)
    regulator_reference: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(Text, server_default=text("'open'"))
    opened_by: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[dt.datetime] = mapped_column(TZ)
    held_at: Mapped[dt.datetime | None] = mapped_column(TZ)
    report_completed_at: Mapped[dt.datetime | None] = mapped_column(TZ)
    closed_at: Mapped[dt.datetime | None] = mapped_column(TZ)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class RecallLot(Base):
    """A lot in a recall's scope: a source named when it was opened, or one reached from it."""

    __tablename__ = "recall_lots"
    __table_args__ = (
        CheckConstraint("role IN ('source', 'affected')", name="role"),
        Index("ix_recall_lots_lot_id", "lot_id"),
        {"schema": SCHEMA},
    )

    recall_id: Mapped[int] = mapped_column(ForeignKey("quality.recalls.id"), primary_key=True)
    lot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    role: Mapped[str] = mapped_column(Text)
    depth: Mapped[int] = mapped_column(Integer)
    status_at_open: Mapped[str] = mapped_column(Text)
    held: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class SpecVersion(Base):
    """One version of an item's specification; decisions name the version they applied."""

    __tablename__ = "spec_versions"
    __table_args__ = (UniqueConstraint("item_id", "version"), {"schema": SCHEMA})

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(TZ)


class SupplierApproval(Base):
    """A supplier's approval status for an item category, versioned: the newest row applies."""

    __tablename__ = "supplier_approvals"
    __table_args__ = (
        CheckConstraint("status IN ('approved', 'conditional', 'suspended', 'disqualified')",
                        name="status"),
        UniqueConstraint("supplier_id", "category", "version"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    supplier_id: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(Text)
    set_at: Mapped[dt.datetime] = mapped_column(TZ)


class CustomerRequirement(Base):
    """What a customer demands of the lots shipped to it, versioned: the newest row applies."""

    __tablename__ = "customer_requirements"
    __table_args__ = (UniqueConstraint("customer_id", "version"), {"schema": SCHEMA})

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    min_shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    min_shelf_life_percent: Mapped[int | None] = mapped_column(Integer)
    excluded_supplier_ids: Mapped[list[int]] = mapped_column(
        ARRAY(Integer), server_default=text("'{}'::integer[]"))
    excluded_lot_codes: Mapped[list[str]] = mapped_column(
        ARRAY(Text), server_default=text("'{}'::text[]"))
    required_documents: Mapped[list[str]] = mapped_column(
        ARRAY(Text), server_default=text("'{}'::text[]"))
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(Text)
    set_at: Mapped[dt.datetime] = mapped_column(TZ)


class DocumentRequirement(Base):
    """Documents required of every lot of an item or from a supplier (on top of the item's
    ERP list), versioned: the newest row per item or supplier applies."""

    __tablename__ = "document_requirements"
    __table_args__ = (
        CheckConstraint("(item_id IS NULL) <> (supplier_id IS NULL)", name="one_scope"),
        Index("ix_document_requirements_item", "item_id", "version"),
        Index("ix_document_requirements_supplier", "supplier_id", "version"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    item_id: Mapped[int | None] = mapped_column(Integer)
    supplier_id: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    documents: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(Text)
    set_at: Mapped[dt.datetime] = mapped_column(TZ)


class ExceptionRoute(Base):
    """Who works an exception type, how urgently."""

    __tablename__ = "exception_routes"
    __table_args__ = {"schema": SCHEMA}

    type: Mapped[str] = mapped_column(Text, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    owner_role: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class QualityException(Base):
    """Something that breaks a rule, in front of the role that acts on it until it is resolved."""

    __tablename__ = "exceptions"
    __table_args__ = (
        Index("uq_exceptions_open_type_key", "type", "key", unique=True,
              postgresql_where=text("closed_at IS NULL")),
        Index("ix_exceptions_open_owner", "owner_role", "priority",
              postgresql_where=text("closed_at IS NULL")),
        Index("ix_exceptions_lot_id", "lot_id"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    type: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(Text)
    owner_role: Mapped[str] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(Integer)
    lot_id: Mapped[int | None] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    opened_at: Mapped[dt.datetime] = mapped_column(TZ)
    closed_at: Mapped[dt.datetime | None] = mapped_column(TZ)
    closed_by: Mapped[str | None] = mapped_column(Text)
    close_reason: Mapped[str | None] = mapped_column(Text)


class QualityEvent(Base):
    """A temperature excursion, damage, customer complaint or deviation."""

    __tablename__ = "quality_events"
    __table_args__ = (
        CheckConstraint("kind IN ('temperature_excursion', 'damage', 'complaint', 'deviation')",
                        name="kind"),
        Index("ix_quality_events_lot_id", "lot_id"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    lot_id: Mapped[int | None] = mapped_column(BigInteger)
    shipment_id: Mapped[int | None] = mapped_column(BigInteger)
    location_id: Mapped[int | None] = mapped_column(Integer)
    occurred_at: Mapped[dt.datetime] = mapped_column(TZ)
    ended_at: Mapped[dt.datetime | None] = mapped_column(TZ)
    measured_min: Mapped[Decimal | None] = mapped_column(Numeric)
    measured_max: Mapped[Decimal | None] = mapped_column(Numeric)
    limit_min: Mapped[Decimal | None] = mapped_column(Numeric)
    limit_max: Mapped[Decimal | None] = mapped_column(Numeric)
    description: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(TZ)


class ReturnInspection(Base):
    """A customer return: in quarantine until inspected, then accepted back or rejected."""

    __tablename__ = "return_inspections"
    __table_args__ = (
        CheckConstraint("outcome IN ('accepted', 'rejected')", name="outcome"),
        {"schema": SCHEMA},
    )

    return_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    outcome: Mapped[str] = mapped_column(Text)
    disposition: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    inspected_by: Mapped[str] = mapped_column(Text)
    inspected_at: Mapped[dt.datetime] = mapped_column(TZ)


class RetentionRule(Base):
    """How long a kind of record must be kept; nothing is removed before then."""

    __tablename__ = "retention_rules"
    __table_args__ = {"schema": SCHEMA}

    record_type: Mapped[str] = mapped_column(Text, primary_key=True)
    years: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str] = mapped_column(Text)


class SamplingCodeLetter(Base):
    """ANSI/ASQ Z1.4 Table I: the sample size code letter for a lot size and inspection level."""

    __tablename__ = "sampling_code_letters"
    __table_args__ = {"schema": SCHEMA}

    level: Mapped[str] = mapped_column(Text, primary_key=True)
    lot_min: Mapped[int] = mapped_column(Integer, primary_key=True)
    lot_max: Mapped[int | None] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(Text)


class SamplingSampleSize(Base):
    """The sample size of a code letter on normal or tightened inspection, in table order."""

    __tablename__ = "sampling_sample_sizes"
    __table_args__ = (UniqueConstraint("severity", "ordinal"), {"schema": SCHEMA})

    severity: Mapped[str] = mapped_column(Text, primary_key=True)
    code: Mapped[str] = mapped_column(Text, primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    sample_size: Mapped[int] = mapped_column(Integer)


class SamplingPlan(Base):
    """A cell of Z1.4 Table II-A/II-B: acceptance and rejection numbers, or an arrow."""

    __tablename__ = "sampling_plans"
    __table_args__ = (
        CheckConstraint("(arrow IN ('up', 'down')) = (accept IS NULL AND reject IS NULL)",
                        name="plan_or_arrow"),
        ForeignKeyConstraint(["severity", "code"], ["quality.sampling_sample_sizes.severity",
                                                    "quality.sampling_sample_sizes.code"]),
        {"schema": SCHEMA},
    )

    severity: Mapped[str] = mapped_column(Text, primary_key=True)
    code: Mapped[str] = mapped_column(Text, primary_key=True)
    aql: Mapped[Decimal] = mapped_column(Numeric, primary_key=True)
    arrow: Mapped[str | None] = mapped_column(Text)
    accept: Mapped[int | None] = mapped_column(Integer)
    reject: Mapped[int | None] = mapped_column(Integer)


class InspectionPlan(Base):
    """How an item (from one supplier, or from any) is inspected on receipt: one version."""

    __tablename__ = "inspection_plans"
    __table_args__ = (
        CheckConstraint("sampling IN ('z14', 'fixed', 'sqrt')", name="sampling_kind"),
        Index(None, "item_id", "supplier_id"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer)
    supplier_id: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    sampling: Mapped[str] = mapped_column(Text)
    level: Mapped[str | None] = mapped_column(Text)
    aql: Mapped[Decimal | None] = mapped_column(Numeric)
    fixed_count: Mapped[int | None] = mapped_column(Integer)
    # Skip-lot: after `skip_after` lots in a row accepted, one lot in `skip_every` is inspected.
    skip_after: Mapped[int | None] = mapped_column(Integer)
    skip_every: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(TZ)


class InspectionCharacteristic(Base):
    """One thing an inspector checks or measures under a plan."""

    __tablename__ = "inspection_characteristics"
    __table_args__ = (
        CheckConstraint("kind IN ('visual', 'label', 'seal', 'temperature', 'identity', 'measurement')",
                        name="kind_known"),
        UniqueConstraint("plan_id", "position"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("quality.inspection_plans.id"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    required: Mapped[bool] = mapped_column(Boolean)
    min_value: Mapped[Decimal | None] = mapped_column(Numeric)
    max_value: Mapped[Decimal | None] = mapped_column(Numeric)
    unit: Mapped[str | None] = mapped_column(Text)


class Inspection(Base):
    """A receiving inspection of a lot under its item's plan; completed with a signature."""

    __tablename__ = "inspections"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'passed', 'failed', 'skipped')", name="status_known"),
        Index("ix_inspections_one_open_per_lot", "lot_id", unique=True,
              postgresql_where=text("status = 'open'")),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    lot_id: Mapped[int] = mapped_column(BigInteger)
    plan_id: Mapped[int] = mapped_column(ForeignKey("quality.inspection_plans.id"))
    severity: Mapped[str] = mapped_column(Text)
    sample_size: Mapped[int] = mapped_column(Integer)
    accept: Mapped[int] = mapped_column(Integer)
    reject: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(Text)
    defects: Mapped[int | None] = mapped_column(Integer)
    opened_by: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[dt.datetime] = mapped_column(TZ)
    completed_by: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[dt.datetime | None] = mapped_column(TZ)
    signature_id: Mapped[int | None] = mapped_column(BigInteger)


class InspectionResult(Base):
    """What the inspector found for one characteristic of an inspection."""

    __tablename__ = "inspection_results"
    __table_args__ = (UniqueConstraint("inspection_id", "characteristic_id"), {"schema": SCHEMA})

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("quality.inspections.id"))
    characteristic_id: Mapped[int] = mapped_column(ForeignKey("quality.inspection_characteristics.id"))
    value: Mapped[Decimal | None] = mapped_column(Numeric)
    passed: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(TZ)


class InspectionAttachment(Base):
    """A photo or file an inspector attached to an inspection (covered by its signature)."""

    __tablename__ = "inspection_attachments"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("quality.inspections.id"), index=True)
    file_name: Mapped[str] = mapped_column(Text)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(Text)
    attached_by: Mapped[str] = mapped_column(Text)
    attached_at: Mapped[dt.datetime] = mapped_column(TZ)


class QmTransition(Base):
    """The status machines of NCRs, CAPAs and SCARs: the one definition their functions enforce
    and the workstation reads (like `lot_status_transitions`)."""

    __tablename__ = "qm_transitions"
    __table_args__ = (
        CheckConstraint("record_kind IN ('ncr', 'capa', 'scar')", name="record_kind_known"),
        {"schema": SCHEMA},
    )

    record_kind: Mapped[str] = mapped_column(Text, primary_key=True)
    action: Mapped[str] = mapped_column(Text, primary_key=True)
    from_status: Mapped[str] = mapped_column(Text, primary_key=True)
    to_status: Mapped[str] = mapped_column(Text)
    roles: Mapped[list[str]] = mapped_column(ARRAY(Text))
    signed: Mapped[bool] = mapped_column(Boolean)
    label: Mapped[str] = mapped_column(Text)


class Ncr(Base):
    """A nonconformance report: what was found, on which lots, contained how, why, and what
    became of the material."""

    __tablename__ = "ncrs"
    __table_args__ = (
        CheckConstraint("source IN ('out_of_spec', 'inspection', 'quality_event', 'complaint', "
                        "'return', 'manual')", name="source_known"),
        CheckConstraint("severity IN ('minor', 'major', 'critical')", name="severity_known"),
        CheckConstraint("root_cause_method IN ('5_whys', 'fishbone', 'fault_tree', 'other')",
                        name="method_known"),
        Index(None, "status"),
        Index(None, "supplier_id"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    source_ref: Mapped[str | None] = mapped_column(Text)
    item_id: Mapped[int | None] = mapped_column(Integer)
    supplier_id: Mapped[int | None] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    found: Mapped[str] = mapped_column(Text)
    containment: Mapped[str | None] = mapped_column(Text)
    root_cause: Mapped[str | None] = mapped_column(Text)
    root_cause_method: Mapped[str | None] = mapped_column(Text)
    root_cause_detail: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    disposition: Mapped[str | None] = mapped_column(Text)
    disposition_note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(Text)
    opened_by: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[dt.datetime] = mapped_column(TZ)
    closed_by: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[dt.datetime | None] = mapped_column(TZ)
    signature_id: Mapped[int | None] = mapped_column(BigInteger)


class NcrLot(Base):
    """A lot an NCR names, and the hold that contains it (when there is one)."""

    __tablename__ = "ncr_lots"
    __table_args__ = (Index(None, "lot_id"), {"schema": SCHEMA})

    ncr_id: Mapped[int] = mapped_column(ForeignKey("quality.ncrs.id"), primary_key=True)
    lot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hold_decision_id: Mapped[int | None] = mapped_column(BigInteger)


class Capa(Base):
    """A corrective and preventive action plan: actions, then a check that they worked."""

    __tablename__ = "capas"
    __table_args__ = (Index(None, "ncr_id"), Index(None, "status"), {"schema": SCHEMA})

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ncr_id: Mapped[int | None] = mapped_column(ForeignKey("quality.ncrs.id"))
    title: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    effectiveness_criteria: Mapped[str] = mapped_column(Text)
    effectiveness_due: Mapped[dt.date] = mapped_column(Date)
    effective: Mapped[bool | None] = mapped_column(Boolean)
    effectiveness_evidence: Mapped[str | None] = mapped_column(Text)
    checked_by: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[dt.datetime | None] = mapped_column(TZ)
    opened_by: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[dt.datetime] = mapped_column(TZ)
    closed_by: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[dt.datetime | None] = mapped_column(TZ)
    signature_id: Mapped[int | None] = mapped_column(BigInteger)


class CapaAction(Base):
    """One corrective or preventive action of a CAPA, with its owner and due date."""

    __tablename__ = "capa_actions"
    __table_args__ = (
        CheckConstraint("kind IN ('corrective', 'preventive')", name="kind_known"),
        Index(None, "capa_id"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    capa_id: Mapped[int] = mapped_column(ForeignKey("quality.capas.id"))
    kind: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(Text)
    due_date: Mapped[dt.date] = mapped_column(Date)
    done_at: Mapped[dt.datetime | None] = mapped_column(TZ)
    done_by: Mapped[str | None] = mapped_column(Text)
    done_note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(TZ)


class Scar(Base):
    """A supplier corrective action request: sent, answered, accepted or asked again."""

    __tablename__ = "scars"
    __table_args__ = (Index(None, "supplier_id"), Index(None, "ncr_id"), {"schema": SCHEMA})

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ncr_id: Mapped[int] = mapped_column(ForeignKey("quality.ncrs.id"))
    supplier_id: Mapped[int] = mapped_column(Integer)
    request: Mapped[str] = mapped_column(Text)
    response_due: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None] = mapped_column(TZ)
    sent_by: Mapped[str | None] = mapped_column(Text)
    response: Mapped[str | None] = mapped_column(Text)
    responded_on: Mapped[dt.date | None] = mapped_column(Date)
    response_recorded_by: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[dt.datetime | None] = mapped_column(TZ)
    close_note: Mapped[str | None] = mapped_column(Text)
    opened_by: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[dt.datetime] = mapped_column(TZ)


class CustomerSpec(Base):
    """A customer's own limits for a test of an item, versioned: the active row applies on the
    customer's certificate instead of the company's spec."""

    __tablename__ = "customer_specs"
    __table_args__ = (Index(None, "customer_id", "item_id"), {"schema": SCHEMA})

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(Integer)
    test: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    min_value: Mapped[Decimal | None] = mapped_column(Numeric)
    max_value: Mapped[Decimal | None] = mapped_column(Numeric)
    unit: Mapped[str | None] = mapped_column(Text)
    text_requirement: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(Text)
    set_at: Mapped[dt.datetime] = mapped_column(TZ)


class CertificateProfile(Base):
    """What a customer's certificate looks like: COA or certificate of conformance, the
    template, the statement it carries. Versioned: the newest row applies."""

    __tablename__ = "certificate_profiles"
    __table_args__ = (
        CheckConstraint("kind IN ('coa', 'coc')", name="kind_known"),
        CheckConstraint("template IN ('standard', 'compact')", name="template_known"),
        UniqueConstraint("customer_id", "version"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(Text)
    template: Mapped[str] = mapped_column(Text)
    statement: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(Text)
    set_at: Mapped[dt.datetime] = mapped_column(TZ)


class IssuedCertificate(Base):
    """A certificate that left with a shipment line: what it said (content) and its digest."""

    __tablename__ = "issued_certificates"
    __table_args__ = (
        CheckConstraint("kind IN ('coa', 'coc')", name="kind_known"),
        Index(None, "shipment_id"),
        Index(None, "lot_id"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    shipment_id: Mapped[int] = mapped_column(BigInteger)
    shipment_line_id: Mapped[int] = mapped_column(BigInteger)
    lot_id: Mapped[int] = mapped_column(BigInteger)
    customer_id: Mapped[int] = mapped_column(Integer)
    template: Mapped[str] = mapped_column(Text)
    content: Mapped[dict[str, Any]] = mapped_column(JSONB)
    sha256: Mapped[str] = mapped_column(Text)
    issued_by: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[dt.datetime] = mapped_column(TZ)


class SdsDelivery(Base):
    """An SDS revision sent to a customer with a shipment."""

    __tablename__ = "sds_deliveries"
    __table_args__ = (
        UniqueConstraint("customer_id", "document_id"),
        Index(None, "item_id"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(Integer)
    document_id: Mapped[int] = mapped_column(ForeignKey("quality.documents.id"))
    shipment_id: Mapped[int] = mapped_column(BigInteger)
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(TZ)


class PrintedLabel(Base):
    """A label printed for a lot: what it carried (content) and who printed it."""

    __tablename__ = "printed_labels"
    __table_args__ = (
        CheckConstraint("kind IN ('lot', 'pallet', 'status')", name="kind_known"),
        CheckConstraint("size IN ('4x6', '100x150')", name="size_known"),
        CheckConstraint("(kind = 'pallet') = (sscc IS NOT NULL)", name="sscc_on_pallets"),
        Index(None, "lot_id"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    lot_id: Mapped[int] = mapped_column(BigInteger)
    size: Mapped[str] = mapped_column(Text)
    sscc: Mapped[str | None] = mapped_column(Text, unique=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSONB)
    printed_by: Mapped[str] = mapped_column(Text)
    printed_at: Mapped[dt.datetime] = mapped_column(TZ)


class ItemEquivalent(Base):
    """An item compliance accepts in place of another (substitutes in a recall)."""

    __tablename__ = "item_equivalents"
    __table_args__ = (
        CheckConstraint("item_id <> equivalent_item_id", name="not_itself"),
        Index(None, "item_id"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer)
    equivalent_item_id: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(Text)
    set_at: Mapped[dt.datetime] = mapped_column(TZ)


class RelabelRequest(Base):
    """A relabel or repack asked for, approved with a signature by another person, done by
    the ERP."""

    __tablename__ = "relabel_requests"
    __table_args__ = (
        CheckConstraint("kind IN ('relabel', 'repack')", name="kind_known"),
        CheckConstraint("state IN ('requested', 'approved', 'refused', 'done')",
                        name="state_known"),
        CheckConstraint("qty > 0", name="qty_positive"),
        Index(None, "lot_id"),
        Index("ix_relabel_requests_open", "state",
              postgresql_where=text("state IN ('requested', 'approved')")),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    lot_id: Mapped[int] = mapped_column(BigInteger)
    new_lot_code: Mapped[str] = mapped_column(Text)
    new_item_id: Mapped[int] = mapped_column(Integer)
    qty: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    reason: Mapped[str] = mapped_column(Text)
    labels: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[dt.datetime] = mapped_column(TZ)
    decided_by: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None] = mapped_column(TZ)
    decision_note: Mapped[str | None] = mapped_column(Text)
    signature_id: Mapped[int | None] = mapped_column(BigInteger)
    child_lot_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    done_at: Mapped[dt.datetime | None] = mapped_column(TZ)
