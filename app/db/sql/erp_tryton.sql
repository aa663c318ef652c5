-- Tryton behind Lotproof's `erp` interface: views over Tryton's own tables (schema public of the
-- same database), read as Tryton computes them. Tryton's tables stay Tryton's: Lotproof adds
-- these views and triggers, never a column. Its guards: a lot received from a supplier (a done
-- move from a supplier location) is in quarantine at once; a move of a lot Lotproof would not let
-- go cannot be assigned or done toward a customer or into a production; a decided lot keeps its
-- product, number and expiry; the workstations hear of new lots and receipts.
-- The mapping, column by column, is in docs/erp-adapters.md.
--
-- adapter: tryton
-- provides: erp
-- requires: audit_trail

-- The record a Tryton reference ('stock.shipment.out,12') names, when it is of that model;
-- written so that the planner looks the record up by its id. No SET clause (it would stop the
-- planner inlining it): every operator and function is named in pg_catalog.
CREATE OR REPLACE FUNCTION quality.tryton_ref(p_reference text, p_model text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN p_reference OPERATOR(pg_catalog.~~) (p_model OPERATOR(pg_catalog.||) ',%')
                THEN pg_catalog.int4(pg_catalog.substr(p_reference,
                         pg_catalog.strpos(p_reference, ',') OPERATOR(pg_catalog.+) 1)) END
$$;
GRANT EXECUTE ON FUNCTION quality.tryton_ref(text, text) TO
    lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;

-- ------------------------------------------------------------------ places
-- A location's warehouse is the warehouse whose nested-set interval holds it.
CREATE OR REPLACE VIEW erp.sites AS
    SELECT w.id, coalesce(w.code, 'W' || w.id) AS code, w.name,
           nullif(concat_ws(', ', a.street_unstructured, a.postal_code, a.city), '') AS address,
           NULL::text AS gln
    FROM public.stock_location w LEFT JOIN public.party_address a ON a.id = w.address
    WHERE w.type = 'warehouse';

CREATE OR REPLACE VIEW erp.locations AS
    SELECT loc.id, site.id AS site_id, loc.parent AS parent_id,
           coalesce(loc.code, 'L' || loc.id) AS code, loc.name,
           CASE WHEN loc.type = 'warehouse' THEN 'warehouse'
                WHEN site.id IS NULL THEN 'in_transit'
                WHEN loc.id = site.input_location THEN 'dock'
                WHEN loc.id = site.output_location THEN 'staging'
                WHEN loc.name ILIKE '%return%' THEN 'returns'
                WHEN EXISTS (SELECT 1 FROM public.stock_location c WHERE c.parent = loc.id)
                    THEN 'zone'
                ELSE 'bin' END AS kind
    FROM public.stock_location loc
    LEFT JOIN LATERAL (
        SELECT w.id, w.input_location, w.output_location FROM public.stock_location w
        WHERE w.type = 'warehouse' AND w."left" <= loc."left" AND w."right" >= loc."right"
        ORDER BY w."left" DESC LIMIT 1) site ON true
    WHERE loc.type IN ('warehouse', 'storage');

-- ------------------------------------------------------------------ parties and products
CREATE OR REPLACE VIEW erp.suppliers AS
    SELECT p.id::integer AS id, coalesce(p.code, 'P' || p.id) AS code, p.name,
           (SELECT c.code FROM public.party_address a JOIN public.country_country c
                ON c.id = a.country WHERE a.party = p.id ORDER BY a.sequence, a.id LIMIT 1)
               AS country,
           'approved'::text AS approval_status,  -- Lotproof's approvals per category decide
           NULL::text AS contact_name,
           (SELECT m.value FROM public.party_contact_mechanism m
            WHERE m.party = p.id AND m.type = 'email' ORDER BY m.sequence, m.id LIMIT 1)
               AS contact_email
    FROM public.party_party p
    WHERE EXISTS (SELECT 1 FROM public."party_party-party_category" pc
                  JOIN public.party_category cat ON cat.id = pc.category
                  WHERE pc.party = p.id AND cat.name = 'Suppliers')
       OR EXISTS (SELECT 1 FROM public.purchase_purchase o WHERE o.party = p.id)
       OR EXISTS (SELECT 1 FROM public.stock_shipment_in s WHERE s.supplier = p.id);

CREATE OR REPLACE VIEW erp.customers AS
    SELECT p.id::integer AS id, coalesce(p.code, 'P' || p.id) AS code, p.name,
           NULL::integer AS min_shelf_life_days,  -- Lotproof's customer rules decide
           NULL::text AS contact_name,
           (SELECT m.value FROM public.party_contact_mechanism m
            WHERE m.party = p.id AND m.type = 'email' ORDER BY m.sequence, m.id LIMIT 1)
               AS contact_email,
           (SELECT m.value FROM public.party_contact_mechanism m
            WHERE m.party = p.id AND m.type IN ('phone', 'mobile')
            ORDER BY m.sequence, m.id LIMIT 1) AS contact_phone,
           (SELECT nullif(concat_ws(', ', a.street_unstructured, a.postal_code, a.city), '')
            FROM public.party_address a WHERE a.party = p.id ORDER BY a.sequence, a.id LIMIT 1)
               AS ship_to,
           (SELECT c.code FROM public.party_address a JOIN public.country_country c
                ON c.id = a.country WHERE a.party = p.id ORDER BY a.sequence, a.id LIMIT 1)
               AS country
    FROM public.party_party p
    WHERE EXISTS (SELECT 1 FROM public."party_party-party_category" pc
                  JOIN public.party_category cat ON cat.id = pc.category
                  WHERE pc.party = p.id AND cat.name = 'Customers')
       OR EXISTS (SELECT 1 FROM public.sale_sale o WHERE o.party = p.id)
       OR EXISTS (SELECT 1 FROM public.stock_shipment_out s WHERE s.customer = p.id);

CREATE OR REPLACE VIEW erp.items AS
    SELECT pp.id::integer AS id, coalesce(pp.code, t.code, 'PRD' || pp.id) AS sku,
           (SELECT i.code FROM public.product_identifier i
            WHERE i.product = pp.id AND i.type IN ('ean', 'gtin') ORDER BY i.sequence, i.id
            LIMIT 1) AS gtin,
           t.name,
           coalesce((SELECT coalesce(c.code, lower(replace(c.name, ' ', '_')))
                     FROM public."product_template-product_category" tc
                     JOIN public.product_category c ON c.id = tc.category
                     WHERE tc.template = t.id AND NOT coalesce(c.accounting, false)
                     ORDER BY c.id LIMIT 1), 'uncategorised') AS category,
           u.symbol AS uom,
           coalesce(t.lot_required, '[]'::jsonb) <> '[]'::jsonb AS lot_controlled,
           coalesce(t.shelf_life_time, t.expiration_time) AS shelf_life_days,
           false AS hazardous,  -- Tryton has no hazard class; SDS rules are Lotproof's
           CASE WHEN t.purchasable THEN ARRAY['COA']::text[] ELSE '{}'::text[] END
               AS required_documents,
           (SELECT cp.cost_price FROM public.product_cost_price cp
            WHERE cp.product = pp.id ORDER BY cp.id DESC LIMIT 1)::numeric(14, 4) AS unit_cost
    FROM public.product_product pp
    JOIN public.product_template t ON t.id = pp.template
    JOIN public.product_uom u ON u.id = t.default_uom
    WHERE t.type = 'goods';

-- ------------------------------------------------------------------ lots
-- A lot's first done move says where it came from: a supplier (a receipt, whose party is the
-- supplier), a customer (a return) or a production (its output: a repack of one input lot, a
-- blend of several).
CREATE OR REPLACE VIEW erp.lots AS
    SELECT l.id::bigint AS id, l.number AS lot_code, l.product::integer AS item_id,
           first_move.supplier_id,
           CASE WHEN first_move.origin = 'receipt' THEN l.number END AS supplier_lot_code,
           -- Tryton keeps no manufacture date; its shelf life runs from it
           (l.shelf_life_expiration_date - t.shelf_life_time)::date AS manufacture_date,
           coalesce(l.expiration_date, l.shelf_life_expiration_date) AS expiry_date,
           coalesce(first_move.origin, 'receipt') AS origin,
           first_move.site_id,
           -- when it came into the company: its first done move (Tryton's create_date is when
           -- the record was typed in)
           coalesce(first_move.effective_date::timestamptz, l.create_date::timestamptz)
               AS created_at
    FROM public.stock_lot l
    JOIN public.product_product pp ON pp.id = l.product
    JOIN public.product_template t ON t.id = pp.template
    LEFT JOIN LATERAL (
        SELECT CASE WHEN src.type = 'supplier' THEN 'receipt'
                    WHEN src.type = 'customer' THEN 'return'
                    WHEN m.production_output IS NOT NULL THEN
                        (SELECT CASE WHEN count(DISTINCT i.lot) > 1 THEN 'blend' ELSE 'repack' END
                         FROM public.stock_move i WHERE i.production_input = m.production_output)
                END AS origin,
               (SELECT s.supplier FROM public.stock_shipment_in s
                WHERE src.type = 'supplier' AND m.shipment LIKE 'stock.shipment.in,%'
                  AND s.id = (substring(m.shipment FROM position(',' IN m.shipment) + 1))::integer
               )::integer AS supplier_id,
               (SELECT w.id FROM public.stock_location dst
                JOIN public.stock_location w ON w.type = 'warehouse'
                    AND w."left" <= dst."left" AND w."right" >= dst."right"
                WHERE dst.id = m.to_location ORDER BY w."left" DESC LIMIT 1)::integer AS site_id,
               m.effective_date
        FROM public.stock_move m JOIN public.stock_location src ON src.id = m.from_location
        WHERE m.lot = l.id AND m.state = 'done'
        ORDER BY m.effective_date, m.id LIMIT 1) first_move ON true;

