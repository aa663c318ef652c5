-- The built-in ERP behind Lotproof's `erp` interface: Lotproof's own tables (schema erp_builtin)
-- for standalone use, tests and the demo, shown through views of the interface's columns. Its
-- guards: a new lot lands in quarantine with Lotproof's state; a decided lot keeps what the
-- decision was about; nothing leaves for a customer that Lotproof would not let go
-- (quality.lot_may_not_leave); changes of lots and genealogy are in the trail.
--
-- adapter: builtin
-- provides: erp
-- requires: audit_trail

CREATE OR REPLACE VIEW erp.allocations AS
    SELECT id, order_line_id, lot_id, location_id, qty, status, allocated_at
    FROM erp_builtin.allocations;
CREATE OR REPLACE VIEW erp.customers AS
    SELECT id, code, name, min_shelf_life_days, contact_name, contact_email, contact_phone, ship_to, country
    FROM erp_builtin.customers;
CREATE OR REPLACE VIEW erp.items AS
    SELECT id, sku, gtin, name, category, uom, lot_controlled, shelf_life_days, hazardous, required_documents, unit_cost
    FROM erp_builtin.items;
CREATE OR REPLACE VIEW erp.invoices AS
    SELECT id, invoice_number, order_id, customer_id, invoiced_at, due_date, amount, amount_open
    FROM erp_builtin.invoices;
CREATE OR REPLACE VIEW erp.locations AS
    SELECT id, site_id, parent_id, code, name, kind
    FROM erp_builtin.locations;
CREATE OR REPLACE VIEW erp.lot_genealogy AS
    SELECT id, parent_lot_id, child_lot_id, qty, transformation, transformation_id, created_at
    FROM erp_builtin.lot_genealogy;
CREATE OR REPLACE VIEW erp.lots AS
    SELECT id, lot_code, item_id, supplier_id, supplier_lot_code, manufacture_date, expiry_date, origin, site_id, created_at
    FROM erp_builtin.lots;
CREATE OR REPLACE VIEW erp.movements AS
    SELECT id, kind, lot_id, qty, from_location_id, to_location_id, moved_at, reference, transfer_id, shipment_line_id, transformation_id, receipt_line_id
    FROM erp_builtin.movements;
CREATE OR REPLACE VIEW erp.purchase_order_lines AS
    SELECT id, po_id, line_no, item_id, qty
    FROM erp_builtin.purchase_order_lines;
CREATE OR REPLACE VIEW erp.purchase_orders AS
    SELECT id, po_number, supplier_id, site_id, ordered_at, status
    FROM erp_builtin.purchase_orders;
CREATE OR REPLACE VIEW erp.receipt_lines AS
    SELECT id, receipt_id, po_line_id, item_id, lot_id, location_id, qty
    FROM erp_builtin.receipt_lines;
CREATE OR REPLACE VIEW erp.receipts AS
    SELECT id, receipt_number, po_id, supplier_id, site_id, received_at, packing_slip
    FROM erp_builtin.receipts;
CREATE OR REPLACE VIEW erp.returns AS
    SELECT id, rma_number, customer_id, shipment_line_id, lot_id, location_id, qty, returned_at, reason_code
    FROM erp_builtin.returns;
CREATE OR REPLACE VIEW erp.sales_order_lines AS
    SELECT id, order_id, line_no, item_id, qty, unit_price
    FROM erp_builtin.sales_order_lines;
CREATE OR REPLACE VIEW erp.sales_orders AS
    SELECT id, order_number, customer_id, site_id, ordered_at, requested_date, ship_to, status
    FROM erp_builtin.sales_orders;
CREATE OR REPLACE VIEW erp.shipment_lines AS
    SELECT id, shipment_id, order_line_id, lot_id, qty
    FROM erp_builtin.shipment_lines;
CREATE OR REPLACE VIEW erp.shipments AS
    SELECT id, shipment_number, customer_id, order_id, site_id, ship_to, shipped_at, carrier
    FROM erp_builtin.shipments;
CREATE OR REPLACE VIEW erp.sites AS
    SELECT id, code, name, address, gln
    FROM erp_builtin.sites;
CREATE OR REPLACE VIEW erp.stock AS
    SELECT lot_id, location_id, qty
    FROM erp_builtin.stock;
CREATE OR REPLACE VIEW erp.suppliers AS
    SELECT id, code, name, country, approval_status, contact_name, contact_email
    FROM erp_builtin.suppliers;
CREATE OR REPLACE VIEW erp.transfers AS
    SELECT id, transfer_number, from_site_id, to_site_id, shipped_at, received_at, status
    FROM erp_builtin.transfers;
