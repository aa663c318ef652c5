-- The lot status machine and the decisions that move a lot through it.
--
-- quality.lot_status_transitions is the one definition: every decision function looks its move
-- up there (who may make it, how many signatures) and refuses anything else; the workstation
-- reads the same table to offer only the moves a person may make.

INSERT INTO quality.lot_status_transitions
    (action, from_status, to_status, roles, signatures_required, meaning, needs_reason) VALUES
('hold', 'quarantine', 'hold', '{lotproof_inspector,lotproof_approver,lotproof_compliance}', 1, 'Placed on hold', true),
('hold', 'available', 'hold', '{lotproof_inspector,lotproof_approver,lotproof_compliance}', 1, 'Placed on hold', true),
('release', 'quarantine', 'available', '{lotproof_approver,lotproof_compliance}', 1, 'Released', false),
('release', 'hold', 'available', '{lotproof_approver,lotproof_compliance}', 1, 'Released', true),
('reject', 'quarantine', 'rejected', '{lotproof_approver,lotproof_compliance}', 1, 'Rejected', true),
('reject', 'hold', 'rejected', '{lotproof_approver,lotproof_compliance}', 1, 'Rejected', true),
('reject', 'expired', 'rejected', '{lotproof_approver,lotproof_compliance}', 1, 'Rejected', true),
('disposition', 'rejected', 'available', '{lotproof_approver,lotproof_compliance}', 2, 'Disposition approved', true),
('disposition', 'rejected', 'rework', '{lotproof_approver,lotproof_compliance}', 2, 'Disposition approved', true),
('disposition', 'rejected', 'repack', '{lotproof_approver,lotproof_compliance}', 2, 'Disposition approved', true),
('disposition', 'rejected', 'return_to_vendor', '{lotproof_approver,lotproof_compliance}', 2, 'Disposition approved', true),
('disposition', 'rejected', 'scrap', '{lotproof_approver,lotproof_compliance}', 2, 'Disposition approved', true),
('expire', 'quarantine', 'expired', '{}', 0, NULL, false),
('expire', 'available', 'expired', '{}', 0, NULL, false),
('expire', 'hold', 'expired', '{}', 0, NULL, false),
('recall_hold', 'quarantine', 'hold', '{lotproof_compliance}', 1, 'Placed on hold (recall)', true),
('recall_hold', 'available', 'hold', '{lotproof_compliance}', 1, 'Placed on hold (recall)', true);

CREATE TRIGGER transitions_fixed BEFORE UPDATE OR DELETE ON quality.lot_status_transitions
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();

-- What a signature on a decision signs: the decision as it was made.
CREATE FUNCTION quality.decision_digest(p_id bigint) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
    SELECT encode(sha256(convert_to(concat_ws(chr(31), d.id::text, l.lot_code, d.action,
               d.from_status, d.to_status, coalesce(d.disposition, '\N'),
               coalesce(d.reason, '\N'), coalesce(d.override_justification, '\N'),
               array_to_string(d.blockers, chr(30)), d.created_by,
               to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')),
           'UTF8')), 'hex')
    FROM quality.lot_decisions d JOIN erp.lots l ON l.id = d.lot_id
    WHERE d.id = p_id
$$;

-- The lot, locked for the decision, as the deciding screen showed it (or a clear refusal).
CREATE FUNCTION quality._lock_lot(p_lot text, p_expected_status text) RETURNS erp.lots
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v erp.lots;
    v_by text;
    v_at timestamptz;
BEGIN
    SELECT * INTO v FROM erp.lots WHERE lot_code = p_lot FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no lot %', p_lot USING ERRCODE = 'LP404';
    END IF;
    IF p_expected_status IS NOT NULL AND v.status <> p_expected_status THEN
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

CREATE FUNCTION quality._transition(p_action text, p_from text, p_to text)
RETURNS quality.lot_status_transitions
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog
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

CREATE FUNCTION quality._new_decision(p_lot erp.lots, p_action text, p_to text,
                                      p_disposition text, p_reason text, p_override text,
                                      p_blockers text[], p_state text, p_signatures int,
                                      p_recall bigint)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_id bigint;
BEGIN
    INSERT INTO quality.lot_decisions (lot_id, action, from_status, to_status, disposition,
                                       reason, override_justification, blockers, state,
                                       signatures_required, recall_id, created_at, created_by,
                                       completed_at)
    VALUES (p_lot.id, p_action, p_lot.status, p_to, p_disposition, nullif(btrim(p_reason), ''),
            nullif(btrim(p_override), ''), coalesce(p_blockers, '{}'), p_state, p_signatures,
            p_recall, clock_timestamp(), session_user,
            CASE WHEN p_state = 'done' THEN clock_timestamp() END)
    RETURNING id INTO v_id;
    RETURN v_id;
END $$;

-- Moves the lot. The flag lets the guard trigger on erp.lots tell this apart from the ERP.
CREATE FUNCTION quality._set_status(p_lot_id bigint, p_to text, p_hold_kind text,
                                    p_recall bigint, p_released boolean)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_from text;
BEGIN
    SELECT status INTO v_from FROM erp.lots WHERE id = p_lot_id;
    PERFORM set_config('lotproof.status_change', 'on', true);
    UPDATE erp.lots SET status = p_to WHERE id = p_lot_id;
    PERFORM set_config('lotproof.status_change', '', true);
    INSERT INTO quality.lot_state AS s (lot_id, version, hold_kind, recall_id, status_before_hold,
                                        released_once, updated_at, updated_by)
    VALUES (p_lot_id, 1, CASE WHEN p_to = 'hold' THEN p_hold_kind END,
            CASE WHEN p_to = 'hold' THEN p_recall END,
            CASE WHEN p_to = 'hold' THEN v_from END, coalesce(p_released, false),
            clock_timestamp(), session_user)
    ON CONFLICT (lot_id) DO UPDATE SET
        version = s.version + 1,
        hold_kind = excluded.hold_kind,
        recall_id = excluded.recall_id,
        status_before_hold = excluded.status_before_hold,
        released_once = s.released_once OR excluded.released_once,
        updated_at = excluded.updated_at,
        updated_by = excluded.updated_by;
END $$;

-- Why a lot may not be released yet; empty when it may. Documents, results against the
-- company's spec (not the supplier's claim) and the supplier's approval. Only a first release is
-- checked: a lot released once (or available before a hold) is not held back by them again.
CREATE FUNCTION quality.release_blockers(p_lot_id bigint) RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_lot erp.lots;
    v_item erp.items;
    v_supplier erp.suppliers;
    v_doc text;
    v_spec quality.item_specs;
    v_result quality.coa_results;
    b text[] := '{}';
