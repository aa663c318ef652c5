-- The ERP asks first: may this lot ship to this customer, and which lots qualify (FEFO).
--
-- requires: audit_trail

-- ---------------------------------------------------------------- the ERP asks first
CREATE OR REPLACE FUNCTION quality.check_shipment(p_lot text, p_customer_id integer, p_qty numeric,
                                                  p_date date DEFAULT current_date)
RETURNS TABLE (allowed boolean, reasons text[])
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
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
CREATE OR REPLACE FUNCTION quality.suggest_allocation(p_item_id integer, p_customer_id integer,
                                           p_qty numeric, p_date date DEFAULT current_date)
RETURNS TABLE (lot_code text, expiry_date date, available numeric, take numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
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

CREATE OR REPLACE FUNCTION quality.guard_allocation() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER  -- reads the company's time zone, which the ERP may not
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_status text;
    v_code text;
    v_expiry date;
    v_recall text;
    v_customer integer;
    v_customer_name text;
BEGIN
    IF TG_TABLE_NAME = 'allocations' THEN
        IF NEW.status = 'cancelled' THEN  -- a record field is looked up only on this table
            RETURN NEW;
        END IF;
    END IF;
    SELECT status, lot_code, expiry_date INTO v_status, v_code, v_expiry
    FROM erp.lots WHERE id = NEW.lot_id FOR SHARE;
    IF v_status IS DISTINCT FROM 'available' THEN
        RAISE EXCEPTION 'lot % is % and cannot be %', v_code, replace(coalesce(v_status, 'unknown'), '_', ' '),
            CASE WHEN TG_TABLE_NAME = 'allocations' THEN 'allocated' ELSE 'shipped' END
            USING ERRCODE = '23514';
    END IF;
    -- Expired goods do not leave, even before the expiry check has marked the lot expired.
    IF v_expiry < quality.today() THEN
        RAISE EXCEPTION 'lot % expired on % and cannot be %', v_code, v_expiry,
            CASE WHEN TG_TABLE_NAME = 'allocations' THEN 'allocated' ELSE 'shipped' END
            USING ERRCODE = '23514';
    END IF;
    -- Nor a lot in a recall, whatever its status (the recall's hold skipped lots with no stock
    -- in hand, and stock can come back: a customer return).
    SELECT r.number INTO v_recall FROM quality.recall_lots rl
    JOIN quality.recalls r ON r.id = rl.recall_id
    WHERE rl.lot_id = NEW.lot_id AND NOT r.is_mock AND r.state <> 'closed' LIMIT 1;
    IF v_recall IS NOT NULL THEN
        RAISE EXCEPTION 'lot % is in recall % and cannot be %', v_code, v_recall,
            CASE WHEN TG_TABLE_NAME = 'allocations' THEN 'allocated' ELSE 'shipped' END
            USING ERRCODE = '23514';
    END IF;
    -- Nor to a customer who excluded the lot or its supplier.
    IF TG_TABLE_NAME = 'allocations' THEN  -- a record's fields are looked up as it runs
        SELECT o.customer_id INTO v_customer FROM erp.sales_order_lines ol
        JOIN erp.sales_orders o ON o.id = ol.order_id WHERE ol.id = NEW.order_line_id;
    ELSE
        SELECT sh.customer_id INTO v_customer FROM erp.shipments sh WHERE sh.id = NEW.shipment_id;
    END IF;
    SELECT c.name INTO v_customer_name FROM erp.customers c WHERE c.id = v_customer;
    IF v_customer IS NOT NULL AND EXISTS (
            SELECT 1 FROM quality.customer_rules(v_customer) cr
            WHERE v_code = ANY(cr.excluded_lots)
               OR (SELECT supplier_id FROM erp.lots WHERE id = NEW.lot_id) = ANY(cr.excluded_suppliers)) THEN
        RAISE EXCEPTION '% does not accept lot % (an excluded lot or supplier) and it cannot be %',
            v_customer_name, v_code,
            CASE WHEN TG_TABLE_NAME = 'allocations' THEN 'allocated' ELSE 'shipped' END
            USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER allocations_need_available_lot BEFORE INSERT OR UPDATE OF lot_id, qty ON erp.allocations
    FOR EACH ROW EXECUTE FUNCTION quality.guard_allocation();
CREATE OR REPLACE TRIGGER shipment_lines_need_available_lot BEFORE INSERT OR UPDATE OF lot_id, qty ON erp.shipment_lines
    FOR EACH ROW EXECUTE FUNCTION quality.guard_allocation();

GRANT EXECUTE ON FUNCTION
    quality.check_shipment(text, integer, numeric, date),
    quality.suggest_allocation(integer, integer, numeric, date)
TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
