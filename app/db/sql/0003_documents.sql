-- Supplier documents in the shared database: stored once by content hash, read into fields with
-- provenance, linked to lots, items and suppliers, confirmed or corrected field by field, and
-- verified. Every change goes through these functions and is audited by the trigger on each table.

CREATE TRIGGER audit_extracted_fields AFTER INSERT OR UPDATE OR DELETE ON quality.extracted_fields
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE TRIGGER documents_never_deleted BEFORE DELETE ON quality.documents
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();

CREATE FUNCTION quality._document_editor() RETURNS void
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
    SELECT quality._person();
    SELECT quality._require_role('{lotproof_inspector,lotproof_approver,lotproof_compliance}',
                                 'change documents');
$$;

CREATE FUNCTION quality._floats(p jsonb) RETURNS float8[]
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog
AS $$
    SELECT CASE WHEN p IS NULL OR jsonb_typeof(p) <> 'array' THEN NULL
                ELSE ARRAY(SELECT x::float8 FROM jsonb_array_elements_text(p) x) END
$$;

CREATE FUNCTION quality._numeric(p text) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog
AS $$
BEGIN
    RETURN p::numeric;
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;

-- Stores a file and what was read from it, all or nothing. The same bytes twice are one document.
CREATE FUNCTION quality.store_document(p_file_name text, p_mime_type text, p_content bytea,
                                       p_page_count integer, p_extraction jsonb)
RETURNS TABLE (document_id bigint, created boolean)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_hash text;
    v_id bigint;
    v_kind text := coalesce(p_extraction ->> 'kind', 'other');
    v_revision text := p_extraction #>> '{fields,revision_date,value}';
BEGIN
    PERFORM quality._document_editor();
    IF p_content IS NULL OR length(p_content) = 0 THEN
        RAISE EXCEPTION '% is empty (0 bytes); nothing was stored', p_file_name USING ERRCODE = 'LP422';
    END IF;
    IF v_kind NOT IN ('coa', 'sds', 'allergen_statement', 'other') THEN
        v_kind := 'other';
    END IF;
    v_hash := encode(sha256(p_content), 'hex');
    PERFORM quality._audit_context('document.store', p_file_name, NULL);
    INSERT INTO quality.documents (sha256, file_name, mime_type, size_bytes, page_count, content,
                                   kind, kind_confidence, revision_date, status, extraction,
                                   uploaded_by, uploaded_at)
    VALUES (v_hash, p_file_name, p_mime_type, length(p_content), p_page_count, p_content, v_kind,
            (p_extraction ->> 'kind_confidence')::float8,
            CASE WHEN v_revision ~ '^\d{4}-\d{2}-\d{2}$' THEN v_revision::date END,
            'new', p_extraction, session_user, clock_timestamp())
    ON CONFLICT (sha256) DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN  -- stored before (perhaps by another workstation a moment ago)
        SELECT id INTO v_id FROM quality.documents WHERE sha256 = v_hash;
        RETURN QUERY SELECT v_id, false;
        RETURN;
    END IF;
    INSERT INTO quality.extracted_fields (document_id, name, value, page, bbox, confidence,
                                          method, source_text)
    SELECT v_id, f.key, f.value -> 'value', (f.value ->> 'page')::int,
           quality._floats(f.value -> 'bbox'), coalesce((f.value ->> 'confidence')::float8, 0),
           f.value ->> 'method', f.value ->> 'source_text'
    FROM jsonb_each(coalesce(p_extraction -> 'fields', '{}')) AS f;
    INSERT INTO quality.coa_results (document_id, test, method, specification, spec_min,
                                     spec_max, value, unit, result_text, stated_pass, page, bbox,
                                     confidence, original)
    SELECT v_id, coalesce(r ->> 'test', ''), r ->> 'method', r ->> 'specification',
           quality._numeric(r ->> 'spec_min'), quality._numeric(r ->> 'spec_max'),
           quality._numeric(r ->> 'value'), r ->> 'unit', r ->> 'result',
           (r ->> 'pass')::boolean, (r ->> 'page')::int, quality._floats(r -> 'bbox'),
           (r ->> 'confidence')::float8, r
    FROM jsonb_array_elements(coalesce(p_extraction -> 'results', '[]')) AS r
    WHERE v_kind = 'coa';
    RETURN QUERY SELECT v_id, true;
