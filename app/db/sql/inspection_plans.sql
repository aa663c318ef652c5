-- Inspection plans: what is inspected on receipt of an item, how many units, by whom changed.
--
-- requires: audit_trail, documents, lots, rules, sampling

-- ---------------------------------------------------------------- setting a plan
-- A new version of the inspection plan of an item, for one supplier (p_supplier_id) or for
-- every supplier without a plan of its own (NULL). p_sampling: {"kind": "z14", "level": "II",
-- "aql": 2.5} | {"kind": "fixed", "count": 5} | {"kind": "sqrt"} (the square root of the lot
-- size plus one), each optionally with "skip_lot": {"after": 10, "every": 3}. p_characteristics: [{"name", "kind", "required", "min", "max", "unit"}], in
-- the order the inspector works through them. Compliance sets plans, with a reason.
CREATE OR REPLACE FUNCTION quality.set_inspection_plan(p_item_id integer, p_supplier_id integer,
                                                       p_sampling jsonb, p_characteristics jsonb,
                                                       p_reason text)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_kind text := p_sampling ->> 'kind';
    v_level text;
    v_aql numeric;
    v_count integer;
    v_skip_after integer;
    v_skip_every integer;
    v_version integer;
    v_id bigint;
BEGIN
    PERFORM quality._rule_change('inspection plans', p_reason);
    IF NOT EXISTS (SELECT 1 FROM erp.items WHERE id = p_item_id) THEN
        RAISE EXCEPTION 'no item %', p_item_id USING ERRCODE = 'LP404';
    END IF;
    IF p_supplier_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM erp.suppliers WHERE id = p_supplier_id) THEN
        RAISE EXCEPTION 'no supplier %', p_supplier_id USING ERRCODE = 'LP404';
    END IF;
    IF v_kind = 'z14' THEN
        v_level := p_sampling ->> 'level';
        v_aql := quality._numeric(p_sampling ->> 'aql');
        PERFORM quality.sampling_plan(1000, v_level, v_aql);  -- names a bad level or AQL
    ELSIF v_kind = 'fixed' THEN
        v_count := (p_sampling ->> 'count')::integer;
        IF v_count IS NULL OR v_count < 1 THEN
            RAISE EXCEPTION 'a fixed sample has at least 1 unit' USING ERRCODE = 'LP422';
        END IF;
    ELSIF v_kind IS DISTINCT FROM 'sqrt' THEN
        RAISE EXCEPTION 'sampling is z14 (level and AQL), fixed (a count) or sqrt, not %',
            coalesce(v_kind, 'missing') USING ERRCODE = 'LP422';
    END IF;
    IF p_sampling ? 'skip_lot' THEN
        v_skip_after := (p_sampling -> 'skip_lot' ->> 'after')::integer;
        v_skip_every := (p_sampling -> 'skip_lot' ->> 'every')::integer;
        IF v_skip_after IS NULL OR v_skip_after < 1 OR v_skip_every IS NULL OR v_skip_every < 2 THEN
            RAISE EXCEPTION 'skip-lot needs "after" (lots in a row accepted, at least 1) and "every" (one lot in how many is inspected, at least 2)'
                USING ERRCODE = 'LP422';
        END IF;
    END IF;
    IF jsonb_typeof(p_characteristics) IS DISTINCT FROM 'array'
       OR jsonb_array_length(p_characteristics) = 0 THEN
        RAISE EXCEPTION 'an inspection plan checks at least one characteristic' USING ERRCODE = 'LP422';
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(p_characteristics) c
               WHERE coalesce(btrim(c ->> 'name'), '') = '') THEN
        RAISE EXCEPTION 'every characteristic of a plan needs a name' USING ERRCODE = 'LP422';
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(p_characteristics) c
               WHERE coalesce(c ->> 'kind', '') NOT IN
                     ('visual', 'label', 'seal', 'temperature', 'identity', 'measurement')) THEN
        RAISE EXCEPTION 'a characteristic is visual, label, seal, temperature, identity or measurement (not %)',
            (SELECT coalesce(c ->> 'kind', 'missing') FROM jsonb_array_elements(p_characteristics) c
             WHERE coalesce(c ->> 'kind', '') NOT IN
                   ('visual', 'label', 'seal', 'temperature', 'identity', 'measurement') LIMIT 1)
            USING ERRCODE = 'LP422';
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(p_characteristics) c
               WHERE quality._numeric(c ->> 'min') > quality._numeric(c ->> 'max')) THEN
        RAISE EXCEPTION 'a characteristic''s minimum is above its maximum' USING ERRCODE = 'LP422';
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(p_characteristics) c
               WHERE c ->> 'kind' IN ('measurement', 'temperature')
                 AND c ->> 'min' IS NULL AND c ->> 'max' IS NULL) THEN
        RAISE EXCEPTION 'a measured characteristic needs a minimum or a maximum' USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('inspection_plan.change', p_reason, NULL);
    PERFORM pg_advisory_xact_lock(hashtext('lotproof.inspection_plans'), p_item_id);
    v_version := coalesce((SELECT max(version) FROM quality.inspection_plans
                           WHERE item_id = p_item_id
                             AND supplier_id IS NOT DISTINCT FROM p_supplier_id), 0) + 1;
    UPDATE quality.inspection_plans SET active = false
    WHERE item_id = p_item_id AND supplier_id IS NOT DISTINCT FROM p_supplier_id AND active;
    INSERT INTO quality.inspection_plans (item_id, supplier_id, version, sampling, level, aql,
                                          fixed_count, skip_after, skip_every, active, reason,
                                          created_by, created_at)
    VALUES (p_item_id, p_supplier_id, v_version, v_kind, v_level, v_aql, v_count, v_skip_after,
            v_skip_every, true,
            btrim(p_reason), session_user, clock_timestamp())
    RETURNING id INTO v_id;
    INSERT INTO quality.inspection_characteristics (plan_id, position, name, kind, required,
                                                    min_value, max_value, unit)
    SELECT v_id, c.n, btrim(c.e ->> 'name'), c.e ->> 'kind',
           coalesce((c.e ->> 'required')::boolean, true),
           quality._numeric(c.e ->> 'min'), quality._numeric(c.e ->> 'max'),
           nullif(btrim(c.e ->> 'unit'), '')
    FROM jsonb_array_elements(p_characteristics) WITH ORDINALITY AS c(e, n);
    RETURN v_version;
