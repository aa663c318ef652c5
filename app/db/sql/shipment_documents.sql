-- What leaves the building with a lot: the company's own certificate for a shipment line (a
-- certificate of analysis, or of conformance) and the SDS revisions a customer has been sent.
-- The database decides what a certificate says and whether it may be issued; the PDF is only
-- its layout (app/reports/customer_certificate.py).
--
-- requires: audit_trail, lots, relabels, release_checks, rules, signatures

-- ---------------------------------------------------------------- customers' own limits
CREATE OR REPLACE FUNCTION quality.set_customer_spec(p_customer_id integer, p_item_id integer,
                                                     p_test text, p_min numeric, p_max numeric,
                                                     p_unit text, p_text_requirement text,
                                                     p_reason text)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_version integer;
    v_remove boolean := p_min IS NULL AND p_max IS NULL AND nullif(btrim(p_text_requirement), '') IS NULL;
BEGIN
    PERFORM quality._rule_change('a customer''s limits', p_reason);
    IF NOT EXISTS (SELECT 1 FROM erp.customers WHERE id = p_customer_id) THEN
        RAISE EXCEPTION 'no customer %', p_customer_id USING ERRCODE = 'LP404';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM erp.items WHERE id = p_item_id) THEN
        RAISE EXCEPTION 'no item %', p_item_id USING ERRCODE = 'LP404';
    END IF;
    IF coalesce(btrim(p_test), '') = '' THEN
        RAISE EXCEPTION 'name the test the customer''s limits are for' USING ERRCODE = 'LP422';
    END IF;
    IF p_min > p_max THEN
        RAISE EXCEPTION 'the minimum % is above the maximum %', p_min, p_max USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('customer.spec', p_reason, NULL);
    PERFORM pg_advisory_xact_lock(hashtext('lotproof.rules.customer_specs'), p_customer_id);
    v_version := coalesce((SELECT max(version) FROM quality.customer_specs
                           WHERE customer_id = p_customer_id AND item_id = p_item_id
                             AND lower(test) = lower(btrim(p_test))), 0) + 1;
    UPDATE quality.customer_specs SET active = false
    WHERE customer_id = p_customer_id AND item_id = p_item_id AND lower(test) = lower(btrim(p_test))
      AND active;
    INSERT INTO quality.customer_specs (customer_id, item_id, test, version, min_value, max_value,
        unit, text_requirement, active, reason, set_by, set_at)
    VALUES (p_customer_id, p_item_id, btrim(p_test), v_version, p_min, p_max,
            nullif(btrim(p_unit), ''), nullif(btrim(p_text_requirement), ''), NOT v_remove,
            btrim(p_reason), session_user, clock_timestamp());
    RETURN v_version;
END $$;

CREATE OR REPLACE FUNCTION quality.set_certificate_profile(p_customer_id integer, p_kind text,
                                                           p_template text, p_statement text,
                                                           p_reason text)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_version integer;
BEGIN
    PERFORM quality._rule_change('a customer''s certificate', p_reason);
    IF NOT EXISTS (SELECT 1 FROM erp.customers WHERE id = p_customer_id) THEN
        RAISE EXCEPTION 'no customer %', p_customer_id USING ERRCODE = 'LP404';
    END IF;
    IF p_kind IS NULL OR p_kind NOT IN ('coa', 'coc') THEN
        RAISE EXCEPTION 'a certificate is a coa (of analysis) or a coc (of conformance), not %',
            coalesce(p_kind, 'nothing') USING ERRCODE = 'LP422';
    END IF;
    IF p_template IS NULL OR p_template NOT IN ('standard', 'compact') THEN
        RAISE EXCEPTION 'certificate templates are standard and compact, not %',
            coalesce(p_template, 'nothing') USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('customer.certificate_profile', p_reason, NULL);
    PERFORM pg_advisory_xact_lock(hashtext('lotproof.rules.certificate_profiles'), p_customer_id);
    v_version := coalesce((SELECT max(version) FROM quality.certificate_profiles
                           WHERE customer_id = p_customer_id), 0) + 1;
    INSERT INTO quality.certificate_profiles (customer_id, version, kind, template, statement,
                                              reason, set_by, set_at)
    VALUES (p_customer_id, v_version, p_kind, p_template, nullif(btrim(p_statement), ''),
            btrim(p_reason), session_user, clock_timestamp());
    RETURN v_version;
