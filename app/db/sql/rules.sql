-- Compliance rules, versioned, and the holds they make: specifications, approved suppliers, customer and document requirements.
--
-- requires: audit_trail, lots

-- ---------------------------------------------------------------- changing the rules
-- Who may change a rule, and that the change says why (kept with the new version).
CREATE OR REPLACE FUNCTION quality._rule_change(p_what text, p_reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM quality._person();
    PERFORM quality._require_role('{lotproof_compliance}', 'change ' || p_what);
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'a change of % needs a reason', p_what USING ERRCODE = 'LP422';
    END IF;
END $$;

CREATE OR REPLACE FUNCTION quality.set_item_specs(p_item_id integer, p_tests jsonb, p_reason text)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
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
    PERFORM pg_advisory_xact_lock(hashtext('lotproof.rules.erp.items'), p_item_id);
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
    FOR v_lot IN SELECT l.id FROM quality.lots l WHERE l.item_id = p_item_id AND l.status = 'quarantine'
                   AND EXISTS (SELECT 1 FROM quality.lot_results(l.id)) LOOP
        PERFORM quality.apply_lot_rules(v_lot);
    END LOOP;
    PERFORM quality._refresh_exceptions(ARRAY(
        SELECT l.id FROM quality.lots l WHERE l.item_id = p_item_id
          AND EXISTS (SELECT 1 FROM quality.document_links k WHERE k.lot_id = l.id)));
    RETURN v_version;
END $$;

CREATE OR REPLACE FUNCTION quality.set_supplier_approval(p_supplier_id integer, p_category text,
                                              p_status text, p_reason text)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
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
    PERFORM pg_advisory_xact_lock(hashtext('lotproof.rules.erp.suppliers'), p_supplier_id);
    v_version := coalesce((SELECT max(version) FROM quality.supplier_approvals
                           WHERE supplier_id = p_supplier_id AND category = p_category), 0) + 1;
    INSERT INTO quality.supplier_approvals (supplier_id, category, status, version, reason, set_by, set_at)
    VALUES (p_supplier_id, p_category, p_status, v_version, btrim(p_reason), session_user,
            clock_timestamp());
    RETURN v_version;
END $$;

CREATE OR REPLACE FUNCTION quality.set_customer_requirements(p_customer_id integer, p_min_days integer,
                                                  p_min_percent integer,
                                                  p_excluded_suppliers integer[],
                                                  p_excluded_lots text[],
                                                  p_required_documents text[], p_reason text)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_version integer;
BEGIN
    PERFORM quality._rule_change('customer requirements', p_reason);
    IF p_min_percent IS NOT NULL AND (p_min_percent < 0 OR p_min_percent > 100) THEN
        RAISE EXCEPTION 'a shelf-life percentage is between 0 and 100' USING ERRCODE = 'LP422';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(p_required_documents) d
               WHERE d IS NULL OR d NOT IN ('COA', 'SDS', 'ALLERGEN_STATEMENT', 'CUSTOMER_COA', 'COC')) THEN
        RAISE EXCEPTION 'documents with a shipment are COA (the supplier''s), SDS, ALLERGEN_STATEMENT, CUSTOMER_COA (our certificate of analysis) or COC (our certificate of conformance), not %',
            (SELECT string_agg(coalesce(d, 'an empty name'), ', ') FROM unnest(p_required_documents) d
             WHERE d IS NULL OR d NOT IN ('COA', 'SDS', 'ALLERGEN_STATEMENT', 'CUSTOMER_COA', 'COC'))
            USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('customer.requirements', p_reason, NULL);
    PERFORM pg_advisory_xact_lock(hashtext('lotproof.rules.erp.customers'), p_customer_id);
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
CREATE OR REPLACE FUNCTION quality.set_document_requirements(p_item_id integer, p_supplier_id integer,
                                                  p_documents text[], p_reason text)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
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
        PERFORM pg_advisory_xact_lock(hashtext('lotproof.rules.erp.items'), p_item_id);
    ELSE
        PERFORM pg_advisory_xact_lock(hashtext('lotproof.rules.erp.suppliers'), p_supplier_id);
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