BEGIN
    SELECT * INTO v_lot FROM erp.lots WHERE id = p_lot_id;
    IF v_lot.status NOT IN ('quarantine', 'hold') OR EXISTS (
        SELECT 1 FROM quality.lot_state s WHERE s.lot_id = p_lot_id
          AND (s.released_once OR coalesce(s.status_before_hold = 'available', false))) THEN
        RETURN b;
    END IF;
    SELECT * INTO v_item FROM erp.items WHERE id = v_lot.item_id;
    IF v_lot.supplier_id IS NOT NULL THEN
        SELECT * INTO v_supplier FROM erp.suppliers WHERE id = v_lot.supplier_id;
        IF v_supplier.approval_status <> 'approved' THEN
            b := b || format('supplier %s is %s, not approved', v_supplier.name,
                             v_supplier.approval_status);
        END IF;
    END IF;
    FOREACH v_doc IN ARRAY v_item.required_documents LOOP
        IF v_doc = 'COA' AND NOT EXISTS (
            SELECT 1 FROM quality.document_links k JOIN quality.documents d ON d.id = k.document_id
            WHERE k.lot_id = p_lot_id AND d.kind = 'coa' AND d.status = 'verified') THEN
            b := b || 'no verified COA is linked to the lot'::text;
        ELSIF v_doc = 'SDS' AND NOT EXISTS (
            SELECT 1 FROM quality.document_links k JOIN quality.documents d ON d.id = k.document_id
            WHERE (k.item_id = v_lot.item_id OR k.lot_id = p_lot_id) AND d.kind = 'sds'
              AND d.status = 'verified' AND d.superseded_by_id IS NULL) THEN
            b := b || 'no current verified SDS for the item'::text;
        ELSIF v_doc = 'ALLERGEN_STATEMENT' AND NOT EXISTS (
            SELECT 1 FROM quality.document_links k JOIN quality.documents d ON d.id = k.document_id
            WHERE (k.lot_id = p_lot_id OR k.item_id = v_lot.item_id
                   OR k.supplier_id = v_lot.supplier_id)
              AND d.kind = 'allergen_statement' AND d.status = 'verified') THEN
            b := b || 'no verified allergen statement for the item or supplier'::text;
        END IF;
    END LOOP;
    FOR v_spec IN SELECT * FROM quality.item_specs WHERE item_id = v_lot.item_id AND active
                  ORDER BY test LOOP
        SELECT r.* INTO v_result
        FROM quality.coa_results r JOIN quality.documents d ON d.id = r.document_id
        WHERE r.lot_id = p_lot_id AND d.status = 'verified' AND lower(r.test) = lower(v_spec.test)
        ORDER BY r.id DESC LIMIT 1;
        IF NOT FOUND THEN
            b := b || format('no verified COA result for %s', v_spec.test);
        ELSIF v_spec.min_value IS NOT NULL OR v_spec.max_value IS NOT NULL THEN
            IF v_result.value IS NULL THEN
                b := b || format('%s: result "%s" is not a number', v_spec.test,
                                 coalesce(v_result.result_text, ''));
            ELSIF v_spec.unit IS NOT NULL AND v_result.unit IS NOT NULL
                  AND lower(btrim(v_spec.unit)) <> lower(btrim(v_result.unit)) THEN
                b := b || format('%s: unit %s cannot be compared with the spec unit %s',
                                 v_spec.test, v_result.unit, v_spec.unit);
            ELSIF v_result.value < v_spec.min_value OR v_result.value > v_spec.max_value THEN
                b := b || format('%s: %s %s is outside the spec %s', v_spec.test,
                                 v_result.value, coalesce(v_result.unit, ''),
                                 concat_ws(' – ', v_spec.min_value, v_spec.max_value));
            END IF;
        ELSIF v_spec.text_requirement IS NOT NULL
              AND lower(coalesce(v_result.result_text, '')) NOT LIKE lower(v_spec.text_requirement) || '%' THEN
            b := b || format('%s: "%s" does not meet "%s"', v_spec.test,
                             coalesce(v_result.result_text, ''), v_spec.text_requirement);
        END IF;
    END LOOP;
    RETURN b;
