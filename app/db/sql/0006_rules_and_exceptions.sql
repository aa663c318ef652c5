-- Compliance rules that act at the point of decision, and the exception queue.
--
-- Rules are versioned: a change adds a version (specs, supplier approvals per category,
-- customer requirements), older versions stay, and every decision records the versions that
-- applied to it (quality.lot_decisions.rule_versions).

-- ---------------------------------------------------------------- auditing and defaults
CREATE TRIGGER audit_spec_versions AFTER INSERT OR UPDATE OR DELETE ON quality.spec_versions
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE TRIGGER audit_supplier_approvals AFTER INSERT OR UPDATE OR DELETE ON quality.supplier_approvals
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE TRIGGER audit_customer_requirements AFTER INSERT OR UPDATE OR DELETE ON quality.customer_requirements
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE TRIGGER audit_exception_routes AFTER INSERT OR UPDATE OR DELETE ON quality.exception_routes
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('type');
-- Opening an exception is the system's doing, recorded in the row itself (type, key, details,
-- opened_at, never changed after) and summed up in one audit entry per refresh; closing or
-- re-routing one is a person's doing (or follows from one), audited row by row.
CREATE TRIGGER audit_exceptions AFTER UPDATE OR DELETE ON quality.exceptions
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE TRIGGER audit_quality_events AFTER INSERT OR UPDATE OR DELETE ON quality.quality_events
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE TRIGGER audit_return_inspections AFTER INSERT OR UPDATE OR DELETE ON quality.return_inspections
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('return_id');
CREATE TRIGGER audit_retention_rules AFTER INSERT OR UPDATE OR DELETE ON quality.retention_rules
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('record_type');
CREATE TRIGGER spec_versions_kept BEFORE UPDATE OR DELETE ON quality.spec_versions
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER supplier_approvals_kept BEFORE UPDATE OR DELETE ON quality.supplier_approvals
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER customer_requirements_kept BEFORE UPDATE OR DELETE ON quality.customer_requirements
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER audit_document_requirements AFTER INSERT OR UPDATE OR DELETE ON quality.document_requirements
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE TRIGGER document_requirements_kept BEFORE UPDATE OR DELETE ON quality.document_requirements
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();

INSERT INTO quality.settings (key, value) VALUES
    ('sds_review_days', '1095'),
    ('hold_review_days', '14'),
    ('expiry_horizon_days', '90'),
    ('expiry_urgent_days', '30'),
    ('document_grace_days', '2'),
    ('return_window_days', '60'),
    ('excursion_auto_hold', 'true')
ON CONFLICT (key) DO NOTHING;

INSERT INTO quality.exception_routes (type, title, owner_role, severity, priority) VALUES
    ('shipped_on_hold', 'Shipped while on hold', 'lotproof_compliance', 'critical', 1),
    ('temperature_excursion', 'Temperature excursion', 'lotproof_compliance', 'critical', 1),
    ('out_of_spec', 'COA result out of specification', 'lotproof_compliance', 'high', 2),
    ('short_dated_allocation', 'Allocation short of the customer''s shelf life', 'lotproof_approver', 'high', 2),
    ('supplier_document_overdue', 'Supplier COA overdue', 'lotproof_compliance', 'medium', 3),
    ('expiring_stock', 'Stock expiring soon', 'lotproof_approver', 'medium', 3),
    ('old_hold', 'Hold not reviewed', 'lotproof_compliance', 'medium', 3),
    ('sds_out_of_date', 'SDS past its review period', 'lotproof_compliance', 'medium', 4),
    ('missing_document', 'Required document missing', 'lotproof_inspector', 'medium', 4),
    ('unverified_document', 'Document waiting for review', 'lotproof_inspector', 'low', 5),
    ('return_awaiting_inspection', 'Customer return waiting for inspection', 'lotproof_inspector', 'medium', 3),
    ('quantity_mismatch', 'Received quantity differs from the order', 'lotproof_inspector', 'low', 5);

INSERT INTO quality.retention_rules (record_type, years, basis) VALUES
    ('fsma204_tracking_event', 2, 'FSMA 204 (21 CFR 1.1455): 2 years from creation'),
    ('coa_document', 5, 'company policy: 5 years after upload'),
    ('quality_decision', 7, 'drug and supplement GMP records: at least 1 year past expiry; 7 years kept'),
    ('audit_trail', 10, 'company policy: 10 years'),
    ('recall', 10, 'company policy: 10 years after opening');

INSERT INTO quality.lot_status_transitions
    (action, from_status, to_status, roles, signatures_required, meaning, needs_reason) VALUES
('rule_hold', 'quarantine', 'hold', '{}', 0, NULL, true),
('rule_hold', 'available', 'hold', '{}', 0, NULL, true);

