-- What stands between a lot and its release: documents, results against the company's specification, the supplier's approval.
--
-- requires: audit_trail, lots

-- Why a lot may not be released yet; empty when it may. Documents, results against the
-- company's spec (not the supplier's claim) and the supplier's approval. A lot released before
-- (or available before a hold) is not held back again by documents or own testing, but always
-- by a verified result out of today's spec and by a supplier suspended or disqualified since.
CREATE OR REPLACE FUNCTION quality.release_blockers(p_lot_id bigint) RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_lot quality.lots;
    v_item erp.items;
    v_status text;
    v_doc text;
    v_released_before boolean;
    b text[] := '{}';
BEGIN
    SELECT * INTO v_lot FROM quality.lots WHERE id = p_lot_id;
    IF v_lot.status NOT IN ('quarantine', 'hold') THEN
        RETURN b;
    END IF;
    v_released_before := EXISTS (
        SELECT 1 FROM quality.lot_state s WHERE s.lot_id = p_lot_id
          AND (s.released_once OR coalesce(s.status_before_hold = 'available', false)));
    SELECT * INTO v_item FROM erp.items WHERE id = v_lot.item_id;
    IF v_lot.supplier_id IS NOT NULL THEN
        v_status := coalesce(quality.supplier_status(v_lot.supplier_id, v_item.category),
                             'not on the approved list');
        IF v_status IN ('suspended', 'disqualified')
           OR (v_status <> 'approved' AND NOT v_released_before) THEN
            b := b || format('supplier %s is %s for %s, not approved',
                             (SELECT name FROM erp.suppliers WHERE id = v_lot.supplier_id),
                             v_status, replace(v_item.category, '_', ' '));
        END IF;
    END IF;
    IF v_released_before THEN
        RETURN b || coalesce((SELECT array_agg(f.problem) FROM quality.spec_failures(p_lot_id) f
                              WHERE f.problem NOT LIKE 'no verified COA result for %'), '{}');
    END IF;
    FOREACH v_doc IN ARRAY quality.required_documents_for(p_lot_id) LOOP
        IF v_doc = 'COA' AND NOT quality.has_verified_coa(p_lot_id) THEN
            b := b || 'no verified COA is linked to the lot'::text;
        ELSIF v_doc = 'SDS' AND NOT EXISTS (
            SELECT 1 FROM quality.document_links k JOIN quality.documents d ON d.id = k.document_id
            WHERE (k.item_id = v_lot.item_id OR k.lot_id = p_lot_id) AND d.kind = 'sds'
              AND d.status = 'verified' AND d.superseded_by_id IS NULL
              AND (cardinality(k.mismatches) = 0 OR k.confirmed_at IS NOT NULL)) THEN
            b := b || 'no current verified SDS for the item'::text;
        ELSIF v_doc = 'ALLERGEN_STATEMENT' AND NOT EXISTS (
            SELECT 1 FROM quality.document_links k JOIN quality.documents d ON d.id = k.document_id
            WHERE (k.lot_id = p_lot_id OR k.item_id = v_lot.item_id
                   OR k.supplier_id = v_lot.supplier_id)
              AND d.kind = 'allergen_statement' AND d.status = 'verified'
              AND (cardinality(k.mismatches) = 0 OR k.confirmed_at IS NOT NULL)) THEN
            b := b || 'no verified allergen statement for the item or supplier'::text;
        END IF;
    END LOOP;
    b := b || coalesce((SELECT array_agg(problem) FROM quality.spec_failures(p_lot_id)), '{}');
    -- An item with an inspection plan is inspected on receipt (or skipped by the skip-lot rule).
    IF EXISTS (SELECT 1 FROM quality.inspection_plans p WHERE p.item_id = v_lot.item_id AND p.active
                 AND (p.supplier_id = v_lot.supplier_id OR p.supplier_id IS NULL))
       AND NOT EXISTS (SELECT 1 FROM quality.inspections i WHERE i.lot_id = p_lot_id
                         AND i.status IN ('passed', 'skipped')) THEN
        b := b || coalesce((SELECT format('receiving inspection %s is open, not completed', i.id)
                            FROM quality.inspections i WHERE i.lot_id = p_lot_id AND i.status = 'open'),
                           'no receiving inspection yet: the item has an inspection plan');
    END IF;
    -- Tests the supplier's COA may not stand in for: the in-house result is cited in an override
    -- justification, which compliance co-signs.
    b := b || coalesce((SELECT array_agg(format(
                 '%s needs own testing: the supplier COA does not stand in for it', s.test)
                 ORDER BY s.test)
             FROM quality.item_specs s WHERE s.item_id = v_lot.item_id AND s.active
               AND NOT s.coa_acceptable
               -- a passed receiving inspection that checked it is the own testing
               AND NOT EXISTS (
                   SELECT 1 FROM quality.inspections i
                   JOIN quality.inspection_results r ON r.inspection_id = i.id
                   JOIN quality.inspection_characteristics c ON c.id = r.characteristic_id
                   WHERE i.lot_id = p_lot_id AND i.status = 'passed' AND r.passed
                     AND lower(c.name) = lower(s.test))), '{}');
    RETURN b;