END $$;

CREATE FUNCTION quality._signature_for(p_decision bigint, p_meaning text) RETURNS bigint
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog
AS $$ SELECT quality._sign('lot_decision', p_decision, quality.decision_digest(p_decision), p_meaning) $$;

CREATE FUNCTION quality.hold_lot(p_lot text, p_reason text, p_expected_status text,
                                 p_meaning text DEFAULT 'Placed on hold')
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v erp.lots;
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

CREATE FUNCTION quality.release_lot(p_lot text, p_reason text, p_expected_status text,
                                    p_override_justification text DEFAULT NULL,
                                    p_meaning text DEFAULT 'Released')
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v erp.lots;
    st quality.lot_state;
    t quality.lot_status_transitions;
    blockers text[] := '{}';
    d bigint;
    s bigint;
BEGIN
    PERFORM quality._person();
    v := quality._lock_lot(p_lot, p_expected_status);
    t := quality._transition('release', v.status, 'available');
    SELECT * INTO st FROM quality.lot_state WHERE lot_id = v.id;
    IF v.status = 'hold' AND st.hold_kind = 'recall' THEN
        PERFORM quality._require_role('{lotproof_compliance}', 'lift a hold placed by a recall');
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

CREATE FUNCTION quality.reject_lot(p_lot text, p_reason text, p_expected_status text,
                                   p_meaning text DEFAULT 'Rejected')
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v erp.lots;
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

