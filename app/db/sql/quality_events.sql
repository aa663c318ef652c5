-- Quality events (temperature excursions, damage, complaints, deviations) and customer returns.
--
-- requires: audit_trail, lots

-- ---------------------------------------------------------------- quality events and returns
CREATE OR REPLACE FUNCTION quality.record_quality_event(p_kind text, p_lot_code text, p_shipment text,
                                             p_location_id integer, p_occurred_at timestamptz,
                                             p_ended_at timestamptz, p_measured_min numeric,
                                             p_measured_max numeric, p_limit_min numeric,
                                             p_limit_max numeric, p_description text,
                                             p_source text DEFAULT 'entered')
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
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
        SELECT id INTO v_lot FROM quality.lots WHERE lot_code = p_lot_code;
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
    PERFORM quality._refresh_exceptions(NULL, ARRAY['temperature_excursion']);
    RETURN v_id;
END $$;

CREATE OR REPLACE FUNCTION quality.inspect_return(p_return_id bigint, p_outcome text, p_reason text,
                                       p_disposition text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
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
    PERFORM quality._refresh_exceptions(NULL, ARRAY['return_awaiting_inspection']);
END $$;

CREATE OR REPLACE TRIGGER audit_quality_events AFTER INSERT OR UPDATE OR DELETE ON quality.quality_events
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE OR REPLACE TRIGGER audit_return_inspections AFTER INSERT OR UPDATE OR DELETE ON quality.return_inspections
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('return_id');

GRANT EXECUTE ON FUNCTION
    quality.record_quality_event(text, text, text, integer, timestamp with time zone, timestamp with time zone, numeric, numeric, numeric, numeric, text, text),
    quality.inspect_return(bigint, text, text, text)
TO lotproof_inspector, lotproof_approver, lotproof_compliance;