END $$;

-- The certificates a customer asks for with each shipment: from its requirements
-- (CUSTOMER_COA, COC), or the kind its certificate profile names.
CREATE OR REPLACE FUNCTION quality.certificates_required(p_customer_id integer) RETURNS text[]
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(array_agg(DISTINCT k ORDER BY k), '{}') FROM (
        SELECT CASE d WHEN 'CUSTOMER_COA' THEN 'coa' WHEN 'COC' THEN 'coc' END AS k
        FROM quality.customer_rules(p_customer_id) r, unnest(r.required_documents) d) x
    WHERE k IS NOT NULL
$$;

-- ---------------------------------------------------------------- what a certificate says
-- Each test the company's spec (or the customer's own limits) covers, with the result that
-- answers it: the company's own receiving inspection first, else the verified supplier COA,
-- each saying which; judged against the customer's limits where it has them.
CREATE OR REPLACE FUNCTION quality.certificate_results(p_lot_id bigint, p_customer_id integer)
RETURNS TABLE (test text, method text, result_text text, value numeric, unit text,
               source text, source_ref text, min_value numeric, max_value numeric,
               spec_unit text, text_requirement text, limits_from text, passed boolean,
               problem text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_item integer := (SELECT item_id FROM quality.lots WHERE id = p_lot_id);
    t record;
    own record;
    r quality.coa_results;
BEGIN
    FOR t IN
        SELECT coalesce(cu.test, co.test) AS test,
               CASE WHEN cu.id IS NULL THEN co.min_value ELSE cu.min_value END AS lo,
               CASE WHEN cu.id IS NULL THEN co.max_value ELSE cu.max_value END AS hi,
               CASE WHEN cu.id IS NULL THEN co.unit ELSE coalesce(cu.unit, co.unit) END AS unit,
               CASE WHEN cu.id IS NULL THEN co.text_requirement ELSE cu.text_requirement END AS req,
               CASE WHEN cu.id IS NULL THEN 'company spec' ELSE 'customer' END AS limits_from
        FROM (SELECT * FROM quality.item_specs s WHERE s.item_id = v_item AND s.active) co
        FULL JOIN (SELECT * FROM quality.customer_specs c
                   WHERE c.customer_id = p_customer_id AND c.item_id = v_item AND c.active) cu
          ON lower(cu.test) = lower(co.test)
        ORDER BY co.id IS NULL, co.id, 1
    LOOP
        test := t.test; min_value := t.lo; max_value := t.hi; spec_unit := t.unit;
        text_requirement := t.req; limits_from := t.limits_from;
        SELECT i.id AS inspection_id, i.completed_at, rs.value AS v, rs.passed AS ok, c.unit AS u
        INTO own
        FROM quality.inspections i
        JOIN quality.inspection_results rs ON rs.inspection_id = i.id
        JOIN quality.inspection_characteristics c ON c.id = rs.characteristic_id
        WHERE i.lot_id = ANY(quality.controlled_lineage(p_lot_id))  -- a relabel keeps them
          AND i.status IN ('passed', 'failed') AND lower(c.name) = lower(t.test)
        ORDER BY i.completed_at DESC, i.id DESC LIMIT 1;
        IF FOUND THEN
            method := NULL; value := own.v; unit := own.u;
            result_text := CASE WHEN own.v IS NOT NULL THEN NULL
                                WHEN own.ok THEN 'Conforms' ELSE 'Does not conform' END;
            source := 'own inspection';
            source_ref := format('receiving inspection %s, %s', own.inspection_id,
                                 to_char(own.completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'));
            -- a check recorded pass/fail was judged against the plan when it was recorded
            problem := CASE WHEN own.v IS NULL THEN
                               CASE WHEN own.ok THEN NULL
                                    ELSE format('%s: failed at receiving inspection %s', t.test,
                                                own.inspection_id) END
                            ELSE quality.result_problem(t.test, t.lo, t.hi, t.unit, t.req,
                                                        own.v, own.u, NULL) END;
        ELSE
            SELECT x.* INTO r FROM quality.lot_results(p_lot_id) x
            WHERE lower(x.test) = lower(t.test) ORDER BY x.id DESC LIMIT 1;
            IF FOUND THEN
                method := r.method; value := r.value; unit := r.unit; result_text := r.result_text;
                source := 'supplier COA';
                source_ref := (SELECT format('%s, verified %s', d.file_name,
                                             to_char(d.verified_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'))
                               FROM quality.documents d WHERE d.id = r.document_id);
                problem := quality.result_problem(t.test, t.lo, t.hi, t.unit, t.req, r.value,
                                                  r.unit, r.result_text);
            ELSE
                method := NULL; value := NULL; unit := NULL; result_text := NULL;
                source := NULL; source_ref := NULL;
                problem := format('no verified result for %s', t.test);
            END IF;
        END IF;
        passed := problem IS NULL;
        RETURN NEXT;
    END LOOP;
END $$;

-- The signed release a certificate rests on: the newest done release of the lot (or of the lot
-- it was relabelled or repacked from under control) with a valid signature.
CREATE OR REPLACE FUNCTION quality.release_signatures(p_lot_id bigint)
RETURNS TABLE (signature_id bigint, printed_name text, username text, role text, meaning text,
               signed_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT s.id, s.printed_name, s.username, s.role, s.meaning, s.signed_at
    FROM quality.signatures s
    WHERE s.record_type = 'lot_decision' AND quality.signature_valid(s.id)
      AND s.record_id = (SELECT d.id FROM quality.lot_decisions d
                         WHERE d.lot_id = ANY(quality.controlled_lineage(p_lot_id))
                           AND d.action = 'release' AND d.state = 'done'
                         ORDER BY d.created_at DESC, d.id DESC LIMIT 1)
    ORDER BY s.signed_at, s.id
$$;

-- Why this certificate cannot be issued for this lot to this customer now; empty when it can.
CREATE OR REPLACE FUNCTION quality.certificate_blockers(p_lot_id bigint, p_customer_id integer,
                                                        p_kind text)
RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v quality.lots;
    b text[] := '{}';
BEGIN
    SELECT * INTO v FROM quality.lots WHERE id = p_lot_id;
    IF NOT FOUND THEN
        RETURN ARRAY[format('no lot %s', p_lot_id)];
    END IF;
    IF v.status <> 'available' THEN
        b := b || format('lot %s is %s', v.lot_code, replace(v.status, '_', ' '));
    END IF;
    IF NOT EXISTS (SELECT 1 FROM quality.release_signatures(p_lot_id)) THEN
        b := b || format('lot %s has no signed release for the certificate to rest on', v.lot_code);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM quality.item_specs s WHERE s.item_id = v.item_id AND s.active)
       AND NOT EXISTS (SELECT 1 FROM quality.customer_specs c WHERE c.item_id = v.item_id
                         AND c.customer_id = p_customer_id AND c.active) THEN
        b := b || format('item %s has no specification to certify against',
                         (SELECT sku FROM erp.items WHERE id = v.item_id));
    END IF;
    -- A certificate of conformance states the same results meet the spec without listing them.
    b := b || coalesce((SELECT array_agg(r.problem) FROM quality.certificate_results(p_lot_id, p_customer_id) r
                        WHERE r.problem IS NOT NULL), '{}');
    RETURN b;
END $$;

-- Each line of a shipment with the certificate it needs (or, where the customer asks for none,
-- the one it would get on request), and why it cannot be issued yet.
CREATE OR REPLACE FUNCTION quality.shipment_certificates(p_shipment_id bigint)
RETURNS TABLE (shipment_line_id bigint, lot_code text, item text, qty numeric, kind text,
               required boolean, blockers text[], issued_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    WITH s AS (
        SELECT x.id, x.customer_id,
               coalesce((SELECT p.kind FROM quality.certificate_profiles p
                         WHERE p.customer_id = x.customer_id ORDER BY p.version DESC LIMIT 1),
                        'coa') AS on_request
        FROM erp.shipments x WHERE x.id = p_shipment_id)
    SELECT sl.id, l.lot_code, i.sku || ' ' || i.name, sl.qty, coalesce(k.kind, s.on_request),
           k.kind IS NOT NULL,
           quality.certificate_blockers(l.id, s.customer_id, coalesce(k.kind, s.on_request)),
           (SELECT max(c.id) FROM quality.issued_certificates c
            WHERE c.shipment_line_id = sl.id AND c.kind = coalesce(k.kind, s.on_request))
    FROM s
    JOIN erp.shipment_lines sl ON sl.shipment_id = s.id
    JOIN quality.lots l ON l.id = sl.lot_id
    JOIN erp.items i ON i.id = l.item_id
    LEFT JOIN LATERAL unnest(quality.certificates_required(s.customer_id)) AS k(kind) ON true
    ORDER BY sl.id, 5
$$;

-- ---------------------------------------------------------------- issuing one
-- The certificate's content is gathered here, from the records, and kept with its digest:
-- what the customer was told can be shown again, and a PDF changed afterwards told apart.
CREATE OR REPLACE FUNCTION quality.issue_certificate(p_shipment_line_id bigint, p_kind text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_line record;
    v_lot quality.lots;
    v_blockers text[];
    v_profile quality.certificate_profiles;
    v_content jsonb;
    v_id bigint;
BEGIN
    PERFORM quality._person();
    PERFORM quality._require_role('{lotproof_inspector,lotproof_approver,lotproof_compliance}',
                                  'issue a customer certificate');
    IF p_kind IS NULL OR p_kind NOT IN ('coa', 'coc') THEN
        RAISE EXCEPTION 'a certificate is a coa (of analysis) or a coc (of conformance), not %',
            coalesce(p_kind, 'nothing') USING ERRCODE = 'LP422';
    END IF;
    SELECT sl.id, sl.shipment_id, sl.lot_id, sl.qty, s.shipment_number, s.customer_id,
           s.shipped_at, s.ship_to, c.name AS customer, c.code AS customer_code,
           o.order_number, ol.line_no
    INTO v_line
    FROM erp.shipment_lines sl
    JOIN erp.shipments s ON s.id = sl.shipment_id
    JOIN erp.customers c ON c.id = s.customer_id
    LEFT JOIN erp.sales_order_lines ol ON ol.id = sl.order_line_id
    LEFT JOIN erp.sales_orders o ON o.id = ol.order_id
    WHERE sl.id = p_shipment_line_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no shipment line %', p_shipment_line_id USING ERRCODE = 'LP404';
    END IF;
    -- the lot's state cannot change while its certificate is written
    PERFORM 1 FROM quality.lot_state WHERE lot_id = v_line.lot_id FOR SHARE;
    SELECT * INTO v_lot FROM quality.lots WHERE id = v_line.lot_id;
    v_blockers := quality.certificate_blockers(v_lot.id, v_line.customer_id, p_kind);
    IF cardinality(v_blockers) > 0 THEN
        RAISE EXCEPTION 'the certificate for lot % cannot be issued: %', v_lot.lot_code,
            array_to_string(v_blockers, '; ') USING ERRCODE = 'LP409';
    END IF;
    SELECT * INTO v_profile FROM quality.certificate_profiles
    WHERE customer_id = v_line.customer_id ORDER BY version DESC LIMIT 1;
    v_content := jsonb_build_object(
        'kind', p_kind,
        'template', coalesce(v_profile.template, 'standard'),
        'statement', v_profile.statement,
        'shipment', jsonb_build_object('number', v_line.shipment_number,
                                       'shipped_at', v_line.shipped_at, 'ship_to', v_line.ship_to,
                                       'order', v_line.order_number, 'order_line', v_line.line_no,
                                       'qty', v_line.qty),
        'customer', jsonb_build_object('code', v_line.customer_code, 'name', v_line.customer),
        'lot', (SELECT jsonb_build_object(
                    'lot_code', v_lot.lot_code, 'sku', i.sku, 'item', i.name, 'gtin', i.gtin,
                    'uom', i.uom, 'manufacture_date', v_lot.manufacture_date,
                    'expiry_date', v_lot.expiry_date, 'supplier_lot_code', v_lot.supplier_lot_code)
                FROM erp.items i WHERE i.id = v_lot.item_id),
        'results', (SELECT coalesce(jsonb_agg(to_jsonb(r)), '[]') FROM
                    quality.certificate_results(v_lot.id, v_line.customer_id) r),
        'release', (SELECT coalesce(jsonb_agg(to_jsonb(s)), '[]') FROM
                    quality.release_signatures(v_lot.id) s),
        'site', (SELECT jsonb_build_object('name', x.name, 'address', x.address)
                 FROM erp.sites x WHERE x.id = v_lot.site_id));
    PERFORM quality._audit_context('certificate.issue',
        format('%s for lot %s on shipment %s', upper(p_kind), v_lot.lot_code, v_line.shipment_number),
        NULL);
    INSERT INTO quality.issued_certificates (kind, shipment_id, shipment_line_id, lot_id,
        customer_id, template, content, sha256, issued_by, issued_at)
    VALUES (p_kind, v_line.shipment_id, v_line.id, v_lot.id, v_line.customer_id,
            coalesce(v_profile.template, 'standard'), v_content,
            encode(sha256(convert_to(v_content::text, 'UTF8')), 'hex'), session_user,
            clock_timestamp())
    RETURNING id INTO v_id;
    RETURN v_id;
END $$;

-- Does an issued certificate still hold what it held when issued?
CREATE OR REPLACE FUNCTION quality.certificate_intact(p_id bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT c.sha256 = encode(sha256(convert_to(c.content::text, 'UTF8')), 'hex')
    FROM quality.issued_certificates c WHERE c.id = p_id
$$;

-- ---------------------------------------------------------------- SDS with the goods
CREATE OR REPLACE FUNCTION quality._current_sds(p_item_id integer)
RETURNS TABLE (id bigint, revision_date date)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT d.id, d.revision_date FROM quality.document_links k
    JOIN quality.documents d ON d.id = k.document_id
    WHERE k.item_id = p_item_id AND d.kind = 'sds' AND d.status = 'verified'
      AND d.superseded_by_id IS NULL
      AND (cardinality(k.mismatches) = 0 OR k.confirmed_at IS NOT NULL)
    ORDER BY d.revision_date DESC NULLS LAST, d.id DESC LIMIT 1
$$;

-- The current SDS of each hazardous item on a shipment that its customer has not been sent:
-- with the first shipment of the item, and again after each revision.
CREATE OR REPLACE FUNCTION quality.sds_due(p_shipment_id bigint)
RETURNS TABLE (item_id integer, item text, document_id bigint, revision_date date, why text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    WITH items AS (
        SELECT DISTINCT s.customer_id, i.id, i.sku || ' ' || i.name AS item
        FROM erp.shipments s
        JOIN erp.shipment_lines sl ON sl.shipment_id = s.id
        JOIN quality.lots l ON l.id = sl.lot_id
        JOIN erp.items i ON i.id = l.item_id
        WHERE s.id = p_shipment_id AND i.hazardous)
    SELECT x.id, x.item, cur.id, cur.revision_date,
           CASE WHEN cur.id IS NULL THEN 'no current verified SDS for the item'
                WHEN NOT EXISTS (SELECT 1 FROM quality.sds_deliveries v
                                 WHERE v.customer_id = x.customer_id AND v.item_id = x.id)
                    THEN 'first shipment of the item to the customer'
                ELSE 'the SDS was revised since the customer''s copy' END
    FROM items x
    LEFT JOIN LATERAL quality._current_sds(x.id) cur ON true
    WHERE cur.id IS NULL OR NOT EXISTS (SELECT 1 FROM quality.sds_deliveries v
                                        WHERE v.customer_id = x.customer_id AND v.document_id = cur.id)
    ORDER BY x.item
$$;

CREATE OR REPLACE FUNCTION quality.record_sds_sent(p_shipment_id bigint, p_document_id bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_item integer;
    v_customer integer := (SELECT customer_id FROM erp.shipments WHERE id = p_shipment_id);
BEGIN
    PERFORM quality._person();
    PERFORM quality._require_role('{lotproof_inspector,lotproof_approver,lotproof_compliance}',
                                  'record an SDS sent to a customer');
    IF v_customer IS NULL THEN
        RAISE EXCEPTION 'no shipment %', p_shipment_id USING ERRCODE = 'LP404';
    END IF;
    SELECT d.item_id INTO v_item FROM quality.sds_due(p_shipment_id) d WHERE d.document_id = p_document_id;
    IF v_item IS NULL THEN
        IF EXISTS (SELECT 1 FROM quality.sds_deliveries WHERE customer_id = v_customer
                     AND document_id = p_document_id) THEN
            RETURN;  -- sent before: nothing new to record
        END IF;
        RAISE EXCEPTION 'document % is not the current SDS of an item on shipment %', p_document_id,
            p_shipment_id USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('sds.sent', format('with shipment %s', p_shipment_id), NULL);
    INSERT INTO quality.sds_deliveries (customer_id, item_id, document_id, shipment_id,
                                        recorded_by, recorded_at)
    VALUES (v_customer, v_item, p_document_id, p_shipment_id, session_user, clock_timestamp());
END $$;

-- Customers who have received a hazardous item but not its current SDS revision.
CREATE OR REPLACE FUNCTION quality.customers_missing_current_sds()
RETURNS TABLE (customer_id integer, customer text, item_id integer, item text,
               document_id bigint, revision_date date, sent_revision date, last_shipped timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    WITH shipped AS (
        SELECT s.customer_id, l.item_id, max(s.shipped_at) AS last_shipped
        FROM erp.shipments s
        JOIN erp.shipment_lines sl ON sl.shipment_id = s.id
        JOIN quality.lots l ON l.id = sl.lot_id
        JOIN erp.items i ON i.id = l.item_id AND i.hazardous
        WHERE s.shipped_at IS NOT NULL
        GROUP BY s.customer_id, l.item_id)
    SELECT x.customer_id, c.name, x.item_id, i.sku || ' ' || i.name, cur.id, cur.revision_date,
           (SELECT max(d.revision_date) FROM quality.sds_deliveries v
            JOIN quality.documents d ON d.id = v.document_id
            WHERE v.customer_id = x.customer_id AND v.item_id = x.item_id),
           x.last_shipped
    FROM shipped x
    JOIN erp.customers c ON c.id = x.customer_id
    JOIN erp.items i ON i.id = x.item_id
    LEFT JOIN LATERAL quality._current_sds(x.item_id) cur ON true
    WHERE cur.id IS NULL OR NOT EXISTS (SELECT 1 FROM quality.sds_deliveries v
                                        WHERE v.customer_id = x.customer_id AND v.document_id = cur.id)
    ORDER BY c.name, i.sku
$$;

CREATE OR REPLACE TRIGGER audit_customer_specs AFTER INSERT OR UPDATE OR DELETE ON quality.customer_specs
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE OR REPLACE TRIGGER audit_certificate_profiles AFTER INSERT OR UPDATE OR DELETE ON quality.certificate_profiles
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE OR REPLACE TRIGGER audit_issued_certificates AFTER INSERT OR UPDATE OR DELETE ON quality.issued_certificates
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE OR REPLACE TRIGGER audit_sds_deliveries AFTER INSERT OR UPDATE OR DELETE ON quality.sds_deliveries
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE OR REPLACE TRIGGER issued_certificates_kept BEFORE UPDATE OR DELETE ON quality.issued_certificates
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();

GRANT EXECUTE ON FUNCTION
    quality.set_customer_spec(integer, integer, text, numeric, numeric, text, text, text),
    quality.set_certificate_profile(integer, text, text, text, text)
TO lotproof_compliance;
GRANT EXECUTE ON FUNCTION
    quality.issue_certificate(bigint, text),
    quality.record_sds_sent(bigint, bigint)
TO lotproof_inspector, lotproof_approver, lotproof_compliance;
GRANT EXECUTE ON FUNCTION
    quality.certificates_required(integer),
    quality.certificate_results(bigint, integer),
    quality.release_signatures(bigint),
    quality.certificate_blockers(bigint, integer, text),
    quality.shipment_certificates(bigint),
    quality.certificate_intact(bigint),
    quality.sds_due(bigint),
    quality.customers_missing_current_sds()
TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