-- ------------------------------------------------------------------ movements and stock
CREATE OR REPLACE VIEW erp.movements AS
    SELECT m.id::bigint AS id,
           CASE WHEN src.type = 'supplier' THEN 'receipt'
                WHEN dst.type = 'customer' THEN 'shipment'
                WHEN src.type = 'customer' THEN 'return'
                WHEN m.production_input IS NOT NULL OR m.production_output IS NOT NULL THEN
                    coalesce((SELECT CASE WHEN count(DISTINCT i.lot) > 1 THEN 'blend'
                                          ELSE 'repack' END
                              FROM public.stock_move i
                              WHERE i.production_input = coalesce(m.production_input,
                                                                  m.production_output)),
                             'repack')
                WHEN dst.type = 'lost_found' THEN 'scrap'
                WHEN src.type = 'lost_found' THEN 'adjustment'
                WHEN m.shipment LIKE 'stock.shipment.internal,%' AND dst_site.id IS NULL
                    THEN 'transfer_out'
                WHEN m.shipment LIKE 'stock.shipment.internal,%' THEN 'transfer_in'
                WHEN m.shipment LIKE 'stock.shipment.out,%' THEN 'pick'
                WHEN m.shipment LIKE 'stock.shipment.in,%'
                  OR m.shipment LIKE 'stock.shipment.out.return,%' THEN 'putaway'
                ELSE 'adjustment' END AS kind,
           m.lot::bigint AS lot_id, m.internal_quantity::numeric(14, 3) AS qty,
           -- NULL = outside, as the interface has it: Tryton's supplier, customer, production
           -- and lost-and-found locations are none of erp.locations (a production's output
           -- comes from outside, its input goes outside; mass balance and FSMA count on it)
           CASE WHEN src.type IN ('warehouse', 'storage') THEN m.from_location END::integer
               AS from_location_id,
           CASE WHEN dst.type IN ('warehouse', 'storage') THEN m.to_location END::integer
               AS to_location_id,
           m.effective_date::timestamptz AS moved_at,
           coalesce(
               (SELECT s.number FROM public.stock_shipment_in s
                WHERE s.id = quality.tryton_ref(m.shipment, 'stock.shipment.in')),
               (SELECT s.number FROM public.stock_shipment_out s
                WHERE s.id = quality.tryton_ref(m.shipment, 'stock.shipment.out')),
               (SELECT s.number FROM public.stock_shipment_internal s
                WHERE s.id = quality.tryton_ref(m.shipment, 'stock.shipment.internal')),
               (SELECT s.number FROM public.stock_shipment_out_return s
                WHERE s.id = quality.tryton_ref(m.shipment, 'stock.shipment.out.return')),
               (SELECT p.number FROM public.production p
                WHERE p.id = coalesce(m.production_input, m.production_output)),
               m.shipment) AS reference,
           CASE WHEN m.shipment LIKE 'stock.shipment.internal,%'
                THEN (substring(m.shipment FROM position(',' IN m.shipment) + 1))::integer
           END AS transfer_id,
           CASE WHEN dst.type = 'customer' THEN m.id::bigint END AS shipment_line_id,
           coalesce(m.production_input, m.production_output)::integer AS transformation_id,
           CASE WHEN src.type = 'supplier' THEN m.id::bigint END AS receipt_line_id
    FROM public.stock_move m
    JOIN public.stock_location src ON src.id = m.from_location
    JOIN public.stock_location dst ON dst.id = m.to_location
    LEFT JOIN LATERAL (
        SELECT w.id FROM public.stock_location w
        WHERE w.type = 'warehouse' AND w."left" <= dst."left" AND w."right" >= dst."right"
        LIMIT 1) dst_site ON true
    WHERE m.state = 'done' AND m.lot IS NOT NULL;

