-- Electronic signatures (21 CFR 11.50, 11.70, 11.100, 11.200, 11.300; EU GMP Annex 11 §14)
-- and the account rules around them: lock-out after failed attempts, forced password change
-- after an administrator's reset, password ageing.

INSERT INTO quality.settings (key, value) VALUES
    ('signature_max_connection_age_seconds', '10'),
    ('signature_max_failures', '3'),
    ('password_max_age_days', '180')
ON CONFLICT (key) DO NOTHING;

CREATE FUNCTION quality.setting(p_key text, p_default text)
RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$ SELECT coalesce((SELECT value FROM quality.settings WHERE key = p_key), p_default) $$;

-- The person behind this connection, refusing anyone who is not an active Lotproof user.
CREATE FUNCTION quality._person() RETURNS quality.users
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v quality.users;
BEGIN
    SELECT * INTO v FROM quality.users WHERE username = session_user;
    IF NOT FOUND THEN
        RAISE EXCEPTION '% is not a Lotproof user', session_user USING ERRCODE = '42501';
    END IF;
    IF NOT v.active OR v.locked_at IS NOT NULL THEN
        RAISE EXCEPTION 'the account % is locked', session_user USING ERRCODE = '42501';
    END IF;
    RETURN v;
END $$;

CREATE FUNCTION quality._require_role(p_roles text[], p_what text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM unnest(p_roles) r WHERE pg_has_role(session_user, r, 'MEMBER')) THEN
        RAISE EXCEPTION '% may not %: this needs the role %', session_user, p_what,
            array_to_string(p_roles, ' or ') USING ERRCODE = '42501';
    END IF;
END $$;

-- Sets what the audit trigger records for the rest of this transaction.
CREATE FUNCTION quality._audit_context(p_action text, p_reason text, p_signature bigint)
RETURNS void LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
    SELECT set_config('lotproof.action', coalesce(p_action, ''), true),
           set_config('lotproof.reason', coalesce(p_reason, ''), true),
           set_config('lotproof.signature_id', coalesce(p_signature::text, ''), true);
$$;