-- ---------------------------------------------------------------- units
CREATE FUNCTION quality._unit_factor(p_unit text) RETURNS TABLE (family text, factor numeric)
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog
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
CREATE FUNCTION quality.convert_unit(p_value numeric, p_from text, p_to text) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog
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
CREATE FUNCTION quality.supplier_status(p_supplier_id integer, p_category text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
    SELECT coalesce(
        (SELECT status FROM quality.supplier_approvals
         WHERE supplier_id = p_supplier_id AND category = p_category ORDER BY version DESC LIMIT 1),
        (SELECT approval_status FROM erp.suppliers WHERE id = p_supplier_id))
$$;

-- The documents a lot needs: the item's list in the ERP, plus what compliance requires of the
-- item and of the lot's supplier (newest version of each).
CREATE FUNCTION quality.required_documents_for(p_lot_id bigint) RETURNS text[]
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
    SELECT coalesce(array_agg(DISTINCT d ORDER BY d), '{}')
    FROM erp.lots l JOIN erp.items i ON i.id = l.item_id
    CROSS JOIN LATERAL unnest(i.required_documents
        || coalesce((SELECT r.documents FROM quality.document_requirements r
                     WHERE r.item_id = l.item_id ORDER BY r.version DESC LIMIT 1), '{}')
        || coalesce((SELECT r.documents FROM quality.document_requirements r
                     WHERE r.supplier_id = l.supplier_id ORDER BY r.version DESC LIMIT 1), '{}')) d
    WHERE l.id = p_lot_id
$$;

CREATE FUNCTION quality.rule_versions_for(p_lot_id bigint) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog
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
    FROM erp.lots l WHERE l.id = p_lot_id
$$;

-- Failing rows of the lot's verified COA results against the item's current specification.
CREATE FUNCTION quality.spec_failures(p_lot_id bigint) RETURNS TABLE (test text, problem text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_item integer := (SELECT item_id FROM erp.lots WHERE id = p_lot_id);
    s quality.item_specs;
    r quality.coa_results;
    v numeric;
BEGIN
    FOR s IN SELECT * FROM quality.item_specs WHERE item_id = v_item AND active ORDER BY test LOOP
        SELECT x.* INTO r FROM quality.lot_results(p_lot_id) x
        WHERE lower(x.test) = lower(s.test) ORDER BY x.id DESC LIMIT 1;
        IF NOT FOUND THEN
            IF s.coa_acceptable THEN  -- otherwise the release asks for own testing instead
                test := s.test; problem := format('no verified COA result for %s', s.test);
                RETURN NEXT;
            END IF;
        ELSIF s.min_value IS NOT NULL OR s.max_value IS NOT NULL THEN
            IF r.value IS NULL THEN
                test := s.test;
                problem := format('%s: result "%s" is not a number', s.test, coalesce(r.result_text, ''));
                RETURN NEXT;
                CONTINUE;
            END IF;
            v := quality.convert_unit(r.value, coalesce(r.unit, s.unit), coalesce(s.unit, r.unit));
            IF v IS NULL THEN
                test := s.test;
                problem := format('%s: unit %s cannot be converted to the spec unit %s', s.test,
                                  r.unit, s.unit);
                RETURN NEXT;
            ELSIF v < s.min_value OR v > s.max_value THEN
                test := s.test;
                problem := format('%s: %s %s is outside the spec %s %s', s.test, r.value,
                                  coalesce(r.unit, ''), concat_ws(' – ', s.min_value, s.max_value),
                                  coalesce(s.unit, ''));
                RETURN NEXT;
            END IF;
        ELSIF s.text_requirement IS NOT NULL
              AND lower(coalesce(r.result_text, '')) NOT LIKE lower(s.text_requirement) || '%' THEN
            test := s.test;
            problem := format('%s: "%s" does not meet "%s"', s.test, coalesce(r.result_text, ''),
                              s.text_requirement);
            RETURN NEXT;
        END IF;
    END LOOP;
END $$;

CREATE OR REPLACE FUNCTION quality.release_blockers(p_lot_id bigint) RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_lot erp.lots;
    v_item erp.items;
    v_status text;
    v_doc text;
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
        v_status := coalesce(quality.supplier_status(v_lot.supplier_id, v_item.category),
                             'not on the approved list');
        IF v_status <> 'approved' THEN
            b := b || format('supplier %s is %s for %s, not approved',
                             (SELECT name FROM erp.suppliers WHERE id = v_lot.supplier_id),
                             v_status, replace(v_item.category, '_', ' '));
        END IF;
    END IF;
    FOREACH v_doc IN ARRAY quality.required_documents_for(p_lot_id) LOOP
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
    b := b || coalesce((SELECT array_agg(problem) FROM quality.spec_failures(p_lot_id)), '{}');
    -- Tests the supplier's COA may not stand in for: the in-house result is cited in an override
    -- justification, which compliance co-signs.
    b := b || coalesce((SELECT array_agg(format(
                 '%s needs own testing: the supplier COA does not stand in for it', s.test)
                 ORDER BY s.test)
             FROM quality.item_specs s WHERE s.item_id = v_lot.item_id AND s.active
               AND NOT s.coa_acceptable), '{}');
    RETURN b;
END $$;

-- ---------------------------------------------------------------- changing the rules
-- Who may change a rule, and that the change says why (kept with the new version).
CREATE FUNCTION quality._rule_change(p_what text, p_reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
BEGIN
    PERFORM quality._person();
    PERFORM quality._require_role('{lotproof_compliance}', 'change ' || p_what);
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'a change of % needs a reason', p_what USING ERRCODE = 'LP422';
    END IF;
END $$;
CREATE FUNCTION quality.set_item_specs(p_item_id integer, p_tests jsonb, p_reason text)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_version integer;
    v_id bigint;
    v_lot bigint;
BEGIN
    PERFORM quality._rule_change('specifications', p_reason);
    IF NOT EXISTS (SELECT 1 FROM erp.items WHERE id = p_item_id) THEN
        RAISE EXCEPTION 'no item %', p_item_id USING ERRCODE = 'LP404';
    END IF;
    IF jsonb_typeof(p_tests) <> 'array' OR EXISTS (
        SELECT 1 FROM jsonb_array_elements(p_tests) t WHERE coalesce(btrim(t ->> 'test'), '') = '') THEN
        RAISE EXCEPTION 'every test of a specification needs a name' USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('spec.change', p_reason, NULL);
    -- Serialise changes to one item's specification.
    PERFORM 1 FROM erp.items WHERE id = p_item_id FOR NO KEY UPDATE;
    v_version := coalesce((SELECT max(version) FROM quality.spec_versions WHERE item_id = p_item_id), 0) + 1;
    INSERT INTO quality.spec_versions (item_id, version, reason, created_by, created_at)
    VALUES (p_item_id, v_version, btrim(p_reason), session_user, clock_timestamp()) RETURNING id INTO v_id;
    UPDATE quality.item_specs SET active = false WHERE item_id = p_item_id AND active;
    INSERT INTO quality.item_specs (item_id, test, method, min_value, max_value, text_requirement,
                                    unit, coa_acceptable, active, spec_version_id)
    SELECT p_item_id, btrim(t ->> 'test'), nullif(t ->> 'method', ''),
           quality._numeric(t ->> 'min'), quality._numeric(t ->> 'max'),
           nullif(btrim(t ->> 'text'), ''), nullif(btrim(t ->> 'unit'), ''),
           coalesce((t ->> 'coa_acceptable')::boolean, true), true, v_id
    FROM jsonb_array_elements(p_tests) t;
    -- The new limits act now: lots waiting for release are held if their results fail them,
    -- and the exception queue is brought up to date for every lot of the item with results.
    FOR v_lot IN SELECT l.id FROM erp.lots l WHERE l.item_id = p_item_id AND l.status = 'quarantine'
                   AND EXISTS (SELECT 1 FROM quality.lot_results(l.id)) LOOP
        PERFORM quality.apply_lot_rules(v_lot);
    END LOOP;
    PERFORM quality.refresh_exceptions(ARRAY(
        SELECT l.id FROM erp.lots l WHERE l.item_id = p_item_id
          AND EXISTS (SELECT 1 FROM quality.document_links k WHERE k.lot_id = l.id)));
    RETURN v_version;
END $$;

CREATE FUNCTION quality.set_supplier_approval(p_supplier_id integer, p_category text,
                                              p_status text, p_reason text)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_version integer;
BEGIN
    PERFORM quality._rule_change('supplier approvals', p_reason);
    IF NOT EXISTS (SELECT 1 FROM erp.suppliers WHERE id = p_supplier_id) THEN
        RAISE EXCEPTION 'no supplier %', p_supplier_id USING ERRCODE = 'LP404';
    END IF;
    IF p_status IS NULL OR p_status NOT IN ('approved', 'conditional', 'suspended', 'disqualified') THEN
        RAISE EXCEPTION 'supplier status must be one of approved, conditional, suspended, disqualified (not %)',
            coalesce(p_status, 'empty') USING ERRCODE = 'LP422';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM erp.items WHERE category = p_category) THEN
        RAISE EXCEPTION 'no item category %', p_category USING ERRCODE = 'LP404';
    END IF;
    PERFORM quality._audit_context('supplier.approval', p_reason, NULL);
    PERFORM 1 FROM erp.suppliers WHERE id = p_supplier_id FOR NO KEY UPDATE;
    v_version := coalesce((SELECT max(version) FROM quality.supplier_approvals
                           WHERE supplier_id = p_supplier_id AND category = p_category), 0) + 1;
    INSERT INTO quality.supplier_approvals (supplier_id, category, status, version, reason, set_by, set_at)
    VALUES (p_supplier_id, p_category, p_status, v_version, btrim(p_reason), session_user,
            clock_timestamp());
    RETURN v_version;
END $$;

CREATE FUNCTION quality.set_customer_requirements(p_customer_id integer, p_min_days integer,
                                                  p_min_percent integer,
                                                  p_excluded_suppliers integer[],
                                                  p_excluded_lots text[],
                                                  p_required_documents text[], p_reason text)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_version integer;
BEGIN
    PERFORM quality._rule_change('customer requirements', p_reason);
    IF p_min_percent IS NOT NULL AND (p_min_percent < 0 OR p_min_percent > 100) THEN
        RAISE EXCEPTION 'a shelf-life percentage is between 0 and 100' USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('customer.requirements', p_reason, NULL);
    PERFORM 1 FROM erp.customers WHERE id = p_customer_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no customer %', p_customer_id USING ERRCODE = 'LP404';
    END IF;
    v_version := coalesce((SELECT max(version) FROM quality.customer_requirements
                           WHERE customer_id = p_customer_id), 0) + 1;
    INSERT INTO quality.customer_requirements (customer_id, version, min_shelf_life_days,
        min_shelf_life_percent, excluded_supplier_ids, excluded_lot_codes, required_documents,
        reason, set_by, set_at)
    VALUES (p_customer_id, v_version, p_min_days, p_min_percent,
            coalesce(p_excluded_suppliers, '{}'), coalesce(p_excluded_lots, '{}'),
            coalesce(p_required_documents, '{}'), btrim(p_reason), session_user, clock_timestamp());
    RETURN v_version;
END $$;

-- What a customer demands now: its newest requirement version, else the ERP's minimum.
CREATE FUNCTION quality.set_document_requirements(p_item_id integer, p_supplier_id integer,
                                                  p_documents text[], p_reason text)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_version integer;
    v_docs text[] := ARRAY(SELECT DISTINCT upper(btrim(d)) FROM unnest(p_documents) d
                           WHERE btrim(d) <> '' ORDER BY 1);
BEGIN
    PERFORM quality._rule_change('document requirements', p_reason);
    IF (p_item_id IS NULL) = (p_supplier_id IS NULL) THEN
        RAISE EXCEPTION 'name an item or a supplier' USING ERRCODE = 'LP422';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(v_docs) d WHERE d NOT IN ('COA', 'SDS', 'ALLERGEN_STATEMENT')) THEN
        RAISE EXCEPTION 'documents can be COA, SDS or ALLERGEN_STATEMENT (not %)',
            array_to_string(v_docs, ', ') USING ERRCODE = 'LP422';
    END IF;
    IF p_item_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM erp.items WHERE id = p_item_id) THEN
        RAISE EXCEPTION 'no item %', p_item_id USING ERRCODE = 'LP404';
    END IF;
    IF p_supplier_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM erp.suppliers WHERE id = p_supplier_id) THEN
        RAISE EXCEPTION 'no supplier %', p_supplier_id USING ERRCODE = 'LP404';
    END IF;
    PERFORM quality._audit_context('documents.require', p_reason, NULL);
    IF p_item_id IS NOT NULL THEN
        PERFORM 1 FROM erp.items WHERE id = p_item_id FOR NO KEY UPDATE;
    ELSE
        PERFORM 1 FROM erp.suppliers WHERE id = p_supplier_id FOR NO KEY UPDATE;
    END IF;
    v_version := coalesce((SELECT max(version) FROM quality.document_requirements
                           WHERE item_id IS NOT DISTINCT FROM p_item_id
                             AND supplier_id IS NOT DISTINCT FROM p_supplier_id), 0) + 1;
    INSERT INTO quality.document_requirements (item_id, supplier_id, version, documents, reason,
                                               set_by, set_at)
    VALUES (p_item_id, p_supplier_id, v_version, v_docs, btrim(p_reason), session_user,
            clock_timestamp());
    RETURN v_version;
