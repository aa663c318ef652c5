-- Labels for the warehouse: a lot's GS1 label, a pallet's SSCC label and the status labels
-- (QUARANTINE, ON HOLD, REJECTED) stuck on stock that must not move. The database decides what a
-- label carries and keeps a record of every one printed; the PDF is its layout
-- (app/reports/labels.py), and the symbols are checked against GS1's rules when drawn.
--
-- requires: audit_trail, lots, people

-- GS1's mod-10 check digit of a GTIN, GLN or SSCC without its last digit.
CREATE OR REPLACE FUNCTION quality._gs1_check_digit(p_digits text) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ((10 - sum(substr(reverse(p_digits), i, 1)::int * CASE WHEN i % 2 = 1 THEN 3 ELSE 1 END)
             % 10) % 10)::text
    FROM generate_series(1, length(p_digits)) i
$$;

-- The next SSCC: extension digit 0, the company's GS1 prefix, a serial reference never used
-- before, the check digit.
CREATE OR REPLACE FUNCTION quality._next_sscc() RETURNS text
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_prefix text := quality.setting('gs1_company_prefix', NULL);
    v_serial bigint;
    v_body text;
BEGIN
    IF v_prefix IS NULL OR v_prefix !~ '^[0-9]{6,12}$' THEN
        RAISE EXCEPTION 'a pallet label needs the company''s GS1 company prefix (6 to 12 digits, the setting gs1_company_prefix); it is %',
            coalesce('"' || v_prefix || '"', 'not set') USING ERRCODE = 'LP422';
    END IF;
    v_serial := nextval('quality.sscc_serial');
    IF length(v_serial::text) > 16 - length(v_prefix) THEN
        RAISE EXCEPTION 'every SSCC serial of company prefix % is used', v_prefix
            USING ERRCODE = 'LP409';
    END IF;
    v_body := '0' || v_prefix || lpad(v_serial::text, 16 - length(v_prefix), '0');
    RETURN v_body || quality._gs1_check_digit(v_body);
END $$;

-- Why a lot stands where it stands: the reason of the decision that put it there.
CREATE OR REPLACE FUNCTION quality._status_reason(p_lot_id bigint) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(
        (SELECT d.reason FROM quality.lot_decisions d JOIN quality.lot_state s ON s.lot_id = d.lot_id
         WHERE d.lot_id = p_lot_id AND d.state = 'done' AND d.to_status = s.status
         ORDER BY coalesce(d.completed_at, d.created_at) DESC, d.id DESC LIMIT 1),
        (SELECT 'recall ' || r.number FROM quality.lot_state s
         JOIN quality.recalls r ON r.id = s.recall_id WHERE s.lot_id = p_lot_id),
        (SELECT 'awaiting quality release' FROM quality.lot_state s
         WHERE s.lot_id = p_lot_id AND s.status = 'quarantine'))
$$;