CREATE FUNCTION quality.propose_disposition(p_lot text, p_disposition text, p_reason text,
                                            p_expected_status text,
                                            p_meaning text DEFAULT 'Disposition proposed')
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v erp.lots;
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
CREATE FUNCTION quality.approve_decision(p_decision_id bigint, p_meaning text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    dd quality.lot_decisions;
    v erp.lots;
    v_code text;
    s bigint;
BEGIN
    PERFORM quality._person();
    SELECT * INTO dd FROM quality.lot_decisions WHERE id = p_decision_id FOR UPDATE;
    IF NOT FOUND OR dd.state <> 'pending' THEN
        RAISE EXCEPTION 'decision % is not waiting for a signature', p_decision_id USING ERRCODE = 'LP409';
    END IF;
    SELECT lot_code INTO v_code FROM erp.lots WHERE id = dd.lot_id;
    v := quality._lock_lot(v_code, dd.from_status);
    IF dd.action = 'release' THEN
        PERFORM quality._require_role('{lotproof_compliance}', 'approve a release override');
    ELSE
        PERFORM quality._transition(dd.action, dd.from_status, dd.to_status);
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

CREATE FUNCTION quality.cancel_decision(p_decision_id bigint, p_reason text,
                                        p_meaning text DEFAULT 'Cancelled')
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
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

-- Called by the workstation and by a scheduler; setting a lot expired twice does nothing.
CREATE FUNCTION quality.expire_lots(p_today date DEFAULT current_date) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v erp.lots;
    n integer := 0;
BEGIN
    IF NOT (pg_has_role(session_user, 'lotproof_inspector', 'MEMBER')
            OR pg_has_role(session_user, 'lotproof_approver', 'MEMBER')
            OR pg_has_role(session_user, 'lotproof_compliance', 'MEMBER')
            OR pg_has_role(session_user, 'lotproof_admin', 'MEMBER')
            OR (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)
            OR session_user = (SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'quality')) THEN
        RAISE EXCEPTION '% may not run the expiry check', session_user USING ERRCODE = '42501';
    END IF;
    PERFORM quality._audit_context('lot.expire', 'expiry date passed', NULL);
    FOR v IN SELECT l.* FROM erp.lots l
             JOIN quality.lot_status_transitions t
               ON t.action = 'expire' AND t.from_status = l.status AND t.to_status = 'expired'
             WHERE l.expiry_date < p_today
             ORDER BY l.id FOR UPDATE OF l SKIP LOCKED LOOP
        PERFORM quality._new_decision(v, 'expire', 'expired', NULL, 'expiry date passed', NULL,
                                      NULL, 'done', 0, NULL);
        PERFORM quality._set_status(v.id, 'expired', NULL, NULL, false);
        n := n + 1;
    END LOOP;
    RETURN n;
END $$;

-- For the ERP to ask before it allocates or ships.
CREATE FUNCTION quality.check_shipment(p_lot text, p_customer_id integer, p_qty numeric,
                                       p_date date DEFAULT current_date)
RETURNS TABLE (allowed boolean, reasons text[])
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v erp.lots;
    c erp.customers;
    r text[] := '{}';
    on_hand numeric;
BEGIN
    SELECT * INTO v FROM erp.lots WHERE lot_code = p_lot;
    IF NOT FOUND THEN
        RETURN QUERY SELECT false, ARRAY[format('no lot %s', p_lot)];
        RETURN;
    END IF;
    SELECT * INTO c FROM erp.customers WHERE id = p_customer_id;
    IF NOT FOUND THEN
        r := r || format('no customer %s', p_customer_id);
    END IF;
    IF v.status <> 'available' THEN
        r := r || format('lot %s is %s', p_lot, replace(v.status, '_', ' '));
    END IF;
    IF v.expiry_date IS NOT NULL AND v.expiry_date <= p_date THEN
        r := r || format('lot %s expires on %s, not after the shipment date %s', p_lot,
                         v.expiry_date, p_date);
    ELSIF c.min_shelf_life_days IS NOT NULL AND v.expiry_date IS NOT NULL
          AND v.expiry_date - p_date < c.min_shelf_life_days THEN
        r := r || format('%s days of shelf life left at shipment; %s requires at least %s',
                         v.expiry_date - p_date, c.name, c.min_shelf_life_days);
    END IF;
    SELECT coalesce(sum(s.qty), 0) INTO on_hand FROM erp.stock s
    JOIN erp.locations l ON l.id = s.location_id
    WHERE s.lot_id = v.id AND l.kind NOT IN ('in_transit', 'returns');
    IF p_qty > on_hand THEN
        r := r || format('only %s on hand, %s asked for', on_hand, p_qty);
    END IF;
    RETURN QUERY SELECT cardinality(r) = 0, r;
END $$;

-- The ERP side is guarded too: statuses move only through the functions above, and a lot that
-- is not available cannot be allocated or shipped.
CREATE FUNCTION quality.guard_lot_status() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog
AS $$
BEGIN
    IF current_setting('lotproof.status_change', true) = 'on' THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        NEW.status := 'quarantine';  -- every receipt lands in quarantine
        RETURN NEW;
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        RAISE EXCEPTION 'the status of lot % changes only through Lotproof''s quality decisions', OLD.lot_code
            USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER lots_status_guard BEFORE INSERT OR UPDATE OF status ON erp.lots
    FOR EACH ROW EXECUTE FUNCTION quality.guard_lot_status();

CREATE FUNCTION quality.guard_allocation() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog
AS $$
DECLARE
    v_status text;
    v_code text;
BEGIN
    IF TG_TABLE_NAME = 'allocations' THEN
        IF NEW.status = 'cancelled' THEN  -- a record field is looked up only on this table
            RETURN NEW;
        END IF;
    END IF;
    SELECT status, lot_code INTO v_status, v_code FROM erp.lots WHERE id = NEW.lot_id FOR SHARE;
    IF v_status IS DISTINCT FROM 'available' THEN
        RAISE EXCEPTION 'lot % is % and cannot be %', v_code, replace(coalesce(v_status, 'unknown'), '_', ' '),
            CASE WHEN TG_TABLE_NAME = 'allocations' THEN 'allocated' ELSE 'shipped' END
            USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER allocations_need_available_lot BEFORE INSERT OR UPDATE OF lot_id, qty ON erp.allocations
    FOR EACH ROW EXECUTE FUNCTION quality.guard_allocation();
CREATE TRIGGER shipment_lines_need_available_lot BEFORE INSERT OR UPDATE OF lot_id, qty ON erp.shipment_lines
    FOR EACH ROW EXECUTE FUNCTION quality.guard_allocation();