END $$;

CREATE FUNCTION quality.customer_rules(p_customer_id integer)
RETURNS TABLE (min_days integer, min_percent integer, excluded_suppliers integer[],
               excluded_lots text[], required_documents text[], version integer)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
    SELECT coalesce(r.min_shelf_life_days, c.min_shelf_life_days), r.min_shelf_life_percent,
           coalesce(r.excluded_supplier_ids, '{}'), coalesce(r.excluded_lot_codes, '{}'),
           coalesce(r.required_documents, '{}'), r.version
    FROM erp.customers c
    LEFT JOIN LATERAL (SELECT * FROM quality.customer_requirements x WHERE x.customer_id = c.id
                       ORDER BY x.version DESC LIMIT 1) r ON true
    WHERE c.id = p_customer_id
$$;

-- ---------------------------------------------------------------- holds made by rules
CREATE FUNCTION quality._rule_hold(p_lot_id bigint, p_reason text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v erp.lots;
BEGIN
    SELECT * INTO v FROM erp.lots WHERE id = p_lot_id FOR NO KEY UPDATE;
    IF NOT EXISTS (SELECT 1 FROM quality.lot_status_transitions
                   WHERE action = 'rule_hold' AND from_status = v.status) THEN
        RETURN false;
    END IF;
    PERFORM quality._audit_context('lot.rule_hold', p_reason, NULL);
    PERFORM quality._new_decision(v, 'rule_hold', 'hold', NULL, p_reason, NULL, NULL, 'done', 0, NULL);
    PERFORM quality._set_status(v.id, 'hold', 'rule', NULL, false);
    RETURN true;
END $$;

-- Apply the specification to a lot's verified results: hold it when they fail.
CREATE FUNCTION quality.apply_lot_rules(p_lot_id bigint) RETURNS text[]
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_failures text[];
BEGIN
    SELECT array_agg(problem) INTO v_failures FROM quality.spec_failures(p_lot_id)
    WHERE problem NOT LIKE 'no verified COA result for %'
       OR EXISTS (SELECT 1 FROM quality.lot_results(p_lot_id));
    IF cardinality(v_failures) > 0 THEN
        PERFORM quality._rule_hold(p_lot_id, 'Out of specification: ' || array_to_string(v_failures, '; '));
    END IF;
    RETURN coalesce(v_failures, '{}');
END $$;

-- Receipts from a supplier not approved for the item's category land on hold.
CREATE FUNCTION quality.on_receipt() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_category text;
    v_status text;
BEGIN
    IF NEW.origin <> 'receipt' OR NEW.supplier_id IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT category INTO v_category FROM erp.items WHERE id = NEW.item_id;
    v_status := coalesce(quality.supplier_status(NEW.supplier_id, v_category), 'not approved');
    -- Conditional approval buys with closer inspection: the lot waits in quarantine as usual.
    IF v_status NOT IN ('approved', 'conditional') THEN
        PERFORM quality._rule_hold(NEW.id, format('Received from supplier %s, which is %s for %s',
            (SELECT name FROM erp.suppliers WHERE id = NEW.supplier_id), v_status,
            replace(v_category, '_', ' ')));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER lots_receipt_rules AFTER INSERT ON erp.lots
    FOR EACH ROW EXECUTE FUNCTION quality.on_receipt();

-- Every decision records the rules in force; every status change brings the lot's exceptions
-- up to date in the same transaction (acting on a lot closes what it resolved).
CREATE OR REPLACE FUNCTION quality._new_decision(p_lot erp.lots, p_action text, p_to text,
                                                 p_disposition text, p_reason text,
                                                 p_override text, p_blockers text[],
                                                 p_state text, p_signatures int, p_recall bigint)
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
                                       completed_at, rule_versions)
    VALUES (p_lot.id, p_action, p_lot.status, p_to, p_disposition, nullif(btrim(p_reason), ''),
            nullif(btrim(p_override), ''), coalesce(p_blockers, '{}'), p_state, p_signatures,
            p_recall, clock_timestamp(), session_user,
            CASE WHEN p_state = 'done' THEN clock_timestamp() END,
            quality.rule_versions_for(p_lot.id))
    RETURNING id INTO v_id;
    RETURN v_id;