-- On hand: done moves into a storage location minus those out of it, as Tryton computes it.
-- Per lot (a lateral query), so that a lookup of some lots reads only their moves.
CREATE OR REPLACE VIEW erp.stock AS
    SELECT l.id::bigint AS lot_id, q.location_id, q.qty
    FROM public.stock_lot l
    CROSS JOIN LATERAL (
        SELECT x.location AS location_id, sum(x.qty)::numeric(14, 3) AS qty
        FROM (SELECT m.to_location AS location, m.internal_quantity AS qty
              FROM public.stock_move m WHERE m.lot = l.id AND m.state = 'done'
              UNION ALL
              SELECT m.from_location, -m.internal_quantity
              FROM public.stock_move m WHERE m.lot = l.id AND m.state = 'done') x
        JOIN public.stock_location loc ON loc.id = x.location AND loc.type = 'storage'
        GROUP BY x.location
        HAVING sum(x.qty) <> 0) q;

-- ------------------------------------------------------------------ productions
CREATE OR REPLACE VIEW erp.transformations AS
    SELECT p.id::integer AS id, coalesce(p.number, 'MO' || p.id) AS number,
           CASE WHEN (SELECT count(DISTINCT i.lot) FROM public.stock_move i
                      WHERE i.production_input = p.id) > 1 THEN 'blend' ELSE 'repack' END AS kind,
           p.warehouse::integer AS site_id,
           coalesce(p.effective_date, p.planned_date)::timestamptz AS performed_at
    FROM public.production p
    WHERE p.state = 'done';

