-- Electronic signatures (21 CFR 11.50, 11.70, 11.100, 11.200, 11.300; EU GMP Annex 11 §14).
--
-- requires: audit_trail

-- A signature on a record. The connection must have been authenticated moments ago with the
-- signer's password (the client opens a fresh connection for each signature), and may sign once.
CREATE OR REPLACE FUNCTION quality._sign(p_record_type text, p_record_id bigint, p_record_hash text,
                              p_meaning text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
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
    -- An administrator knew the password they set: the person signs once they have set their
    -- own and someone else has checked who they are (21 CFR 11.100(b), 11.300).
    IF v_person.password_set_at IS NOT NULL AND (v_person.identity_verified_at IS NULL
            OR v_person.identity_verified_at < v_person.password_set_at) THEN
        RAISE EXCEPTION 'your identity has not been confirmed since % set your password: a compliance officer or another administrator confirms it before you sign',
            coalesce((SELECT u.printed_name FROM quality.users u WHERE u.username = v_person.password_set_by),
                     v_person.password_set_by) USING ERRCODE = '28P01';
    END IF;
    IF v_person.password_changed_at < now() - make_interval(days => v_max_days) THEN
        RAISE EXCEPTION 'your password is older than % days: change it before signing', v_max_days
            USING ERRCODE = '28P01';
    END IF;
    -- The role the connection authenticated as: SET SESSION AUTHORIZATION (a superuser's
    -- privilege) changes session_user, not this.
    IF (SELECT usename FROM pg_stat_activity WHERE pid = pg_backend_pid()) IS DISTINCT FROM session_user THEN
        RAISE EXCEPTION 'signature refused: this connection was not authenticated as %', session_user
            USING ERRCODE = '28000';
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

-- A signature stays valid while the record it signed is unchanged and the signature row itself
-- is as it was written.
CREATE OR REPLACE FUNCTION quality.signature_valid(p_signature_id bigint) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
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
    ELSIF s.record_type = 'recall' THEN
        RETURN s.record_hash = quality.recall_digest(s.record_id);
    ELSIF s.record_type = 'inspection' THEN
        RETURN s.record_hash = quality.inspection_digest(s.record_id);
    ELSIF s.record_type = 'ncr' THEN
        RETURN s.record_hash = quality.ncr_digest(s.record_id);
    ELSIF s.record_type = 'capa' THEN
        RETURN s.record_hash = quality.capa_digest(s.record_id);
    ELSIF s.record_type = 'relabel' THEN
        RETURN s.record_hash = quality.relabel_digest(s.record_id);
    END IF;
    RETURN false;
END $$;

CREATE OR REPLACE FUNCTION quality._signature_for(p_decision bigint, p_meaning text) RETURNS bigint
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT quality._sign('lot_decision', p_decision, quality.decision_digest(p_decision), p_meaning) $$;

CREATE OR REPLACE TRIGGER signatures_never_change BEFORE UPDATE OR DELETE ON quality.signatures
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE OR REPLACE TRIGGER signatures_no_truncate BEFORE TRUNCATE ON quality.signatures
    FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
CREATE OR REPLACE TRIGGER audit_signatures AFTER INSERT ON quality.signatures
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');

GRANT EXECUTE ON FUNCTION
    quality.signature_valid(bigint)
TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
