-- The exception queue: what breaks a rule, routed to a role.
--
-- requires: audit_trail, lots

-- ---------------------------------------------------------------- the exception queue
-- Brings the queue up to date: opens what breaks a rule now, closes what no longer does. With
-- lot ids, only those lots' exceptions; with types, only those types; with neither, everything.
-- Custom plans: with lot ids the query reads those lots by index; without, whole tables.
CREATE OR REPLACE FUNCTION quality._refresh_exceptions(p_lot_ids bigint[] DEFAULT NULL,
                                           p_types text[] DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
    v_opened int;
    v_closed int;
    v_today date := quality.today();
    v_grace int := quality.setting('document_grace_days', '2')::int;
    v_hold_days int := quality.setting('hold_review_days', '14')::int;
    v_horizon int := quality.setting('expiry_horizon_days', '90')::int;
    v_urgent int := quality.setting('expiry_urgent_days', '30')::int;
    v_sds_days int := quality.setting('sds_review_days', '1095')::int;
    v_return_days int := quality.setting('return_window_days', '60')::int;
BEGIN
    PERFORM quality._audit_context('exception.refresh', NULL, NULL);
    -- `since`: when the problem began (the exception's age), where it is known.
    CREATE TEMP TABLE IF NOT EXISTS _found (type text, key text, lot_id bigint, severity text,
                                            since timestamptz, title text, details jsonb)
        ON COMMIT DROP;
    TRUNCATE _found;
    INSERT INTO _found
    -- A lot waiting for release without its verified COA: first the inspector's, then overdue.
    SELECT CASE WHEN l.created_at < now() - make_interval(days => v_grace)
                THEN 'supplier_document_overdue' ELSE 'missing_document' END,
           'lot:' || l.id, l.id, NULL, l.created_at,
           format('%s: no verified COA (received %s)', l.lot_code, l.created_at::date),
           jsonb_build_object('lot', l.lot_code, 'supplier', s.name)
    FROM quality.lots l JOIN erp.items i ON i.id = l.item_id
    LEFT JOIN erp.suppliers s ON s.id = l.supplier_id
    WHERE l.status = 'quarantine' AND 'COA' = ANY(quality.required_documents_for(l.id))
      AND (p_lot_ids IS NULL OR l.id = ANY(p_lot_ids))
      AND (p_types IS NULL OR p_types && ARRAY['missing_document', 'supplier_document_overdue'])
      AND NOT EXISTS (SELECT 1 FROM quality.document_links k JOIN quality.documents d
                      ON d.id = k.document_id WHERE k.lot_id = l.id AND d.kind = 'coa'
                      AND d.status = 'verified' AND cardinality(k.mismatches) = 0)
    UNION ALL
    SELECT 'out_of_spec', 'lot:' || l.id, l.id, NULL, NULL::timestamptz,
           format('%s: %s', l.lot_code, string_agg(f.problem, '; ')),
           jsonb_build_object('lot', l.lot_code, 'failures', jsonb_agg(f.problem))
    FROM quality.lots l CROSS JOIN LATERAL quality.spec_failures(l.id) f
    WHERE l.status IN ('quarantine', 'available', 'hold')
      AND (p_lot_ids IS NULL OR l.id = ANY(p_lot_ids))
      AND (p_types IS NULL OR p_types && ARRAY['out_of_spec'])
      AND EXISTS (SELECT 1 FROM quality.document_links k JOIN quality.documents d
                      ON d.id = k.document_id WHERE k.lot_id = l.id AND d.kind = 'coa'
                      AND d.status = 'verified' AND cardinality(k.mismatches) = 0)
      AND f.problem NOT LIKE 'no verified COA result%'
    GROUP BY l.id, l.lot_code
    UNION ALL
    SELECT 'expiring_stock', 'lot:' || l.id, l.id,
           CASE WHEN l.expiry_date <= v_today + v_urgent THEN 'high' END,
           (l.expiry_date - v_horizon)::timestamptz,
           format('%s expires %s with %s %s on hand', l.lot_code, l.expiry_date, st.qty, i.uom),
           jsonb_build_object('lot', l.lot_code, 'expiry', l.expiry_date, 'on_hand', st.qty)
    FROM quality.lots l JOIN erp.items i ON i.id = l.item_id
    JOIN LATERAL (SELECT sum(s.qty) AS qty FROM erp.stock s JOIN erp.locations loc
                  ON loc.id = s.location_id WHERE s.lot_id = l.id AND loc.kind <> 'in_transit') st
      ON st.qty > 0
    WHERE l.status = 'available' AND l.expiry_date BETWEEN v_today AND v_today + v_horizon
      AND (p_lot_ids IS NULL OR l.id = ANY(p_lot_ids))
      AND (p_types IS NULL OR p_types && ARRAY['expiring_stock'])
    UNION ALL
    SELECT 'old_hold', 'lot:' || l.id, l.id, NULL, coalesce(ls.updated_at, l.created_at),
           format('%s on hold since %s', l.lot_code, coalesce(ls.updated_at, l.created_at)::date),
           jsonb_build_object('lot', l.lot_code, 'since', coalesce(ls.updated_at, l.created_at))
    FROM quality.lots l LEFT JOIN quality.lot_state ls ON ls.lot_id = l.id
    WHERE l.status = 'hold' AND coalesce(ls.updated_at, l.created_at) < now() - make_interval(days => v_hold_days)
      AND (p_lot_ids IS NULL OR l.id = ANY(p_lot_ids))
      AND (p_types IS NULL OR p_types && ARRAY['old_hold'])
    UNION ALL
    SELECT 'short_dated_allocation', 'allocation:' || a.id, l.id, NULL, NULL,
           format('%s for %s (order %s): %s days of shelf life at %s, %s required', l.lot_code,
                  c.name, o.order_number, l.expiry_date - coalesce(o.requested_date, v_today),
                  coalesce(o.requested_date, v_today), r.min_days),
           jsonb_build_object('lot', l.lot_code, 'order', o.order_number, 'customer', c.name)
    FROM erp.allocations a JOIN quality.lots l ON l.id = a.lot_id
    JOIN erp.sales_order_lines ol ON ol.id = a.order_line_id
    JOIN erp.sales_orders o ON o.id = ol.order_id JOIN erp.customers c ON c.id = o.customer_id
    CROSS JOIN LATERAL quality.customer_rules(c.id) r
    WHERE a.status = 'open' AND r.min_days IS NOT NULL AND l.expiry_date IS NOT NULL
      AND l.expiry_date - coalesce(o.requested_date, v_today) < r.min_days
      AND (p_lot_ids IS NULL OR l.id = ANY(p_lot_ids))
      AND (p_types IS NULL OR p_types && ARRAY['short_dated_allocation'])
    UNION ALL
    SELECT 'shipped_on_hold', 'shipment_line:' || sl.id, l.id, NULL, sh.shipped_at,
           format('%s shipped on %s (%s) while on hold', l.lot_code, sh.shipped_at::date,
                  sh.shipment_number),
           jsonb_build_object('lot', l.lot_code, 'shipment', sh.shipment_number)
    -- Only lots that were ever held can have shipped while on hold.
    FROM (SELECT DISTINCT h.lot_id FROM quality.lot_decisions h
          WHERE h.to_status = 'hold' AND h.state = 'done'
            AND (p_lot_ids IS NULL OR h.lot_id = ANY(p_lot_ids))) held
    JOIN erp.shipment_lines sl ON sl.lot_id = held.lot_id
    JOIN erp.shipments sh ON sh.id = sl.shipment_id
    JOIN quality.lots l ON l.id = sl.lot_id
    JOIN LATERAL (SELECT d.to_status FROM quality.lot_decisions d
                  WHERE d.lot_id = l.id AND d.state = 'done' AND d.completed_at < sh.shipped_at
                  ORDER BY d.completed_at DESC LIMIT 1) last ON last.to_status = 'hold'
    WHERE (p_lot_ids IS NULL OR l.id = ANY(p_lot_ids))
      AND (p_types IS NULL OR p_types && ARRAY['shipped_on_hold'])
    UNION ALL
    -- A relabel or repack the ERP did with no approved request behind the new lot.
    SELECT 'unapproved_relabel', 'genealogy:' || g.id, g.child_lot_id, NULL, g.created_at,
           format('%s was made from %s by a %s in the ERP without an approved request',
                  c.lot_code, p.lot_code, g.transformation),
           jsonb_build_object('lot', c.lot_code, 'parent', p.lot_code,
                              'transformation', g.transformation)
    FROM erp.lot_genealogy g JOIN quality.lots c ON c.id = g.child_lot_id
    JOIN quality.lots p ON p.id = g.parent_lot_id
    WHERE g.transformation IN ('relabel', 'repack')
      AND g.created_at >= quality.setting('relabel_control_since', 'infinity')::timestamptz
      AND NOT EXISTS (SELECT 1 FROM quality.relabel_requests r
                      WHERE r.child_lot_id = g.child_lot_id AND r.state = 'done')
      AND (p_lot_ids IS NULL OR g.child_lot_id = ANY(p_lot_ids))
      AND (p_types IS NULL OR p_types && ARRAY['unapproved_relabel'])
    UNION ALL
    SELECT 'temperature_excursion', 'event:' || e.id, e.lot_id, NULL, e.occurred_at,
           format('Temperature excursion: %s', e.description),
           jsonb_build_object('event', e.id, 'min', e.measured_min, 'max', e.measured_max)
    FROM quality.quality_events e
    WHERE e.kind = 'temperature_excursion' AND p_lot_ids IS NULL
      AND (p_types IS NULL OR p_types && ARRAY['temperature_excursion'])
      AND EXISTS (SELECT 1 FROM quality.lot_decisions d JOIN quality.lots l ON l.id = d.lot_id
                  WHERE d.action = 'rule_hold' AND d.reason LIKE format('Temperature excursion (event %s)%%', e.id)
                    AND l.status = 'hold')
    UNION ALL
    SELECT 'unverified_document', 'document:' || d.id, NULL, NULL, d.uploaded_at,
           format('%s (%s) uploaded %s is not reviewed', d.file_name, upper(d.kind), d.uploaded_at::date),
           jsonb_build_object('document', d.id)
    FROM quality.documents d WHERE d.status = 'new' AND p_lot_ids IS NULL
      AND (p_types IS NULL OR p_types && ARRAY['unverified_document'])
    UNION ALL
    SELECT 'sds_out_of_date', 'document:' || d.id, NULL, NULL,
           (d.revision_date + v_sds_days)::timestamptz,
           format('%s: revision %s is older than %s days', d.file_name, d.revision_date, v_sds_days),
           jsonb_build_object('document', d.id, 'revision_date', d.revision_date)
    FROM quality.documents d WHERE d.kind = 'sds' AND d.status = 'verified' AND p_lot_ids IS NULL
      AND (p_types IS NULL OR p_types && ARRAY['sds_out_of_date'])
      AND d.superseded_by_id IS NULL AND d.revision_date < v_today - v_sds_days
    UNION ALL
    SELECT 'return_awaiting_inspection', 'return:' || r.id, r.lot_id, NULL, r.returned_at,
           format('%s returned by %s on %s (%s)', l.lot_code, c.name, r.returned_at::date, r.reason_code),
           jsonb_build_object('rma', r.rma_number, 'lot', l.lot_code)
    FROM erp.returns r JOIN quality.lots l ON l.id = r.lot_id JOIN erp.customers c ON c.id = r.customer_id
    WHERE r.returned_at > now() - make_interval(days => v_return_days)
      AND NOT EXISTS (SELECT 1 FROM quality.return_inspections x WHERE x.return_id = r.id)
      AND (p_lot_ids IS NULL OR r.lot_id = ANY(p_lot_ids))
      AND (p_types IS NULL OR p_types && ARRAY['return_awaiting_inspection'])
    UNION ALL
    SELECT 'quantity_mismatch', 'receipt_line:' || rl.id, rl.lot_id, NULL, l.created_at,
           format('%s received %s, ordered %s', l.lot_code, rl.qty, pl.qty),
           jsonb_build_object('lot', l.lot_code, 'received', rl.qty, 'ordered', pl.qty)
    FROM erp.receipt_lines rl JOIN erp.purchase_order_lines pl ON pl.id = rl.po_line_id
    JOIN quality.lots l ON l.id = rl.lot_id
    WHERE abs(rl.qty - pl.qty) > 0.05 * pl.qty AND l.created_at > now() - interval '90 days'
      AND (p_lot_ids IS NULL OR rl.lot_id = ANY(p_lot_ids))
      AND (p_types IS NULL OR p_types && ARRAY['quantity_mismatch'])
    -- Overdue CAPA work goes to the role of the person who owns it.
    UNION ALL
    SELECT 'capa_action_overdue', 'capa_action:' || a.id, NULL, NULL, a.due_date::timestamptz,
           format('CAPA-%s action overdue since %s (%s): %s', lpad(c.id::text, 5, '0'), a.due_date,
                  u.printed_name, a.description),
           jsonb_build_object('capa', c.id, 'action', a.id, 'owner', a.owner, 'owner_role', u.role)
    FROM quality.capa_actions a JOIN quality.capas c ON c.id = a.capa_id
    JOIN quality.users u ON u.username = a.owner
    WHERE a.done_at IS NULL AND c.status = 'open' AND a.due_date < v_today AND p_lot_ids IS NULL
      AND (p_types IS NULL OR p_types && ARRAY['capa_action_overdue'])
    UNION ALL
    SELECT 'capa_check_overdue', 'capa:' || c.id, NULL, NULL, c.effectiveness_due::timestamptz,
           format('CAPA-%s effectiveness check overdue since %s (%s): %s', lpad(c.id::text, 5, '0'),
                  c.effectiveness_due, u.printed_name, c.title),
           jsonb_build_object('capa', c.id, 'owner', c.owner, 'owner_role', u.role)
    FROM quality.capas c JOIN quality.users u ON u.username = c.owner
    WHERE c.status = 'open' AND c.effectiveness_due < v_today AND p_lot_ids IS NULL
      AND (p_types IS NULL OR p_types && ARRAY['capa_check_overdue'])
    UNION ALL
    SELECT 'scar_overdue', 'scar:' || x.id, NULL, NULL, x.response_due::timestamptz,
           format('SCAR-%s to %s: no answer since %s', lpad(x.id::text, 5, '0'), s.name, x.response_due),
           jsonb_build_object('scar', x.id, 'supplier', s.name)
    FROM quality.scars x JOIN erp.suppliers s ON s.id = x.supplier_id
    WHERE x.status = 'sent' AND x.response_due < v_today AND p_lot_ids IS NULL
      AND (p_types IS NULL OR p_types && ARRAY['scar_overdue']);

    INSERT INTO quality.exceptions (type, key, severity, owner_role, priority, lot_id, title,
                                    details, opened_at)
    SELECT f.type, f.key, coalesce(f.severity, r.severity),
           coalesce(f.details ->> 'owner_role', r.owner_role), r.priority, f.lot_id,
           f.title, f.details, least(coalesce(f.since, clock_timestamp()), clock_timestamp())
    FROM _found f JOIN quality.exception_routes r ON r.type = f.type AND r.enabled
    ON CONFLICT (type, key) WHERE closed_at IS NULL DO NOTHING;
    GET DIAGNOSTICS v_opened = ROW_COUNT;

    UPDATE quality.exceptions e
    SET closed_at = clock_timestamp(), closed_by = session_user,
        close_reason = 'resolved: the rule is no longer broken'
    WHERE e.closed_at IS NULL
      AND (p_lot_ids IS NULL OR e.lot_id = ANY(p_lot_ids))
      AND (p_types IS NULL OR e.type = ANY(p_types))
      AND (p_lot_ids IS NULL OR e.type NOT IN ('unverified_document', 'sds_out_of_date', 'temperature_excursion'))
      AND NOT EXISTS (SELECT 1 FROM _found f WHERE f.type = e.type AND f.key = e.key);
    GET DIAGNOSTICS v_closed = ROW_COUNT;
    IF v_opened > 0 THEN
        PERFORM audit.append('exception.refresh', 'quality.exceptions', NULL,
                             CASE WHEN cardinality(p_lot_ids) = 1 THEN p_lot_ids[1] END, NULL,
                             jsonb_build_object('opened', v_opened, 'closed', v_closed,
                                                'lots', to_jsonb(p_lot_ids), 'types', to_jsonb(p_types)),
                             NULL, NULL);
    END IF;
    RETURN jsonb_build_object('opened', v_opened, 'closed', v_closed);
END $$;

-- What a person asks for (the Refresh button, a scheduler's login): the same, by a Lotproof
-- person of a deciding group only (an auditor, a withdrawn account, a foreign login may not).
CREATE OR REPLACE FUNCTION quality.refresh_exceptions(p_lot_ids bigint[] DEFAULT NULL,
                                                      p_types text[] DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT quality._is_installer() THEN
        PERFORM quality._person();
        PERFORM quality._require_role('{lotproof_inspector,lotproof_approver,lotproof_compliance}',
                                      'refresh the exception queue');
    END IF;
    RETURN quality._refresh_exceptions(p_lot_ids, p_types);
END $$;

CREATE OR REPLACE FUNCTION quality.close_exception(p_exception_id bigint, p_reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    e quality.exceptions;
BEGIN
    PERFORM quality._person();
    SELECT * INTO e FROM quality.exceptions WHERE id = p_exception_id FOR UPDATE;
    IF NOT FOUND OR e.closed_at IS NOT NULL THEN
        RAISE EXCEPTION 'exception % is not open', p_exception_id USING ERRCODE = 'LP409';
    END IF;
    PERFORM quality._require_role(ARRAY[e.owner_role, 'lotproof_compliance'], 'close this exception');
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'closing an exception needs a reason' USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('exception.close', p_reason, NULL);
    UPDATE quality.exceptions SET closed_at = clock_timestamp(), closed_by = session_user,
                                  close_reason = btrim(p_reason)
    WHERE id = p_exception_id;
END $$;

CREATE OR REPLACE FUNCTION quality.set_exception_route(p_type text, p_owner_role text, p_priority integer,
                                            p_severity text, p_enabled boolean, p_reason text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM quality._person();
    PERFORM quality._require_role('{lotproof_compliance}', 'route exceptions');
    IF p_owner_role NOT IN ('lotproof_inspector', 'lotproof_approver', 'lotproof_compliance',
                            'lotproof_admin') THEN
        RAISE EXCEPTION 'unknown role %', p_owner_role USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('exception.route', p_reason, NULL);
    UPDATE quality.exception_routes SET owner_role = p_owner_role, priority = p_priority,
                                        severity = p_severity, enabled = p_enabled
    WHERE type = p_type;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown exception type %', p_type USING ERRCODE = 'LP404';
    END IF;
    UPDATE quality.exceptions SET owner_role = p_owner_role, priority = p_priority
    WHERE type = p_type AND closed_at IS NULL;
END $$;

CREATE OR REPLACE TRIGGER audit_exception_routes AFTER INSERT OR UPDATE OR DELETE ON quality.exception_routes
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('type');
-- Opening an exception is the system's doing, recorded in the row itself (type, key, details,
-- opened_at, never changed after) and summed up in one audit entry per refresh; closing or
-- re-routing one is a person's doing (or follows from one), audited row by row.
CREATE OR REPLACE TRIGGER audit_exceptions AFTER UPDATE OR DELETE ON quality.exceptions
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');

GRANT EXECUTE ON FUNCTION
    quality.refresh_exceptions(bigint[], text[]),
    quality.close_exception(bigint, text)
TO lotproof_inspector, lotproof_approver, lotproof_compliance;
GRANT EXECUTE ON FUNCTION
    quality.set_exception_route(text, text, integer, text, boolean, text)
TO lotproof_compliance;