-- A signature on a record. The connection must have been authenticated moments ago with the
-- signer's password (the client opens a fresh connection for each signature), and may sign once.
CREATE FUNCTION quality._sign(p_record_type text, p_record_id bigint, p_record_hash text,
                              p_meaning text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_person quality.users := quality._person();
    v_start timestamptz;
    v_age numeric;
    v_max numeric := quality.setting('signature_max_connection_age_seconds', '10')::numeric;
    v_max_days int := quality.setting('password_max_age_days', '180')::int;
    v_at timestamptz := clock_timestamp();
    v_id bigint;
    v_workstation text := concat_ws(' ', nullif(current_setting('application_name', true), ''),
                                    host(inet_client_addr()));
BEGIN
    IF coalesce(btrim(p_meaning), '') = '' THEN
        RAISE EXCEPTION 'a signature needs a meaning (Released, Rejected, ...)' USING ERRCODE = '22023';
    END IF;
    IF v_person.must_change_password THEN
        RAISE EXCEPTION 'your password was reset by an administrator: change it before signing'
            USING ERRCODE = '28P01';
    END IF;
    IF v_person.password_changed_at < now() - make_interval(days => v_max_days) THEN
        RAISE EXCEPTION 'your password is older than % days: change it before signing', v_max_days
            USING ERRCODE = '28P01';
    END IF;
    SELECT backend_start INTO v_start FROM pg_stat_activity WHERE pid = pg_backend_pid();
    v_age := extract(epoch FROM (v_at - v_start));
    IF v_start IS NULL OR v_age > v_max THEN
        RAISE EXCEPTION 'signature refused: the connection was authenticated % s ago; signing needs the password entered just now (within % s)',
            round(coalesce(v_age, -1), 1), v_max USING ERRCODE = '28000';
    END IF;
    IF EXISTS (SELECT 1 FROM quality.signatures WHERE backend_pid = pg_backend_pid()
                                                  AND backend_start = v_start) THEN
        RAISE EXCEPTION 'signature refused: this authentication was already used for a signature'
            USING ERRCODE = '28000';
    END IF;
    v_id := nextval(pg_get_serial_sequence('quality.signatures', 'id'));
    PERFORM quality._audit_context('signature.sign', p_meaning, v_id);
    INSERT INTO quality.signatures (id, record_type, record_id, record_hash, meaning, username,
                                    printed_name, role, signed_at, backend_pid, backend_start,
                                    workstation, signature_hash)
    VALUES (v_id, p_record_type, p_record_id, p_record_hash, btrim(p_meaning), v_person.username,
            v_person.printed_name, v_person.role, v_at, pg_backend_pid(), v_start, v_workstation,
            encode(sha256(convert_to(concat_ws(chr(31), v_id::text, p_record_type,
                p_record_id::text, p_record_hash, btrim(p_meaning), v_person.username,
                v_person.printed_name, v_person.role,
                to_char(v_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), 'UTF8')), 'hex'));
    UPDATE quality.users SET failed_signatures = 0
    WHERE username = v_person.username AND failed_signatures <> 0;
    RETURN v_id;
END $$;

-- A failed signature attempt (wrong password at the signing prompt), reported by the person's
-- own session. After too many in a row the account is locked and administrators are alerted.
CREATE FUNCTION quality.record_signature_failure() RETURNS int
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_count int;
    v_max int := quality.setting('signature_max_failures', '3')::int;
BEGIN
    PERFORM quality._audit_context('signature.failed', 'wrong password at the signing prompt', NULL);
    UPDATE quality.users SET failed_signatures = failed_signatures + 1
    WHERE username = session_user RETURNING failed_signatures INTO v_count;
    IF v_count IS NULL THEN
        RAISE EXCEPTION '% is not a Lotproof user', session_user USING ERRCODE = '42501';
    END IF;
    IF v_count >= v_max THEN
        PERFORM quality._audit_context('user.lock', format('%s failed signature attempts in a row', v_count), NULL);
        EXECUTE format('ALTER ROLE %I NOLOGIN', session_user);
        UPDATE quality.users SET locked_at = clock_timestamp() WHERE username = session_user;
        INSERT INTO quality.alerts (kind, username, message)
        VALUES ('account_locked', session_user,
                format('%s was locked after %s failed signature attempts in a row', session_user, v_count));
    END IF;
    RETURN v_count;
END $$;

CREATE FUNCTION quality.reset_password(p_username text, p_password_verifier text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
BEGIN
    PERFORM quality._require_role(ARRAY['lotproof_admin'], 'reset passwords');
    IF NOT EXISTS (SELECT 1 FROM quality.users WHERE username = p_username) THEN
        RAISE EXCEPTION 'no user %', p_username USING ERRCODE = '22023';
    END IF;
    PERFORM quality._audit_context('user.reset_password', 'administrator reset; change required', NULL);
    EXECUTE format('ALTER ROLE %I LOGIN PASSWORD %L', p_username, p_password_verifier);
    UPDATE quality.users SET must_change_password = true, locked_at = NULL, failed_signatures = 0,
                             password_changed_at = clock_timestamp()
    WHERE username = p_username;
END $$;

CREATE FUNCTION quality.change_password(p_password_verifier text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
BEGIN
    PERFORM quality._person();
    PERFORM quality._audit_context('user.change_password', NULL, NULL);
    EXECUTE format('ALTER ROLE %I PASSWORD %L', session_user, p_password_verifier);
    UPDATE quality.users SET must_change_password = false, password_changed_at = clock_timestamp()
    WHERE username = session_user;
END $$;

CREATE FUNCTION quality.unlock_user(p_username text, p_reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
BEGIN
    PERFORM quality._require_role(ARRAY['lotproof_admin'], 'unlock accounts');
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'unlocking an account needs a reason' USING ERRCODE = '22023';
    END IF;
    PERFORM quality._audit_context('user.unlock', p_reason, NULL);
    EXECUTE format('ALTER ROLE %I LOGIN', p_username);
    UPDATE quality.users SET locked_at = NULL, failed_signatures = 0 WHERE username = p_username;
END $$;

CREATE FUNCTION quality.set_user_role(p_username text, p_role text, p_reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_old text;
BEGIN
    PERFORM quality._require_role(ARRAY['lotproof_admin'], 'change roles');
    SELECT role INTO v_old FROM quality.users WHERE username = p_username;
    IF v_old IS NULL THEN
        RAISE EXCEPTION 'no user %', p_username USING ERRCODE = '22023';
    END IF;
    IF p_role NOT IN ('lotproof_inspector', 'lotproof_approver', 'lotproof_compliance',
                      'lotproof_admin', 'lotproof_auditor') THEN
        RAISE EXCEPTION 'unknown role %', p_role USING ERRCODE = '22023';
    END IF;
    PERFORM quality._audit_context('user.role', p_reason, NULL);
    EXECUTE format('REVOKE %I FROM %I', v_old, p_username);
    EXECUTE format('GRANT %I TO %I', p_role, p_username);
    UPDATE quality.users SET role = p_role WHERE username = p_username;
END $$;

-- Creating a user is audited now too (the function from the first migration, redefined).
CREATE OR REPLACE FUNCTION quality.create_user(p_username text, p_printed_name text, p_role text,
                                               p_password_verifier text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, quality
AS $$
BEGIN
    IF NOT (pg_has_role(session_user, 'lotproof_admin', 'MEMBER')
            OR (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = session_user)) THEN
        RAISE EXCEPTION 'only an administrator may add users' USING ERRCODE = '42501';
    END IF;
    IF p_role NOT IN ('lotproof_inspector', 'lotproof_approver', 'lotproof_compliance',
                      'lotproof_admin', 'lotproof_auditor') THEN
        RAISE EXCEPTION 'unknown role %', p_role USING ERRCODE = '22023';
    END IF;
    IF p_username !~ '^[a-z][a-z0-9_.-]{1,62}$' THEN
        RAISE EXCEPTION 'user name % is not allowed: use 2-63 lower-case letters, digits, ".", "_" or "-", starting with a letter', p_username
            USING ERRCODE = '22023';
    END IF;
    IF coalesce(btrim(p_printed_name), '') = '' THEN
        RAISE EXCEPTION 'a printed name is required' USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT 1 FROM quality.users WHERE username = p_username)
       OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_username) THEN
        RAISE EXCEPTION 'user name % is taken or was used before; user names are never reused', p_username
            USING ERRCODE = '23505';
    END IF;
    PERFORM quality._audit_context('user.create', NULL, NULL);
    EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE %I', p_username, p_password_verifier, p_role);
    INSERT INTO quality.users (username, printed_name, role, created_by)
    VALUES (p_username, btrim(p_printed_name), p_role, session_user);
END $$;

-- A signature stays valid while the record it signed is unchanged and the signature row itself
-- is as it was written.
CREATE FUNCTION quality.signature_valid(p_signature_id bigint) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    s quality.signatures;
BEGIN
    SELECT * INTO s FROM quality.signatures WHERE id = p_signature_id;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF s.signature_hash <> encode(sha256(convert_to(concat_ws(chr(31), s.id::text,
            s.record_type, s.record_id::text, s.record_hash, s.meaning, s.username,
            s.printed_name, s.role,
            to_char(s.signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), 'UTF8')), 'hex') THEN
        RETURN false;
    END IF;
    IF s.record_type = 'lot_decision' THEN
        RETURN s.record_hash = quality.decision_digest(s.record_id);
    END IF;
    RETURN false;
END $$;

CREATE TRIGGER signatures_never_change BEFORE UPDATE OR DELETE ON quality.signatures
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER signatures_no_truncate BEFORE TRUNCATE ON quality.signatures
    FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER users_never_deleted BEFORE DELETE ON quality.users
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
