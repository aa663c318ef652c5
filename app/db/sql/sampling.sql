-- Sampling by attributes, ANSI/ASQ Z1.4 / ISO 2859-1 single sampling: the plan for a lot, and
-- the switching between normal and tightened inspection. The tables are data (migration 0011).

-- ---------------------------------------------------------------- the plan for a lot
-- The sample size and acceptance/rejection numbers for a lot of p_lot_size units at inspection
-- level p_level (S-1..S-4, I, II, III) and AQL p_aql (percent nonconforming, 0.010 to 10):
-- Table I gives the code letter, Table II-A (normal) or II-B (tightened) the plan, following
-- arrows to the first plan below or above. A sample as large as the lot means every unit is
-- inspected (full_inspection), with the plan's numbers.
CREATE OR REPLACE FUNCTION quality.sampling_plan(p_lot_size integer, p_level text, p_aql numeric,
                                                 p_severity text DEFAULT 'normal')
RETURNS TABLE (code text, sample_size integer, accept integer, reject integer,
               full_inspection boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_code text;
    v_ordinal integer;
    p quality.sampling_plans;
    v_steps integer := 0;
BEGIN
    IF p_lot_size IS NULL OR p_lot_size < 2 THEN
        RAISE EXCEPTION 'a lot to sample has at least 2 units (not %)', coalesce(p_lot_size::text, 'none')
            USING ERRCODE = 'LP422';
    END IF;
    IF p_severity NOT IN ('normal', 'tightened') THEN
        RAISE EXCEPTION 'inspection is normal or tightened, not %', p_severity USING ERRCODE = 'LP422';
    END IF;
    SELECT c.code INTO v_code FROM quality.sampling_code_letters c
    WHERE c.level = p_level AND p_lot_size >= c.lot_min AND p_lot_size <= coalesce(c.lot_max, p_lot_size);
    IF v_code IS NULL THEN
        RAISE EXCEPTION 'inspection level % is not one of S-1, S-2, S-3, S-4, I, II, III', p_level
            USING ERRCODE = 'LP422';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM quality.sampling_plans s WHERE s.aql = p_aql) THEN
        RAISE EXCEPTION 'AQL % is not one of the standard''s: %', p_aql,
            (SELECT string_agg(DISTINCT s.aql::text, ', ') FROM quality.sampling_plans s)
            USING ERRCODE = 'LP422';
    END IF;
    SELECT z.ordinal INTO v_ordinal FROM quality.sampling_sample_sizes z
    WHERE z.severity = p_severity AND z.code = v_code;
    LOOP
        SELECT s.* INTO p FROM quality.sampling_plans s
        JOIN quality.sampling_sample_sizes z ON z.severity = s.severity AND z.code = s.code
        WHERE s.severity = p_severity AND z.ordinal = v_ordinal AND s.aql = p_aql;
        EXIT WHEN p.arrow IS NULL;
        v_ordinal := v_ordinal + CASE p.arrow WHEN 'down' THEN 1 ELSE -1 END;
        v_steps := v_steps + 1;
        IF v_steps > 20 THEN  -- the tables' arrows always reach a plan; this guards the data
            RAISE EXCEPTION 'the sampling table has no plan for AQL % from code %', p_aql, v_code;
        END IF;
    END LOOP;
    code := p.code;
    SELECT z.sample_size INTO sample_size FROM quality.sampling_sample_sizes z
    WHERE z.severity = p_severity AND z.code = p.code;
    accept := p.accept;
    reject := p.reject;
    full_inspection := sample_size >= p_lot_size;
    IF full_inspection THEN
        sample_size := p_lot_size;
    END IF;
    RETURN NEXT;
END $$;

-- ---------------------------------------------------------------- switching
-- The severity the next lot is inspected at, from the outcomes of the lots inspected before
-- (oldest first, true = accepted on original inspection), starting at normal:
--   normal -> tightened when 2 of 5 or fewer consecutive lots are not accepted;
--   tightened -> normal when 5 consecutive lots are accepted;
--   tightened -> discontinued when 5 lots are not accepted while on tightened inspection
--   (acceptance under the standard stops until the supplier has corrected the cause).
-- Reduced inspection is not offered: its table (II-C) is not in the data yet.
CREATE OR REPLACE FUNCTION quality.sampling_severity(p_outcomes boolean[])
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_state text := 'normal';
    v_recent boolean[] := '{}';
    v_accepted_run integer := 0;
    v_rejected_tightened integer := 0;
    v_ok boolean;
BEGIN
    FOREACH v_ok IN ARRAY coalesce(p_outcomes, '{}') LOOP
        IF v_state = 'discontinued' THEN
            EXIT;
        ELSIF v_state = 'normal' THEN
            v_recent := (v_recent || v_ok)[greatest(1, cardinality(v_recent) - 3):];
            IF (SELECT count(*) FROM unnest(v_recent) o WHERE NOT o) >= 2 THEN
                v_state := 'tightened';
                v_accepted_run := 0;
                v_rejected_tightened := 0;
            END IF;
        ELSE  -- tightened
            IF v_ok THEN
                v_accepted_run := v_accepted_run + 1;
            ELSE
                v_accepted_run := 0;
                v_rejected_tightened := v_rejected_tightened + 1;
            END IF;
            IF v_rejected_tightened >= 5 THEN
                v_state := 'discontinued';
            ELSIF v_accepted_run >= 5 THEN
                v_state := 'normal';
                v_recent := '{}';
            END IF;
        END IF;
    END LOOP;
    RETURN v_state;
END $$;

GRANT EXECUTE ON FUNCTION quality.sampling_plan(integer, text, numeric, text),
    quality.sampling_severity(boolean[])
    TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
