-- Forward and backward traceability, one round trip each.
--
-- requires: audit_trail, lots

-- Forward and backward traceability as database functions: one round trip each, and PL/pgSQL
-- keeps each statement's plan for the life of the connection (planning the statement costs
-- about ten times more than running it). The functions run with the caller's rights: they read
-- only what the person may read. The walk is described in app/db/queries/trace.py. What a
-- traced lot reaches is looked up lot by lot (LATERAL ... OFFSET 0): an ERP's relations may be
-- views (Tryton's), which the planner would otherwise read whole to join with a few lots.
CREATE OR REPLACE FUNCTION quality.trace_forward(p_codes text[]) RETURNS json
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $fn$
BEGIN
    RETURN (
    WITH RECURSIVE walk(lot_id, depth, path, via, via_qty) AS (
        SELECT l.id, 0, ARRAY[l.id], NULL::text, NULL::numeric
        FROM quality.lots l WHERE l.lot_code = ANY(p_codes)
      UNION ALL
        SELECT g.child_lot_id, w.depth + 1, w.path || g.child_lot_id, g.transformation, g.qty
        FROM walk w JOIN erp.lot_genealogy g ON g.parent_lot_id = w.lot_id
        WHERE g.child_lot_id <> ALL(w.path) AND w.depth < 100
    ),
    traced AS (
        SELECT DISTINCT ON (lot_id) lot_id, depth, path, via, via_qty
        FROM walk ORDER BY lot_id, depth, path
    )

    SELECT json_build_object(
      'lots', (
        SELECT coalesce(json_agg(json_build_object(
            'lot_id', l.id, 'lot_code', l.lot_code, 'depth', t.depth,
            'path', (SELECT array_agg(p.lot_code ORDER BY x.n) FROM unnest(t.path)
                     WITH ORDINALITY AS x(id, n) JOIN quality.lots p ON p.id = x.id),
            'via', t.via, 'via_qty', t.via_qty, 'item', i.name, 'item_sku', i.sku,
            'status', l.status, 'origin', l.origin, 'supplier', s.name,
            'supplier_lot_code', l.supplier_lot_code, 'uom', i.uom) ORDER BY t.depth, l.lot_code),
            '[]')
        FROM traced t JOIN quality.lots l ON l.id = t.lot_id JOIN erp.items i ON i.id = l.item_id
        LEFT JOIN erp.suppliers s ON s.id = l.supplier_id
    ),
      'stock', (SELECT coalesce(json_agg(json_build_object(
            'lot_code', l.lot_code, 'site', coalesce(site.code, loc.code), 'location', loc.code,
            'qty', st.qty,
            'in_transit', loc.kind = 'in_transit',
            'transfer', CASE WHEN loc.kind = 'in_transit' THEN (
                SELECT m.reference FROM erp.movements m WHERE m.lot_id = st.lot_id
                  AND m.kind = 'transfer_out' AND m.to_location_id = st.location_id
                ORDER BY m.moved_at DESC LIMIT 1) END)
            ORDER BY l.lot_code, site.code, loc.code), '[]')
          FROM traced t
          CROSS JOIN LATERAL (SELECT x.lot_id, x.location_id, x.qty FROM erp.stock x
                              WHERE x.lot_id = t.lot_id AND x.qty > 0 OFFSET 0) st
          JOIN quality.lots l ON l.id = t.lot_id
          -- goods between sites may be in a location of no site (Tryton's Transit)
          JOIN erp.locations loc ON loc.id = st.location_id
          LEFT JOIN erp.sites site ON site.id = loc.site_id),
      'shipments', (SELECT coalesce(json_agg(json_build_object(
            'lot_code', l.lot_code, 'shipment', sh.shipment_number, 'customer_code', c.code,
            'customer', c.name, 'ship_to', sh.ship_to, 'contact', c.contact_name,
            'email', c.contact_email, 'shipped_at', sh.shipped_at, 'qty', sl.qty,
            'unit_cost', i.unit_cost) ORDER BY c.name, sh.shipped_at, sh.shipment_number), '[]')
          FROM traced t
          CROSS JOIN LATERAL (SELECT x.shipment_id, x.qty FROM erp.shipment_lines x
                              WHERE x.lot_id = t.lot_id OFFSET 0) sl
          JOIN quality.lots l ON l.id = t.lot_id JOIN erp.items i ON i.id = l.item_id
          CROSS JOIN LATERAL (SELECT x.shipment_number, x.ship_to, x.shipped_at, x.customer_id
                              FROM erp.shipments x WHERE x.id = sl.shipment_id OFFSET 0) sh
          CROSS JOIN LATERAL (SELECT x.code, x.name, x.contact_name, x.contact_email
                              FROM erp.customers x WHERE x.id = sh.customer_id OFFSET 0) c),
      'allocations', (SELECT coalesce(json_agg(json_build_object(
            'allocation_id', a.id, 'lot_code', l.lot_code, 'order', o.order_number,
            'customer', c.name, 'requested', o.requested_date, 'qty', a.qty,
            'flagged', EXISTS (SELECT 1 FROM quality.allocation_flags f
                               WHERE f.allocation_id = a.id))
            ORDER BY o.requested_date, o.order_number), '[]')
          FROM traced t
          CROSS JOIN LATERAL (SELECT x.id, x.order_line_id, x.qty FROM erp.allocations x
                              WHERE x.lot_id = t.lot_id AND x.status = 'open' OFFSET 0) a
          JOIN quality.lots l ON l.id = t.lot_id
          CROSS JOIN LATERAL (SELECT x.order_id FROM erp.sales_order_lines x
                              WHERE x.id = a.order_line_id OFFSET 0) ol
          CROSS JOIN LATERAL (SELECT x.order_number, x.requested_date, x.customer_id
                              FROM erp.sales_orders x WHERE x.id = ol.order_id OFFSET 0) o
          CROSS JOIN LATERAL (SELECT x.name FROM erp.customers x
                              WHERE x.id = o.customer_id OFFSET 0) c),
      'returns', (SELECT coalesce(json_agg(json_build_object(
            'lot_code', l.lot_code, 'rma', r.rma_number, 'customer', c.name,
            'returned_at', r.returned_at, 'qty', r.qty, 'reason', r.reason_code)
            ORDER BY r.returned_at), '[]')
          FROM traced t
          CROSS JOIN LATERAL (SELECT x.rma_number, x.returned_at, x.qty, x.reason_code,
                                     x.customer_id
                              FROM erp.returns x WHERE x.lot_id = t.lot_id OFFSET 0) r
          JOIN quality.lots l ON l.id = t.lot_id
          CROSS JOIN LATERAL (SELECT x.name FROM erp.customers x
                              WHERE x.id = r.customer_id OFFSET 0) c)
    )
    );
END $fn$;

CREATE OR REPLACE FUNCTION quality.trace_backward(p_codes text[]) RETURNS json
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $fn$
BEGIN
    RETURN (
    WITH RECURSIVE walk(lot_id, depth, path, via, via_qty) AS (
        SELECT l.id, 0, ARRAY[l.id], NULL::text, NULL::numeric
        FROM quality.lots l WHERE l.lot_code = ANY(p_codes)
      UNION ALL
        SELECT g.parent_lot_id, w.depth + 1, w.path || g.parent_lot_id, g.transformation, g.qty
        FROM walk w JOIN erp.lot_genealogy g ON g.child_lot_id = w.lot_id
        WHERE g.parent_lot_id <> ALL(w.path) AND w.depth < 100
    ),
    traced AS (
        SELECT DISTINCT ON (lot_id) lot_id, depth, path, via, via_qty
        FROM walk ORDER BY lot_id, depth, path
    )

    SELECT json_build_object(
      'lots', (
        SELECT coalesce(json_agg(json_build_object(
            'lot_id', l.id, 'lot_code', l.lot_code, 'depth', t.depth,
            'path', (SELECT array_agg(p.lot_code ORDER BY x.n) FROM unnest(t.path)
                     WITH ORDINALITY AS x(id, n) JOIN quality.lots p ON p.id = x.id),
            'via', t.via, 'via_qty', t.via_qty, 'item', i.name, 'item_sku', i.sku,
            'status', l.status, 'origin', l.origin, 'supplier', s.name,
            'supplier_lot_code', l.supplier_lot_code, 'uom', i.uom) ORDER BY t.depth, l.lot_code),
            '[]')
        FROM traced t JOIN quality.lots l ON l.id = t.lot_id JOIN erp.items i ON i.id = l.item_id
        LEFT JOIN erp.suppliers s ON s.id = l.supplier_id
    ),
      'sources', (SELECT coalesce(json_agg(json_build_object(
            'lot_code', l.lot_code, 'supplier', s.name, 'supplier_code', s.code,
            'supplier_lot_code', l.supplier_lot_code, 'receipt', r.receipt_number,
            'received_at', r.received_at, 'po', po.po_number, 'qty', rl.qty)
            ORDER BY l.lot_code), '[]')
          FROM traced t JOIN quality.lots l ON l.id = t.lot_id
          LEFT JOIN erp.suppliers s ON s.id = l.supplier_id
          LEFT JOIN LATERAL (SELECT x.receipt_id, x.qty FROM erp.receipt_lines x
                             WHERE x.lot_id = l.id OFFSET 0) rl ON true
          LEFT JOIN LATERAL (SELECT x.receipt_number, x.received_at, x.po_id FROM erp.receipts x
                             WHERE x.id = rl.receipt_id OFFSET 0) r ON true
          LEFT JOIN LATERAL (SELECT x.po_number FROM erp.purchase_orders x
                             WHERE x.id = r.po_id OFFSET 0) po ON true
          WHERE NOT EXISTS (SELECT 1 FROM erp.lot_genealogy g WHERE g.child_lot_id = l.id))
    )
    );
END $fn$;

GRANT EXECUTE ON FUNCTION
    quality.trace_forward(text[]),
    quality.trace_backward(text[])
TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
