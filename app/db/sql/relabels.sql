-- Relabel and repack under control. A person asks (the lot, the new lot code or pack item, the
-- quantity, the reason, the labels to print); another person approves it with a signature;
-- only then does the ERP do it. When it is done the new lot takes the parent's documents, its
-- status (and the release it rests on) and, through quality.controlled_lineage, its own
-- inspections; the genealogy edge is the ERP's transformation. A relabel or repack the ERP did
-- without an approved request is an exception (unapproved_relabel, app/db/sql/exceptions.sql).
--
-- requires: audit_trail, lots, lot_status, people, signatures

CREATE OR REPLACE FUNCTION quality.relabel_digest(p_id bigint) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT encode(sha256(convert_to(concat_ws(chr(31), r.id::text, r.kind, r.lot_id::text,
               r.new_lot_code, r.new_item_id::text, r.qty::text, r.reason, r.labels,
               r.requested_by, to_char(r.requested_at AT TIME ZONE 'UTC',
                                       'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), 'UTF8')), 'hex')
    FROM quality.relabel_requests r WHERE r.id = p_id
$$;

-- The lot and the lots it was relabelled or repacked from under an approved request, nearest
-- first: what the lot inherits its inspections and release from.
CREATE OR REPLACE FUNCTION quality.controlled_lineage(p_lot_id bigint) RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    WITH RECURSIVE up(lot_id, n) AS (
        SELECT p_lot_id, 0
      UNION ALL
        SELECT r.lot_id, up.n + 1 FROM up
        JOIN quality.relabel_requests r ON r.child_lot_id = up.lot_id AND r.state = 'done'
        WHERE up.n < 20)
    SELECT array_agg(lot_id ORDER BY n) FROM up
$$;

CREATE OR REPLACE FUNCTION quality.request_relabel(p_lot text, p_kind text, p_new_lot_code text,
                                                   p_new_sku text, p_qty numeric, p_reason text,
                                                   p_labels text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v quality.lots;
    v_item integer;
    v_on_hand numeric;
    v_code text := nullif(btrim(p_new_lot_code), '');
    v_id bigint;
BEGIN
    PERFORM quality._person();
    PERFORM quality._require_role('{lotproof_inspector,lotproof_approver,lotproof_compliance}',
                                  'ask for a relabel or repack');
    IF p_kind IS NULL OR p_kind NOT IN ('relabel', 'repack') THEN
        RAISE EXCEPTION 'ask for a relabel or a repack, not %', coalesce(p_kind, 'nothing')
            USING ERRCODE = 'LP422';
    END IF;
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'a % needs a reason', p_kind USING ERRCODE = 'LP422';
    END IF;
    PERFORM 1 FROM quality.lot_state s
    WHERE s.lot_id = (SELECT l.id FROM erp.lots l WHERE l.lot_code = p_lot) FOR SHARE;
    SELECT * INTO v FROM quality.lots WHERE lot_code = p_lot;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no lot %', p_lot USING ERRCODE = 'LP404';
    END IF;
    IF v.status NOT IN ('quarantine', 'available', 'hold') THEN
        RAISE EXCEPTION 'lot % is %: it is not relabelled or repacked', p_lot,
            replace(v.status, '_', ' ') USING ERRCODE = 'LP409';
    END IF;
    IF v.status = 'hold' AND EXISTS (SELECT 1 FROM quality.lot_state s
                                     WHERE s.lot_id = v.id AND s.hold_kind = 'recall') THEN
        RAISE EXCEPTION 'lot % is held by a recall: it is not relabelled or repacked', p_lot
            USING ERRCODE = 'LP409';
    END IF;
    IF p_kind = 'relabel' AND v_code IS NULL THEN
        RAISE EXCEPTION 'a relabel names the new lot code' USING ERRCODE = 'LP422';
    END IF;
    v_code := coalesce(v_code, v.lot_code || '-P' ||
        (SELECT count(*) + 1 FROM quality.relabel_requests r WHERE r.lot_id = v.id));
    IF EXISTS (SELECT 1 FROM erp.lots WHERE lot_code = v_code)
       OR EXISTS (SELECT 1 FROM quality.relabel_requests
                  WHERE new_lot_code = v_code AND state IN ('requested', 'approved')) THEN
        RAISE EXCEPTION 'the lot code % is taken', v_code USING ERRCODE = 'LP409';
    END IF;
    IF p_new_sku IS NULL OR p_kind = 'relabel' THEN
        v_item := v.item_id;
    ELSE
        SELECT id INTO v_item FROM erp.items WHERE sku = p_new_sku;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no item %', p_new_sku USING ERRCODE = 'LP404';
        END IF;
        IF (SELECT uom FROM erp.items WHERE id = v_item)
           IS DISTINCT FROM (SELECT uom FROM erp.items WHERE id = v.item_id) THEN
            RAISE EXCEPTION 'item % is counted in another unit than the lot''s item', p_new_sku
                USING ERRCODE = 'LP422';
        END IF;
    END IF;
    SELECT coalesce(sum(s.qty), 0) INTO v_on_hand FROM erp.stock s
    JOIN erp.locations loc ON loc.id = s.location_id
    WHERE s.lot_id = v.id AND loc.kind NOT IN ('in_transit', 'returns');
    IF p_qty IS NULL OR p_qty <= 0 OR p_qty > v_on_hand THEN
        RAISE EXCEPTION 'lot % has % on hand: ask for more than 0 and no more than that, not %',
            p_lot, v_on_hand, coalesce(p_qty::text, 'nothing') USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('relabel.request', p_reason, NULL);
    INSERT INTO quality.relabel_requests (kind, lot_id, new_lot_code, new_item_id, qty, reason,
        labels, state, requested_by, requested_at)
    VALUES (p_kind, v.id, v_code, v_item, p_qty, btrim(p_reason),
            coalesce(nullif(btrim(p_labels), ''), 'lot'), 'requested', session_user,
            clock_timestamp())
    RETURNING id INTO v_id;
    RETURN v_id;
END $$;

CREATE OR REPLACE FUNCTION quality._open_request(p_id bigint, p_what text)
RETURNS quality.relabel_requests
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r quality.relabel_requests;
BEGIN
    SELECT * INTO r FROM quality.relabel_requests WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no relabel or repack request %', p_id USING ERRCODE = 'LP404';
    END IF;
    IF r.state <> 'requested' THEN
        RAISE EXCEPTION 'request % is %: nothing to %', p_id, r.state, p_what USING ERRCODE = 'LP409';
    END IF;
    PERFORM quality._require_role('{lotproof_approver,lotproof_compliance}', p_what || ' a ' || r.kind);
    IF r.requested_by = session_user THEN
        RAISE EXCEPTION 'you asked for this %: another person decides it', r.kind
            USING ERRCODE = '42501';
    END IF;
    RETURN r;
END $$;

-- The second person's signed approval: only now may the ERP do it.
CREATE OR REPLACE FUNCTION quality.approve_relabel(p_id bigint,
                                                   p_meaning text DEFAULT 'Approved relabel')
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r quality.relabel_requests;
    v_signature bigint;
BEGIN
    PERFORM quality._person();
    r := quality._open_request(p_id, 'approve');
    v_signature := quality._sign('relabel', r.id, quality.relabel_digest(r.id), p_meaning);
    PERFORM quality._audit_context('relabel.approve', r.reason, v_signature);
    UPDATE quality.relabel_requests SET state = 'approved', decided_by = session_user,
        decided_at = clock_timestamp(), signature_id = v_signature
    WHERE id = r.id;
    RETURN v_signature;
END $$;

CREATE OR REPLACE FUNCTION quality.refuse_relabel(p_id bigint, p_reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r quality.relabel_requests;
BEGIN
    PERFORM quality._person();
    r := quality._open_request(p_id, 'refuse');
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'say why the % is refused', r.kind USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('relabel.refuse', p_reason, NULL);
    UPDATE quality.relabel_requests SET state = 'refused', decided_by = session_user,
        decided_at = clock_timestamp(), decision_note = btrim(p_reason)
    WHERE id = r.id;
END $$;

-- The ERP made the new lot from the parent under an approved request: the new lot takes the
-- parent's documents and status (a lot released stays released; a held lot's child is held).
CREATE OR REPLACE FUNCTION quality._complete_relabel(p_id bigint, p_child_lot_id bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r quality.relabel_requests;
    v_parent quality.lots;
    v_state quality.lot_state;
    v_child quality.lots;
    v_note text;
BEGIN
    SELECT * INTO r FROM quality.relabel_requests WHERE id = p_id FOR UPDATE;
    IF r.state <> 'approved' THEN
        RAISE EXCEPTION 'request % is %: the ERP may % only once it is approved', p_id, r.state,
            r.kind USING ERRCODE = 'LP409';
    END IF;
    SELECT * INTO v_state FROM quality.lot_state WHERE lot_id = r.lot_id FOR SHARE;
    SELECT * INTO v_parent FROM quality.lots WHERE id = r.lot_id;
    SELECT * INTO v_child FROM quality.lots WHERE id = p_child_lot_id;
    v_note := format('%s of lot %s under request %s, approved by %s', r.kind, v_parent.lot_code,
                     r.id, (SELECT coalesce(u.printed_name, r.decided_by) FROM quality.users u
                            WHERE u.username = r.decided_by));
    PERFORM quality._audit_context('relabel.done', v_note, r.signature_id);
    UPDATE quality.relabel_requests SET state = 'done', child_lot_id = p_child_lot_id,
        done_at = clock_timestamp()
    WHERE id = r.id;
    INSERT INTO quality.document_links (document_id, lot_id, linked_by, linked_at, mismatches,
                                        reason, confirmed_by, confirmed_at)
    SELECT k.document_id, p_child_lot_id, session_user, clock_timestamp(), k.mismatches,
           'inherited: ' || v_note, k.confirmed_by, k.confirmed_at
    FROM quality.document_links k
    WHERE k.lot_id = r.lot_id
      AND NOT EXISTS (SELECT 1 FROM quality.document_links x
                      WHERE x.lot_id = p_child_lot_id AND x.document_id = k.document_id);
    IF v_state.status <> v_child.status THEN
        PERFORM quality._new_decision(v_child, r.kind, v_state.status, NULL, v_note, NULL, NULL,
                                      'done', 0, NULL);
        PERFORM quality._set_status(p_child_lot_id, v_state.status, v_state.hold_kind,
                                    v_state.recall_id, v_state.released_once);
    END IF;
    PERFORM quality._refresh_exceptions(ARRAY[p_child_lot_id]);
END $$;

-- For an ERP that does the transformation itself (Tryton): record that it did, once the new lot
-- is in its genealogy under the parent.
CREATE OR REPLACE FUNCTION quality.record_relabel_done(p_id bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r quality.relabel_requests;
    v_child bigint;
BEGIN
    PERFORM quality._person();
    PERFORM quality._require_role('{lotproof_inspector,lotproof_approver,lotproof_compliance}',
                                  'record a relabel as done');
    SELECT * INTO r FROM quality.relabel_requests WHERE id = p_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no relabel or repack request %', p_id USING ERRCODE = 'LP404';
    END IF;
    SELECT g.child_lot_id INTO v_child FROM erp.lot_genealogy g
    JOIN erp.lots c ON c.id = g.child_lot_id
    WHERE g.parent_lot_id = r.lot_id AND c.lot_code = r.new_lot_code LIMIT 1;
    IF v_child IS NULL THEN
        RAISE EXCEPTION 'the ERP has not made lot % from lot % yet', r.new_lot_code,
            (SELECT lot_code FROM quality.lots WHERE id = r.lot_id) USING ERRCODE = 'LP409';
    END IF;
    PERFORM quality._complete_relabel(r.id, v_child);
    RETURN v_child;
END $$;

CREATE OR REPLACE TRIGGER audit_relabel_requests AFTER INSERT OR UPDATE OR DELETE ON quality.relabel_requests
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');

GRANT EXECUTE ON FUNCTION
    quality.request_relabel(text, text, text, text, numeric, text, text),
    quality.record_relabel_done(bigint)
TO lotproof_inspector, lotproof_approver, lotproof_compliance;
GRANT EXECUTE ON FUNCTION
    quality.approve_relabel(bigint, text),
    quality.refuse_relabel(bigint, text)
TO lotproof_approver, lotproof_compliance;
GRANT EXECUTE ON FUNCTION quality.relabel_digest(bigint), quality.controlled_lineage(bigint)
TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