-- Each done input lot of a production is a parent of each of its done output lots.
CREATE OR REPLACE VIEW erp.lot_genealogy AS
    SELECT (o.id::bigint << 31) + i.id AS id, i.lot::bigint AS parent_lot_id,
           o.lot::bigint AS child_lot_id, i.internal_quantity::numeric(14, 3) AS qty,
           CASE WHEN (SELECT count(DISTINCT x.lot) FROM public.stock_move x
                      WHERE x.production_input = p.id) > 1 THEN 'blend' ELSE 'repack' END
               AS transformation,
           p.id::integer AS transformation_id,
           coalesce(o.effective_date, p.effective_date)::timestamptz AS created_at
    FROM public.production p
    JOIN public.stock_move o ON o.production_output = p.id AND o.state = 'done'
        AND o.lot IS NOT NULL
    JOIN public.stock_move i ON i.production_input = p.id AND i.state = 'done'
        AND i.lot IS NOT NULL
    WHERE i.lot <> o.lot;

-- ------------------------------------------------------------------ buying
CREATE OR REPLACE VIEW erp.purchase_orders AS
    SELECT o.id::integer AS id, coalesce(o.number, 'PO' || o.id) AS po_number,
           o.party::integer AS supplier_id, o.warehouse::integer AS site_id,
           coalesce(o.purchase_date, o.create_date::date)::timestamptz AS ordered_at,
           CASE WHEN o.state = 'cancelled' THEN 'cancelled'
                WHEN o.shipment_state = 'received' OR o.state = 'done' THEN 'received'
                ELSE 'open' END AS status
    FROM public.purchase_purchase o;

