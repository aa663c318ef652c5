-- Recalls and mock recalls: scope fixed at opening, one signature holds every affected lot in hand.
--
-- requires: audit_trail, lots

CREATE OR REPLACE FUNCTION quality.open_recall(p_lot_codes text[], p_reason text, p_class text,
                                    p_regulator_reference text, p_mock boolean)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint;
    v_missing text;
BEGIN
    PERFORM quality._person();
    PERFORM quality._require_role('{lotproof_compliance}', 'open recalls');
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'a recall needs a reason' USING ERRCODE = 'LP422';
    END IF;
    IF p_class NOT IN ('I', 'II', 'III') THEN
        RAISE EXCEPTION 'recall class must be I, II or III' USING ERRCODE = 'LP422';
    END IF;
    IF cardinality(coalesce(p_lot_codes, '{}')) = 0 THEN
        RAISE EXCEPTION 'a recall starts from at least one lot' USING ERRCODE = 'LP422';
    END IF;
    SELECT c INTO v_missing FROM unnest(p_lot_codes) c
    WHERE NOT EXISTS (SELECT 1 FROM quality.lots WHERE lot_code = c) LIMIT 1;
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'no lot %', v_missing USING ERRCODE = 'LP404';
    END IF;
    PERFORM quality._audit_context(CASE WHEN p_mock THEN 'recall.mock.open' ELSE 'recall.open' END,
                                   p_reason, NULL);
    v_id := nextval(pg_get_serial_sequence('quality.recalls', 'id'));
    INSERT INTO quality.recalls (id, number, is_mock, reason, recall_class, regulator_reference,
                                 opened_by, opened_at)
    VALUES (v_id, CASE WHEN p_mock THEN 'MOCK-' ELSE 'R-' END
                  || to_char(clock_timestamp(), 'YYYY') || '-' || lpad(v_id::text, 4, '0'),
            p_mock, btrim(p_reason), p_class, nullif(btrim(p_regulator_reference), ''),
            session_user, clock_timestamp());
    INSERT INTO quality.recall_lots (recall_id, lot_id, role, depth, status_at_open)
    WITH RECURSIVE down(lot_id, depth) AS (
        SELECT id, 0 FROM quality.lots WHERE lot_code = ANY(p_lot_codes)
        UNION
        SELECT g.child_lot_id, d.depth + 1 FROM down d
        JOIN erp.lot_genealogy g ON g.parent_lot_id = d.lot_id
        WHERE d.depth < 100)
    SELECT v_id, d.lot_id, CASE WHEN min(d.depth) = 0 THEN 'source' ELSE 'affected' END,
           min(d.depth), (SELECT status FROM quality.lots WHERE id = d.lot_id)
    FROM down d GROUP BY d.lot_id;
    RETURN v_id;
END $$;

-- What the mass-hold signature signs: the recall and the exact lots it holds.
CREATE OR REPLACE FUNCTION quality.recall_digest(p_recall_id bigint) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT encode(sha256(convert_to(concat_ws(chr(31), r.id::text, r.number, r.reason,
               r.recall_class, coalesce(r.regulator_reference, '\N'), r.opened_by,
               to_char(r.opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
               (SELECT string_agg(l.lot_code, ',' ORDER BY l.lot_code)
                FROM quality.recall_lots rl JOIN quality.lots l ON l.id = rl.lot_id
                WHERE rl.recall_id = r.id)), 'UTF8')), 'hex')
    FROM quality.recalls r WHERE r.id = p_recall_id
$$;

-- One signed decision: hold every affected lot still in the company's hands (stock on hand or
-- in transit), with the recall as its reason; flag affected open allocations for the ERP.
CREATE OR REPLACE FUNCTION quality.recall_hold(p_recall_id bigint,
                                    p_meaning text DEFAULT 'Placed on hold (recall)')
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r quality.recalls;
    v_sig bigint;
    v quality.lots;
    v_id bigint;
    v_held int := 0;
    v_already int := 0;
    v_flagged int := 0;
    v_reason text;
