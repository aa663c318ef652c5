-- Every workstation hears what changed, from the database itself (LISTEN/NOTIFY).
--
-- requires: audit_trail, lots

-- Every workstation hears what changed, within a second, from the database itself: statement
-- triggers send one NOTIFY per statement on the channel `lotproof_changes` (delivered at commit,
-- never for work rolled back), whoever made the change: a workstation, the ERP, a script.
--
-- Payload (JSON, under PostgreSQL's 8,000-byte limit): {"kind": "lot"|"document"|"decision"|
-- "exception", "codes": [lot codes, at most 100], "ids": [ids, at most 100], "many": true when
-- the statement touched more (the listener then reloads instead of refreshing rows)}.
CREATE OR REPLACE FUNCTION quality._notify_change(p_kind text, p_codes text[], p_ids bigint[], p_count bigint)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_notify('lotproof_changes', jsonb_strip_nulls(jsonb_build_object(
        'kind', p_kind,
        'codes', CASE WHEN cardinality(p_codes) > 0 THEN to_jsonb(p_codes) END,
        'ids', CASE WHEN cardinality(p_ids) > 0 THEN to_jsonb(p_ids) END,
        'many', CASE WHEN p_count > 100 THEN true END))::text)
    WHERE p_count > 0
$$;

-- Lots, by id: the adapters' triggers on the ERP's lot rows (new lots; dates and codes a screen
-- shows) and the trigger on Lotproof's state (the status) name the lots that changed.
CREATE OR REPLACE FUNCTION quality._notify_lots(p_ids bigint[], p_count bigint)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT quality._notify_change('lot', ARRAY(
        SELECT l.lot_code FROM erp.lots l WHERE l.id = ANY(p_ids[1:100]) ORDER BY l.id), NULL,
        p_count)
$$;

CREATE OR REPLACE FUNCTION quality.notify_lot_state() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_ids bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(n.lot_id ORDER BY n.lot_id) INTO v_ids FROM new_rows n;
    ELSE
        SELECT array_agg(n.lot_id ORDER BY n.lot_id) INTO v_ids
        FROM new_rows n JOIN old_rows o ON o.lot_id = n.lot_id WHERE n.status <> o.status;
    END IF;
    PERFORM quality._notify_lots(v_ids, coalesce(cardinality(v_ids), 0));
    RETURN NULL;
END $$;

-- Decisions (the approvals inbox), documents and their links, exceptions: rows of one table
-- with a lot or a document behind them.
CREATE OR REPLACE FUNCTION quality.notify_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_codes text[];
    v_ids bigint[];
    v_count bigint;
BEGIN
    IF TG_TABLE_NAME = 'lot_decisions' THEN
        SELECT array_agg(DISTINCT l.lot_code), count(*) INTO v_codes, v_count
        FROM new_rows n JOIN quality.lots l ON l.id = n.lot_id;
        PERFORM quality._notify_change('decision', v_codes[1:100], NULL, v_count);
    ELSIF TG_TABLE_NAME = 'documents' THEN
        SELECT array_agg(n.id), count(*) INTO v_ids, v_count FROM new_rows n;
        PERFORM quality._notify_change('document', NULL, v_ids[1:100], v_count);
    ELSIF TG_TABLE_NAME = 'document_links' THEN
        SELECT array_agg(DISTINCT l.lot_code), array_agg(DISTINCT n.document_id), count(*)
        INTO v_codes, v_ids, v_count FROM new_rows n LEFT JOIN quality.lots l ON l.id = n.lot_id;
        PERFORM quality._notify_change('document', (array_remove(v_codes, NULL))[1:100],
                                       v_ids[1:100], v_count);
    ELSE
        SELECT count(*) INTO v_count FROM new_rows;
        PERFORM quality._notify_change('exception', NULL, NULL, least(v_count, 1));
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER lot_state_notify_insert AFTER INSERT ON quality.lot_state
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION quality.notify_lot_state();
CREATE OR REPLACE TRIGGER lot_state_notify_update AFTER UPDATE ON quality.lot_state
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION quality.notify_lot_state();
CREATE OR REPLACE TRIGGER lot_decisions_notify_insert AFTER INSERT ON quality.lot_decisions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION quality.notify_rows();
CREATE OR REPLACE TRIGGER lot_decisions_notify_update AFTER UPDATE ON quality.lot_decisions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION quality.notify_rows();
CREATE OR REPLACE TRIGGER documents_notify_insert AFTER INSERT ON quality.documents
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION quality.notify_rows();
CREATE OR REPLACE TRIGGER documents_notify_update AFTER UPDATE ON quality.documents
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION quality.notify_rows();
CREATE OR REPLACE TRIGGER document_links_notify AFTER INSERT ON quality.document_links
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION quality.notify_rows();
CREATE OR REPLACE TRIGGER exceptions_notify_insert AFTER INSERT ON quality.exceptions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION quality.notify_rows();
CREATE OR REPLACE TRIGGER exceptions_notify_update AFTER UPDATE ON quality.exceptions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION quality.notify_rows();