-- Print a label for a lot: 'lot' (GTIN, production date, expiry or best-before, lot),
-- 'pallet' (a new SSCC with the lot's contents and their count) or 'status' (the lot's
-- QUARANTINE / ON HOLD / REJECTED with its reason). p_date_ai chooses expiry (17) or
-- best-before (15); by default food is labelled best-before and everything else expiry.
CREATE OR REPLACE FUNCTION quality.print_label(p_lot text, p_kind text, p_size text,
                                               p_units integer DEFAULT NULL,
                                               p_date_ai text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v quality.lots;
    v_item record;
    v_date_ai text;
    v_trade text;
    v_strings text[] := '{}';
    v_sscc text;
    v_status text;
    v_content jsonb;
    v_id bigint;
BEGIN
    PERFORM quality._person();
    PERFORM quality._require_role('{lotproof_inspector,lotproof_approver,lotproof_compliance}',
                                  'print a label');
    IF p_kind IS NULL OR p_kind NOT IN ('lot', 'pallet', 'status') THEN
        RAISE EXCEPTION 'a label is a lot, pallet or status label, not %', coalesce(p_kind, 'nothing')
            USING ERRCODE = 'LP422';
    END IF;
    IF p_size IS NULL OR p_size NOT IN ('4x6', '100x150') THEN
        RAISE EXCEPTION 'labels are 4x6 (inches) or 100x150 (mm), not %', coalesce(p_size, 'nothing')
            USING ERRCODE = 'LP422';
    END IF;
    PERFORM 1 FROM quality.lot_state s
    WHERE s.lot_id = (SELECT l.id FROM erp.lots l WHERE l.lot_code = p_lot) FOR SHARE;
    SELECT * INTO v FROM quality.lots WHERE lot_code = p_lot;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no lot %', p_lot USING ERRCODE = 'LP404';
    END IF;
    SELECT i.sku, i.name, i.gtin, i.category, i.uom INTO v_item FROM erp.items i WHERE i.id = v.item_id;
    v_status := CASE v.status WHEN 'quarantine' THEN 'QUARANTINE' WHEN 'hold' THEN 'ON HOLD'
                              WHEN 'rejected' THEN 'REJECTED' END;
    IF p_kind = 'status' AND v_status IS NULL THEN
        RAISE EXCEPTION 'lot % is %: a status label marks stock in quarantine, on hold or rejected',
            p_lot, replace(v.status, '_', ' ') USING ERRCODE = 'LP409';
    END IF;
    IF p_kind <> 'status' AND v.status IN ('rejected', 'scrap', 'return_to_vendor') THEN
        RAISE EXCEPTION 'lot % is %: print its REJECTED status label, not a % label',
            p_lot, replace(v.status, '_', ' '), p_kind USING ERRCODE = 'LP409';
    END IF;
    IF p_kind <> 'status' AND v_item.gtin IS NULL THEN
        RAISE EXCEPTION 'item % (%) has no GTIN: a GS1 % label needs one — add it to the item in the ERP',
            v_item.sku, v_item.name, p_kind USING ERRCODE = 'LP422';
    END IF;
    IF p_kind = 'pallet' AND (p_units IS NULL OR p_units < 1) THEN
        RAISE EXCEPTION 'a pallet label says how many units of % are on the pallet (a whole number of at least 1)',
            v_item.sku USING ERRCODE = 'LP422';
    END IF;
    IF p_kind <> 'pallet' AND p_units IS NOT NULL THEN
        RAISE EXCEPTION 'only a pallet label counts units' USING ERRCODE = 'LP422';
    END IF;
    v_date_ai := coalesce(p_date_ai, CASE WHEN v_item.category LIKE 'food%' THEN '15' ELSE '17' END);
    IF v_date_ai NOT IN ('15', '17') THEN
        RAISE EXCEPTION 'the date on a label is expiry (17) or best before (15), not %', v_date_ai
            USING ERRCODE = 'LP422';
    END IF;
    IF v_item.gtin IS NOT NULL THEN
        -- the lot (variable length) last, so no separator is needed after it
        v_trade := concat(
            CASE WHEN v.manufacture_date IS NOT NULL AND p_kind = 'lot'
                 THEN '(11)' || to_char(v.manufacture_date, 'YYMMDD') END,
            CASE WHEN v.expiry_date IS NOT NULL
                 THEN '(' || v_date_ai || ')' || to_char(v.expiry_date, 'YYMMDD') END,
            '(10)' || v.lot_code);
    END IF;
    IF p_kind = 'lot' OR p_kind = 'status' AND v_item.gtin IS NOT NULL THEN
        v_strings := ARRAY['(01)' || lpad(v_item.gtin, 14, '0') || v_trade];
    ELSIF p_kind = 'pallet' THEN
        v_sscc := quality._next_sscc();
        -- the SSCC in the lowest bar, as on GS1 logistic labels
        v_strings := ARRAY['(02)' || lpad(v_item.gtin, 14, '0') || '(37)' || p_units || v_trade,
                           '(00)' || v_sscc];
    END IF;
    v_content := jsonb_build_object(
        'kind', p_kind, 'size', p_size, 'element_strings', to_jsonb(v_strings),
        'lot_code', v.lot_code, 'sku', v_item.sku, 'item', v_item.name, 'gtin', v_item.gtin,
        'uom', v_item.uom, 'supplier_lot_code', v.supplier_lot_code,
        'manufacture_date', v.manufacture_date, 'expiry_date', v.expiry_date,
        'date_ai', v_date_ai, 'units', p_units, 'sscc', v_sscc,
        'status', CASE WHEN p_kind = 'status' THEN v_status END,
        'reason', CASE WHEN p_kind = 'status' THEN quality._status_reason(v.id) END,
        'site', (SELECT x.name FROM erp.sites x WHERE x.id = v.site_id),
        'printed_by', (SELECT coalesce(u.printed_name, u.username) FROM quality.users u
                       WHERE u.username = session_user));
    PERFORM quality._audit_context('label.print',
        format('%s label for lot %s%s', p_kind, v.lot_code, coalesce(' (SSCC ' || v_sscc || ')', '')),
        NULL);
    INSERT INTO quality.printed_labels (kind, lot_id, size, sscc, content, printed_by, printed_at)
    VALUES (p_kind, v.id, p_size, v_sscc, v_content, session_user, clock_timestamp())
    RETURNING id INTO v_id;
    RETURN v_id;
END $$;

CREATE OR REPLACE TRIGGER audit_printed_labels AFTER INSERT OR UPDATE OR DELETE ON quality.printed_labels
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE OR REPLACE TRIGGER printed_labels_kept BEFORE UPDATE OR DELETE ON quality.printed_labels
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();

GRANT EXECUTE ON FUNCTION quality.print_label(text, text, text, integer, text)
TO lotproof_inspector, lotproof_approver, lotproof_compliance;