END $$;

-- Failing rows of the lot's verified COA results against the item's current specification.
CREATE OR REPLACE FUNCTION quality.spec_failures(p_lot_id bigint) RETURNS TABLE (test text, problem text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_item integer := (SELECT item_id FROM quality.lots WHERE id = p_lot_id);
    s quality.item_specs;
    r quality.coa_results;
BEGIN
    FOR s IN SELECT * FROM quality.item_specs WHERE item_id = v_item AND active ORDER BY test LOOP
        SELECT x.* INTO r FROM quality.lot_results(p_lot_id) x
        WHERE lower(x.test) = lower(s.test) ORDER BY x.id DESC LIMIT 1;
        IF NOT FOUND THEN
            IF s.coa_acceptable THEN  -- otherwise the release asks for own testing instead
                test := s.test; problem := format('no verified COA result for %s', s.test);
                RETURN NEXT;
            END IF;
        ELSE
            test := s.test;
            problem := quality.result_problem(s.test, s.min_value, s.max_value, s.unit,
                                              s.text_requirement, r.value, r.unit, r.result_text);
            IF problem IS NOT NULL THEN
                RETURN NEXT;
            END IF;
        END IF;
    END LOOP;
END $$;

-- What is wrong with one result against one test's limits (NULL when it meets them): the one
-- judgement the release check, the spec check and the customer's certificate share.
CREATE OR REPLACE FUNCTION quality.result_problem(p_test text, p_min numeric, p_max numeric,
                                                  p_unit text, p_text_requirement text,
                                                  p_value numeric, p_value_unit text,
                                                  p_result_text text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v numeric;
BEGIN
    IF p_min IS NOT NULL OR p_max IS NOT NULL THEN
        IF p_value IS NULL OR p_value IN ('NaN', 'Infinity', '-Infinity') THEN
            RETURN format('%s: result "%s" is not a number', p_test,
                          coalesce(p_result_text, p_value::text, ''));
        END IF;
        v := quality.convert_unit(p_value, coalesce(p_value_unit, p_unit), coalesce(p_unit, p_value_unit));
        IF v IS NULL THEN
            RETURN format('%s: unit %s cannot be converted to the spec unit %s', p_test,
                          p_value_unit, p_unit);
        -- A limit with no minimum still means a quantity: a negative result is no result.
        -- A censored result ("<0.05", "> 10^6") is a bound, not a value: below a number it
        -- cannot show a minimum, above one it cannot show a maximum.
        ELSIF quality.result_bound(p_result_text) = '<' AND p_min IS NOT NULL THEN
            RETURN format('%s: result "%s" only says it is below %s %s, which does not show the minimum %s %s',
                          p_test, p_result_text, p_value, coalesce(p_value_unit, ''), p_min,
                          coalesce(p_unit, ''));
        ELSIF quality.result_bound(p_result_text) = '>' AND p_max IS NOT NULL THEN
            RETURN format('%s: result "%s" only says it is above %s %s, which does not show the maximum %s %s',
                          p_test, p_result_text, p_value, coalesce(p_value_unit, ''), p_max,
                          coalesce(p_unit, ''));
        ELSIF v < coalesce(p_min, 0) OR v > p_max THEN
            RETURN format('%s: %s%s %s is outside the spec %s %s', p_test,
                          coalesce(quality.result_bound(p_result_text), ''), p_value,
                          coalesce(p_value_unit, ''), concat_ws(' – ', p_min, p_max),
                          coalesce(p_unit, ''));
        END IF;
    ELSIF p_text_requirement IS NOT NULL
          AND NOT quality.meets_text_requirement(p_result_text, p_text_requirement) THEN
        RETURN format('%s: "%s" does not meet "%s"', p_test, coalesce(p_result_text, ''),
                      p_text_requirement);
    END IF;
    RETURN NULL;
END $$;

-- The bound a result states ("<0.05", "≤ 10", "> 10^6"): '<', '>' or NULL for a plain value.
-- Read from the result as the document gave it, which is stored unchanged.
CREATE OR REPLACE FUNCTION quality.result_bound(p_result text) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN btrim(p_result) ~ '^(<|≤|⩽|=<)' THEN '<'
                WHEN btrim(p_result) ~ '^(>|≥|⩾|=>)' THEN '>' END
$$;

-- COA results reach a lot through the documents linked to it (one COA may cover several lots).
CREATE OR REPLACE FUNCTION quality.lot_results(p_lot_id bigint) RETURNS SETOF quality.coa_results
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT r.* FROM quality.coa_results r
    JOIN quality.documents d ON d.id = r.document_id AND d.status = 'verified' AND d.kind = 'coa'
    WHERE r.lot_id = p_lot_id
       OR r.document_id IN (SELECT k.document_id FROM quality.document_links k
                            WHERE k.lot_id = p_lot_id AND cardinality(k.mismatches) = 0)
$$;

-- A verified COA linked to the lot whose product, supplier and lot number agree with the lot's
-- (a COA linked despite a mismatch is kept for the record, never as the lot's COA).
CREATE OR REPLACE FUNCTION quality.has_verified_coa(p_lot_id bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM quality.document_links k
                   JOIN quality.documents d ON d.id = k.document_id
                   WHERE k.lot_id = p_lot_id AND d.kind = 'coa' AND d.status = 'verified'
                     AND cardinality(k.mismatches) = 0)
$$;

-- Does a result written as text ("Negative", "Absent in 25 g", "Conforms") meet a requirement
-- such as "Negative/25g"? The whole result must say what the requirement says, with its
-- quantity if it names one; a prefix is not enough ("Negative? NO - POSITIVE" does not meet
-- "Negative"). Words that mean the same (negative, absent, not detected; conforms, complies,
-- pass) are one.
CREATE OR REPLACE FUNCTION quality.meets_text_requirement(p_result text, p_requirement text)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_result text := quality._normal_text_result(p_result);
    v_required text := quality._normal_text_result(p_requirement);
BEGIN
    IF v_result = '' OR v_required = '' THEN
        RETURN false;
    END IF;
    -- "negative" meets "negative/25g" only when the COA gives no other quantity
    RETURN v_result = v_required OR v_result = split_part(v_required, '/', 1);
END $$;

CREATE OR REPLACE FUNCTION quality._normal_text_result(p text) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT regexp_replace(regexp_replace(regexp_replace(regexp_replace(
               lower(coalesce(btrim(p), '')),
               '\m(absent|not detected|nd|none detected)\M', 'negative', 'g'),
               '\m(complies|conform|conforming|meets|pass|passes)\M', 'conforms', 'g'),
               '\s+(in|per)\s+', '/', 'g'),
           '[\s.]+', '', 'g')
$$;

-- ---------------------------------------------------------------- units
CREATE OR REPLACE FUNCTION quality._unit_factor(p_unit text) RETURNS TABLE (family text, factor numeric)
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT f.family, f.factor FROM (VALUES
        ('%', 'fraction', 1e-2), ('% w/w', 'fraction', 1e-2), ('%w/w', 'fraction', 1e-2),
        ('percent', 'fraction', 1e-2), ('g/100g', 'fraction', 1e-2), ('g/100 g', 'fraction', 1e-2),
        ('mg/g', 'fraction', 1e-3), ('g/kg', 'fraction', 1e-3),
        ('mg/kg', 'fraction', 1e-6), ('ppm', 'fraction', 1e-6), ('ug/g', 'fraction', 1e-6),
        ('ug/kg', 'fraction', 1e-9), ('ppb', 'fraction', 1e-9), ('ng/g', 'fraction', 1e-9),
        ('cfu/g', 'count', 1), ('cfu/kg', 'count', 1e-3), ('cfu/mg', 'count', 1e3)
    ) AS f(unit, family, factor)
    WHERE f.unit = replace(replace(lower(btrim(p_unit)), 'µ', 'u'), 'μ', 'u')
$$;

-- A value in another unit of the same kind, or NULL when the units cannot be compared.
CREATE OR REPLACE FUNCTION quality.convert_unit(p_value numeric, p_from text, p_to text) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    a record;
    b record;
BEGIN
    IF p_value IS NULL THEN
        RETURN NULL;
    END IF;
    IF p_from IS NULL OR p_to IS NULL
       OR lower(btrim(p_from)) = lower(btrim(p_to)) THEN
        RETURN p_value;
    END IF;
    SELECT * INTO a FROM quality._unit_factor(p_from);
    SELECT * INTO b FROM quality._unit_factor(p_to);
    IF a.family IS NULL OR b.family IS NULL OR a.family <> b.family THEN
        RETURN NULL;
    END IF;
    RETURN p_value * a.factor / b.factor;
END $$;

-- ---------------------------------------------------------------- rules in force
CREATE OR REPLACE FUNCTION quality.supplier_status(p_supplier_id integer, p_category text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(
        (SELECT status FROM quality.supplier_approvals
         WHERE supplier_id = p_supplier_id AND category = p_category ORDER BY version DESC LIMIT 1),
        (SELECT approval_status FROM erp.suppliers WHERE id = p_supplier_id))
$$;

-- The documents a lot needs: the item's list in the ERP, plus what compliance requires of the
-- item and of the lot's supplier (newest version of each).
CREATE OR REPLACE FUNCTION quality.required_documents_for(p_lot_id bigint) RETURNS text[]
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(array_agg(DISTINCT d ORDER BY d), '{}')
    FROM quality.lots l JOIN erp.items i ON i.id = l.item_id
    CROSS JOIN LATERAL unnest(i.required_documents
        || coalesce((SELECT r.documents FROM quality.document_requirements r
                     WHERE r.item_id = l.item_id ORDER BY r.version DESC LIMIT 1), '{}')
        || coalesce((SELECT r.documents FROM quality.document_requirements r
                     WHERE r.supplier_id = l.supplier_id ORDER BY r.version DESC LIMIT 1), '{}')) d
    WHERE l.id = p_lot_id
$$;

CREATE OR REPLACE FUNCTION quality.rule_versions_for(p_lot_id bigint) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'spec_version', (SELECT max(v.version) FROM quality.spec_versions v WHERE v.item_id = l.item_id),
        'spec_version_id', (SELECT v.id FROM quality.spec_versions v WHERE v.item_id = l.item_id
                            ORDER BY v.version DESC LIMIT 1),
        'supplier_approval_id', (SELECT a.id FROM quality.supplier_approvals a
                                 JOIN erp.items i ON i.id = l.item_id
                                 WHERE a.supplier_id = l.supplier_id AND a.category = i.category
                                 ORDER BY a.version DESC LIMIT 1),
        'item_documents_version', (SELECT max(r.version) FROM quality.document_requirements r
                                   WHERE r.item_id = l.item_id),
        'supplier_documents_version', (SELECT max(r.version) FROM quality.document_requirements r
                                       WHERE r.supplier_id = l.supplier_id)))
    FROM quality.lots l WHERE l.id = p_lot_id
$$;

GRANT EXECUTE ON FUNCTION
    quality.release_blockers(bigint),
    quality.spec_failures(bigint),
    quality.has_verified_coa(bigint),
    quality.meets_text_requirement(text, text),
    quality.lot_results(bigint),
    quality.convert_unit(numeric, text, text),
    quality.result_bound(text),
    quality.result_problem(text, numeric, numeric, text, text, numeric, text, text),
    quality.supplier_status(integer, text),
    quality.required_documents_for(bigint),
    quality.rule_versions_for(bigint)
TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