CREATE OR REPLACE VIEW erp.purchase_order_lines AS
    SELECT pl.id::integer AS id, pl.purchase::integer AS po_id,
           (SELECT count(*) FROM public.purchase_line x WHERE x.purchase = pl.purchase
              AND x.type = 'line' AND x.id <= pl.id)::integer AS line_no,
           pl.product::integer AS item_id, pl.quantity::numeric(14, 3) AS qty
    FROM public.purchase_line pl
    WHERE pl.type = 'line' AND pl.product IS NOT NULL;

CREATE OR REPLACE VIEW erp.receipts AS
    SELECT s.id::integer AS id, s.number AS receipt_number,
           (SELECT pl.purchase FROM public.stock_move m JOIN public.purchase_line pl
                ON pl.id = quality.tryton_ref(m.origin, 'purchase.line')
            WHERE m.shipment LIKE 'stock.shipment.in,%' AND (SUBSTRING(m.shipment FROM (POSITION(',' IN m.shipment) + 1)))::integer = s.id
            ORDER BY m.id LIMIT 1)::integer
               AS po_id,
           s.supplier::integer AS supplier_id, s.warehouse::integer AS site_id,
           coalesce(s.effective_date, s.planned_date)::timestamptz AS received_at,
           s.reference AS packing_slip
    FROM public.stock_shipment_in s
    WHERE s.state IN ('received', 'done');

CREATE OR REPLACE VIEW erp.receipt_lines AS
    SELECT m.id::bigint AS id,
           (substring(m.shipment FROM position(',' IN m.shipment) + 1))::integer AS receipt_id,
           CASE WHEN m.origin LIKE 'purchase.line,%'
                THEN (substring(m.origin FROM position(',' IN m.origin) + 1))::integer
           END AS po_line_id,
           m.product::integer AS item_id, m.lot::bigint AS lot_id,
           m.to_location::integer AS location_id, m.internal_quantity::numeric(14, 3) AS qty
    FROM public.stock_move m JOIN public.stock_location src ON src.id = m.from_location
    WHERE src.type = 'supplier' AND m.state = 'done' AND m.shipment LIKE 'stock.shipment.in,%';

-- ------------------------------------------------------------------ selling
-- A customer return is a sale of its own in Tryton (negative quantities, `origin` the sale
-- returned); it is no order to fill.
CREATE OR REPLACE VIEW erp.sales_orders AS
    SELECT o.id::integer AS id, coalesce(o.number, 'SO' || o.id) AS order_number,
           o.party::integer AS customer_id, o.warehouse::integer AS site_id,
           coalesce(o.sale_date, o.create_date::date)::timestamptz AS ordered_at,
           coalesce(o.shipping_date, o.sale_date) AS requested_date,
           (SELECT nullif(concat_ws(', ', a.street_unstructured, a.postal_code, a.city), '')
            FROM public.party_address a WHERE a.id = o.shipment_address) AS ship_to,
           CASE WHEN o.state = 'cancelled' THEN 'cancelled'
                WHEN o.shipment_state = 'sent' OR o.state = 'done' THEN 'shipped'
                ELSE 'open' END AS status
    FROM public.sale_sale o
    WHERE NOT EXISTS (SELECT 1 FROM public.sale_line r WHERE r.sale = o.id AND r.quantity < 0);

CREATE OR REPLACE VIEW erp.sales_order_lines AS
    SELECT sl.id::integer AS id, sl.sale::integer AS order_id,
           (SELECT count(*) FROM public.sale_line x WHERE x.sale = sl.sale
              AND x.type = 'line' AND x.id <= sl.id)::integer AS line_no,
           sl.product::integer AS item_id, sl.quantity::numeric(14, 3) AS qty,
           sl.unit_price::numeric(12, 4) AS unit_price
    FROM public.sale_line sl
    WHERE sl.type = 'line' AND sl.product IS NOT NULL AND sl.quantity > 0;