END $$;

CREATE OR REPLACE FUNCTION quality._set_status(p_lot_id bigint, p_to text, p_hold_kind text,
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
    PERFORM quality.refresh_exceptions(ARRAY[p_lot_id]);
END $$;

-- Verifying a COA applies the specification to the lots it is linked to.
CREATE OR REPLACE FUNCTION quality.verify_document(p_document_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_open int;
    v_lot bigint;
BEGIN
    PERFORM quality._document_editor();
    PERFORM quality._editable_document(p_document_id);
    SELECT (SELECT count(*) FROM quality.extracted_fields
            WHERE document_id = p_document_id AND confirmed_at IS NULL)
         + (SELECT count(*) FROM quality.coa_results
            WHERE document_id = p_document_id AND confirmed_at IS NULL)
    INTO v_open;
    IF v_open > 0 THEN
        RAISE EXCEPTION '% value(s) of document % are not yet confirmed or corrected', v_open,
            p_document_id USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('document.verify', NULL, NULL);
    UPDATE quality.documents SET status = 'verified', verified_by = session_user,
                                 verified_at = clock_timestamp()
    WHERE id = p_document_id;
    FOR v_lot IN SELECT lot_id FROM quality.document_links
                 WHERE document_id = p_document_id AND lot_id IS NOT NULL LOOP
        IF (SELECT kind FROM quality.documents WHERE id = p_document_id) = 'coa' THEN
            PERFORM quality.apply_lot_rules(v_lot);
        END IF;
        PERFORM quality.refresh_exceptions(ARRAY[v_lot]);
    END LOOP;
    PERFORM quality.refresh_exceptions(NULL, ARRAY['unverified_document']);
END $$;

-- ---------------------------------------------------------------- the ERP asks first
CREATE OR REPLACE FUNCTION quality.check_shipment(p_lot text, p_customer_id integer, p_qty numeric,
                                                  p_date date DEFAULT current_date)
RETURNS TABLE (allowed boolean, reasons text[])
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v erp.lots;
    c erp.customers;
    rule record;
    r text[] := '{}';
    on_hand numeric;
    v_doc text;
    v_life integer;
BEGIN
    SELECT * INTO v FROM erp.lots WHERE lot_code = p_lot;
    IF NOT FOUND THEN
        RETURN QUERY SELECT false, ARRAY[format('no lot %s', p_lot)];
        RETURN;
    END IF;
    SELECT * INTO c FROM erp.customers WHERE id = p_customer_id;
    IF NOT FOUND THEN
        RETURN QUERY SELECT false, ARRAY[format('no customer %s', p_customer_id)];
        RETURN;
    END IF;
    SELECT * INTO rule FROM quality.customer_rules(p_customer_id);
    IF v.status <> 'available' THEN
        r := r || format('lot %s is %s', p_lot, replace(v.status, '_', ' '));
    END IF;
    IF v.expiry_date IS NOT NULL AND v.expiry_date <= p_date THEN
        r := r || format('lot %s expires on %s, not after the shipment date %s', p_lot,
                         v.expiry_date, p_date);
    ELSIF v.expiry_date IS NOT NULL THEN
        IF rule.min_days IS NOT NULL AND v.expiry_date - p_date < rule.min_days THEN
            r := r || format('%s days of shelf life left at shipment; %s requires at least %s',
                             v.expiry_date - p_date, c.name, rule.min_days);
        END IF;
        v_life := v.expiry_date - v.manufacture_date;
        IF rule.min_percent IS NOT NULL AND v_life > 0
           AND (v.expiry_date - p_date) * 100 < rule.min_percent * v_life THEN
            r := r || format('%s%% of the shelf life left at shipment; %s requires at least %s%%',
                             round((v.expiry_date - p_date) * 100.0 / v_life), c.name, rule.min_percent);
        END IF;
    END IF;
    IF v.supplier_id = ANY(rule.excluded_suppliers) THEN
        r := r || format('%s does not accept goods from supplier %s', c.name,
                         (SELECT name FROM erp.suppliers WHERE id = v.supplier_id));
    END IF;
    IF p_lot = ANY(rule.excluded_lots) THEN
        r := r || format('%s has excluded lot %s', c.name, p_lot);
    END IF;
    FOREACH v_doc IN ARRAY rule.required_documents LOOP
        IF v_doc = 'COA' AND NOT EXISTS (
            SELECT 1 FROM quality.document_links k JOIN quality.documents d ON d.id = k.document_id
            WHERE k.lot_id = v.id AND d.kind = 'coa' AND d.status = 'verified') THEN
            r := r || format('%s requires a verified COA with the shipment', c.name);
        ELSIF v_doc = 'SDS' AND NOT EXISTS (
            SELECT 1 FROM quality.document_links k JOIN quality.documents d ON d.id = k.document_id
            WHERE (k.item_id = v.item_id OR k.lot_id = v.id) AND d.kind = 'sds'
              AND d.status = 'verified' AND d.superseded_by_id IS NULL) THEN
            r := r || format('%s requires a current SDS with the shipment', c.name);
        END IF;
    END LOOP;
    SELECT coalesce(sum(s.qty), 0) INTO on_hand FROM erp.stock s
    JOIN erp.locations l ON l.id = s.location_id
    WHERE s.lot_id = v.id AND l.kind NOT IN ('in_transit', 'returns');
    IF p_qty > on_hand THEN
        r := r || format('only %s on hand, %s asked for', on_hand, p_qty);
    END IF;
    RETURN QUERY SELECT cardinality(r) = 0, r;
END $$;

-- Lots of an item that this customer may receive on this date, first expiring first, with the
-- quantity to take from each until the order is covered.
CREATE FUNCTION quality.suggest_allocation(p_item_id integer, p_customer_id integer,
                                           p_qty numeric, p_date date DEFAULT current_date)
RETURNS TABLE (lot_code text, expiry_date date, available numeric, take numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
    WITH rule AS (SELECT * FROM quality.customer_rules(p_customer_id)),
    free AS (
        SELECT l.id, l.lot_code, l.expiry_date,
               sum(s.qty) - coalesce((SELECT sum(a.qty) FROM erp.allocations a
                                      WHERE a.lot_id = l.id AND a.status = 'open'), 0) AS qty
        FROM erp.lots l
        JOIN erp.stock s ON s.lot_id = l.id
        JOIN erp.locations loc ON loc.id = s.location_id AND loc.kind NOT IN ('in_transit', 'returns')
        CROSS JOIN rule
        WHERE l.item_id = p_item_id AND l.status = 'available'
          AND (l.expiry_date IS NULL OR l.expiry_date > p_date)
          AND (rule.min_days IS NULL OR l.expiry_date IS NULL
               OR l.expiry_date - p_date >= rule.min_days)
          AND (rule.min_percent IS NULL OR l.expiry_date IS NULL OR l.manufacture_date IS NULL
               OR l.expiry_date <= l.manufacture_date
               OR (l.expiry_date - p_date) * 100 >= rule.min_percent * (l.expiry_date - l.manufacture_date))
          AND NOT coalesce(l.supplier_id = ANY(rule.excluded_suppliers), false)
          AND NOT l.lot_code = ANY(rule.excluded_lots)
          AND (NOT 'COA' = ANY(rule.required_documents) OR EXISTS (
                SELECT 1 FROM quality.document_links k JOIN quality.documents d ON d.id = k.document_id
                WHERE k.lot_id = l.id AND d.kind = 'coa' AND d.status = 'verified'))
        GROUP BY l.id, l.lot_code, l.expiry_date
        HAVING sum(s.qty) - coalesce((SELECT sum(a.qty) FROM erp.allocations a
                                       WHERE a.lot_id = l.id AND a.status = 'open'), 0) > 0),
    ordered AS (
        SELECT f.*, sum(f.qty) OVER (ORDER BY f.expiry_date NULLS LAST, f.lot_code) - f.qty AS before
        FROM free f)
    SELECT o.lot_code, o.expiry_date, o.qty, least(o.qty, p_qty - o.before)
    FROM ordered o WHERE o.before < p_qty
    ORDER BY o.expiry_date NULLS LAST, o.lot_code
$$;

-- ---------------------------------------------------------------- quality events and returns
CREATE FUNCTION quality.record_quality_event(p_kind text, p_lot_code text, p_shipment text,
                                             p_location_id integer, p_occurred_at timestamptz,
                                             p_ended_at timestamptz, p_measured_min numeric,
                                             p_measured_max numeric, p_limit_min numeric,
                                             p_limit_max numeric, p_description text,
                                             p_source text DEFAULT 'entered')
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_id bigint;
    v_lot bigint;
    v_shipment bigint;
    v_reason text;
BEGIN
    PERFORM quality._person();
    PERFORM quality._require_role('{lotproof_inspector,lotproof_approver,lotproof_compliance}',
                                  'record quality events');
    IF coalesce(btrim(p_description), '') = '' THEN
        RAISE EXCEPTION 'describe what happened' USING ERRCODE = 'LP422';
    END IF;
    IF p_lot_code IS NOT NULL THEN
        SELECT id INTO v_lot FROM erp.lots WHERE lot_code = p_lot_code;
        IF v_lot IS NULL THEN
            RAISE EXCEPTION 'no lot %', p_lot_code USING ERRCODE = 'LP404';
        END IF;
    END IF;
    IF p_shipment IS NOT NULL THEN
        SELECT id INTO v_shipment FROM erp.shipments WHERE shipment_number = p_shipment;
        IF v_shipment IS NULL THEN
            RAISE EXCEPTION 'no shipment %', p_shipment USING ERRCODE = 'LP404';
        END IF;
    END IF;
    IF v_lot IS NULL AND v_shipment IS NULL AND p_location_id IS NULL THEN
        RAISE EXCEPTION 'a quality event concerns a lot, a shipment or a location' USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('quality_event.record', p_description, NULL);
    INSERT INTO quality.quality_events (kind, lot_id, shipment_id, location_id, occurred_at,
        ended_at, measured_min, measured_max, limit_min, limit_max, description, source,
        recorded_by, recorded_at)
    VALUES (p_kind, v_lot, v_shipment, p_location_id, p_occurred_at, p_ended_at, p_measured_min,
            p_measured_max, p_limit_min, p_limit_max, btrim(p_description), p_source,
            session_user, clock_timestamp())
    RETURNING id INTO v_id;
    IF p_kind = 'temperature_excursion' AND quality.setting('excursion_auto_hold', 'true') = 'true' THEN
        v_reason := format('Temperature excursion (event %s): %s', v_id, btrim(p_description));
        -- The lot named, lots on the shipment, lots stored at the location: those still in hand.
        FOR v_lot IN SELECT DISTINCT x.lot_id FROM (
                SELECT v_lot AS lot_id WHERE v_lot IS NOT NULL
                UNION SELECT sl.lot_id FROM erp.shipment_lines sl WHERE sl.shipment_id = v_shipment
                UNION SELECT s.lot_id FROM erp.stock s WHERE s.location_id = p_location_id AND s.qty > 0) x
            WHERE EXISTS (SELECT 1 FROM erp.stock s WHERE s.lot_id = x.lot_id AND s.qty > 0) LOOP
            PERFORM quality._rule_hold(v_lot, v_reason);
        END LOOP;
    END IF;
    PERFORM quality.refresh_exceptions(NULL, ARRAY['temperature_excursion']);
    RETURN v_id;
END $$;

CREATE FUNCTION quality.inspect_return(p_return_id bigint, p_outcome text, p_reason text,
                                       p_disposition text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
BEGIN
    PERFORM quality._person();
    PERFORM quality._require_role('{lotproof_inspector,lotproof_approver,lotproof_compliance}',
                                  'inspect returns');
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'an inspection needs a reason' USING ERRCODE = 'LP422';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM erp.returns WHERE id = p_return_id) THEN
        RAISE EXCEPTION 'no return %', p_return_id USING ERRCODE = 'LP404';
    END IF;
    PERFORM quality._audit_context('return.inspect', p_reason, NULL);
    INSERT INTO quality.return_inspections (return_id, outcome, disposition, reason, inspected_by,
                                            inspected_at)
    VALUES (p_return_id, p_outcome, p_disposition, btrim(p_reason), session_user, clock_timestamp());
    PERFORM quality.refresh_exceptions(NULL, ARRAY['return_awaiting_inspection']);
END $$;

-- ---------------------------------------------------------------- the exception queue
-- Brings the queue up to date: opens what breaks a rule now, closes what no longer does. With
-- lot ids, only those lots' exceptions; with types, only those types; with neither, everything.
-- Custom plans: with lot ids the query reads those lots by index; without, whole tables.
CREATE FUNCTION quality.refresh_exceptions(p_lot_ids bigint[] DEFAULT NULL,
                                           p_types text[] DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
    v_opened int;
    v_closed int;
    v_today date := current_date;
    v_grace int := quality.setting('document_grace_days', '2')::int;
    v_hold_days int := quality.setting('hold_review_days', '14')::int;
    v_horizon int := quality.setting('expiry_horizon_days', '90')::int;
    v_urgent int := quality.setting('expiry_urgent_days', '30')::int;
    v_sds_days int := quality.setting('sds_review_days', '1095')::int;
    v_return_days int := quality.setting('return_window_days', '60')::int;
BEGIN
    PERFORM quality._audit_context('exception.refresh', NULL, NULL);
    -- `since`: when the problem began (the exception's age), where it is known.
    CREATE TEMP TABLE IF NOT EXISTS _found (type text, key text, lot_id bigint, severity text,
                                            since timestamptz, title text, details jsonb)
        ON COMMIT DROP;
    TRUNCATE _found;
    INSERT INTO _found
    -- A lot waiting for release without its verified COA: first the inspector's, then overdue.
    SELECT CASE WHEN l.created_at < now() - make_interval(days => v_grace)
                THEN 'supplier_document_overdue' ELSE 'missing_document' END,
           'lot:' || l.id, l.id, NULL, l.created_at,
           format('%s: no verified COA (received %s)', l.lot_code, l.created_at::date),
           jsonb_build_object('lot', l.lot_code, 'supplier', s.name)
    FROM erp.lots l JOIN erp.items i ON i.id = l.item_id
    LEFT JOIN erp.suppliers s ON s.id = l.supplier_id
    WHERE l.status = 'quarantine' AND 'COA' = ANY(quality.required_documents_for(l.id))
      AND (p_lot_ids IS NULL OR l.id = ANY(p_lot_ids))
      AND (p_types IS NULL OR p_types && ARRAY['missing_document', 'supplier_document_overdue'])
      AND NOT EXISTS (SELECT 1 FROM quality.document_links k JOIN quality.documents d
                      ON d.id = k.document_id WHERE k.lot_id = l.id AND d.kind = 'coa'
                      AND d.status = 'verified')
    UNION ALL
    SELECT 'out_of_spec', 'lot:' || l.id, l.id, NULL, NULL::timestamptz,
           format('%s: %s', l.lot_code, string_agg(f.problem, '; ')),
           jsonb_build_object('lot', l.lot_code, 'failures', jsonb_agg(f.problem))
    FROM erp.lots l CROSS JOIN LATERAL quality.spec_failures(l.id) f
    WHERE l.status IN ('quarantine', 'available', 'hold')
      AND (p_lot_ids IS NULL OR l.id = ANY(p_lot_ids))
      AND (p_types IS NULL OR p_types && ARRAY['out_of_spec'])
      AND EXISTS (SELECT 1 FROM quality.document_links k JOIN quality.documents d
                  ON d.id = k.document_id WHERE k.lot_id = l.id AND d.kind = 'coa'
                  AND d.status = 'verified')
      AND f.problem NOT LIKE 'no verified COA result%'
    GROUP BY l.id, l.lot_code
    UNION ALL
    SELECT 'expiring_stock', 'lot:' || l.id, l.id,
           CASE WHEN l.expiry_date <= v_today + v_urgent THEN 'high' END,
           (l.expiry_date - v_horizon)::timestamptz,
           format('%s expires %s with %s %s on hand', l.lot_code, l.expiry_date, st.qty, i.uom),
           jsonb_build_object('lot', l.lot_code, 'expiry', l.expiry_date, 'on_hand', st.qty)
    FROM erp.lots l JOIN erp.items i ON i.id = l.item_id
    JOIN LATERAL (SELECT sum(s.qty) AS qty FROM erp.stock s JOIN erp.locations loc
                  ON loc.id = s.location_id WHERE s.lot_id = l.id AND loc.kind <> 'in_transit') st
      ON st.qty > 0
    WHERE l.status = 'available' AND l.expiry_date BETWEEN v_today AND v_today + v_horizon
      AND (p_lot_ids IS NULL OR l.id = ANY(p_lot_ids))
      AND (p_types IS NULL OR p_types && ARRAY['expiring_stock'])
    UNION ALL
    SELECT 'old_hold', 'lot:' || l.id, l.id, NULL, coalesce(ls.updated_at, l.created_at),
           format('%s on hold since %s', l.lot_code, coalesce(ls.updated_at, l.created_at)::date),
           jsonb_build_object('lot', l.lot_code, 'since', coalesce(ls.updated_at, l.created_at))
    FROM erp.lots l LEFT JOIN quality.lot_state ls ON ls.lot_id = l.id
    WHERE l.status = 'hold' AND coalesce(ls.updated_at, l.created_at) < now() - make_interval(days => v_hold_days)
      AND (p_lot_ids IS NULL OR l.id = ANY(p_lot_ids))
      AND (p_types IS NULL OR p_types && ARRAY['old_hold'])
    UNION ALL
    SELECT 'short_dated_allocation', 'allocation:' || a.id, l.id, NULL, NULL,
           format('%s for %s (order %s): %s days of shelf life at %s, %s required', l.lot_code,
                  c.name, o.order_number, l.expiry_date - coalesce(o.requested_date, v_today),
                  coalesce(o.requested_date, v_today), r.min_days),
           jsonb_build_object('lot', l.lot_code, 'order', o.order_number, 'customer', c.name)
    FROM erp.allocations a JOIN erp.lots l ON l.id = a.lot_id
    JOIN erp.sales_order_lines ol ON ol.id = a.order_line_id
    JOIN erp.sales_orders o ON o.id = ol.order_id JOIN erp.customers c ON c.id = o.customer_id
    CROSS JOIN LATERAL quality.customer_rules(c.id) r
    WHERE a.status = 'open' AND r.min_days IS NOT NULL AND l.expiry_date IS NOT NULL
      AND l.expiry_date - coalesce(o.requested_date, v_today) < r.min_days
      AND (p_lot_ids IS NULL OR l.id = ANY(p_lot_ids))
      AND (p_types IS NULL OR p_types && ARRAY['short_dated_allocation'])
    UNION ALL
    SELECT 'shipped_on_hold', 'shipment_line:' || sl.id, l.id, NULL, sh.shipped_at,
           format('%s shipped on %s (%s) while on hold', l.lot_code, sh.shipped_at::date,
                  sh.shipment_number),
           jsonb_build_object('lot', l.lot_code, 'shipment', sh.shipment_number)
    -- Only lots that were ever held can have shipped while on hold.
    FROM (SELECT DISTINCT h.lot_id FROM quality.lot_decisions h
          WHERE h.to_status = 'hold' AND h.state = 'done'
            AND (p_lot_ids IS NULL OR h.lot_id = ANY(p_lot_ids))) held
    JOIN erp.shipment_lines sl ON sl.lot_id = held.lot_id
    JOIN erp.shipments sh ON sh.id = sl.shipment_id
    JOIN erp.lots l ON l.id = sl.lot_id
    JOIN LATERAL (SELECT d.to_status FROM quality.lot_decisions d
                  WHERE d.lot_id = l.id AND d.state = 'done' AND d.completed_at < sh.shipped_at
                  ORDER BY d.completed_at DESC LIMIT 1) last ON last.to_status = 'hold'
    WHERE (p_lot_ids IS NULL OR l.id = ANY(p_lot_ids))
      AND (p_types IS NULL OR p_types && ARRAY['shipped_on_hold'])
    UNION ALL
    SELECT 'temperature_excursion', 'event:' || e.id, e.lot_id, NULL, e.occurred_at,
           format('Temperature excursion: %s', e.description),
           jsonb_build_object('event', e.id, 'min', e.measured_min, 'max', e.measured_max)
    FROM quality.quality_events e
    WHERE e.kind = 'temperature_excursion' AND p_lot_ids IS NULL
      AND (p_types IS NULL OR p_types && ARRAY['temperature_excursion'])
      AND EXISTS (SELECT 1 FROM quality.lot_decisions d JOIN erp.lots l ON l.id = d.lot_id
                  WHERE d.action = 'rule_hold' AND d.reason LIKE format('Temperature excursion (event %s)%%', e.id)
                    AND l.status = 'hold')
    UNION ALL
    SELECT 'unverified_document', 'document:' || d.id, NULL, NULL, d.uploaded_at,
           format('%s (%s) uploaded %s is not reviewed', d.file_name, upper(d.kind), d.uploaded_at::date),
           jsonb_build_object('document', d.id)
    FROM quality.documents d WHERE d.status = 'new' AND p_lot_ids IS NULL
      AND (p_types IS NULL OR p_types && ARRAY['unverified_document'])
    UNION ALL
    SELECT 'sds_out_of_date', 'document:' || d.id, NULL, NULL,
           (d.revision_date + v_sds_days)::timestamptz,
           format('%s: revision %s is older than %s days', d.file_name, d.revision_date, v_sds_days),
           jsonb_build_object('document', d.id, 'revision_date', d.revision_date)
    FROM quality.documents d WHERE d.kind = 'sds' AND d.status = 'verified' AND p_lot_ids IS NULL
      AND (p_types IS NULL OR p_types && ARRAY['sds_out_of_date'])
      AND d.superseded_by_id IS NULL AND d.revision_date < v_today - v_sds_days
    UNION ALL
    SELECT 'return_awaiting_inspection', 'return:' || r.id, r.lot_id, NULL, r.returned_at,
           format('%s returned by %s on %s (%s)', l.lot_code, c.name, r.returned_at::date, r.reason_code),
           jsonb_build_object('rma', r.rma_number, 'lot', l.lot_code)
    FROM erp.returns r JOIN erp.lots l ON l.id = r.lot_id JOIN erp.customers c ON c.id = r.customer_id
    WHERE r.returned_at > now() - make_interval(days => v_return_days)
      AND NOT EXISTS (SELECT 1 FROM quality.return_inspections x WHERE x.return_id = r.id)
      AND (p_lot_ids IS NULL OR r.lot_id = ANY(p_lot_ids))
      AND (p_types IS NULL OR p_types && ARRAY['return_awaiting_inspection'])
    UNION ALL
    SELECT 'quantity_mismatch', 'receipt_line:' || rl.id, rl.lot_id, NULL, l.created_at,
           format('%s received %s, ordered %s', l.lot_code, rl.qty, pl.qty),
           jsonb_build_object('lot', l.lot_code, 'received', rl.qty, 'ordered', pl.qty)
    FROM erp.receipt_lines rl JOIN erp.purchase_order_lines pl ON pl.id = rl.po_line_id
    JOIN erp.lots l ON l.id = rl.lot_id
    WHERE abs(rl.qty - pl.qty) > 0.05 * pl.qty AND l.created_at > now() - interval '90 days'
      AND (p_lot_ids IS NULL OR rl.lot_id = ANY(p_lot_ids))
      AND (p_types IS NULL OR p_types && ARRAY['quantity_mismatch']);

    INSERT INTO quality.exceptions (type, key, severity, owner_role, priority, lot_id, title,
                                    details, opened_at)
    SELECT f.type, f.key, coalesce(f.severity, r.severity), r.owner_role, r.priority, f.lot_id,
           f.title, f.details, least(coalesce(f.since, clock_timestamp()), clock_timestamp())
    FROM _found f JOIN quality.exception_routes r ON r.type = f.type AND r.enabled
    ON CONFLICT (type, key) WHERE closed_at IS NULL DO NOTHING;
    GET DIAGNOSTICS v_opened = ROW_COUNT;

    UPDATE quality.exceptions e
    SET closed_at = clock_timestamp(), closed_by = session_user,
        close_reason = 'resolved: the rule is no longer broken'
    WHERE e.closed_at IS NULL
      AND (p_lot_ids IS NULL OR e.lot_id = ANY(p_lot_ids))
      AND (p_types IS NULL OR e.type = ANY(p_types))
      AND (p_lot_ids IS NULL OR e.type NOT IN ('unverified_document', 'sds_out_of_date', 'temperature_excursion'))
      AND NOT EXISTS (SELECT 1 FROM _found f WHERE f.type = e.type AND f.key = e.key);
    GET DIAGNOSTICS v_closed = ROW_COUNT;
    IF v_opened > 0 THEN
        PERFORM audit.append('exception.refresh', 'quality.exceptions', NULL,
                             CASE WHEN cardinality(p_lot_ids) = 1 THEN p_lot_ids[1] END, NULL,
                             jsonb_build_object('opened', v_opened, 'closed', v_closed,
                                                'lots', to_jsonb(p_lot_ids), 'types', to_jsonb(p_types)),
                             NULL, NULL);
    END IF;
    RETURN jsonb_build_object('opened', v_opened, 'closed', v_closed);
END $$;

CREATE FUNCTION quality.close_exception(p_exception_id bigint, p_reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    e quality.exceptions;
BEGIN
    PERFORM quality._person();
    SELECT * INTO e FROM quality.exceptions WHERE id = p_exception_id FOR UPDATE;
    IF NOT FOUND OR e.closed_at IS NOT NULL THEN
        RAISE EXCEPTION 'exception % is not open', p_exception_id USING ERRCODE = 'LP409';
    END IF;
    PERFORM quality._require_role(ARRAY[e.owner_role, 'lotproof_compliance'], 'close this exception');
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'closing an exception needs a reason' USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('exception.close', p_reason, NULL);
    UPDATE quality.exceptions SET closed_at = clock_timestamp(), closed_by = session_user,
                                  close_reason = btrim(p_reason)
    WHERE id = p_exception_id;
END $$;

CREATE FUNCTION quality.set_exception_route(p_type text, p_owner_role text, p_priority integer,
                                            p_severity text, p_enabled boolean, p_reason text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
BEGIN
    PERFORM quality._person();
    PERFORM quality._require_role('{lotproof_compliance}', 'route exceptions');
    IF p_owner_role NOT IN ('lotproof_inspector', 'lotproof_approver', 'lotproof_compliance',
                            'lotproof_admin') THEN
        RAISE EXCEPTION 'unknown role %', p_owner_role USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('exception.route', p_reason, NULL);
    UPDATE quality.exception_routes SET owner_role = p_owner_role, priority = p_priority,
                                        severity = p_severity, enabled = p_enabled
    WHERE type = p_type;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown exception type %', p_type USING ERRCODE = 'LP404';
    END IF;
    UPDATE quality.exceptions SET owner_role = p_owner_role, priority = p_priority
    WHERE type = p_type AND closed_at IS NULL;
END $$;

-- ---------------------------------------------------------------- audit trail at volume
-- A transaction that appends many rows (a queue rebuild, a recall hold of hundreds of lots) used
-- to update the chain head once per row; every update left a row version that the next append
-- had to step over, so n appends cost O(n^2). The head is now only locked per append (a lock
-- taken again by the same transaction is free), the predecessor is the newest trail row (ids are
-- drawn under that lock, so id order is chain order), and the head is moved once, at commit.
CREATE OR REPLACE FUNCTION audit.append(p_action text, p_record_type text, p_record_id text,
                                        p_lot_id bigint, p_old jsonb, p_new jsonb, p_reason text,
                                        p_signature_id bigint)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_prev text;
    v_id bigint;
    v_at timestamptz;
    v_user text := session_user;
    v_name text;
    v_role text;
    v_workstation text;
    v_hash text;
BEGIN
    SELECT last_hash INTO STRICT v_prev FROM audit.chain_head WHERE id = 1 FOR UPDATE;
    v_at := clock_timestamp();  -- after the lock: the trail's times follow its order
    v_prev := coalesce((SELECT t.row_hash FROM audit.trail t ORDER BY t.id DESC LIMIT 1), v_prev);
    SELECT u.printed_name, u.role INTO v_name, v_role FROM quality.users u WHERE u.username = v_user;
    v_workstation := concat_ws(' ', nullif(current_setting('application_name', true), ''),
                               host(inet_client_addr()));
    v_id := nextval(pg_get_serial_sequence('audit.trail', 'id'));
    v_hash := encode(sha256(convert_to(audit.canonical(
        v_prev, v_id, v_at, v_user, v_name, v_role, v_workstation, p_action, p_record_type,
        p_record_id, p_lot_id, p_old, p_new, p_reason, p_signature_id), 'UTF8')), 'hex');
    INSERT INTO audit.trail (id, at, username, printed_name, role, workstation, action,
                             record_type, record_id, lot_id, old_values, new_values, reason,
                             signature_id, prev_hash, row_hash)
    VALUES (v_id, v_at, v_user, v_name, v_role, v_workstation, p_action, p_record_type,
            p_record_id, p_lot_id, p_old, p_new, p_reason, p_signature_id, v_prev, v_hash);
    RETURN v_id;
END $$;

CREATE FUNCTION audit.advance_head() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
BEGIN
    IF NEW.id = (SELECT max(t.id) FROM audit.trail t) THEN
        UPDATE audit.chain_head SET last_id = NEW.id, last_hash = NEW.row_hash WHERE id = 1;
    END IF;
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION audit.advance_head() FROM PUBLIC;

CREATE CONSTRAINT TRIGGER trail_advance_head AFTER INSERT ON audit.trail
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit.advance_head();

-- ---------------------------------------------------------------- grants
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA quality FROM PUBLIC;
GRANT EXECUTE ON FUNCTION quality.whoami(), quality.lot_match_key(text) TO PUBLIC;
GRANT SELECT ON ALL TABLES IN SCHEMA quality TO
    lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
GRANT EXECUTE ON FUNCTION
    quality.convert_unit(numeric, text, text),
    quality.supplier_status(integer, text),
    quality.rule_versions_for(bigint),
    quality.spec_failures(bigint),
    quality.required_documents_for(bigint),
    quality.customer_rules(integer),
    quality.suggest_allocation(integer, integer, numeric, date)
TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
GRANT EXECUTE ON FUNCTION
    quality.refresh_exceptions(bigint[], text[]),
    quality.close_exception(bigint, text),
    quality.record_quality_event(text, text, text, integer, timestamptz, timestamptz, numeric,
                                 numeric, numeric, numeric, text, text),
    quality.inspect_return(bigint, text, text, text)
TO lotproof_inspector, lotproof_approver, lotproof_compliance;
GRANT EXECUTE ON FUNCTION
    quality.set_item_specs(integer, jsonb, text),
    quality.set_supplier_approval(integer, text, text, text),
    quality.set_customer_requirements(integer, integer, integer, integer[], text[], text[], text),
    quality.set_exception_route(text, text, integer, text, boolean, text),
    quality.set_document_requirements(integer, integer, text[], text)
TO lotproof_compliance;

-- Every workstation reads the schema version it is talking to (refused when newer than it knows).
GRANT USAGE ON SCHEMA public TO
    lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
GRANT SELECT ON public.alembic_version TO
    lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