END $$;

CREATE FUNCTION quality.link_document(p_document_id bigint, p_lot_code text,
                                      p_item_id integer DEFAULT NULL,
                                      p_supplier_id integer DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_lot bigint;
    v_id bigint;
BEGIN
    PERFORM quality._document_editor();
    IF NOT EXISTS (SELECT 1 FROM quality.documents WHERE id = p_document_id) THEN
        RAISE EXCEPTION 'no document %', p_document_id USING ERRCODE = 'LP404';
    END IF;
    IF p_lot_code IS NOT NULL THEN
        SELECT id INTO v_lot FROM erp.lots WHERE lot_code = p_lot_code;
        IF v_lot IS NULL THEN
            RAISE EXCEPTION 'no lot %', p_lot_code USING ERRCODE = 'LP404';
        END IF;
    END IF;
    IF v_lot IS NULL AND p_item_id IS NULL AND p_supplier_id IS NULL THEN
        RAISE EXCEPTION 'link the document to a lot, an item or a supplier' USING ERRCODE = 'LP422';
    END IF;
    SELECT id INTO v_id FROM quality.document_links
    WHERE document_id = p_document_id AND lot_id IS NOT DISTINCT FROM v_lot
      AND item_id IS NOT DISTINCT FROM p_item_id AND supplier_id IS NOT DISTINCT FROM p_supplier_id;
    IF v_id IS NOT NULL THEN
        RETURN v_id;
    END IF;
    PERFORM quality._audit_context('document.link', NULL, NULL);
    INSERT INTO quality.document_links (document_id, lot_id, item_id, supplier_id, linked_by, linked_at)
    VALUES (p_document_id, v_lot, p_item_id, p_supplier_id, session_user, clock_timestamp())
    RETURNING id INTO v_id;
    RETURN v_id;
END $$;

CREATE FUNCTION quality._editable_document(p_document_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_status text;
BEGIN
    SELECT status INTO v_status FROM quality.documents WHERE id = p_document_id FOR UPDATE;
    IF v_status IS NULL THEN
        RAISE EXCEPTION 'no document %', p_document_id USING ERRCODE = 'LP404';
    END IF;
    IF v_status <> 'new' THEN
        RAISE EXCEPTION 'document % is % and can no longer be changed', p_document_id, v_status
            USING ERRCODE = 'LP409';
    END IF;
END $$;

CREATE FUNCTION quality.confirm_field(p_field_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_doc bigint;
BEGIN
    PERFORM quality._document_editor();
    SELECT document_id INTO v_doc FROM quality.extracted_fields WHERE id = p_field_id;
    IF v_doc IS NULL THEN
        RAISE EXCEPTION 'no extracted field %', p_field_id USING ERRCODE = 'LP404';
    END IF;
    PERFORM quality._editable_document(v_doc);
    PERFORM quality._audit_context('document.field.confirm', NULL, NULL);
    UPDATE quality.extracted_fields SET confirmed_by = session_user, confirmed_at = clock_timestamp()
    WHERE id = p_field_id AND confirmed_at IS NULL;
END $$;

CREATE FUNCTION quality.correct_field(p_field_id bigint, p_value jsonb, p_reason text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_doc bigint;
BEGIN
    PERFORM quality._document_editor();
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'a correction needs a reason' USING ERRCODE = 'LP422';
    END IF;
    SELECT document_id INTO v_doc FROM quality.extracted_fields WHERE id = p_field_id;
    IF v_doc IS NULL THEN
        RAISE EXCEPTION 'no extracted field %', p_field_id USING ERRCODE = 'LP404';
    END IF;
    PERFORM quality._editable_document(v_doc);
    PERFORM quality._audit_context('document.field.correct', p_reason, NULL);
    UPDATE quality.extracted_fields
    SET corrected_value = p_value, corrected_by = session_user, corrected_at = clock_timestamp(),
        correction_reason = btrim(p_reason), confirmed_by = session_user,
        confirmed_at = clock_timestamp()
    WHERE id = p_field_id;
END $$;

CREATE FUNCTION quality.confirm_result(p_result_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_doc bigint;
BEGIN
    PERFORM quality._document_editor();
    SELECT document_id INTO v_doc FROM quality.coa_results WHERE id = p_result_id;
    IF v_doc IS NULL THEN
        RAISE EXCEPTION 'no result row %', p_result_id USING ERRCODE = 'LP404';
    END IF;
    PERFORM quality._editable_document(v_doc);
    PERFORM quality._audit_context('document.result.confirm', NULL, NULL);
    UPDATE quality.coa_results SET confirmed_by = session_user, confirmed_at = clock_timestamp()
    WHERE id = p_result_id AND confirmed_at IS NULL;
END $$;

CREATE FUNCTION quality.correct_result(p_result_id bigint, p_value numeric, p_unit text,
                                       p_result_text text, p_reason text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_doc bigint;
BEGIN
    PERFORM quality._document_editor();
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'a correction needs a reason' USING ERRCODE = 'LP422';
    END IF;
    SELECT document_id INTO v_doc FROM quality.coa_results WHERE id = p_result_id;
    IF v_doc IS NULL THEN
        RAISE EXCEPTION 'no result row %', p_result_id USING ERRCODE = 'LP404';
    END IF;
    PERFORM quality._editable_document(v_doc);
    PERFORM quality._audit_context('document.result.correct', p_reason, NULL);
    UPDATE quality.coa_results
    SET value = p_value, unit = nullif(btrim(p_unit), ''), result_text = p_result_text,
        corrected_by = session_user, corrected_at = clock_timestamp(),
        correction_reason = btrim(p_reason), confirmed_by = session_user,
        confirmed_at = clock_timestamp()
    WHERE id = p_result_id;
END $$;

-- Verified: every field and result row was confirmed or corrected by a person.
CREATE FUNCTION quality.verify_document(p_document_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_open int;
BEGIN
    PERFORM quality._document_editor();
    PERFORM quality._editable_document(p_document_id);
    SELECT (SELECT count(*) FROM quality.extracted_fields
            WHERE document_id = p_document_id AND confirmed_at IS NULL)
         + (SELECT count(*) FROM quality.coa_results
            WHERE document_id = p_document_id AND confirmed_at IS NULL)
    INTO v_open;
    IF v_open > 0 THEN
        RAISE EXCEPTION '% value(s) of document % are not yet confirmed or corrected', v_open,
            p_document_id USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('document.verify', NULL, NULL);
    UPDATE quality.documents SET status = 'verified', verified_by = session_user,
                                 verified_at = clock_timestamp()
    WHERE id = p_document_id;
END $$;

CREATE FUNCTION quality.reject_document(p_document_id bigint, p_reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
BEGIN
    PERFORM quality._document_editor();
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'rejecting a document needs a reason' USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._editable_document(p_document_id);
    PERFORM quality._audit_context('document.reject', p_reason, NULL);
    UPDATE quality.documents SET status = 'rejected' WHERE id = p_document_id;
END $$;

-- A newer SDS replaces an older one; the older stays, marked superseded by its successor.
CREATE FUNCTION quality.supersede_document(p_old_id bigint, p_new_id bigint, p_reason text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
BEGIN
    PERFORM quality._document_editor();
    IF p_old_id = p_new_id THEN
        RAISE EXCEPTION 'a document cannot supersede itself' USING ERRCODE = 'LP422';
    END IF;
    IF (SELECT count(*) FROM quality.documents WHERE id IN (p_old_id, p_new_id) AND kind = 'sds') <> 2 THEN
        RAISE EXCEPTION 'only a safety data sheet supersedes another one' USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('document.supersede', p_reason, NULL);
    UPDATE quality.documents SET superseded_by_id = p_new_id WHERE id = p_old_id;
END $$;

-- COA results reach a lot through the documents linked to it (one COA may cover several lots).
CREATE FUNCTION quality.lot_results(p_lot_id bigint) RETURNS SETOF quality.coa_results
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
    SELECT r.* FROM quality.coa_results r
    JOIN quality.documents d ON d.id = r.document_id AND d.status = 'verified' AND d.kind = 'coa'
    WHERE r.lot_id = p_lot_id
       OR r.document_id IN (SELECT k.document_id FROM quality.document_links k WHERE k.lot_id = p_lot_id)
$$;

CREATE OR REPLACE FUNCTION quality.release_blockers(p_lot_id bigint) RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_lot erp.lots;
    v_item erp.items;
    v_supplier erp.suppliers;
    v_doc text;
    v_spec quality.item_specs;
    v_result quality.coa_results;
    b text[] := '{}';
BEGIN
    SELECT * INTO v_lot FROM erp.lots WHERE id = p_lot_id;
    IF v_lot.status NOT IN ('quarantine', 'hold') OR EXISTS (
        SELECT 1 FROM quality.lot_state s WHERE s.lot_id = p_lot_id
          AND (s.released_once OR coalesce(s.status_before_hold = 'available', false))) THEN
        RETURN b;
    END IF;
    SELECT * INTO v_item FROM erp.items WHERE id = v_lot.item_id;
    IF v_lot.supplier_id IS NOT NULL THEN
        SELECT * INTO v_supplier FROM erp.suppliers WHERE id = v_lot.supplier_id;
        IF v_supplier.approval_status <> 'approved' THEN
            b := b || format('supplier %s is %s, not approved', v_supplier.name,
                             v_supplier.approval_status);
        END IF;
    END IF;
    FOREACH v_doc IN ARRAY v_item.required_documents LOOP
        IF v_doc = 'COA' AND NOT EXISTS (
            SELECT 1 FROM quality.document_links k JOIN quality.documents d ON d.id = k.document_id
            WHERE k.lot_id = p_lot_id AND d.kind = 'coa' AND d.status = 'verified') THEN
            b := b || 'no verified COA is linked to the lot'::text;
        ELSIF v_doc = 'SDS' AND NOT EXISTS (
            SELECT 1 FROM quality.document_links k JOIN quality.documents d ON d.id = k.document_id
            WHERE (k.item_id = v_lot.item_id OR k.lot_id = p_lot_id) AND d.kind = 'sds'
              AND d.status = 'verified' AND d.superseded_by_id IS NULL) THEN
            b := b || 'no current verified SDS for the item'::text;
        ELSIF v_doc = 'ALLERGEN_STATEMENT' AND NOT EXISTS (
            SELECT 1 FROM quality.document_links k JOIN quality.documents d ON d.id = k.document_id
            WHERE (k.lot_id = p_lot_id OR k.item_id = v_lot.item_id
                   OR k.supplier_id = v_lot.supplier_id)
              AND d.kind = 'allergen_statement' AND d.status = 'verified') THEN
            b := b || 'no verified allergen statement for the item or supplier'::text;
        END IF;
    END LOOP;
    FOR v_spec IN SELECT * FROM quality.item_specs WHERE item_id = v_lot.item_id AND active
                  ORDER BY test LOOP
        SELECT r.* INTO v_result FROM quality.lot_results(p_lot_id) r
        WHERE lower(r.test) = lower(v_spec.test) ORDER BY r.id DESC LIMIT 1;
        IF NOT FOUND THEN
            b := b || format('no verified COA result for %s', v_spec.test);
        ELSIF v_spec.min_value IS NOT NULL OR v_spec.max_value IS NOT NULL THEN
            IF v_result.value IS NULL THEN
                b := b || format('%s: result "%s" is not a number', v_spec.test,
                                 coalesce(v_result.result_text, ''));
            ELSIF v_spec.unit IS NOT NULL AND v_result.unit IS NOT NULL
                  AND lower(btrim(v_spec.unit)) <> lower(btrim(v_result.unit)) THEN
                b := b || format('%s: unit %s cannot be compared with the spec unit %s',
                                 v_spec.test, v_result.unit, v_spec.unit);
            ELSIF v_result.value < v_spec.min_value OR v_result.value > v_spec.max_value THEN
                b := b || format('%s: %s %s is outside the spec %s', v_spec.test,
                                 v_result.value, coalesce(v_result.unit, ''),
                                 concat_ws(' – ', v_spec.min_value, v_spec.max_value));
            END IF;
        ELSIF v_spec.text_requirement IS NOT NULL
              AND lower(coalesce(v_result.result_text, '')) NOT LIKE lower(v_spec.text_requirement) || '%' THEN
            b := b || format('%s: "%s" does not meet "%s"', v_spec.test,
                             coalesce(v_result.result_text, ''), v_spec.text_requirement);
        END IF;
    END LOOP;
    RETURN b;
END $$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA quality FROM PUBLIC;
GRANT EXECUTE ON FUNCTION quality.whoami() TO PUBLIC;
GRANT SELECT ON quality.extracted_fields TO
    lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
GRANT EXECUTE ON FUNCTION quality.lot_results(bigint) TO
    lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
GRANT EXECUTE ON FUNCTION
    quality.store_document(text, text, bytea, integer, jsonb),
    quality.link_document(bigint, text, integer, integer),
    quality.confirm_field(bigint),
    quality.correct_field(bigint, jsonb, text),
    quality.confirm_result(bigint),
    quality.correct_result(bigint, numeric, text, text, text),
    quality.verify_document(bigint),
    quality.reject_document(bigint, text),
    quality.supersede_document(bigint, bigint, text)
TO lotproof_inspector, lotproof_approver, lotproof_compliance;

-- The key under which lot codes that differ only by case, separators, a "LOT"/"batch" prefix or
-- look-alike characters (O/0, I/1/L, S/5, B/8, Z/2, G/6) are equal. It mirrors
-- app/documents/lot_matching.confusable_key; a test keeps the two equal.
CREATE FUNCTION quality.lot_match_key(p_code text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog
AS $$
    SELECT translate(upper(regexp_replace(
               regexp_replace(btrim(p_code),
                   '^(lot|batch|charge)(\s*(no\.?|number|#|:)|\s+|(?=[#:]))\s*[:#]?\s*(?=\w)', '', 'i'),
               '[\s\-_./\\#:]+', '', 'g')),
           'OQDILSBZG', '000115826')
$$;
GRANT EXECUTE ON FUNCTION quality.lot_match_key(text) TO PUBLIC;

CREATE INDEX ix_lots_supplier_lot_match_key ON erp.lots (quality.lot_match_key(supplier_lot_code));
CREATE INDEX ix_lots_lot_code_match_key ON erp.lots (quality.lot_match_key(lot_code));

-- The inspector says what a document is when the reader could not tell (an allergen statement,
-- say, is read as "other").
CREATE FUNCTION quality.set_document_kind(p_document_id bigint, p_kind text, p_reason text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog
AS $$
BEGIN
    PERFORM quality._document_editor();
    IF p_kind NOT IN ('coa', 'sds', 'allergen_statement', 'other') THEN
        RAISE EXCEPTION 'unknown document kind %', p_kind USING ERRCODE = 'LP422';
    END IF;
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'changing the kind of a document needs a reason' USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._editable_document(p_document_id);
    PERFORM quality._audit_context('document.kind', p_reason, NULL);
    UPDATE quality.documents SET kind = p_kind WHERE id = p_document_id;
END $$;
GRANT EXECUTE ON FUNCTION quality.set_document_kind(bigint, text, text)
    TO lotproof_inspector, lotproof_approver, lotproof_compliance;