-- A customer invoice for each sale it bills. Open: a posted invoice is not paid yet (Tryton
-- marks it paid when its receivable is reconciled); its open amount is its total, as Tryton
-- keeps no stored partial balance outside the account move lines.
CREATE OR REPLACE VIEW erp.invoices AS
    SELECT DISTINCT ON (inv.id, sl.sale) inv.id::bigint AS id,
           coalesce(inv.number, 'INV' || inv.id) AS invoice_number, sl.sale::bigint AS order_id,
           inv.party::integer AS customer_id,
           coalesce(inv.invoice_date, inv.create_date::date)::timestamptz AS invoiced_at,
           NULL::date AS due_date, coalesce(inv.total_amount_cache, 0)::numeric(14, 2) AS amount,
           CASE WHEN inv.state = 'posted' THEN coalesce(inv.total_amount_cache, 0)
                ELSE 0 END::numeric(14, 2) AS amount_open
    FROM public.account_invoice inv
    JOIN public.account_invoice_line il ON il.invoice = inv.id
    JOIN public.sale_line sl ON il.origin = 'sale.line,' || sl.id
    WHERE inv.type = 'out' AND inv.state IN ('posted', 'paid');

-- Allocated = the lot is reserved on a customer shipment's pick (its inventory move is
-- assigned) or picked and not yet gone (done into the output, the shipment not done).
CREATE OR REPLACE VIEW erp.allocations AS
    SELECT pick.id::bigint AS id,
           (substring(out_move.origin FROM position(',' IN out_move.origin) + 1))::integer
               AS order_line_id,
           pick.lot::bigint AS lot_id, pick.from_location::integer AS location_id,
           pick.internal_quantity::numeric(14, 3) AS qty,
           'open'::text AS status, pick.write_date::timestamptz AS allocated_at
    FROM public.stock_move pick
    JOIN public.stock_shipment_out s ON s.id = quality.tryton_ref(pick.shipment, 'stock.shipment.out')
    JOIN public.stock_move out_move ON out_move.id = quality.tryton_ref(pick.origin, 'stock.move')
    WHERE pick.lot IS NOT NULL AND out_move.origin LIKE 'sale.line,%'
      AND (pick.state = 'assigned'
           OR (pick.state = 'done' AND s.state IN ('picked', 'packed')));

CREATE OR REPLACE VIEW erp.shipments AS
    SELECT s.id::integer AS id, s.number AS shipment_number, s.customer::integer AS customer_id,
           (SELECT sl.sale FROM public.stock_move m JOIN public.sale_line sl
                ON sl.id = quality.tryton_ref(m.origin, 'sale.line')
            WHERE m.shipment LIKE 'stock.shipment.out,%' AND (SUBSTRING(m.shipment FROM (POSITION(',' IN m.shipment) + 1)))::integer = s.id
            ORDER BY m.id LIMIT 1)::integer
               AS order_id,
           s.warehouse::integer AS site_id,
           (SELECT nullif(concat_ws(', ', a.street_unstructured, a.postal_code, a.city), '')
            FROM public.party_address a WHERE a.id = s.delivery_address) AS ship_to,
           coalesce(s.effective_date, s.planned_date)::timestamptz AS shipped_at,
           NULL::text AS carrier
    FROM public.stock_shipment_out s
    WHERE s.state IN ('shipped', 'done');

CREATE OR REPLACE VIEW erp.shipment_lines AS
    SELECT m.id::bigint AS id,
           (substring(m.shipment FROM position(',' IN m.shipment) + 1))::integer AS shipment_id,
           CASE WHEN m.origin LIKE 'sale.line,%'
                THEN (substring(m.origin FROM position(',' IN m.origin) + 1))::integer
           END AS order_line_id,
           m.lot::bigint AS lot_id, m.internal_quantity::numeric(14, 3) AS qty
    FROM public.stock_move m JOIN public.stock_location dst ON dst.id = m.to_location
    WHERE dst.type = 'customer' AND m.state = 'done' AND m.lot IS NOT NULL
      AND m.shipment LIKE 'stock.shipment.out,%';

