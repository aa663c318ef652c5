-- The audit trail: append-only and hash-chained (21 CFR 11.10(e), EU GMP Annex 11 §9, §12).

CREATE OR REPLACE FUNCTION audit.canonical(p_prev text, p_id bigint, p_at timestamptz, p_username text,
                                p_printed_name text, p_role text, p_workstation text,
                                p_action text, p_record_type text, p_record_id text,
                                p_lot_id bigint, p_old jsonb, p_new jsonb, p_reason text,
                                p_signature_id bigint)
RETURNS text LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
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

-- Rows are appended only here. Each row carries the hash of the row before it: the chain head is
-- locked per append (a lock taken again by the same transaction is free), the predecessor is
-- the newest trail row (ids are drawn under that lock, so id order is chain order), and the head
-- is moved once, at commit (moving it per row made n appends in one transaction cost O(n^2)).
-- The canonical text of a row (what is hashed) is audit.canonical: the fields joined by the unit
-- separator, NULL as \N, the time in UTC with microseconds and JSON as PostgreSQL's jsonb text;
-- `lotproof audit verify` recomputes it independently.
CREATE OR REPLACE FUNCTION audit.append(p_action text, p_record_type text, p_record_id text,
                                        p_lot_id bigint, p_old jsonb, p_new jsonb, p_reason text,
                                        p_signature_id bigint)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_prev text;
    v_id bigint;
    v_at timestamptz;
    v_user text := session_user;
    v_name text;
    v_role text;
    v_workstation text;
    v_hash text;
BEGIN
    SELECT last_hash INTO STRICT v_prev FROM audit.chain_head WHERE id = 1 FOR UPDATE;
    v_at := clock_timestamp();  -- after the lock: the trail's times follow its order
    v_prev := coalesce((SELECT t.row_hash FROM audit.trail t ORDER BY t.id DESC LIMIT 1), v_prev);
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
    RETURN v_id;
END $$;

CREATE OR REPLACE FUNCTION audit.advance_head() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.id = (SELECT max(t.id) FROM audit.trail t) THEN
        UPDATE audit.chain_head SET last_id = NEW.id, last_hash = NEW.row_hash WHERE id = 1;
    END IF;
    RETURN NULL;
END $$;

-- Append-only, even for the owner: UPDATE, DELETE and TRUNCATE are refused by trigger.
CREATE OR REPLACE FUNCTION audit.refuse_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, TG_OP
        USING ERRCODE = '42501';
END $$;

-- Every change to a quality table is appended by this trigger, in the same transaction. The
-- decision functions name the action, reason and signature in transaction-local settings.
-- Trigger arguments: the key column, then columns left out of the recorded values (large bytes).
CREATE OR REPLACE FUNCTION audit.log_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_old jsonb;
    v_new jsonb;
    v_key text := TG_ARGV[0];
    v_skip text[] := TG_ARGV[1:];
    v_row jsonb;
    v_lot bigint;
    v_action text;
    v_reason text;
    v_signature bigint;
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
    v_lot := CASE WHEN TG_TABLE_NAME IN ('lots', 'stock_lot') THEN (v_row ->> 'id')::bigint  -- an ERP's lot row
                  ELSE (v_row ->> 'lot_id')::bigint END;
    SELECT c.action, c.reason, c.signature_id INTO v_action, v_reason, v_signature
    FROM audit.context c
    WHERE c.backend_pid = pg_backend_pid() AND c.xact = pg_current_xact_id()::text::bigint;
    PERFORM audit.append(
        coalesce(v_action, lower(TG_OP) || ' ' || TG_TABLE_NAME),
        TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME,
        v_row ->> v_key,
        v_lot, v_old, v_new, v_reason, v_signature);
    RETURN NULL;
END $$;

-- Sets what the audit trigger records for the rest of this transaction. It is a row only the
-- owner writes (never a session setting, which any session may set for itself), keyed by the
-- server process and stamped with the transaction, so a change made outside Lotproof's functions
-- (the ERP's, a script's) is recorded as what it is: by whom, with no action, reason or
-- signature of Lotproof's.
CREATE OR REPLACE FUNCTION quality._audit_context(p_action text, p_reason text, p_signature bigint)
RETURNS void LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO audit.context AS c (backend_pid, xact, action, reason, signature_id)
    VALUES (pg_backend_pid(), pg_current_xact_id()::text::bigint, nullif(p_action, ''),
            nullif(p_reason, ''), p_signature)
    ON CONFLICT (backend_pid) DO UPDATE SET xact = excluded.xact, action = excluded.action,
        reason = excluded.reason, signature_id = excluded.signature_id;
$$;

CREATE OR REPLACE TRIGGER trail_append_only BEFORE UPDATE OR DELETE ON audit.trail
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE OR REPLACE TRIGGER trail_no_truncate BEFORE TRUNCATE ON audit.trail
    FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
CREATE OR REPLACE TRIGGER chain_head_no_delete BEFORE DELETE ON audit.chain_head
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE OR REPLACE TRIGGER chain_head_no_truncate BEFORE TRUNCATE ON audit.chain_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
DROP TRIGGER IF EXISTS trail_advance_head ON audit.trail;
CREATE CONSTRAINT TRIGGER trail_advance_head AFTER INSERT ON audit.trail
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit.advance_head();