CREATE OR REPLACE FUNCTION quality.customer_rules(p_customer_id integer)
RETURNS TABLE (min_days integer, min_percent integer, excluded_suppliers integer[],
               excluded_lots text[], required_documents text[], version integer)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
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
CREATE OR REPLACE FUNCTION quality._rule_hold(p_lot_id bigint, p_reason text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v quality.lots;
BEGIN
    PERFORM 1 FROM quality.lot_state WHERE lot_id = p_lot_id FOR NO KEY UPDATE;
    SELECT * INTO v FROM quality.lots WHERE id = p_lot_id;
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
CREATE OR REPLACE FUNCTION quality.apply_lot_rules(p_lot_id bigint) RETURNS text[]
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_failures text[];
BEGIN
    SELECT array_agg(problem) INTO v_failures FROM quality.spec_failures(p_lot_id)
    WHERE problem NOT LIKE 'no verified COA result for %'
       OR EXISTS (SELECT 1 FROM quality.lot_results(p_lot_id));
    IF cardinality(v_failures) > 0 THEN
        PERFORM quality._rule_hold(p_lot_id, 'Out of specification: ' || array_to_string(v_failures, '; '));
        IF NOT EXISTS (SELECT 1 FROM quality.ncrs n JOIN quality.ncr_lots k ON k.ncr_id = n.id
                       WHERE k.lot_id = p_lot_id AND n.source = 'out_of_spec'
                         AND n.status NOT IN ('closed', 'cancelled')) THEN
            PERFORM quality._open_ncr('out_of_spec', NULL, ARRAY[p_lot_id], NULL, NULL, 'major',
                format('Lot %s out of specification', (SELECT lot_code FROM quality.lots WHERE id = p_lot_id)),
                array_to_string(v_failures, '; '));
        END IF;
    END IF;
    RETURN coalesce(v_failures, '{}');
END $$;

-- A lot the ERP has just made: in quarantine, with Lotproof's state; a receipt from a supplier
-- not approved for the item's category lands on hold. The adapters' triggers call this for
-- every new lot of the ERP (app/db/sql/erp_*.sql).
CREATE OR REPLACE FUNCTION quality.lot_received(p_lot_id bigint, p_from_supplier boolean)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v quality.lots;
    v_category text;
    v_status text;
BEGIN
    PERFORM quality._audit_context('lot.receive', 'received into quarantine', NULL);
    INSERT INTO quality.lot_state (lot_id, status, version, released_once, updated_at)
    VALUES (p_lot_id, 'quarantine', 0, false, clock_timestamp())
    ON CONFLICT (lot_id) DO NOTHING;
    SELECT * INTO v FROM quality.lots WHERE id = p_lot_id;
    IF NOT p_from_supplier OR v.supplier_id IS NULL THEN
        RETURN;
    END IF;
    SELECT category INTO v_category FROM erp.items WHERE id = v.item_id;
    v_status := coalesce(quality.supplier_status(v.supplier_id, v_category), 'not approved');
    -- Conditional approval buys with closer inspection: the lot waits in quarantine as usual.
    IF v_status NOT IN ('approved', 'conditional') THEN
        PERFORM quality._rule_hold(p_lot_id, format('Received from supplier %s, which is %s for %s',
            (SELECT name FROM erp.suppliers WHERE id = v.supplier_id), v_status,
            replace(v_category, '_', ' ')));
    END IF;
END $$;

CREATE OR REPLACE TRIGGER audit_item_specs AFTER INSERT OR UPDATE OR DELETE ON quality.item_specs
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
-- Compliance rules that act at the point of decision, and the exception queue.
--
-- Rules are versioned: a change adds a version (specs, supplier approvals per category,
-- customer requirements), older versions stay, and every decision records the versions that
-- applied to it (quality.lot_decisions.rule_versions).
-- ---------------------------------------------------------------- auditing and defaults
CREATE OR REPLACE TRIGGER audit_spec_versions AFTER INSERT OR UPDATE OR DELETE ON quality.spec_versions
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE OR REPLACE TRIGGER audit_supplier_approvals AFTER INSERT OR UPDATE OR DELETE ON quality.supplier_approvals
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE OR REPLACE TRIGGER audit_customer_requirements AFTER INSERT OR UPDATE OR DELETE ON quality.customer_requirements
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE OR REPLACE TRIGGER audit_retention_rules AFTER INSERT OR UPDATE OR DELETE ON quality.retention_rules
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('record_type');
CREATE OR REPLACE TRIGGER spec_versions_kept BEFORE UPDATE OR DELETE ON quality.spec_versions
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE OR REPLACE TRIGGER supplier_approvals_kept BEFORE UPDATE OR DELETE ON quality.supplier_approvals
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE OR REPLACE TRIGGER customer_requirements_kept BEFORE UPDATE OR DELETE ON quality.customer_requirements
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE OR REPLACE TRIGGER audit_document_requirements AFTER INSERT OR UPDATE OR DELETE ON quality.document_requirements
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE OR REPLACE TRIGGER document_requirements_kept BEFORE UPDATE OR DELETE ON quality.document_requirements
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();


GRANT EXECUTE ON FUNCTION
    quality.set_item_specs(integer, jsonb, text),
    quality.set_supplier_approval(integer, text, text, text),
    quality.set_customer_requirements(integer, integer, integer, integer[], text[], text[], text),
    quality.set_document_requirements(integer, integer, text[], text)
TO lotproof_compliance;
GRANT EXECUTE ON FUNCTION
    quality.customer_rules(integer)
TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