CREATE OR REPLACE VIEW erp.transformations AS
    SELECT id, number, kind, site_id, performed_at
    FROM erp_builtin.transformations;
GRANT SELECT ON ALL TABLES IN SCHEMA erp TO
    lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;

CREATE OR REPLACE FUNCTION quality.builtin_lot_received() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM quality.lot_received(NEW.id, NEW.origin = 'receipt');
    RETURN NULL;
END $$;

-- Once Lotproof has decided on a lot (it left quarantine), what the decision was about stays:
-- which lot of which item from which supplier, and a shelf life no longer than it was.
CREATE OR REPLACE FUNCTION quality.builtin_lot_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER  -- reads Lotproof's state of the lot
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_status text := (SELECT status FROM quality.lot_state WHERE lot_id = OLD.id);
BEGIN
    IF coalesce(v_status, 'quarantine') <> 'quarantine'
       AND ((NEW.item_id, NEW.supplier_id, NEW.lot_code, NEW.supplier_lot_code)
                IS DISTINCT FROM (OLD.item_id, OLD.supplier_id, OLD.lot_code, OLD.supplier_lot_code)
            OR NEW.expiry_date > OLD.expiry_date
            OR (NEW.expiry_date IS NULL AND OLD.expiry_date IS NOT NULL)) THEN
        RAISE EXCEPTION 'lot % is %: its item, supplier, lot numbers and a later expiry date are not changed after a quality decision; receive the goods as a new lot',
            OLD.lot_code, replace(v_status, '_', ' ') USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION quality.builtin_leave_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_customer integer;
    v_refusal text;
BEGIN
    IF TG_TABLE_NAME = 'allocations' THEN  -- a record's fields are looked up as it runs
        IF NEW.status = 'cancelled' THEN
            RETURN NEW;
        END IF;
        SELECT o.customer_id INTO v_customer FROM erp_builtin.sales_order_lines ol
        JOIN erp_builtin.sales_orders o ON o.id = ol.order_id WHERE ol.id = NEW.order_line_id;
    ELSE
        SELECT sh.customer_id INTO v_customer FROM erp_builtin.shipments sh
        WHERE sh.id = NEW.shipment_id;
    END IF;
    v_refusal := quality.lot_may_not_leave(NEW.lot_id, v_customer);
    IF v_refusal IS NOT NULL THEN
        RAISE EXCEPTION '% and cannot be %', v_refusal,
            CASE WHEN TG_TABLE_NAME = 'allocations' THEN 'allocated' ELSE 'shipped' END
            USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END $$;

-- New lots, and changes a screen shows (dates, codes), for the workstations.
CREATE OR REPLACE FUNCTION quality.builtin_lots_notify() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_ids bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(n.id ORDER BY n.id) INTO v_ids FROM new_rows n;
    ELSE
        SELECT array_agg(n.id ORDER BY n.id) INTO v_ids
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE (n.expiry_date, n.manufacture_date, n.lot_code, n.supplier_lot_code)
              IS DISTINCT FROM (o.expiry_date, o.manufacture_date, o.lot_code, o.supplier_lot_code);
    END IF;
    PERFORM quality._notify_lots(v_ids, coalesce(cardinality(v_ids), 0));
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER lots_received AFTER INSERT ON erp_builtin.lots
    FOR EACH ROW EXECUTE FUNCTION quality.builtin_lot_received();
CREATE OR REPLACE TRIGGER lots_decided_keep BEFORE UPDATE ON erp_builtin.lots
    FOR EACH ROW EXECUTE FUNCTION quality.builtin_lot_guard();
CREATE OR REPLACE TRIGGER audit_lots AFTER UPDATE ON erp_builtin.lots
    FOR EACH ROW WHEN ((OLD.item_id, OLD.supplier_id, OLD.lot_code, OLD.supplier_lot_code,
                        OLD.expiry_date, OLD.manufacture_date)
                       IS DISTINCT FROM (NEW.item_id, NEW.supplier_id, NEW.lot_code,
                                         NEW.supplier_lot_code, NEW.expiry_date,
                                         NEW.manufacture_date))
    EXECUTE FUNCTION audit.log_change('lot_code');
CREATE OR REPLACE TRIGGER lots_notify_insert AFTER INSERT ON erp_builtin.lots
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION quality.builtin_lots_notify();
CREATE OR REPLACE TRIGGER lots_notify_update AFTER UPDATE ON erp_builtin.lots
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION quality.builtin_lots_notify();
CREATE OR REPLACE TRIGGER allocations_need_available_lot BEFORE INSERT OR UPDATE OF lot_id, qty ON erp_builtin.allocations
    FOR EACH ROW EXECUTE FUNCTION quality.builtin_leave_guard();
