-- What a recall costs and what can replace it: the value of the affected stock at cost, of what
-- was shipped at the price it was sold for, the receivables still open on the affected orders,
-- and for each affected customer and item the lots that could replace it (the item's own or an
-- equivalent compliance accepts) under that customer's rules, first expiring first, with the
-- cost of that replacement. Customers are served in turn (by their id) and no lot is offered
-- twice over. Read with the caller's rights, like the trace it completes.
--
-- requires: audit_trail, lots, people, shipments

-- ---------------------------------------------------------------- equivalent items
CREATE OR REPLACE FUNCTION quality.set_item_equivalent(p_item_id integer, p_equivalent_id integer,
                                                       p_active boolean, p_reason text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint;
BEGIN
    PERFORM quality._person();
    PERFORM quality._require_role('{lotproof_compliance}', 'mark items as equivalent');
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'say why the items are (or are no longer) equivalent'
            USING ERRCODE = 'LP422';
    END IF;
    IF p_item_id = p_equivalent_id THEN
        RAISE EXCEPTION 'an item is not an equivalent of itself' USING ERRCODE = 'LP422';
    END IF;
    IF (SELECT count(*) FROM erp.items WHERE id IN (p_item_id, p_equivalent_id)) < 2 THEN
        RAISE EXCEPTION 'no item % or %', p_item_id, p_equivalent_id USING ERRCODE = 'LP404';
    END IF;
    PERFORM quality._audit_context('item.equivalent', p_reason, NULL);
    UPDATE quality.item_equivalents SET active = false
    WHERE item_id = p_item_id AND equivalent_item_id = p_equivalent_id AND active;
    INSERT INTO quality.item_equivalents (item_id, equivalent_item_id, active, reason, set_by,
                                          set_at)
    VALUES (p_item_id, p_equivalent_id, p_active, p_reason, session_user, clock_timestamp())
    RETURNING id INTO v_id;
    RETURN v_id;
END $$;

-- ---------------------------------------------------------------- the costs of a recall
CREATE OR REPLACE FUNCTION quality.recall_costs(p_codes text[], p_date date DEFAULT current_date)
RETURNS json
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_lots bigint[];
    v_codes text[];
    v_need record;
    v_candidate integer;
    v_left numeric;
    v_subs jsonb := '[]';
    v_needs jsonb := '[]';
    v_used jsonb := '{}';  -- lot code: what earlier needs took of it
    v_taken numeric;
    v_free numeric;
    v_take numeric;
    v_row record;
BEGIN
    WITH RECURSIVE walk(lot_id, path) AS (
        SELECT l.id, ARRAY[l.id] FROM quality.lots l WHERE l.lot_code = ANY(p_codes)
      UNION ALL
        SELECT g.child_lot_id, w.path || g.child_lot_id
        FROM walk w JOIN erp.lot_genealogy g ON g.parent_lot_id = w.lot_id
        WHERE g.child_lot_id <> ALL(w.path) AND cardinality(w.path) < 100)
    SELECT array_agg(DISTINCT w.lot_id) INTO v_lots FROM walk w;
    v_lots := coalesce(v_lots, '{}');
    SELECT coalesce(array_agg(l.lot_code), '{}') INTO v_codes
    FROM quality.lots l WHERE l.id = ANY(v_lots);

    -- what each affected customer must be given back: what it was shipped and what it is still
    -- to receive from the affected lots
    FOR v_need IN
        WITH shipped AS (
            SELECT sh.customer_id, l.item_id, sum(sl.qty) AS qty
            FROM erp.shipment_lines sl JOIN erp.shipments sh ON sh.id = sl.shipment_id
            JOIN quality.lots l ON l.id = sl.lot_id
            WHERE sl.lot_id = ANY(v_lots) GROUP BY 1, 2),
        allocated AS (
            SELECT o.customer_id, l.item_id, sum(a.qty) AS qty
            FROM erp.allocations a JOIN erp.sales_order_lines ol ON ol.id = a.order_line_id
            JOIN erp.sales_orders o ON o.id = ol.order_id JOIN quality.lots l ON l.id = a.lot_id
            WHERE a.lot_id = ANY(v_lots) AND a.status = 'open' GROUP BY 1, 2)
        SELECT coalesce(s.customer_id, a.customer_id) AS customer_id,
               coalesce(s.item_id, a.item_id) AS item_id,
               coalesce(s.qty, 0) AS shipped, coalesce(a.qty, 0) AS allocated
        FROM shipped s FULL JOIN allocated a USING (customer_id, item_id)
        ORDER BY 1, 2
    LOOP
        v_left := v_need.shipped + v_need.allocated;
        FOR v_candidate IN
            SELECT v_need.item_id
            UNION ALL
            (SELECT e.equivalent_item_id FROM quality.item_equivalents e
             WHERE e.item_id = v_need.item_id AND e.active
               AND NOT EXISTS (SELECT 1 FROM quality.item_equivalents later
                               WHERE later.item_id = e.item_id
                                 AND later.equivalent_item_id = e.equivalent_item_id
                                 AND later.id > e.id)
             ORDER BY e.equivalent_item_id)
        LOOP
            EXIT WHEN v_left <= 0;
            -- enough of the item's lots, first expiring first, to cover this need and what
            -- earlier customers' needs already took of them
            v_taken := coalesce((SELECT sum(u.value::numeric) FROM jsonb_each_text(v_used) u
                                 JOIN quality.lots l ON l.lot_code = u.key
                                 WHERE l.item_id = v_candidate), 0);
            FOR v_row IN
                SELECT s.lot_code, s.expiry_date, s.available, i.sku, i.unit_cost,
                       v_candidate <> v_need.item_id AS equivalent
                FROM quality.suggest_allocation(v_candidate, v_need.customer_id,
                                                v_left + v_taken, p_date, v_codes) s
                JOIN erp.items i ON i.id = v_candidate
            LOOP
                EXIT WHEN v_left <= 0;
                v_free := v_row.available - coalesce((v_used ->> v_row.lot_code)::numeric, 0);
                CONTINUE WHEN v_free <= 0;
                v_take := least(v_free, v_left);
                v_subs := v_subs || jsonb_build_object(
                    'customer_id', v_need.customer_id, 'item_id', v_need.item_id,
                    'lot_code', v_row.lot_code, 'item_sku', v_row.sku,
                    'equivalent', v_row.equivalent, 'expiry_date', v_row.expiry_date,
                    'available', v_free, 'take', v_take,
                    'unit_cost', v_row.unit_cost, 'value', v_take * v_row.unit_cost);
                v_used := v_used || jsonb_build_object(
                    v_row.lot_code, coalesce((v_used ->> v_row.lot_code)::numeric, 0) + v_take);
                v_left := v_left - v_take;
            END LOOP;
        END LOOP;
        v_needs := v_needs || jsonb_build_object(
            'customer_id', v_need.customer_id, 'item_id', v_need.item_id,
            'shipped', v_need.shipped, 'allocated', v_need.allocated,
            'short', greatest(v_left, 0));
    END LOOP;

    RETURN json_build_object(
      'stock', (SELECT coalesce(json_agg(json_build_object(
            'lot_code', l.lot_code, 'in_transit', loc.kind = 'in_transit', 'qty', st.qty,
            'unit_cost', i.unit_cost, 'value', st.qty * i.unit_cost)
            ORDER BY l.lot_code), '[]')
          FROM erp.stock st JOIN quality.lots l ON l.id = st.lot_id
          JOIN erp.items i ON i.id = l.item_id JOIN erp.locations loc ON loc.id = st.location_id
          WHERE st.lot_id = ANY(v_lots) AND st.qty > 0),
      'shipped', (SELECT coalesce(json_agg(json_build_object(
            'lot_code', l.lot_code, 'shipment', sh.shipment_number, 'customer_id', sh.customer_id,
            'order', o.order_number, 'qty', sl.qty, 'unit_price', ol.unit_price,
            'value', sl.qty * ol.unit_price) ORDER BY sh.shipment_number, l.lot_code), '[]')
          FROM erp.shipment_lines sl JOIN erp.shipments sh ON sh.id = sl.shipment_id
          JOIN quality.lots l ON l.id = sl.lot_id
          LEFT JOIN erp.sales_order_lines ol ON ol.id = sl.order_line_id
          LEFT JOIN erp.sales_orders o ON o.id = ol.order_id
          WHERE sl.lot_id = ANY(v_lots)),
      'receivables', (SELECT coalesce(json_agg(json_build_object(
            'invoice', inv.invoice_number, 'order', o.order_number, 'customer_id', inv.customer_id,
            'invoiced_at', inv.invoiced_at, 'due_date', inv.due_date, 'amount', inv.amount,
            'open', inv.amount_open) ORDER BY inv.invoice_number), '[]')
          FROM erp.invoices inv JOIN erp.sales_orders o ON o.id = inv.order_id
          WHERE inv.amount_open > 0 AND inv.order_id IN (
              SELECT ol.order_id FROM erp.shipment_lines sl
              JOIN erp.sales_order_lines ol ON ol.id = sl.order_line_id
              WHERE sl.lot_id = ANY(v_lots)
              UNION
              SELECT ol.order_id FROM erp.allocations a
              JOIN erp.sales_order_lines ol ON ol.id = a.order_line_id
              WHERE a.lot_id = ANY(v_lots) AND a.status = 'open')),
      'needs', v_needs,
      'substitutes', v_subs,
      'customers', (SELECT coalesce(json_object_agg(c.id, json_build_object(
            'code', c.code, 'name', c.name)), '{}')
          FROM erp.customers c WHERE c.id IN (
              SELECT (x ->> 'customer_id')::integer FROM jsonb_array_elements(v_needs) x)),
      'items', (SELECT coalesce(json_object_agg(i.id, json_build_object(
            'sku', i.sku, 'name', i.name, 'uom', i.uom)), '{}')
          FROM erp.items i WHERE i.id IN (
              SELECT (x ->> 'item_id')::integer FROM jsonb_array_elements(v_needs) x
              UNION SELECT i2.id FROM erp.items i2 WHERE i2.sku IN (
                  SELECT x ->> 'item_sku' FROM jsonb_array_elements(v_subs) x)))
    );
END $fn$;

CREATE OR REPLACE TRIGGER audit_item_equivalents AFTER INSERT OR UPDATE OR DELETE ON quality.item_equivalents
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');

GRANT EXECUTE ON FUNCTION quality.set_item_equivalent(integer, integer, boolean, text)
TO lotproof_compliance;
GRANT EXECUTE ON FUNCTION quality.recall_costs(text[], date)
TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
