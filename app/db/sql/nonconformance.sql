-- Nonconformance reports, CAPAs and supplier corrective action requests. Every move is looked up
-- in quality.qm_transitions (the status machines, data like the lot's), checks the role, the
-- state and what the move needs, and writes the audit trail in the same transaction.
--
-- requires: audit_trail, lots, rules, signatures

-- ---------------------------------------------------------------- the status machines
-- The move `action` makes from `p_from` for a record kind (or a refusal that says why).
CREATE OR REPLACE FUNCTION quality._qm_move(p_kind text, p_action text, p_from text)
RETURNS quality.qm_transitions
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t quality.qm_transitions;
BEGIN
    SELECT * INTO t FROM quality.qm_transitions
    WHERE record_kind = p_kind AND action = p_action AND from_status = p_from;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'a% % that is % cannot be moved by %',
            CASE WHEN p_kind = 'ncr' THEN 'n' ELSE '' END, upper(p_kind), replace(p_from, '_', ' '),
            replace(p_action, '_', ' ') USING ERRCODE = 'LP409';
    END IF;
    PERFORM quality._require_role(t.roles, replace(p_action, '_', ' ') || ' ' || upper(p_kind) || 's');
    RETURN t;
END $$;

CREATE OR REPLACE FUNCTION quality._text_needed(p_value text, p_what text) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF coalesce(btrim(p_value), '') = '' THEN
        RAISE EXCEPTION '% is needed', p_what USING ERRCODE = 'LP422';
    END IF;
    RETURN btrim(p_value);
END $$;

-- A Lotproof person who may own work (an action, a CAPA): active, in a deciding role.
CREATE OR REPLACE FUNCTION quality._owner(p_username text) RETURNS quality.users
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    u quality.users;
BEGIN
    SELECT * INTO u FROM quality.users WHERE username = p_username;
    IF u.username IS NULL OR NOT u.active THEN
        RAISE EXCEPTION '% is not an active Lotproof user', coalesce(p_username, 'nobody')
            USING ERRCODE = 'LP422';
    END IF;
    IF u.role NOT IN ('lotproof_inspector', 'lotproof_approver', 'lotproof_compliance') THEN
        RAISE EXCEPTION '% (%) cannot own quality work', u.printed_name,
            replace(u.role, 'lotproof_', '') USING ERRCODE = 'LP422';
    END IF;
    RETURN u;
END $$;

-- ---------------------------------------------------------------- nonconformance reports
-- The NCR's lots, each with the hold that contains it when it is on hold.
CREATE OR REPLACE FUNCTION quality._ncr_link_lots(p_ncr_id bigint, p_lot_ids bigint[]) RETURNS void
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO quality.ncr_lots (ncr_id, lot_id, hold_decision_id)
    SELECT p_ncr_id, l.id,
           (SELECT d.id FROM quality.lot_decisions d
            WHERE d.lot_id = l.id AND d.to_status = 'hold' AND d.state = 'done' AND l.status = 'hold'
            ORDER BY d.completed_at DESC NULLS LAST, d.id DESC LIMIT 1)
    FROM quality.lots l WHERE l.id = ANY(p_lot_ids)
    ON CONFLICT (ncr_id, lot_id) DO UPDATE
        SET hold_decision_id = coalesce(EXCLUDED.hold_decision_id, quality.ncr_lots.hold_decision_id)
$$;

-- Opens an NCR without the caller's role check: the inspection and spec rules call it.
CREATE OR REPLACE FUNCTION quality._open_ncr(p_source text, p_source_ref text, p_lot_ids bigint[],
                                             p_item_id integer, p_supplier_id integer,
                                             p_severity text, p_title text, p_found text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint;
    v_item integer := p_item_id;
    v_supplier integer := p_supplier_id;
BEGIN
    IF v_item IS NULL OR v_supplier IS NULL THEN
        SELECT coalesce(v_item, l.item_id), coalesce(v_supplier, l.supplier_id) INTO v_item, v_supplier
        FROM quality.lots l WHERE l.id = p_lot_ids[1];
    END IF;
    PERFORM quality._audit_context('ncr.open', p_title, NULL);
    INSERT INTO quality.ncrs (source, source_ref, item_id, supplier_id, severity, title, found,
                              status, owner, opened_by, opened_at)
    VALUES (p_source, p_source_ref, v_item, v_supplier, p_severity,
            quality._text_needed(p_title, 'a title saying what is nonconforming'),
            quality._text_needed(p_found, 'what was found'), 'open', session_user, session_user,
            clock_timestamp())
    RETURNING id INTO v_id;
    IF cardinality(p_lot_ids) > 0 THEN
        PERFORM quality._ncr_link_lots(v_id, p_lot_ids);
    END IF;
    RETURN v_id;
END $$;

-- An NCR opened by a person: from an out-of-spec result, a failed inspection, a quality event,
-- a complaint, a return, or by hand. Lots by code; item and supplier default to the first lot's.
CREATE OR REPLACE FUNCTION quality.open_ncr(p_source text, p_source_ref text, p_lot_codes text[],
                                            p_severity text, p_title text, p_found text,
                                            p_item_id integer DEFAULT NULL,
                                            p_supplier_id integer DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_lots bigint[];
    v_missing text;
BEGIN
    PERFORM quality._person();
    PERFORM quality._require_role('{lotproof_inspector,lotproof_approver,lotproof_compliance}',
                                  'open nonconformance reports');
    IF p_source NOT IN ('out_of_spec', 'inspection', 'quality_event', 'complaint', 'return', 'manual') THEN
        RAISE EXCEPTION 'an NCR comes from an out-of-spec result, an inspection, a quality event, a complaint, a return or is opened by hand (manual), not %',
            coalesce(p_source, 'nothing') USING ERRCODE = 'LP422';
    END IF;
    IF p_severity NOT IN ('minor', 'major', 'critical') OR p_severity IS NULL THEN
        RAISE EXCEPTION 'say how severe the nonconformance is: minor, major or critical' USING ERRCODE = 'LP422';
    END IF;
    SELECT string_agg(c, ', ') INTO v_missing FROM unnest(p_lot_codes) c
    WHERE NOT EXISTS (SELECT 1 FROM quality.lots l WHERE l.lot_code = c);
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'no lot %', v_missing USING ERRCODE = 'LP404';
    END IF;
    v_lots := ARRAY(SELECT l.id FROM unnest(p_lot_codes) WITH ORDINALITY c(code, n)
                    JOIN quality.lots l ON l.lot_code = c.code ORDER BY c.n);
    IF cardinality(v_lots) = 0 AND p_item_id IS NULL AND p_supplier_id IS NULL THEN
        RAISE EXCEPTION 'an NCR names the lots, the item or the supplier it is about' USING ERRCODE = 'LP422';
    END IF;
    RETURN quality._open_ncr(p_source, nullif(btrim(p_source_ref), ''), v_lots, p_item_id,
                             p_supplier_id, p_severity, p_title, p_found);
END $$;

CREATE OR REPLACE FUNCTION quality._lock_ncr(p_ncr_id bigint, p_action text) RETURNS quality.ncrs
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n quality.ncrs;
BEGIN
    PERFORM quality._person();
    SELECT * INTO n FROM quality.ncrs WHERE id = p_ncr_id FOR UPDATE;
    IF n.id IS NULL THEN
        RAISE EXCEPTION 'no NCR %', p_ncr_id USING ERRCODE = 'LP404';
    END IF;
    PERFORM quality._qm_move('ncr', p_action, n.status);
    RETURN n;
END $$;

-- Containment: what was done to stop the nonconforming material going further. The holds on
-- the NCR's lots are linked as they are now.
CREATE OR REPLACE FUNCTION quality.record_ncr_containment(p_ncr_id bigint, p_containment text,
                                                          p_lot_codes text[] DEFAULT '{}')
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n quality.ncrs := quality._lock_ncr(p_ncr_id, 'record_containment');
    v_lots bigint[];
BEGIN
    IF EXISTS (SELECT 1 FROM unnest(p_lot_codes) c WHERE NOT EXISTS (
                   SELECT 1 FROM quality.lots l WHERE l.lot_code = c)) THEN
        RAISE EXCEPTION 'no lot %', (SELECT string_agg(c, ', ') FROM unnest(p_lot_codes) c
                                     WHERE NOT EXISTS (SELECT 1 FROM quality.lots l WHERE l.lot_code = c))
            USING ERRCODE = 'LP404';
    END IF;
    PERFORM quality._audit_context('ncr.containment', p_containment, NULL);
    UPDATE quality.ncrs SET containment = quality._text_needed(p_containment, 'the containment done')
    WHERE id = n.id;
    v_lots := ARRAY(SELECT k.lot_id FROM quality.ncr_lots k WHERE k.ncr_id = n.id)
              || ARRAY(SELECT l.id FROM quality.lots l WHERE l.lot_code = ANY(p_lot_codes));
    PERFORM quality._ncr_link_lots(n.id, v_lots);
END $$;

-- The investigation: the root cause and the method that found it. p_detail holds the method's
-- working: {"whys": ["...", ...]} for 5 whys, {"categories": {"Material": "...", ...}} for a
-- fishbone (people, method, machine, material, measurement, environment).
CREATE OR REPLACE FUNCTION quality.record_ncr_investigation(p_ncr_id bigint, p_method text,
                                                            p_root_cause text, p_detail jsonb DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n quality.ncrs := quality._lock_ncr(p_ncr_id, 'record_investigation');
    t quality.qm_transitions := quality._qm_move('ncr', 'record_investigation', n.status);
BEGIN
    IF p_method IS NULL OR p_method NOT IN ('5_whys', 'fishbone', 'fault_tree', 'other') THEN
        RAISE EXCEPTION 'the method of the investigation is 5 whys, fishbone, fault tree or other, not %',
            coalesce(p_method, 'none') USING ERRCODE = 'LP422';
    END IF;
    IF p_method = '5_whys' AND (jsonb_typeof(p_detail -> 'whys') IS DISTINCT FROM 'array'
                                OR jsonb_array_length(p_detail -> 'whys') < 2) THEN
        RAISE EXCEPTION '5 whys: give the chain of whys (at least two) that reaches the root cause'
            USING ERRCODE = 'LP422';
    END IF;
    IF p_method = 'fishbone' AND (jsonb_typeof(p_detail -> 'categories') IS DISTINCT FROM 'object'
            OR NOT EXISTS (SELECT 1 FROM jsonb_object_keys(p_detail -> 'categories') k
                           WHERE lower(k) IN ('people', 'method', 'machine', 'material',
                                              'measurement', 'environment'))) THEN
        RAISE EXCEPTION 'fishbone: give the causes found by category (people, method, machine, material, measurement, environment)'
            USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('ncr.investigation', p_root_cause, NULL);
    UPDATE quality.ncrs SET root_cause = quality._text_needed(p_root_cause, 'the root cause'),
                            root_cause_method = p_method, root_cause_detail = p_detail,
                            status = t.to_status
    WHERE id = n.id;
END $$;

-- What becomes of the nonconforming material. The lot's own disposition stays a signed lot
-- decision (reject, then dispose with two signatures); the NCR records what was decided.
CREATE OR REPLACE FUNCTION quality.record_ncr_disposition(p_ncr_id bigint, p_disposition text,
                                                          p_note text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n quality.ncrs := quality._lock_ncr(p_ncr_id, 'record_disposition');
BEGIN
    IF p_disposition IS NULL OR p_disposition NOT IN ('use_as_is', 'rework', 'repack',
            'return_to_vendor', 'scrap', 'no_material') THEN
        RAISE EXCEPTION 'the disposition is use as is, rework, repack, return to vendor, scrap or no material left, not %',
            coalesce(p_disposition, 'none') USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('ncr.disposition', p_note, NULL);
    UPDATE quality.ncrs SET disposition = p_disposition,
                            disposition_note = quality._text_needed(p_note, 'the reason for the disposition')
    WHERE id = n.id;
END $$;

-- What a closing signature signs: the NCR as it was closed, with its lots.
CREATE OR REPLACE FUNCTION quality.ncr_digest(p_ncr_id bigint) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT encode(sha256(convert_to(concat_ws(chr(31), n.id::text, n.source, coalesce(n.source_ref, ''),
               coalesce(n.item_id::text, ''), coalesce(n.supplier_id::text, ''), n.severity, n.title,
               n.found, coalesce(n.containment, ''), coalesce(n.root_cause, ''),
               coalesce(n.root_cause_method, ''), coalesce(n.root_cause_detail::text, ''),
               coalesce(n.disposition, ''), coalesce(n.disposition_note, ''), n.opened_by,
               (SELECT string_agg(k.lot_id::text || ':' || coalesce(k.hold_decision_id::text, ''),
                                  ',' ORDER BY k.lot_id)
                FROM quality.ncr_lots k WHERE k.ncr_id = n.id)), 'UTF8')), 'hex')
    FROM quality.ncrs n WHERE n.id = p_ncr_id
$$;

-- Closing is signed by an approver or compliance officer who did not open the NCR, once the
-- root cause and the disposition are recorded.
CREATE OR REPLACE FUNCTION quality.close_ncr(p_ncr_id bigint, p_meaning text DEFAULT 'Closed')
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n quality.ncrs := quality._lock_ncr(p_ncr_id, 'close');
    t quality.qm_transitions := quality._qm_move('ncr', 'close', n.status);
    v_signature bigint;
BEGIN
    IF n.opened_by = session_user THEN
        RAISE EXCEPTION 'you opened NCR %: another person reviews and closes it', n.id
            USING ERRCODE = 'LP403';
    END IF;
    IF n.disposition IS NULL THEN
        RAISE EXCEPTION 'NCR % cannot be closed: the disposition of the material is not recorded', n.id
            USING ERRCODE = 'LP422';
    END IF;
    IF n.containment IS NULL THEN
        RAISE EXCEPTION 'NCR % cannot be closed: the containment is not recorded', n.id
            USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('ncr.close', p_meaning, NULL);
    v_signature := quality._sign('ncr', n.id, quality.ncr_digest(n.id), p_meaning);
    PERFORM quality._audit_context('ncr.close', p_meaning, v_signature);
    UPDATE quality.ncrs SET status = t.to_status, closed_by = session_user,
                            closed_at = clock_timestamp(), signature_id = v_signature
    WHERE id = n.id;
    RETURN v_signature;
END $$;

CREATE OR REPLACE FUNCTION quality.cancel_ncr(p_ncr_id bigint, p_reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n quality.ncrs := quality._lock_ncr(p_ncr_id, 'cancel');
    t quality.qm_transitions := quality._qm_move('ncr', 'cancel', n.status);
BEGIN
    PERFORM quality._audit_context('ncr.cancel', quality._text_needed(p_reason, 'a reason to cancel'), NULL);
    UPDATE quality.ncrs SET status = t.to_status, closed_by = session_user,
                            closed_at = clock_timestamp()
    WHERE id = n.id;
END $$;

-- ---------------------------------------------------------------- CAPA
CREATE OR REPLACE FUNCTION quality.open_capa(p_ncr_id bigint, p_title text, p_owner text,
                                             p_effectiveness_criteria text, p_effectiveness_due date)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint;
BEGIN
    PERFORM quality._person();
    PERFORM quality._require_role('{lotproof_approver,lotproof_compliance}', 'open CAPAs');
    IF p_ncr_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM quality.ncrs WHERE id = p_ncr_id
                                                                        AND status <> 'cancelled') THEN
        RAISE EXCEPTION 'no NCR % to correct', p_ncr_id USING ERRCODE = 'LP404';
    END IF;
    PERFORM quality._owner(p_owner);
    IF p_effectiveness_due IS NULL OR p_effectiveness_due < quality.today() THEN
        RAISE EXCEPTION 'the effectiveness check needs a due date from today on' USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('capa.open', p_title, NULL);
    INSERT INTO quality.capas (ncr_id, title, owner, status, effectiveness_criteria,
                               effectiveness_due, opened_by, opened_at)
    VALUES (p_ncr_id, quality._text_needed(p_title, 'a title'), p_owner, 'open',
            quality._text_needed(p_effectiveness_criteria, 'how effectiveness will be judged'),
            p_effectiveness_due, session_user, clock_timestamp())
    RETURNING id INTO v_id;
    RETURN v_id;
END $$;

CREATE OR REPLACE FUNCTION quality._lock_capa(p_capa_id bigint, p_action text) RETURNS quality.capas
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c quality.capas;
BEGIN
    PERFORM quality._person();
    SELECT * INTO c FROM quality.capas WHERE id = p_capa_id FOR UPDATE;
    IF c.id IS NULL THEN
        RAISE EXCEPTION 'no CAPA %', p_capa_id USING ERRCODE = 'LP404';
    END IF;
    PERFORM quality._qm_move('capa', p_action, c.status);
    RETURN c;
END $$;

CREATE OR REPLACE FUNCTION quality.add_capa_action(p_capa_id bigint, p_kind text, p_description text,
                                                   p_owner text, p_due date)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c quality.capas := quality._lock_capa(p_capa_id, 'add_action');
    v_id bigint;
BEGIN
    IF p_kind IS NULL OR p_kind NOT IN ('corrective', 'preventive') THEN
        RAISE EXCEPTION 'an action is corrective or preventive, not %', coalesce(p_kind, 'neither')
            USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._owner(p_owner);
    IF p_due IS NULL OR p_due < quality.today() THEN
        RAISE EXCEPTION 'an action needs a due date from today on' USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('capa.action', p_description, NULL);
    INSERT INTO quality.capa_actions (capa_id, kind, description, owner, due_date, created_by, created_at)
    VALUES (c.id, p_kind, quality._text_needed(p_description, 'what the action is'), p_owner, p_due,
            session_user, clock_timestamp())
    RETURNING id INTO v_id;
    RETURN v_id;
END $$;

-- An action is marked done by its owner (or a compliance officer), saying what was done.
CREATE OR REPLACE FUNCTION quality.complete_capa_action(p_action_id bigint, p_note text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    a quality.capa_actions;
    c quality.capas;
BEGIN
    SELECT * INTO a FROM quality.capa_actions WHERE id = p_action_id FOR UPDATE;
    IF a.id IS NULL THEN
        RAISE EXCEPTION 'no CAPA action %', p_action_id USING ERRCODE = 'LP404';
    END IF;
    c := quality._lock_capa(a.capa_id, 'complete_action');
    IF a.done_at IS NOT NULL THEN
        RAISE EXCEPTION 'action % was marked done by % on %', a.id, a.done_by, a.done_at::date
            USING ERRCODE = 'LP409';
    END IF;
    IF a.owner <> session_user AND NOT pg_has_role(session_user, 'lotproof_compliance', 'MEMBER') THEN
        RAISE EXCEPTION 'action % belongs to %: its owner (or compliance) marks it done', a.id,
            (SELECT printed_name FROM quality.users WHERE username = a.owner) USING ERRCODE = '42501';
    END IF;
    PERFORM quality._audit_context('capa.action_done', p_note, NULL);
    UPDATE quality.capa_actions SET done_at = clock_timestamp(), done_by = session_user,
                                    done_note = quality._text_needed(p_note, 'what was done')
    WHERE id = a.id;
    PERFORM quality._refresh_exceptions(NULL, ARRAY['capa_action_overdue']);
END $$;

-- The effectiveness check, by someone other than the CAPA's owner, once every action is done.
-- Not effective: the CAPA stays open for more actions; effective: it may be closed.
CREATE OR REPLACE FUNCTION quality.record_capa_effectiveness(p_capa_id bigint, p_effective boolean,
                                                             p_evidence text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c quality.capas;
    t quality.qm_transitions;
    v_open text;
BEGIN
    IF p_effective IS NULL THEN
        RAISE EXCEPTION 'say whether the actions were effective' USING ERRCODE = 'LP422';
    END IF;
    c := quality._lock_capa(p_capa_id, CASE WHEN p_effective THEN 'check_effectiveness'
                                            ELSE 'check_ineffective' END);
    t := quality._qm_move('capa', CASE WHEN p_effective THEN 'check_effectiveness'
                                       ELSE 'check_ineffective' END, c.status);
    IF NOT EXISTS (SELECT 1 FROM quality.capa_actions WHERE capa_id = c.id) THEN
        RAISE EXCEPTION 'CAPA % has no actions to check' , c.id USING ERRCODE = 'LP422';
    END IF;
    SELECT string_agg(format('%s (%s, due %s)', a.description, a.owner, a.due_date), '; ') INTO v_open
    FROM quality.capa_actions a WHERE a.capa_id = c.id AND a.done_at IS NULL;
    IF v_open IS NOT NULL THEN
        RAISE EXCEPTION 'the effectiveness of CAPA % is checked once every action is done; open: %',
            c.id, v_open USING ERRCODE = 'LP422';
    END IF;
    IF c.owner = session_user THEN
        RAISE EXCEPTION 'you own CAPA %: another person checks that it worked', c.id USING ERRCODE = 'LP403';
    END IF;
    PERFORM quality._audit_context('capa.effectiveness', p_evidence, NULL);
    UPDATE quality.capas SET effective = p_effective,
                             effectiveness_evidence = quality._text_needed(p_evidence, 'the evidence of the check'),
                             checked_by = session_user, checked_at = clock_timestamp(),
                             status = t.to_status
    WHERE id = c.id;
    PERFORM quality._refresh_exceptions(NULL, ARRAY['capa_check_overdue']);
END $$;

CREATE OR REPLACE FUNCTION quality.capa_digest(p_capa_id bigint) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT encode(sha256(convert_to(concat_ws(chr(31), c.id::text, coalesce(c.ncr_id::text, ''),
               c.title, c.owner, c.effectiveness_criteria, c.effectiveness_due::text,
               coalesce(c.effective::text, ''), coalesce(c.effectiveness_evidence, ''),
               coalesce(c.checked_by, ''),
               (SELECT string_agg(concat_ws(chr(30), a.id::text, a.kind, a.description, a.owner,
                                            a.due_date::text, coalesce(a.done_by, ''),
                                            coalesce(a.done_note, '')), chr(29) ORDER BY a.id)
                FROM quality.capa_actions a WHERE a.capa_id = c.id)), 'UTF8')), 'hex')
    FROM quality.capas c WHERE c.id = p_capa_id
$$;

-- Closing is signed, after an effective check, by someone other than the owner.
CREATE OR REPLACE FUNCTION quality.close_capa(p_capa_id bigint, p_meaning text DEFAULT 'Closed')
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c quality.capas := quality._lock_capa(p_capa_id, 'close');
    t quality.qm_transitions := quality._qm_move('capa', 'close', c.status);
    v_signature bigint;
BEGIN
    IF c.owner = session_user THEN
        RAISE EXCEPTION 'you own CAPA %: another person closes it', c.id USING ERRCODE = 'LP403';
    END IF;
    PERFORM quality._audit_context('capa.close', p_meaning, NULL);
    v_signature := quality._sign('capa', c.id, quality.capa_digest(c.id), p_meaning);
    PERFORM quality._audit_context('capa.close', p_meaning, v_signature);
    UPDATE quality.capas SET status = t.to_status, closed_by = session_user,
                             closed_at = clock_timestamp(), signature_id = v_signature
    WHERE id = c.id;
    RETURN v_signature;
END $$;

CREATE OR REPLACE FUNCTION quality.cancel_capa(p_capa_id bigint, p_reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c quality.capas := quality._lock_capa(p_capa_id, 'cancel');
    t quality.qm_transitions := quality._qm_move('capa', 'cancel', c.status);
BEGIN
    PERFORM quality._audit_context('capa.cancel', quality._text_needed(p_reason, 'a reason to cancel'), NULL);
    UPDATE quality.capas SET status = t.to_status, closed_by = session_user, closed_at = clock_timestamp()
    WHERE id = c.id;
    PERFORM quality._refresh_exceptions(NULL, ARRAY['capa_action_overdue', 'capa_check_overdue']);
END $$;

-- ---------------------------------------------------------------- SCAR
CREATE OR REPLACE FUNCTION quality.open_scar(p_ncr_id bigint, p_request text, p_response_due date)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n quality.ncrs;
    v_id bigint;
BEGIN
    PERFORM quality._person();
    PERFORM quality._require_role('{lotproof_approver,lotproof_compliance}', 'request supplier corrective actions');
    SELECT * INTO n FROM quality.ncrs WHERE id = p_ncr_id;
    IF n.id IS NULL OR n.status = 'cancelled' THEN
        RAISE EXCEPTION 'no NCR % to ask a supplier about', p_ncr_id USING ERRCODE = 'LP404';
    END IF;
    IF n.supplier_id IS NULL THEN
        RAISE EXCEPTION 'NCR % names no supplier', p_ncr_id USING ERRCODE = 'LP422';
    END IF;
    IF p_response_due IS NULL OR p_response_due < quality.today() THEN
        RAISE EXCEPTION 'the supplier''s answer needs a due date from today on' USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('scar.open', p_request, NULL);
    INSERT INTO quality.scars (ncr_id, supplier_id, request, response_due, status, opened_by, opened_at)
    VALUES (n.id, n.supplier_id, quality._text_needed(p_request, 'what the supplier is asked'),
            p_response_due, 'draft', session_user, clock_timestamp())
    RETURNING id INTO v_id;
    RETURN v_id;
END $$;

CREATE OR REPLACE FUNCTION quality._scar_move(p_scar_id bigint, p_action text) RETURNS quality.scars
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s quality.scars;
    t quality.qm_transitions;
BEGIN
    PERFORM quality._person();
    SELECT * INTO s FROM quality.scars WHERE id = p_scar_id FOR UPDATE;
    IF s.id IS NULL THEN
        RAISE EXCEPTION 'no SCAR %', p_scar_id USING ERRCODE = 'LP404';
    END IF;
    t := quality._qm_move('scar', p_action, s.status);
    UPDATE quality.scars SET status = t.to_status WHERE id = s.id;
    RETURN s;
END $$;

-- The letter went out (by mail, e-mail or the supplier portal): from now the due date counts.
CREATE OR REPLACE FUNCTION quality.send_scar(p_scar_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM quality._audit_context('scar.send', 'sent to the supplier', NULL);
    PERFORM quality._scar_move(p_scar_id, 'send');
    UPDATE quality.scars SET sent_at = clock_timestamp(), sent_by = session_user WHERE id = p_scar_id;
END $$;

CREATE OR REPLACE FUNCTION quality.record_scar_response(p_scar_id bigint, p_response text,
                                                        p_responded_on date)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s quality.scars;
BEGIN
    PERFORM quality._audit_context('scar.response', p_response, NULL);
    s := quality._scar_move(p_scar_id, 'record_response');
    IF p_responded_on IS NULL OR p_responded_on > quality.today() OR p_responded_on < s.sent_at::date THEN
        RAISE EXCEPTION 'the supplier answered between the day the request was sent (%) and today, not on %',
            s.sent_at::date, coalesce(p_responded_on::text, 'no date') USING ERRCODE = 'LP422';
    END IF;
    UPDATE quality.scars SET response = quality._text_needed(p_response, 'what the supplier answered'),
                             responded_on = p_responded_on, response_recorded_by = session_user
    WHERE id = p_scar_id;
    PERFORM quality._refresh_exceptions(NULL, ARRAY['scar_overdue']);
END $$;

-- The answer judged: accepted closes the SCAR; not accepted asks the supplier again by a new date.
CREATE OR REPLACE FUNCTION quality.judge_scar_response(p_scar_id bigint, p_accepted boolean,
                                                       p_note text, p_new_due date DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_accepted IS NULL THEN
        RAISE EXCEPTION 'say whether the supplier''s answer is accepted' USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context(CASE WHEN p_accepted THEN 'scar.accept' ELSE 'scar.ask_again' END,
                                   p_note, NULL);
    PERFORM quality._scar_move(p_scar_id, CASE WHEN p_accepted THEN 'accept' ELSE 'ask_again' END);
    IF p_accepted THEN
        UPDATE quality.scars SET closed_by = session_user, closed_at = clock_timestamp(),
                                 close_note = quality._text_needed(p_note, 'why the answer is accepted')
        WHERE id = p_scar_id;
    ELSE
        IF p_new_due IS NULL OR p_new_due < quality.today() THEN
            RAISE EXCEPTION 'asking again needs a new due date from today on' USING ERRCODE = 'LP422';
        END IF;
        UPDATE quality.scars SET response_due = p_new_due,
                                 close_note = quality._text_needed(p_note, 'why the answer is not accepted')
        WHERE id = p_scar_id;
    END IF;
END $$;

CREATE OR REPLACE FUNCTION quality.cancel_scar(p_scar_id bigint, p_reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM quality._audit_context('scar.cancel', quality._text_needed(p_reason, 'a reason to cancel'), NULL);
    PERFORM quality._scar_move(p_scar_id, 'cancel');
    UPDATE quality.scars SET closed_by = session_user, closed_at = clock_timestamp(), close_note = btrim(p_reason)
    WHERE id = p_scar_id;
    PERFORM quality._refresh_exceptions(NULL, ARRAY['scar_overdue']);
END $$;

-- ---------------------------------------------------------------- kept and audited
CREATE OR REPLACE TRIGGER audit_ncrs AFTER INSERT OR UPDATE OR DELETE ON quality.ncrs
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE OR REPLACE TRIGGER audit_ncr_lots AFTER INSERT OR UPDATE OR DELETE ON quality.ncr_lots
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('ncr_id');
CREATE OR REPLACE TRIGGER audit_capas AFTER INSERT OR UPDATE OR DELETE ON quality.capas
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE OR REPLACE TRIGGER audit_capa_actions AFTER INSERT OR UPDATE OR DELETE ON quality.capa_actions
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE OR REPLACE TRIGGER audit_scars AFTER INSERT OR UPDATE OR DELETE ON quality.scars
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE OR REPLACE TRIGGER qm_transitions_kept BEFORE UPDATE OR DELETE ON quality.qm_transitions
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();

GRANT EXECUTE ON FUNCTION
    quality.open_ncr(text, text, text[], text, text, text, integer, integer),
    quality.record_ncr_containment(bigint, text, text[]),
    quality.record_ncr_investigation(bigint, text, text, jsonb),
    quality.record_ncr_disposition(bigint, text, text),
    quality.close_ncr(bigint, text),
    quality.cancel_ncr(bigint, text),
    quality.open_capa(bigint, text, text, text, date),
    quality.add_capa_action(bigint, text, text, text, date),
    quality.complete_capa_action(bigint, text),
    quality.record_capa_effectiveness(bigint, boolean, text),
    quality.close_capa(bigint, text),
    quality.cancel_capa(bigint, text),
    quality.open_scar(bigint, text, date),
    quality.send_scar(bigint),
    quality.record_scar_response(bigint, text, date),
    quality.judge_scar_response(bigint, boolean, text, date),
    quality.cancel_scar(bigint, text)
TO lotproof_inspector, lotproof_approver, lotproof_compliance;
GRANT EXECUTE ON FUNCTION quality.ncr_digest(bigint), quality.capa_digest(bigint)
TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
