-- The ERP asks first: may this lot ship to this customer, and which lots qualify (FEFO).
--
-- requires: audit_trail, lots, shipment_documents

-- ---------------------------------------------------------------- the ERP asks first
CREATE OR REPLACE FUNCTION quality.check_shipment(p_lot text, p_customer_id integer, p_qty numeric,
                                                  p_date date DEFAULT current_date)
RETURNS TABLE (allowed boolean, reasons text[])
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v quality.lots;
    c erp.customers;
    rule record;
    r text[] := '{}';
    on_hand numeric;
    v_doc text;
    v_life integer;
BEGIN
    SELECT * INTO v FROM quality.lots WHERE lot_code = p_lot;
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
        IF v_doc = 'COA' AND NOT quality.has_verified_coa(v.id) THEN
            r := r || format('%s requires a verified COA with the shipment', c.name);
        ELSIF v_doc = 'SDS' AND NOT EXISTS (
            SELECT 1 FROM quality.document_links k JOIN quality.documents d ON d.id = k.document_id
            WHERE (k.item_id = v.item_id OR k.lot_id = v.id) AND d.kind = 'sds'
              AND d.status = 'verified' AND d.superseded_by_id IS NULL
              AND (cardinality(k.mismatches) = 0 OR k.confirmed_at IS NOT NULL)) THEN
            r := r || format('%s requires a current SDS with the shipment', c.name);
        END IF;
    END LOOP;
    -- The company's own certificate the customer asks for must be one that can be issued.
    FOREACH v_doc IN ARRAY quality.certificates_required(p_customer_id) LOOP
        r := r || ARRAY(
            SELECT format('%s requires a certificate of %s with the shipment: %s', c.name,
                          CASE v_doc WHEN 'coa' THEN 'analysis' ELSE 'conformance' END, b)
            FROM unnest(quality.certificate_blockers(v.id, p_customer_id, v_doc)) b
            WHERE b NOT LIKE format('lot %s is %%', p_lot));  -- the status is said above
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
-- quantity to take from each until the order is covered; never the lots of p_exclude (a
-- recall's own lots, when substitutes for them are sought).
CREATE OR REPLACE FUNCTION quality.suggest_allocation(p_item_id integer, p_customer_id integer,
                                           p_qty numeric, p_date date DEFAULT current_date,
                                           p_exclude text[] DEFAULT '{}')
RETURNS TABLE (lot_code text, expiry_date date, available numeric, take numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    WITH rule AS (SELECT * FROM quality.customer_rules(p_customer_id)),
    free AS (
        SELECT l.id, l.lot_code, l.expiry_date,
               sum(s.qty) - coalesce((SELECT sum(a.qty) FROM erp.allocations a
                                      WHERE a.lot_id = l.id AND a.status = 'open'), 0) AS qty
        FROM quality.lots l
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
          AND NOT l.lot_code = ANY(p_exclude)
          AND (NOT 'COA' = ANY(rule.required_documents) OR EXISTS (
                SELECT 1 FROM quality.document_links k JOIN quality.documents d ON d.id = k.document_id
                WHERE k.lot_id = l.id AND d.kind = 'coa' AND d.status = 'verified'
                  AND cardinality(k.mismatches) = 0))
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

-- Why a lot may not leave the building to a customer now (NULL when it may): the ERP's guards
-- (allocating, shipping; app/db/sql/erp_*.sql) ask it and refuse with its reason. The lot's
-- Lotproof state is locked against a decision changing it meanwhile.
CREATE OR REPLACE FUNCTION quality.lot_may_not_leave(p_lot_id bigint, p_customer_id integer)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER  -- reads Lotproof's state, which the ERP may not
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v quality.lots;
    v_recall text;
    v_refusal text;
BEGIN
    PERFORM 1 FROM quality.lot_state WHERE lot_id = p_lot_id FOR SHARE;
    SELECT * INTO v FROM quality.lots WHERE id = p_lot_id;
    IF v.status IS DISTINCT FROM 'available' THEN
        RETURN format('lot %s is %s', coalesce(v.lot_code, p_lot_id::text),
                      replace(coalesce(v.status, 'unknown'), '_', ' '));
    END IF;
    -- Expired goods do not leave, even before the expiry check has marked the lot expired.
    IF v.expiry_date < quality.today() THEN
        RETURN format('lot %s expired on %s', v.lot_code, v.expiry_date);
    END IF;
    -- Nor a lot in a recall, whatever its status (the recall's hold skipped lots with no stock
    -- in hand, and stock can come back: a customer return).
    SELECT r.number INTO v_recall FROM quality.recall_lots rl
    JOIN quality.recalls r ON r.id = rl.recall_id
    WHERE rl.lot_id = p_lot_id AND NOT r.is_mock AND r.state <> 'closed' LIMIT 1;
    IF v_recall IS NOT NULL THEN
        RETURN format('lot %s is in recall %s', v.lot_code, v_recall);
    END IF;
    -- Nor to a customer who excluded the lot or its supplier.
    IF p_customer_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM quality.customer_rules(p_customer_id) cr
            WHERE v.lot_code = ANY(cr.excluded_lots) OR v.supplier_id = ANY(cr.excluded_suppliers)) THEN
        RETURN format('%s does not accept lot %s (an excluded lot or supplier)',
                      (SELECT name FROM erp.customers WHERE id = p_customer_id), v.lot_code);
    END IF;
    -- Nor without the certificate the customer asks for, when it cannot be issued.
    IF p_customer_id IS NOT NULL THEN
        SELECT format('%s requires a certificate of %s with lot %s: %s',
                      (SELECT name FROM erp.customers WHERE id = p_customer_id),
                      CASE k WHEN 'coa' THEN 'analysis' ELSE 'conformance' END, v.lot_code,
                      array_to_string(b, '; '))
        INTO v_refusal
        FROM unnest(quality.certificates_required(p_customer_id)) k,
             LATERAL quality.certificate_blockers(p_lot_id, p_customer_id, k) b
        WHERE cardinality(b) > 0 LIMIT 1;
        IF v_refusal IS NOT NULL THEN
            RETURN v_refusal;
        END IF;
    END IF;
    RETURN NULL;
END $$;

GRANT EXECUTE ON FUNCTION
    quality.check_shipment(text, integer, numeric, date),
    quality.suggest_allocation(integer, integer, numeric, date, text[])
TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