CREATE OR REPLACE VIEW erp.returns AS
    SELECT m.id::bigint AS id, r.number AS rma_number, r.customer::integer AS customer_id,
           (SELECT o.id FROM public.stock_move o
                JOIN public.stock_location c ON c.id = o.to_location AND c.type = 'customer'
                JOIN public.stock_shipment_out s ON s.id = quality.tryton_ref(o.shipment, 'stock.shipment.out')
            WHERE o.lot = m.lot AND o.state = 'done' AND s.customer = r.customer
              AND o.effective_date <= m.effective_date
            ORDER BY o.effective_date DESC, o.id DESC LIMIT 1)::bigint AS shipment_line_id,
           m.lot::bigint AS lot_id, m.to_location::integer AS location_id,
           m.internal_quantity::numeric(14, 3) AS qty,
           m.effective_date::timestamptz AS returned_at, 'customer_return'::text AS reason_code
    FROM public.stock_move m
    JOIN public.stock_shipment_out_return r
        ON r.id = quality.tryton_ref(m.shipment, 'stock.shipment.out.return')
    JOIN public.stock_location src ON src.id = m.from_location
    WHERE src.type = 'customer' AND m.state = 'done' AND m.lot IS NOT NULL;

CREATE OR REPLACE VIEW erp.transfers AS
    SELECT s.id::integer AS id, s.number AS transfer_number,
           (SELECT l.site_id FROM erp.locations l WHERE l.id = s.from_location) AS from_site_id,
           (SELECT l.site_id FROM erp.locations l WHERE l.id = s.to_location) AS to_site_id,
           s.effective_start_date::timestamptz AS shipped_at,
           s.effective_date::timestamptz AS received_at,
           CASE WHEN s.state = 'done' THEN 'received'
                WHEN s.state = 'shipped' THEN 'in_transit'
                WHEN s.state = 'cancelled' THEN 'cancelled'
                ELSE 'open' END AS status
    FROM public.stock_shipment_internal s;

GRANT SELECT ON ALL TABLES IN SCHEMA erp TO
    lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;

-- ------------------------------------------------------------------ guards on Tryton's writes
-- A lot exists for Lotproof from the moment Tryton makes it (quarantine); a done move of it from
-- a supplier applies the supplier's rules.
CREATE OR REPLACE FUNCTION quality.tryton_lot_made() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM quality.lot_received(NEW.id, false);
    RETURN NULL;
END $$;

-- After the move is done, so that the lot's supplier (the receipt's party) is known.
CREATE OR REPLACE FUNCTION quality.tryton_move_received() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.state = 'done' AND OLD.lot IS NOT DISTINCT FROM NEW.lot THEN
        RETURN NULL;
    END IF;
    IF (SELECT type FROM public.stock_location WHERE id = NEW.from_location) = 'supplier' THEN
        PERFORM quality.lot_received(NEW.lot, true);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION quality.tryton_move_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_to text;
    v_customer integer;
    v_refusal text;
BEGIN
    IF NEW.lot IS NULL OR NEW.state NOT IN ('assigned', 'done') THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.state IS NOT DISTINCT FROM NEW.state
       AND OLD.lot IS NOT DISTINCT FROM NEW.lot
       AND OLD.to_location IS NOT DISTINCT FROM NEW.to_location THEN
        RETURN NEW;
    END IF;
    SELECT type INTO v_to FROM public.stock_location WHERE id = NEW.to_location;
    IF v_to = 'customer' OR NEW.shipment LIKE 'stock.shipment.out,%' THEN
        IF NEW.shipment LIKE 'stock.shipment.out,%' THEN
            SELECT s.customer INTO v_customer FROM public.stock_shipment_out s
            WHERE s.id = quality.tryton_ref(NEW.shipment, 'stock.shipment.out');
        END IF;
    ELSIF NOT (v_to = 'production' OR NEW.production_input IS NOT NULL) THEN
        RETURN NEW;
    END IF;
    v_refusal := quality.lot_may_not_leave(NEW.lot, v_customer);
    IF v_refusal IS NOT NULL THEN
        RAISE EXCEPTION '% and cannot be %', v_refusal,
            CASE WHEN v_to = 'production' OR NEW.production_input IS NOT NULL
                 THEN 'used in a production'
                 WHEN NEW.state = 'assigned' THEN 'assigned to a customer shipment'
                 ELSE 'shipped' END
            USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION quality.tryton_lot_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_status text := (SELECT status FROM quality.lot_state WHERE lot_id = OLD.id);