BEGIN
    PERFORM quality._person();
    PERFORM quality._require_role('{lotproof_compliance}', 'hold lots for a recall');
    SELECT * INTO r FROM quality.recalls WHERE id = p_recall_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no recall %', p_recall_id USING ERRCODE = 'LP404';
    END IF;
    IF r.is_mock THEN
        RAISE EXCEPTION 'recall % is a mock recall: it holds nothing', r.number USING ERRCODE = 'LP403';
    END IF;
    IF r.state <> 'open' THEN
        RAISE EXCEPTION 'recall % is %, its lots were held already', r.number, r.state
            USING ERRCODE = 'LP409';
    END IF;
    v_reason := format('Recall %s: %s', r.number, r.reason);
    v_sig := quality._sign('recall', r.id, quality.recall_digest(r.id), p_meaning);
    PERFORM quality._audit_context('recall.hold', v_reason, v_sig);
    FOR v_id IN SELECT s.lot_id FROM quality.recall_lots rl
             JOIN quality.lot_state s ON s.lot_id = rl.lot_id
             WHERE rl.recall_id = r.id
               AND EXISTS (SELECT 1 FROM erp.stock st WHERE st.lot_id = s.lot_id AND st.qty > 0)
             ORDER BY s.lot_id FOR NO KEY UPDATE OF s LOOP
        SELECT * INTO v FROM quality.lots WHERE id = v_id;
        IF v.status = 'hold' THEN
            UPDATE quality.lot_state SET hold_kind = 'recall', recall_id = r.id,
                updated_at = clock_timestamp(), updated_by = session_user
            WHERE lot_id = v.id;
            v_already := v_already + 1;
        ELSIF EXISTS (SELECT 1 FROM quality.lot_status_transitions
                      WHERE action = 'recall_hold' AND from_status = v.status) THEN
            PERFORM quality._new_decision(v, 'recall_hold', 'hold', NULL, v_reason, NULL, NULL,
                                          'done', 1, r.id);
            PERFORM quality._set_status(v.id, 'hold', 'recall', r.id, false);
            v_held := v_held + 1;
        ELSE
            CONTINUE;  -- rejected or dispositioned lots cannot ship anyway
        END IF;
        UPDATE quality.recall_lots SET held = true WHERE recall_id = r.id AND lot_id = v.id;
    END LOOP;
    -- Open allocations of the recalled lots are flagged for the ERP to undo: Lotproof's mark,
    -- kept in Lotproof's table.
    INSERT INTO quality.allocation_flags (allocation_id, recall_id, reason, flagged_at)
    SELECT a.id, r.id, v_reason, clock_timestamp() FROM erp.allocations a
    WHERE a.status = 'open'
      AND a.lot_id IN (SELECT lot_id FROM quality.recall_lots WHERE recall_id = r.id)
    ON CONFLICT (allocation_id) DO NOTHING;
    GET DIAGNOSTICS v_flagged = ROW_COUNT;
    UPDATE quality.recalls SET state = 'held', held_at = clock_timestamp() WHERE id = r.id;
    RETURN jsonb_build_object('signature_id', v_sig, 'held', v_held, 'already_on_hold', v_already,
                              'allocations_flagged', v_flagged);
END $$;

-- The moment a recall's report was complete: a mock recall is judged by this time.
CREATE OR REPLACE FUNCTION quality.complete_recall_report(p_recall_id bigint, p_summary jsonb)
RETURNS interval
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_opened timestamptz;
BEGIN
    PERFORM quality._person();
    PERFORM quality._require_role('{lotproof_compliance}', 'complete recall reports');
    PERFORM quality._audit_context('recall.report', NULL, NULL);
    UPDATE quality.recalls SET report_completed_at = coalesce(report_completed_at, clock_timestamp()),
                               summary = p_summary
    WHERE id = p_recall_id RETURNING opened_at INTO v_opened;
    IF v_opened IS NULL THEN
        RAISE EXCEPTION 'no recall %', p_recall_id USING ERRCODE = 'LP404';
    END IF;
    RETURN (SELECT report_completed_at - opened_at FROM quality.recalls WHERE id = p_recall_id);
END $$;

CREATE OR REPLACE FUNCTION quality.close_recall(p_recall_id bigint, p_reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM quality._person();
    PERFORM quality._require_role('{lotproof_compliance}', 'close recalls');
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'closing a recall needs a reason' USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('recall.close', p_reason, NULL);
    UPDATE quality.recalls SET state = 'closed', closed_at = clock_timestamp()
    WHERE id = p_recall_id AND state <> 'closed';
END $$;

-- Recalls and mock recalls: the scope is fixed when the recall is opened (the source lots and
-- every lot made from them), one signed decision holds every affected lot still in the company's
-- hands with the recall as its reason, and affected open order allocations are flagged for the ERP.
CREATE OR REPLACE TRIGGER audit_recalls AFTER INSERT OR UPDATE OR DELETE ON quality.recalls
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE OR REPLACE TRIGGER audit_recall_lots AFTER INSERT OR UPDATE OR DELETE ON quality.recall_lots
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('lot_id');
CREATE OR REPLACE TRIGGER recalls_never_deleted BEFORE DELETE ON quality.recalls
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE OR REPLACE TRIGGER audit_allocation_flags AFTER INSERT OR UPDATE OR DELETE ON quality.allocation_flags
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('allocation_id');

GRANT EXECUTE ON FUNCTION
    quality.open_recall(text[], text, text, text, boolean),
    quality.recall_hold(bigint, text),
    quality.complete_recall_report(bigint, jsonb),
    quality.close_recall(bigint, text)
TO lotproof_compliance;
GRANT EXECUTE ON FUNCTION
    quality.recall_digest(bigint)
TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
