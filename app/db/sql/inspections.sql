-- Receiving inspections: opened for a lot under its item's plan, results recorded per
-- characteristic, completed with a signature; a failure holds the lot at once, a pass stands in
-- for the own testing a specification asks for.
--
-- requires: audit_trail, lots, rules, signatures, inspection_plans, nonconformance

-- ---------------------------------------------------------------- opening
CREATE OR REPLACE FUNCTION quality.open_inspection(p_lot_code text, p_lot_size integer DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v quality.lots;
    s record;
    v_id bigint;
BEGIN
    PERFORM quality._person();
    PERFORM quality._require_role('{lotproof_inspector,lotproof_approver}', 'inspect lots');
    SELECT * INTO v FROM quality.lots WHERE lot_code = p_lot_code;
    IF v.id IS NULL THEN
        RAISE EXCEPTION 'no lot %', p_lot_code USING ERRCODE = 'LP404';
    END IF;
    IF v.status <> 'quarantine' THEN
        RAISE EXCEPTION 'lot % is %, not in quarantine: receiving inspection is before release',
            p_lot_code, v.status USING ERRCODE = 'LP409';
    END IF;
    SELECT * INTO s FROM quality.inspection_sample(p_lot_code, p_lot_size);
    IF quality._skip_lot(v, s.plan_id) THEN
        PERFORM quality._audit_context('inspection.skip', format('%s: skip-lot rule of plan %s',
                                                                 p_lot_code, s.plan_id), NULL);
        INSERT INTO quality.inspections (lot_id, plan_id, severity, sample_size, accept, reject,
                                         status, opened_by, opened_at, completed_by, completed_at)
        VALUES (v.id, s.plan_id, s.severity, 0, 0, 1, 'skipped', session_user, clock_timestamp(),
                session_user, clock_timestamp())
        RETURNING id INTO v_id;
        RETURN v_id;
    END IF;
    PERFORM quality._audit_context('inspection.open', p_lot_code, NULL);
    BEGIN
        INSERT INTO quality.inspections (lot_id, plan_id, severity, sample_size, accept, reject,
                                         status, opened_by, opened_at)
        VALUES (v.id, s.plan_id, s.severity, s.sample_size, s.accept, s.reject, 'open',
                session_user, clock_timestamp())
        RETURNING id INTO v_id;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'lot % already has an open inspection (%)', p_lot_code,
            (SELECT i.id FROM quality.inspections i WHERE i.lot_id = v.id AND i.status = 'open')
            USING ERRCODE = 'LP409';
    END;
    RETURN v_id;
END $$;

-- Skip-lot: after `skip_after` lots in a row accepted under this plan version (item and
-- supplier), only one lot in `skip_every` is inspected; any failure ends it.
CREATE OR REPLACE FUNCTION quality._skip_lot(p_lot quality.lots, p_plan_id bigint) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p quality.inspection_plans;
    v_run integer := 0;
    v_skipped integer := 0;
    v_status text;
BEGIN
    SELECT * INTO p FROM quality.inspection_plans WHERE id = p_plan_id;
    IF p.skip_after IS NULL THEN
        RETURN false;
    END IF;
    FOR v_status IN SELECT i.status FROM quality.inspections i JOIN quality.lots l ON l.id = i.lot_id
                    WHERE i.plan_id = p.id AND i.status IN ('passed', 'failed', 'skipped')
                      AND l.supplier_id IS NOT DISTINCT FROM p_lot.supplier_id
                    ORDER BY i.completed_at DESC, i.id DESC LOOP
        EXIT WHEN v_status = 'failed';
        IF v_status = 'passed' THEN
            v_run := v_run + 1;
        ELSIF v_run = 0 THEN
            v_skipped := v_skipped + 1;  -- skipped since the last inspected lot
        END IF;
    END LOOP;
    RETURN v_run >= p.skip_after AND v_skipped < p.skip_every - 1;
END $$;

-- A photo or file attached to an open inspection; its digest is part of what is signed.
CREATE OR REPLACE FUNCTION quality.attach_inspection_file(p_inspection_id bigint, p_file_name text,
                                                          p_content bytea)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    i quality.inspections;
    v_id bigint;
    v_max integer := quality.setting('inspection_attachment_max_mb', '20')::integer;
BEGIN
    PERFORM quality._person();
    i := quality._open_inspection(p_inspection_id);
    IF p_content IS NULL OR length(p_content) = 0 THEN
        RAISE EXCEPTION 'the file % is empty', coalesce(p_file_name, '') USING ERRCODE = 'LP422';
    END IF;
    IF length(p_content) > v_max * 1024 * 1024 THEN
        RAISE EXCEPTION 'the file % is % MB; an attachment is at most % MB', p_file_name,
            round(length(p_content) / 1048576.0, 1), v_max USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('inspection.attach', p_file_name, NULL);
    INSERT INTO quality.inspection_attachments (inspection_id, file_name, content, sha256,
                                                attached_by, attached_at)
    VALUES (i.id, quality._text_needed(p_file_name, 'a file name'), p_content,
            encode(sha256(p_content), 'hex'), session_user, clock_timestamp())
    RETURNING id INTO v_id;
    RETURN v_id;
END $$;

CREATE OR REPLACE FUNCTION quality._open_inspection(p_inspection_id bigint) RETURNS quality.inspections
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    i quality.inspections;
BEGIN
    PERFORM quality._require_role('{lotproof_inspector,lotproof_approver}', 'inspect lots');
    SELECT * INTO i FROM quality.inspections WHERE id = p_inspection_id FOR UPDATE;
    IF i.id IS NULL THEN
        RAISE EXCEPTION 'no inspection %', p_inspection_id USING ERRCODE = 'LP404';
    END IF;
    IF i.status <> 'open' THEN
        RAISE EXCEPTION 'inspection % is completed (%): its results are signed and stay as they are',
            p_inspection_id, i.status USING ERRCODE = 'LP409';
    END IF;
    RETURN i;
END $$;

-- ---------------------------------------------------------------- results
-- A measured characteristic (measurement, temperature) passes when its value is within its
-- limits; the others take the inspector's pass or fail. Recording again replaces the result
-- until the inspection is completed (the audit trail keeps both).
CREATE OR REPLACE FUNCTION quality.record_inspection_result(p_inspection_id bigint,
                                                            p_characteristic_id bigint,
                                                            p_value numeric, p_passed boolean,
                                                            p_note text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    i quality.inspections;
    c quality.inspection_characteristics;
    v_passed boolean;
BEGIN
    PERFORM quality._person();
    i := quality._open_inspection(p_inspection_id);
    SELECT * INTO c FROM quality.inspection_characteristics
    WHERE id = p_characteristic_id AND plan_id = i.plan_id;
    IF c.id IS NULL THEN
        RAISE EXCEPTION 'characteristic % is not part of the plan of inspection %',
            p_characteristic_id, p_inspection_id USING ERRCODE = 'LP422';
    END IF;
    IF c.kind IN ('measurement', 'temperature') THEN
        IF p_value IS NULL OR p_value IN ('NaN', 'Infinity', '-Infinity') THEN
            RAISE EXCEPTION '% is measured: give the value in %', c.name, coalesce(c.unit, 'its unit')
                USING ERRCODE = 'LP422';
        END IF;
        v_passed := (c.min_value IS NULL OR p_value >= c.min_value)
                    AND (c.max_value IS NULL OR p_value <= c.max_value);
    ELSIF p_passed IS NULL THEN
        RAISE EXCEPTION '% is checked: say whether it passed', c.name USING ERRCODE = 'LP422';
    ELSE
        v_passed := p_passed;
    END IF;
    IF NOT v_passed AND coalesce(btrim(p_note), '') = '' AND c.kind NOT IN ('measurement', 'temperature') THEN
        RAISE EXCEPTION 'a failed check (%) needs a note saying what was found', c.name
            USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('inspection.result', c.name, NULL);
    INSERT INTO quality.inspection_results (inspection_id, characteristic_id, value, passed, note,
                                            recorded_by, recorded_at)
    VALUES (i.id, c.id, p_value, v_passed, nullif(btrim(p_note), ''), session_user, clock_timestamp())
    ON CONFLICT (inspection_id, characteristic_id) DO UPDATE
        SET value = EXCLUDED.value, passed = EXCLUDED.passed, note = EXCLUDED.note,
            recorded_by = EXCLUDED.recorded_by, recorded_at = EXCLUDED.recorded_at;
    RETURN v_passed;
END $$;

-- ---------------------------------------------------------------- completing, signed
-- What a completion signature covers: the inspection and every result, as recorded.
CREATE OR REPLACE FUNCTION quality.inspection_digest(p_inspection_id bigint) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT encode(sha256(convert_to(concat_ws(chr(31), i.id::text, i.lot_id::text, i.plan_id::text,
               i.severity, i.sample_size::text, i.accept::text, i.reject::text,
               coalesce(i.defects::text, ''), i.opened_by,
               (SELECT string_agg(concat_ws(chr(30), r.characteristic_id::text,
                                            coalesce(r.value::text, ''), r.passed::text,
                                            coalesce(r.note, ''), r.recorded_by),
                                  chr(29) ORDER BY r.characteristic_id)
                FROM quality.inspection_results r WHERE r.inspection_id = i.id),
               (SELECT string_agg(a.file_name || ':' || a.sha256, chr(29) ORDER BY a.id)
                FROM quality.inspection_attachments a WHERE a.inspection_id = i.id)), 'UTF8')), 'hex')
    FROM quality.inspections i WHERE i.id = p_inspection_id
$$;

-- Completes an inspection with the number of nonconforming units found in the sample. It fails
-- when a result failed or the defects reach the plan's rejection number; a failure holds the lot.
CREATE OR REPLACE FUNCTION quality.complete_inspection(p_inspection_id bigint, p_defects integer,
                                                       p_meaning text DEFAULT 'Inspected')
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    i quality.inspections;
    v_missing text;
    v_failed text;
    v_status text;
    v_signature bigint;
BEGIN
    PERFORM quality._person();
    i := quality._open_inspection(p_inspection_id);
    SELECT string_agg(c.name, ', ' ORDER BY c.position) INTO v_missing
    FROM quality.inspection_characteristics c
    WHERE c.plan_id = i.plan_id AND c.required AND NOT EXISTS (
        SELECT 1 FROM quality.inspection_results r
        WHERE r.inspection_id = i.id AND r.characteristic_id = c.id);
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'inspection % cannot be completed: no result yet for %', i.id, v_missing
            USING ERRCODE = 'LP422';
    END IF;
    IF p_defects IS NULL OR p_defects < 0 OR p_defects > i.sample_size THEN
        RAISE EXCEPTION 'the nonconforming units found are between 0 and the sample of % (not %)',
            i.sample_size, coalesce(p_defects::text, 'none') USING ERRCODE = 'LP422';
    END IF;
    SELECT string_agg(c.name || coalesce(' ' || r.value::text || coalesce(' ' || c.unit, ''), '')
                      || coalesce(' (' || r.note || ')', ''), '; ' ORDER BY c.position) INTO v_failed
    FROM quality.inspection_results r JOIN quality.inspection_characteristics c ON c.id = r.characteristic_id
    WHERE r.inspection_id = i.id AND NOT r.passed;
    IF p_defects >= i.reject THEN
        v_failed := concat_ws('; ', v_failed, format('%s nonconforming in a sample of %s (rejects at %s)',
                                                    p_defects, i.sample_size, i.reject));
    END IF;
    v_status := CASE WHEN v_failed IS NULL THEN 'passed' ELSE 'failed' END;
    UPDATE quality.inspections SET defects = p_defects WHERE id = i.id;
    PERFORM quality._audit_context('inspection.complete', coalesce(v_failed, 'passed'), NULL);
    v_signature := quality._sign('inspection', i.id, quality.inspection_digest(i.id), p_meaning);
    PERFORM quality._audit_context('inspection.complete', coalesce(v_failed, 'passed'), v_signature);
    UPDATE quality.inspections SET status = v_status, completed_by = session_user,
        completed_at = clock_timestamp(), signature_id = v_signature
    WHERE id = i.id;
    IF v_status = 'failed' THEN
        PERFORM quality._rule_hold(i.lot_id, format('Receiving inspection %s failed: %s', i.id, v_failed));
        PERFORM quality._open_ncr('inspection', i.id::text, ARRAY[i.lot_id], NULL, NULL, 'major',
            format('Receiving inspection %s of lot %s failed', i.id,
                   (SELECT l.lot_code FROM quality.lots l WHERE l.id = i.lot_id)), v_failed);
    END IF;
    RETURN v_status;
END $$;

CREATE OR REPLACE TRIGGER audit_inspections AFTER INSERT OR UPDATE OR DELETE ON quality.inspections
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE OR REPLACE TRIGGER audit_inspection_attachments AFTER INSERT OR UPDATE OR DELETE ON quality.inspection_attachments
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE OR REPLACE TRIGGER audit_inspection_results AFTER INSERT OR UPDATE OR DELETE ON quality.inspection_results
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');

GRANT EXECUTE ON FUNCTION quality.open_inspection(text, integer),
    quality.record_inspection_result(bigint, bigint, numeric, boolean, text),
    quality.complete_inspection(bigint, integer, text), quality.inspection_digest(bigint),
    quality.attach_inspection_file(bigint, text, bytea)
    TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
