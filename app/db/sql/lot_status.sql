-- The lot status machine and the decisions that move a lot through it.
--
-- requires: audit_trail, lots

-- What a signature on a decision signs: the decision as it was made.
CREATE OR REPLACE FUNCTION quality.decision_digest(p_id bigint) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT encode(sha256(convert_to(concat_ws(chr(31), d.id::text, l.lot_code, d.action,
               d.from_status, d.to_status, coalesce(d.disposition, '\N'),
               coalesce(d.reason, '\N'), coalesce(d.override_justification, '\N'),
               array_to_string(d.blockers, chr(30)), d.created_by,
               to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')),
           'UTF8')), 'hex')
    FROM quality.lot_decisions d JOIN quality.lots l ON l.id = d.lot_id
    WHERE d.id = p_id
$$;

-- The lot, locked for the decision, as the deciding screen showed it (or a clear refusal).
CREATE OR REPLACE FUNCTION quality._lock_lot(p_lot text, p_expected_status text) RETURNS quality.lots
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v quality.lots;
    v_by text;
    v_at timestamptz;
BEGIN
    IF p_expected_status IS NULL THEN  -- a decision is made on what a screen showed
        RAISE EXCEPTION 'say which status of lot % the decision was made on', p_lot
            USING ERRCODE = 'LP422';
    END IF;
    -- Lotproof's state of the lot is what a decision locks (never the ERP's row), then the lot
    -- is read as it stands once the lock is held.
    PERFORM 1 FROM quality.lot_state s WHERE s.lot_id = (SELECT l.id FROM erp.lots l
                                                        WHERE l.lot_code = p_lot)
    FOR NO KEY UPDATE;
    SELECT * INTO v FROM quality.lots WHERE lot_code = p_lot;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no lot %', p_lot USING ERRCODE = 'LP404';
    END IF;
    IF v.status <> p_expected_status THEN
        SELECT coalesce(u.printed_name, s.updated_by), s.updated_at INTO v_by, v_at
        FROM quality.lot_state s LEFT JOIN quality.users u ON u.username = s.updated_by
        WHERE s.lot_id = v.id;
        RAISE EXCEPTION 'lot % is now % (changed by % at %); nothing was changed — look again and decide',
            p_lot, replace(v.status, '_', ' '), coalesce(v_by, 'the ERP'),
            coalesce(to_char(v_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"'), 'an earlier time')
            USING ERRCODE = 'LP409';
    END IF;
    RETURN v;
END $$;

CREATE OR REPLACE FUNCTION quality._transition(p_action text, p_from text, p_to text)
RETURNS quality.lot_status_transitions
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t quality.lot_status_transitions;
BEGIN
    SELECT * INTO t FROM quality.lot_status_transitions
    WHERE action = p_action AND from_status = p_from AND to_status = p_to;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'a lot that is % cannot be moved to % by %', replace(p_from, '_', ' '),
            replace(p_to, '_', ' '), replace(p_action, '_', ' ') USING ERRCODE = 'LP403';
    END IF;
    IF cardinality(t.roles) > 0 THEN
        PERFORM quality._require_role(t.roles, replace(p_action, '_', ' ') || ' lots');
    END IF;
    RETURN t;
END $$;

-- Every decision records the rules in force; every status change brings the lot's exceptions
-- up to date in the same transaction (acting on a lot closes what it resolved).
CREATE OR REPLACE FUNCTION quality._new_decision(p_lot quality.lots, p_action text, p_to text,
                                                 p_disposition text, p_reason text,
                                                 p_override text, p_blockers text[],
                                                 p_state text, p_signatures int, p_recall bigint)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint;
BEGIN
    INSERT INTO quality.lot_decisions (lot_id, action, from_status, to_status, disposition,
                                       reason, override_justification, blockers, state,
                                       signatures_required, recall_id, created_at, created_by,
                                       completed_at, rule_versions)
    VALUES (p_lot.id, p_action, p_lot.status, p_to, p_disposition, nullif(btrim(p_reason), ''),
            nullif(btrim(p_override), ''), coalesce(p_blockers, '{}'), p_state, p_signatures,
            p_recall, clock_timestamp(), session_user,
            CASE WHEN p_state = 'done' THEN clock_timestamp() END,
            quality.rule_versions_for(p_lot.id))
    RETURNING id INTO v_id;
    RETURN v_id;
END $$;

-- Moves the lot: its Lotproof state, which no ERP may write.
CREATE OR REPLACE FUNCTION quality._set_status(p_lot_id bigint, p_to text, p_hold_kind text,
                                               p_recall bigint, p_released boolean)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_from text;
BEGIN
    SELECT status INTO v_from FROM quality.lot_state WHERE lot_id = p_lot_id;
    IF p_to = 'available' THEN  -- a recalled lot released by compliance is no longer held by it
        UPDATE quality.recall_lots SET held = false WHERE lot_id = p_lot_id AND held;
    END IF;
    INSERT INTO quality.lot_state AS s (lot_id, status, version, hold_kind, recall_id,
                                        status_before_hold, released_once, updated_at, updated_by)
    VALUES (p_lot_id, p_to, 1, CASE WHEN p_to = 'hold' THEN p_hold_kind END,
            CASE WHEN p_to = 'hold' THEN p_recall END,
            CASE WHEN p_to = 'hold' THEN v_from END, coalesce(p_released, false),
            clock_timestamp(), session_user)
    ON CONFLICT (lot_id) DO UPDATE SET
        status = excluded.status,
        version = s.version + 1,
        hold_kind = excluded.hold_kind,
        recall_id = excluded.recall_id,
        status_before_hold = excluded.status_before_hold,
        released_once = s.released_once OR excluded.released_once,
        updated_at = excluded.updated_at,
        updated_by = excluded.updated_by;
    PERFORM quality._refresh_exceptions(ARRAY[p_lot_id]);
END $$;

-- A lot in a recall that is not closed becomes available only by a compliance officer, however
-- it is asked for: a release, or a "use as is" disposition after a rejection.
CREATE OR REPLACE FUNCTION quality._recall_guard(p_lot quality.lots, p_what text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_recall text;
BEGIN
    SELECT r.number INTO v_recall FROM quality.recall_lots rl
    JOIN quality.recalls r ON r.id = rl.recall_id
    WHERE rl.lot_id = p_lot.id AND NOT r.is_mock AND r.state <> 'closed'
    ORDER BY r.id LIMIT 1;
    IF v_recall IS NULL AND p_lot.status = 'hold' THEN  -- held by a recall, whatever its state
        SELECT coalesce(r.number, 'a recall') INTO v_recall FROM quality.lot_state s
        LEFT JOIN quality.recalls r ON r.id = s.recall_id
        WHERE s.lot_id = p_lot.id AND s.hold_kind = 'recall';
    END IF;
    IF v_recall IS NOT NULL AND NOT pg_has_role(session_user, 'lotproof_compliance', 'MEMBER') THEN
        RAISE EXCEPTION '% may not %: lot % is in recall %, and only a compliance officer decides on it',
            session_user, p_what, p_lot.lot_code, v_recall USING ERRCODE = '42501';
    END IF;
END $$;

CREATE OR REPLACE FUNCTION quality.hold_lot(p_lot text, p_reason text, p_expected_status text,
                                 p_meaning text DEFAULT 'Placed on hold')
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v quality.lots;
    d bigint;
    s bigint;
BEGIN
    PERFORM quality._person();
    v := quality._lock_lot(p_lot, p_expected_status);
    PERFORM quality._transition('hold', v.status, 'hold');
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'a hold needs a reason' USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('lot.hold', p_reason, NULL);
    d := quality._new_decision(v, 'hold', 'hold', NULL, p_reason, NULL, NULL, 'done', 1, NULL);
    s := quality._signature_for(d, p_meaning);
    PERFORM quality._audit_context('lot.hold', p_reason, s);
    PERFORM quality._set_status(v.id, 'hold', 'manual', NULL, false);
    RETURN d;
END $$;

CREATE OR REPLACE FUNCTION quality.release_lot(p_lot text, p_reason text, p_expected_status text,
                                    p_override_justification text DEFAULT NULL,
                                    p_meaning text DEFAULT 'Released')
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v quality.lots;
    t quality.lot_status_transitions;
    blockers text[] := '{}';
    d bigint;
    s bigint;
BEGIN
    PERFORM quality._person();
    v := quality._lock_lot(p_lot, p_expected_status);
    t := quality._transition('release', v.status, 'available');
    PERFORM quality._recall_guard(v, 'lift a hold placed by a recall');
    IF v.expiry_date < quality.today() THEN
        RAISE EXCEPTION 'lot % expired on %: it cannot be released', p_lot, v.expiry_date
            USING ERRCODE = 'LP422';
    END IF;
    IF t.needs_reason AND coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'lifting a hold needs a reason' USING ERRCODE = 'LP422';
    END IF;
    blockers := quality.release_blockers(v.id);
    IF cardinality(blockers) > 0 AND coalesce(btrim(p_override_justification), '') = '' THEN
        RAISE EXCEPTION 'lot % cannot be released: %', p_lot, array_to_string(blockers, '; ')
            USING ERRCODE = 'LP422',
                  HINT = 'release with an override: a written justification and a compliance officer''s second signature';
    END IF;
    PERFORM quality._audit_context('lot.release', p_reason, NULL);
    IF cardinality(blockers) > 0 THEN
        d := quality._new_decision(v, 'release', 'available', NULL, p_reason,
                                   p_override_justification, blockers, 'pending', 2, NULL);
        s := quality._signature_for(d, p_meaning);
        RETURN jsonb_build_object('decision_id', d, 'state', 'pending', 'blockers', to_jsonb(blockers));
    END IF;
    d := quality._new_decision(v, 'release', 'available', NULL, p_reason, NULL, NULL, 'done', 1, NULL);
    s := quality._signature_for(d, p_meaning);
    PERFORM quality._audit_context('lot.release', p_reason, s);
    PERFORM quality._set_status(v.id, 'available', NULL, NULL, true);
    RETURN jsonb_build_object('decision_id', d, 'state', 'done', 'blockers', '[]'::jsonb);
END $$;

CREATE OR REPLACE FUNCTION quality.reject_lot(p_lot text, p_reason text, p_expected_status text,
                                   p_meaning text DEFAULT 'Rejected')
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v quality.lots;
    d bigint;
    s bigint;
BEGIN
    PERFORM quality._person();
    v := quality._lock_lot(p_lot, p_expected_status);
    PERFORM quality._transition('reject', v.status, 'rejected');
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'a rejection needs a reason' USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('lot.reject', p_reason, NULL);
    d := quality._new_decision(v, 'reject', 'rejected', NULL, p_reason, NULL, NULL, 'done', 1, NULL);
    s := quality._signature_for(d, p_meaning);
    PERFORM quality._audit_context('lot.reject', p_reason, s);
    PERFORM quality._set_status(v.id, 'rejected', NULL, NULL, false);
    RETURN d;
END $$;

CREATE OR REPLACE FUNCTION quality.propose_disposition(p_lot text, p_disposition text, p_reason text,
                                            p_expected_status text,
                                            p_meaning text DEFAULT 'Disposition proposed')
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v quality.lots;
    v_to text;
    d bigint;
BEGIN
    PERFORM quality._person();
    v := quality._lock_lot(p_lot, p_expected_status);
    IF p_disposition NOT IN ('use_as_is', 'rework', 'repack', 'return_to_vendor', 'scrap') THEN
        RAISE EXCEPTION 'unknown disposition %; choose use as is, rework, repack, return to vendor or scrap',
            p_disposition USING ERRCODE = 'LP422';
    END IF;
    v_to := CASE p_disposition WHEN 'use_as_is' THEN 'available' ELSE p_disposition END;
    PERFORM quality._transition('disposition', v.status, v_to);
    IF v_to = 'available' THEN
        PERFORM quality._recall_guard(v, 'use a recalled lot as is');
        IF v.expiry_date < quality.today() THEN
            RAISE EXCEPTION 'lot % expired on %: it cannot be used as is', p_lot, v.expiry_date
                USING ERRCODE = 'LP422';
        END IF;
    END IF;
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'a disposition needs a reason' USING ERRCODE = 'LP422';
    END IF;
    IF EXISTS (SELECT 1 FROM quality.lot_decisions WHERE lot_id = v.id AND state = 'pending') THEN
        RAISE EXCEPTION 'lot % already has a decision waiting for a second signature', p_lot
            USING ERRCODE = 'LP409';
    END IF;
    PERFORM quality._audit_context('lot.disposition.propose', p_reason, NULL);
    d := quality._new_decision(v, 'disposition', v_to, p_disposition, p_reason, NULL, NULL,
                               'pending', 2, NULL);
    PERFORM quality._signature_for(d, p_meaning);
    RETURN d;
END $$;

-- The second signature of a two-person decision: a disposition, or a release with override.
CREATE OR REPLACE FUNCTION quality.approve_decision(p_decision_id bigint, p_meaning text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dd quality.lot_decisions;
    v quality.lots;
    v_code text;
    s bigint;
BEGIN
    PERFORM quality._person();
    SELECT * INTO dd FROM quality.lot_decisions WHERE id = p_decision_id FOR UPDATE;
    IF NOT FOUND OR dd.state <> 'pending' THEN
        RAISE EXCEPTION 'decision % is not waiting for a signature', p_decision_id USING ERRCODE = 'LP409';
    END IF;
    SELECT lot_code INTO v_code FROM quality.lots WHERE id = dd.lot_id;
    v := quality._lock_lot(v_code, dd.from_status);
    IF dd.action = 'release' THEN
        PERFORM quality._require_role('{lotproof_compliance}', 'approve a release override');
    ELSE
        PERFORM quality._transition(dd.action, dd.from_status, dd.to_status);
    END IF;
    IF dd.to_status = 'available' THEN
        PERFORM quality._recall_guard(v, 'make a recalled lot available');
        IF v.expiry_date < quality.today() THEN
            RAISE EXCEPTION 'lot % expired on %: it cannot be made available', v.lot_code,
                v.expiry_date USING ERRCODE = 'LP422';
        END IF;
    END IF;
    IF EXISTS (SELECT 1 FROM quality.signatures WHERE record_type = 'lot_decision'
                 AND record_id = dd.id AND username = session_user) THEN
        RAISE EXCEPTION 'the second signature must come from another person' USING ERRCODE = 'LP403';
    END IF;
    PERFORM quality._audit_context('lot.' || dd.action || '.approve', dd.reason, NULL);
    s := quality._signature_for(dd.id, coalesce(p_meaning,
            CASE WHEN dd.action = 'release' THEN 'Override approved' ELSE 'Disposition approved' END));
    PERFORM quality._audit_context('lot.' || dd.action || '.approve', dd.reason, s);
    UPDATE quality.lot_decisions SET state = 'done', completed_at = clock_timestamp() WHERE id = dd.id;
    PERFORM quality._set_status(v.id, dd.to_status, NULL, NULL, dd.to_status = 'available');
    RETURN jsonb_build_object('decision_id', dd.id, 'state', 'done', 'status', dd.to_status);
END $$;

CREATE OR REPLACE FUNCTION quality.cancel_decision(p_decision_id bigint, p_reason text,
                                        p_meaning text DEFAULT 'Cancelled')
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dd quality.lot_decisions;
    s bigint;
BEGIN
    PERFORM quality._person();
    SELECT * INTO dd FROM quality.lot_decisions WHERE id = p_decision_id FOR UPDATE;
    IF NOT FOUND OR dd.state <> 'pending' THEN
        RAISE EXCEPTION 'decision % is not waiting for a signature', p_decision_id USING ERRCODE = 'LP409';
    END IF;
    IF dd.created_by <> session_user THEN
        PERFORM quality._require_role('{lotproof_compliance}', 'cancel another person''s decision');
    END IF;
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'cancelling needs a reason' USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('lot.decision.cancel', p_reason, NULL);
    s := quality._signature_for(dd.id, p_meaning);
    PERFORM quality._audit_context('lot.decision.cancel', p_reason, s);
    UPDATE quality.lot_decisions SET state = 'cancelled', completed_at = clock_timestamp()
    WHERE id = dd.id;
END $$;

-- Today for decisions: the server's clock in the company's time zone (a setting only the owner
-- writes), never the caller's date or the session's TimeZone, which every session may change.
CREATE OR REPLACE FUNCTION quality.today() RETURNS date
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT (clock_timestamp() AT TIME ZONE quality.setting('time_zone', 'UTC'))::date $$;

-- Called by the workstation and by a scheduler; setting a lot expired twice does nothing.
CREATE OR REPLACE FUNCTION quality.expire_lots() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v quality.lots;
    v_id bigint;
    n integer := 0;
BEGIN
    IF NOT quality._is_installer() THEN  -- the owner's scheduler, or a person of a deciding group
        PERFORM quality._person();
        PERFORM quality._require_role(
            '{lotproof_inspector,lotproof_approver,lotproof_compliance,lotproof_admin}',
            'run the expiry check');
    END IF;
    PERFORM quality._audit_context('lot.expire', 'expiry date passed', NULL);
    FOR v_id IN SELECT s.lot_id FROM quality.lot_state s JOIN erp.lots e ON e.id = s.lot_id
             JOIN quality.lot_status_transitions t
               ON t.action = 'expire' AND t.from_status = s.status AND t.to_status = 'expired'
             WHERE e.expiry_date < quality.today()
             ORDER BY s.lot_id FOR NO KEY UPDATE OF s SKIP LOCKED LOOP
        SELECT * INTO v FROM quality.lots WHERE id = v_id;
        PERFORM quality._new_decision(v, 'expire', 'expired', NULL, 'expiry date passed', NULL,
                                      NULL, 'done', 0, NULL);
        PERFORM quality._set_status(v.id, 'expired', NULL, NULL, false);
        n := n + 1;
    END LOOP;
    RETURN n;
END $$;

-- A lot's status moves only through the decision functions above (they run as the schema
-- owner; nobody else is), not by a table update of anyone else's, a superuser's included.
CREATE OR REPLACE FUNCTION quality.guard_lot_status() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status AND current_user <> (
            SELECT pg_get_userbyid(n.nspowner) FROM pg_namespace n WHERE n.nspname = 'quality') THEN
        RAISE EXCEPTION 'the status of lot % changes only through Lotproof''s quality decisions',
            coalesce((SELECT lot_code FROM erp.lots WHERE id = OLD.lot_id), OLD.lot_id::text)
            USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER lot_status_guard BEFORE UPDATE OF status ON quality.lot_state
    FOR EACH ROW EXECUTE FUNCTION quality.guard_lot_status();
CREATE OR REPLACE TRIGGER transitions_fixed BEFORE UPDATE OR DELETE ON quality.lot_status_transitions
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE OR REPLACE TRIGGER audit_lot_state AFTER INSERT OR UPDATE OR DELETE ON quality.lot_state
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('lot_id');
CREATE OR REPLACE TRIGGER audit_lot_decisions AFTER INSERT OR UPDATE OR DELETE ON quality.lot_decisions
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
GRANT EXECUTE ON FUNCTION
    quality.decision_digest(bigint),
    quality.today()
TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
GRANT EXECUTE ON FUNCTION
    quality.hold_lot(text, text, text, text),
    quality.expire_lots()
TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin;
GRANT EXECUTE ON FUNCTION
    quality.release_lot(text, text, text, text, text),
    quality.reject_lot(text, text, text, text),
    quality.propose_disposition(text, text, text, text, text),
    quality.approve_decision(bigint, text),
    quality.cancel_decision(bigint, text, text)
TO lotproof_approver, lotproof_compliance;