BEGIN
    IF coalesce(v_status, 'quarantine') <> 'quarantine'
       AND ((NEW.product, NEW.number) IS DISTINCT FROM (OLD.product, OLD.number)
            OR coalesce(NEW.expiration_date, NEW.shelf_life_expiration_date)
               > coalesce(OLD.expiration_date, OLD.shelf_life_expiration_date)
            OR (coalesce(NEW.expiration_date, NEW.shelf_life_expiration_date) IS NULL
                AND coalesce(OLD.expiration_date, OLD.shelf_life_expiration_date) IS NOT NULL))
    THEN
        RAISE EXCEPTION 'lot % is %: its product, number and a later expiry date are not changed after a quality decision; receive the goods as a new lot',
            OLD.number, replace(v_status, '_', ' ') USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION quality.tryton_lots_notify() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_ids bigint[];
BEGIN
    IF TG_TABLE_NAME = 'stock_move' THEN
        SELECT array_agg(DISTINCT n.lot ORDER BY n.lot) INTO v_ids FROM new_rows n
        WHERE n.lot IS NOT NULL AND n.state = 'done';
    ELSE
        SELECT array_agg(n.id ORDER BY n.id) INTO v_ids FROM new_rows n;
    END IF;
    PERFORM quality._notify_lots(v_ids, coalesce(cardinality(v_ids), 0));
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER lotproof_lot_made AFTER INSERT ON public.stock_lot
    FOR EACH ROW EXECUTE FUNCTION quality.tryton_lot_made();
CREATE OR REPLACE TRIGGER lotproof_lot_decided_keep BEFORE UPDATE ON public.stock_lot
    FOR EACH ROW EXECUTE FUNCTION quality.tryton_lot_guard();
CREATE OR REPLACE TRIGGER lotproof_audit_lot AFTER UPDATE ON public.stock_lot
    FOR EACH ROW WHEN ((OLD.product, OLD.number, OLD.expiration_date,
                        OLD.shelf_life_expiration_date)
                       IS DISTINCT FROM (NEW.product, NEW.number, NEW.expiration_date,
                                         NEW.shelf_life_expiration_date))
    EXECUTE FUNCTION audit.log_change('number');
CREATE OR REPLACE TRIGGER lotproof_move_guard BEFORE INSERT OR UPDATE ON public.stock_move
    FOR EACH ROW EXECUTE FUNCTION quality.tryton_move_guard();
CREATE OR REPLACE TRIGGER lotproof_move_received AFTER INSERT OR UPDATE OF state, lot ON public.stock_move
    FOR EACH ROW WHEN (NEW.state = 'done' AND NEW.lot IS NOT NULL)
    EXECUTE FUNCTION quality.tryton_move_received();
CREATE OR REPLACE TRIGGER lotproof_lots_notify AFTER INSERT ON public.stock_lot
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION quality.tryton_lots_notify();
CREATE OR REPLACE TRIGGER lotproof_moves_notify AFTER UPDATE ON public.stock_move
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION quality.tryton_lots_notify();

-- Lots Tryton had before Lotproof was installed beside it (or made while its triggers were
-- away) come in as Tryton held them: in use, so available; the trail says so. Run at the end
-- of every upgrade, once every audit trigger is in place (app/db/definitions.py); a lot
-- Lotproof knows is left as it is.
CREATE OR REPLACE FUNCTION quality.tryton_adopt_lots() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_count integer;
BEGIN
    PERFORM quality._audit_context('lot.adopt',
        'in Tryton before Lotproof was installed beside it: available as Tryton held it', NULL);
    INSERT INTO quality.lot_state (lot_id, status, version, released_once, updated_at)
    SELECT l.id, 'available', 0, false, clock_timestamp()
    FROM public.stock_lot l
    WHERE NOT EXISTS (SELECT 1 FROM quality.lot_state s WHERE s.lot_id = l.id)
    ORDER BY l.id;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END $$;
