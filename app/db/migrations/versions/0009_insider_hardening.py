"""insider hardening: a non-superuser owner, narrow role administration, unforgeable audit
context, identity checks after an administrator sets a password, COA links that name mismatches

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.db.migrate import apply_definitions, execute_sql, secure_database

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# lotproof_owner owns every Lotproof object and can do nothing else: no superuser, no role
# creation, no login. lotproof_role_admin may create and alter roles, and owns only the few
# functions of the `accounts` schema, which act on Lotproof's people alone. Nobody logs in as
# either; the role that runs migrations (a superuser, or the DBA's installer role) is a member
# of lotproof_owner so that it can change the schema.
ROLES = """
DO $$
DECLARE
    g text;
    u text;
    pg16 boolean := current_setting('server_version_num')::int >= 160000;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lotproof_owner') THEN
        CREATE ROLE lotproof_owner NOLOGIN;
    END IF;
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = 'lotproof_owner') THEN
        RAISE EXCEPTION 'the role lotproof_owner is a superuser; Lotproof''s objects must be owned by a role that is not (ALTER ROLE lotproof_owner NOSUPERUSER, then upgrade again)';
    END IF;
    ALTER ROLE lotproof_owner NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION;
    -- Signing checks when the signer's connection was authenticated (pg_stat_activity), which a
    -- role that is not a superuser sees of other roles' sessions only with this read-only role.
    IF NOT pg_has_role('lotproof_owner', 'pg_read_all_stats', 'MEMBER') THEN
        GRANT pg_read_all_stats TO lotproof_owner;
    END IF;
    -- Withdrawing a person ends their open sessions (never a superuser's: PostgreSQL refuses).
    IF NOT pg_has_role('lotproof_owner', 'pg_signal_backend', 'MEMBER') THEN
        GRANT pg_signal_backend TO lotproof_owner;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lotproof_role_admin') THEN
        CREATE ROLE lotproof_role_admin NOLOGIN CREATEROLE;
    END IF;
    IF NOT pg_has_role(current_user, 'lotproof_owner', 'MEMBER')
       AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT lotproof_owner TO %I', current_user);
    END IF;
    FOREACH g IN ARRAY ARRAY['lotproof_inspector', 'lotproof_approver', 'lotproof_compliance',
                             'lotproof_admin', 'lotproof_auditor'] LOOP
        IF pg16 THEN
            EXECUTE format('GRANT %I TO lotproof_role_admin WITH ADMIN TRUE, INHERIT FALSE, SET FALSE', g);
        ELSE
            EXECUTE format('GRANT %I TO lotproof_role_admin WITH ADMIN OPTION', g);
        END IF;
    END LOOP;
    -- From PostgreSQL 16 a role with CREATEROLE alters only the roles it administers.
    IF pg16 THEN
        FOR u IN SELECT username FROM quality.users
                 WHERE EXISTS (SELECT 1 FROM pg_roles WHERE rolname = username) LOOP
            EXECUTE format('GRANT %I TO lotproof_role_admin WITH ADMIN TRUE, INHERIT FALSE, SET FALSE', u);
        END LOOP;
    END IF;
END $$;

CREATE SCHEMA IF NOT EXISTS accounts AUTHORIZATION lotproof_role_admin;
REVOKE ALL ON SCHEMA accounts FROM PUBLIC;
GRANT USAGE ON SCHEMA accounts TO lotproof_owner;
GRANT USAGE ON SCHEMA quality TO lotproof_role_admin;
GRANT SELECT ON quality.users TO lotproof_role_admin;
"""

# People enrolled before this revision keep signing; a reset still waiting for its change must
# now also be followed by a second person's identity check.
EXISTING_PEOPLE = """
UPDATE quality.users SET identity_verified_by = 'before migration 0009',
                         identity_verified_at = now()
WHERE NOT must_change_password;
UPDATE quality.users SET password_set_by = 'an administrator (before migration 0009)',
                         password_set_at = now()
WHERE must_change_password;
INSERT INTO audit.identity DEFAULT VALUES;
GRANT SELECT ON audit.identity TO
    lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
"""


# `audit verify` now compares each lot's status with the last one the trail recorded. Lots whose
# status the trail never recorded (the demo loaded them with triggers off) enter it once, here,
# as they are: the trail says so ('schema.baseline'), and holds them to it from now on.
STATUS_BASELINE = """
DO $$
BEGIN
    IF to_regprocedure('audit.append(text,text,text,bigint,jsonb,jsonb,text,bigint)') IS NOT NULL THEN
        PERFORM audit.append('schema.baseline', 'erp.lots', l.lot_code, l.id, NULL,
                             jsonb_build_object('status', l.status),
                             'status when the audit trail began to be compared with lots (0009)', NULL)
        FROM (SELECT id, lot_code, status FROM erp.lots x
              WHERE x.status <> 'quarantine' AND NOT EXISTS (
                  SELECT 1 FROM audit.trail t WHERE t.record_type = 'erp.lots' AND t.lot_id = x.id
                    AND t.new_values ? 'status')
              ORDER BY id) l;
    END IF;
END $$;
"""


def upgrade() -> None:
    execute_sql(ROLES)
    for column in ("password_set_by", "identity_verified_by"):
        op.add_column("users", sa.Column(column, sa.Text(), nullable=True), schema="quality")
    for column in ("password_set_at", "identity_verified_at"):
        op.add_column("users", sa.Column(column, postgresql.TIMESTAMP(timezone=True),
                                         nullable=True), schema="quality")
    apply_definitions("printed_names")  # the index below is on its key
    op.create_index("uq_users_printed_name_active", "users",
                    [sa.text("quality.printed_name_key(printed_name)")],
                    unique=True, schema="quality", postgresql_where=sa.text("active"))
    op.add_column("document_links", sa.Column("mismatches", postgresql.ARRAY(sa.Text()),
                                              server_default=sa.text("'{}'"), nullable=False),
                  schema="quality")
    op.add_column("document_links", sa.Column("reason", sa.Text(), nullable=True), schema="quality")
    op.add_column("document_links", sa.Column("confirmed_by", sa.Text(), nullable=True),
                  schema="quality")
    op.add_column("document_links", sa.Column("confirmed_at", postgresql.TIMESTAMP(timezone=True),
                                              nullable=True), schema="quality")
    op.create_table(
        "context",
        sa.Column("backend_pid", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("xact", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("signature_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("backend_pid", name=op.f("pk_context")),
        schema="audit",
    )
    op.create_table(
        "identity",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True),
                  server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity")),
        schema="audit",
    )
    execute_sql(EXISTING_PEOPLE)
    execute_sql(STATUS_BASELINE)
    secure_database()


def downgrade() -> None:
    raise NotImplementedError("Lotproof migrations only go forward")