CREATE OR REPLACE TRIGGER shipment_lines_need_available_lot BEFORE INSERT OR UPDATE OF lot_id, qty ON erp_builtin.shipment_lines
    FOR EACH ROW EXECUTE FUNCTION quality.builtin_leave_guard();
-- The built-in ERP does an approved relabel or repack: a transformation, the new lot, its
-- genealogy edge, the stock moved from the parent's bins to the new lot in the same bins; then
-- the new lot takes what it inherits (quality._complete_relabel). Nothing without the approval.
CREATE OR REPLACE FUNCTION quality.carry_out_relabel(p_id bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r quality.relabel_requests;
    v erp_builtin.lots;
    v_at timestamptz := clock_timestamp();
    v_number text;
    v_transformation bigint;
    v_child bigint;
    v_left numeric;
    v_take numeric;
    st record;
BEGIN
    PERFORM quality._person();
    PERFORM quality._require_role('{lotproof_inspector,lotproof_approver,lotproof_compliance}',
                                  'carry out a relabel or repack');
    SELECT * INTO r FROM quality.relabel_requests WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no relabel or repack request %', p_id USING ERRCODE = 'LP404';
    END IF;
    IF r.state <> 'approved' THEN
        RAISE EXCEPTION 'request % is %: a % is done only once another person has approved it with a signature',
            p_id, r.state, r.kind USING ERRCODE = 'LP409';
    END IF;
    SELECT * INTO v FROM erp_builtin.lots WHERE id = r.lot_id;
    v_number := upper(r.kind) || '-' || lpad(r.id::text, 6, '0');
    INSERT INTO erp_builtin.transformations (number, kind, site_id, performed_at)
    VALUES (v_number, r.kind, v.site_id, v_at) RETURNING id INTO v_transformation;
    INSERT INTO erp_builtin.lots (lot_code, item_id, supplier_id, supplier_lot_code,
                                  manufacture_date, expiry_date, origin, site_id, created_at)
    VALUES (r.new_lot_code, r.new_item_id, v.supplier_id, v.supplier_lot_code,
            v.manufacture_date, v.expiry_date, r.kind, v.site_id, v_at)
    RETURNING id INTO v_child;
    INSERT INTO erp_builtin.lot_genealogy (parent_lot_id, child_lot_id, qty, transformation,
                                           transformation_id, created_at)
    VALUES (v.id, v_child, r.qty, r.kind, v_transformation, v_at);
    v_left := r.qty;
    FOR st IN
        SELECT s.location_id, s.qty FROM erp_builtin.stock s
        JOIN erp_builtin.locations loc ON loc.id = s.location_id
        WHERE s.lot_id = v.id AND s.qty > 0 AND loc.kind NOT IN ('in_transit', 'returns')
        ORDER BY s.qty DESC, s.location_id FOR UPDATE OF s
    LOOP
        EXIT WHEN v_left <= 0;
        v_take := least(st.qty, v_left);
        UPDATE erp_builtin.stock SET qty = qty - v_take
        WHERE lot_id = v.id AND location_id = st.location_id;
        INSERT INTO erp_builtin.stock AS x (lot_id, location_id, qty)
        VALUES (v_child, st.location_id, v_take)
        ON CONFLICT (lot_id, location_id) DO UPDATE SET qty = x.qty + excluded.qty;
        INSERT INTO erp_builtin.movements (kind, lot_id, qty, from_location_id, to_location_id,
                                           moved_at, reference, transformation_id)
        VALUES (r.kind, v.id, v_take, st.location_id, NULL, v_at, v_number, v_transformation),
               (r.kind, v_child, v_take, NULL, st.location_id, v_at, v_number, v_transformation);
        v_left := v_left - v_take;
    END LOOP;
    IF v_left > 0 THEN
        RAISE EXCEPTION 'lot % has less on hand than the % asked for (% short)', v.lot_code,
            r.qty, v_left USING ERRCODE = 'LP409';
    END IF;
    PERFORM quality._complete_relabel(r.id, v_child);
    RETURN v_child;
END $$;

-- The genealogy decides what a trace and a recall reach: every change of it is in the trail.
CREATE OR REPLACE TRIGGER audit_lot_genealogy AFTER INSERT OR UPDATE OR DELETE ON erp_builtin.lot_genealogy
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');

GRANT EXECUTE ON FUNCTION quality.carry_out_relabel(bigint)
TO lotproof_inspector, lotproof_approver, lotproof_compliance;
