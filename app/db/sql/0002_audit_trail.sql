-- The audit trail: append-only and hash-chained (21 CFR 11.10(e), EU GMP Annex 11 §9, §12).
--
-- Rows are appended only by audit.append(), which serialises on the chain head so each row
-- carries the hash of the row before it. The canonical text of a row (what is hashed) is the
-- fields below joined by the unit separator, NULL as \N, the time in UTC with microseconds and
-- JSON as PostgreSQL's jsonb text; `lotproof audit verify` recomputes it independently.

INSERT INTO audit.chain_head (id, last_id, last_hash)
VALUES (1, 0, encode(sha256(convert_to('lotproof audit genesis', 'UTF8')), 'hex'));

CREATE FUNCTION audit.canonical(p_prev text, p_id bigint, p_at timestamptz, p_username text,
                                p_printed_name text, p_role text, p_workstation text,
                                p_action text, p_record_type text, p_record_id text,
                                p_lot_id bigint, p_old jsonb, p_new jsonb, p_reason text,
                                p_signature_id bigint)
RETURNS text LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog
AS $$
    SELECT concat_ws(chr(31),
        p_prev, p_id::text,
        to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        coalesce(p_username, '\N'), coalesce(p_printed_name, '\N'), coalesce(p_role, '\N'),
        coalesce(p_workstation, '\N'), coalesce(p_action, '\N'), coalesce(p_record_type, '\N'),
        coalesce(p_record_id, '\N'), coalesce(p_lot_id::text, '\N'),
        coalesce(p_old::text, '\N'), coalesce(p_new::text, '\N'), coalesce(p_reason, '\N'),
        coalesce(p_signature_id::text, '\N'))
$$;

CREATE FUNCTION audit.append(p_action text, p_record_type text, p_record_id text,
                             p_lot_id bigint, p_old jsonb, p_new jsonb, p_reason text,
                             p_signature_id bigint)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_prev text;
    v_id bigint;
    v_at timestamptz := clock_timestamp();
    v_user text := session_user;
    v_name text;
    v_role text;
    v_workstation text;
    v_hash text;
BEGIN
    -- The row lock on the head orders appends: each sees the hash its predecessor committed.
    SELECT last_hash INTO STRICT v_prev FROM audit.chain_head WHERE id = 1 FOR UPDATE;
    SELECT u.printed_name, u.role INTO v_name, v_role FROM quality.users u WHERE u.username = v_user;
    v_workstation := concat_ws(' ', nullif(current_setting('application_name', true), ''),
                               host(inet_client_addr()));
    v_id := nextval(pg_get_serial_sequence('audit.trail', 'id'));
    v_hash := encode(sha256(convert_to(audit.canonical(
        v_prev, v_id, v_at, v_user, v_name, v_role, v_workstation, p_action, p_record_type,
        p_record_id, p_lot_id, p_old, p_new, p_reason, p_signature_id), 'UTF8')), 'hex');
    INSERT INTO audit.trail (id, at, username, printed_name, role, workstation, action,
                             record_type, record_id, lot_id, old_values, new_values, reason,
                             signature_id, prev_hash, row_hash)
    VALUES (v_id, v_at, v_user, v_name, v_role, v_workstation, p_action, p_record_type,
            p_record_id, p_lot_id, p_old, p_new, p_reason, p_signature_id, v_prev, v_hash);
    UPDATE audit.chain_head SET last_id = v_id, last_hash = v_hash WHERE id = 1;
    RETURN v_id;
END $$;
REVOKE ALL ON FUNCTION audit.append(text, text, text, bigint, jsonb, jsonb, text, bigint) FROM PUBLIC;

-- Append-only, even for the owner: UPDATE, DELETE and TRUNCATE are refused by trigger.
CREATE FUNCTION audit.refuse_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog
AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, TG_OP
        USING ERRCODE = '42501';
END $$;

CREATE TRIGGER trail_append_only BEFORE UPDATE OR DELETE ON audit.trail
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER trail_no_truncate BEFORE TRUNCATE ON audit.trail
    FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER chain_head_no_delete BEFORE DELETE ON audit.chain_head
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER chain_head_no_truncate BEFORE TRUNCATE ON audit.chain_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

-- Every change to a quality table is appended by this trigger, in the same transaction. The
-- decision functions name the action, reason and signature in transaction-local settings.
-- Trigger arguments: the key column, then columns left out of the recorded values (large bytes).
CREATE FUNCTION audit.log_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_old jsonb;
    v_new jsonb;
    v_key text := TG_ARGV[0];
    v_skip text[] := TG_ARGV[1:];
    v_row jsonb;
    v_lot bigint;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        v_old := to_jsonb(OLD) - v_skip;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        v_new := to_jsonb(NEW) - v_skip;
    END IF;
    IF TG_OP = 'UPDATE' AND v_old = v_new THEN
        RETURN NULL;
    END IF;
    v_row := coalesce(v_new, v_old);
    v_lot := CASE WHEN TG_TABLE_SCHEMA = 'erp' AND TG_TABLE_NAME = 'lots' THEN (v_row ->> 'id')::bigint
                  ELSE (v_row ->> 'lot_id')::bigint END;
    PERFORM audit.append(
        coalesce(nullif(current_setting('lotproof.action', true), ''),
                 lower(TG_OP) || ' ' || TG_TABLE_NAME),
        TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME,
        v_row ->> v_key,
        v_lot, v_old, v_new,
        nullif(current_setting('lotproof.reason', true), ''),
        nullif(current_setting('lotproof.signature_id', true), '')::bigint);
    RETURN NULL;
END $$;

GRANT SELECT ON audit.trail, audit.chain_head TO
    lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