END $$;

-- ---------------------------------------------------------------- the sample for a lot
-- How many units of a lot to inspect and when it is accepted, under the active plan of its item
-- for its supplier (else for any supplier). The lot size is what was received of the lot
-- (p_lot_size overrides it, for a lot counted in other units than the plan's).
CREATE OR REPLACE FUNCTION quality.inspection_sample(p_lot_code text, p_lot_size integer DEFAULT NULL)
RETURNS TABLE (plan_id bigint, plan_version integer, sampling text, severity text, code text,
               sample_size integer, accept integer, reject integer, full_inspection boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_lot quality.lots;
    p quality.inspection_plans;
    v_size integer;
    s record;
BEGIN
    PERFORM quality._person();
    SELECT * INTO v_lot FROM quality.lots WHERE lot_code = p_lot_code;
    IF v_lot.id IS NULL THEN
        RAISE EXCEPTION 'no lot %', p_lot_code USING ERRCODE = 'LP404';
    END IF;
    SELECT * INTO p FROM quality.inspection_plans x
    WHERE x.item_id = v_lot.item_id AND x.active
      AND (x.supplier_id = v_lot.supplier_id OR x.supplier_id IS NULL)
    ORDER BY x.supplier_id NULLS LAST LIMIT 1;
    IF p.id IS NULL THEN
        RAISE EXCEPTION 'the item of lot % has no inspection plan', p_lot_code USING ERRCODE = 'LP404';
    END IF;
    v_size := coalesce(p_lot_size, (SELECT sum(r.qty)::integer FROM erp.receipt_lines r
                                    WHERE r.lot_id = v_lot.id));
    IF v_size IS NULL OR v_size < 1 THEN
        RAISE EXCEPTION 'lot % has no received quantity to sample from; give the lot size',
            p_lot_code USING ERRCODE = 'LP422';
    END IF;
    plan_id := p.id;
    plan_version := p.version;
    sampling := p.sampling;
    -- Switching (Z1.4 section 8) follows the lots of this item and supplier inspected under
    -- this version of the plan: a new version, set after a corrective action, starts afresh.
    severity := quality.sampling_severity(ARRAY(
        SELECT i.status = 'passed' FROM quality.inspections i
        JOIN quality.lots l ON l.id = i.lot_id
        WHERE i.plan_id = p.id AND i.status IN ('passed', 'failed')
          AND l.supplier_id IS NOT DISTINCT FROM v_lot.supplier_id
        ORDER BY i.completed_at, i.id));
    IF severity = 'discontinued' THEN
        RAISE EXCEPTION 'inspection of this item from this supplier is discontinued: 5 lots failed on tightened inspection; compliance sets a new plan version once the supplier has corrected the cause'
            USING ERRCODE = 'LP409';
    END IF;
    IF p.sampling = 'z14' AND v_size >= 2 THEN
        SELECT * INTO s FROM quality.sampling_plan(v_size, p.level, p.aql, severity);
        code := s.code; sample_size := s.sample_size; accept := s.accept; reject := s.reject;
        full_inspection := s.full_inspection;
    ELSE
        code := NULL; accept := 0; reject := 1;
        sample_size := CASE p.sampling WHEN 'fixed' THEN p.fixed_count
                                       WHEN 'sqrt' THEN ceil(sqrt(v_size))::integer + 1
                                       ELSE v_size END;
        full_inspection := sample_size >= v_size;
        sample_size := least(sample_size, v_size);
    END IF;
    RETURN NEXT;
END $$;

CREATE OR REPLACE TRIGGER audit_inspection_plans AFTER INSERT OR UPDATE OR DELETE ON quality.inspection_plans
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE OR REPLACE TRIGGER audit_inspection_characteristics AFTER INSERT OR UPDATE OR DELETE
    ON quality.inspection_characteristics
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');

GRANT EXECUTE ON FUNCTION quality.set_inspection_plan(integer, integer, jsonb, jsonb, text),
    quality.inspection_sample(text, integer)
    TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
