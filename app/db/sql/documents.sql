-- Supplier documents: stored once by content hash, read into fields with provenance, linked, confirmed or corrected, verified.
--
-- requires: audit_trail, lots

CREATE OR REPLACE FUNCTION quality._document_editor() RETURNS void
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT quality._person();
    SELECT quality._require_role('{lotproof_inspector,lotproof_approver,lotproof_compliance}',
                                 'change documents');
$$;

CREATE OR REPLACE FUNCTION quality._floats(p jsonb) RETURNS float8[]
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN p IS NULL OR jsonb_typeof(p) <> 'array' THEN NULL
                ELSE ARRAY(SELECT x::float8 FROM jsonb_array_elements_text(p) x) END
$$;

-- A number read from a document, or NULL: "NaN" and "Infinity" are no results.
CREATE OR REPLACE FUNCTION quality._numeric(p text) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v numeric;
BEGIN
    v := p::numeric;
    RETURN CASE WHEN v IN ('NaN', 'Infinity', '-Infinity') THEN NULL ELSE v END;
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;

-- Stores a file and what was read from it, all or nothing. The same bytes twice are one document.
CREATE OR REPLACE FUNCTION quality.store_document(p_file_name text, p_mime_type text, p_content bytea,
                                       p_page_count integer, p_extraction jsonb)
RETURNS TABLE (document_id bigint, created boolean)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
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
    -- What identifies a COA is always there to confirm or fill in, even when it was not read.
    INSERT INTO quality.extracted_fields (document_id, name, value, confidence, method)
    SELECT v_id, n, 'null'::jsonb, 0, 'not found'
    FROM unnest(ARRAY['lot_number', 'product_name', 'supplier']) n
    WHERE v_kind = 'coa'
      AND NOT EXISTS (SELECT 1 FROM quality.extracted_fields f WHERE f.document_id = v_id AND f.name = n);
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

CREATE OR REPLACE FUNCTION quality.link_document(p_document_id bigint, p_lot_code text,
                                      p_item_id integer DEFAULT NULL,
                                      p_supplier_id integer DEFAULT NULL,
                                      p_reason text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_lot bigint;
    v_id bigint;
    v_mismatches text[] := '{}';
    v_decisive text[] := '{}';
BEGIN
    PERFORM quality._document_editor();
    IF NOT EXISTS (SELECT 1 FROM quality.documents WHERE id = p_document_id) THEN
        RAISE EXCEPTION 'no document %', p_document_id USING ERRCODE = 'LP404';
    END IF;
    IF p_lot_code IS NOT NULL THEN
        SELECT id INTO v_lot FROM quality.lots WHERE lot_code = p_lot_code;
        IF v_lot IS NULL THEN
            RAISE EXCEPTION 'no lot %', p_lot_code USING ERRCODE = 'LP404';
        END IF;
    END IF;
    SELECT coalesce(array_agg(m.problem), '{}'),
           coalesce(array_agg(m.problem) FILTER (WHERE m.field = 'lot_number' OR m.confirmed), '{}')
    INTO v_mismatches, v_decisive
    FROM quality.document_mismatches(p_document_id, v_lot, p_item_id, p_supplier_id) m;
    IF v_lot IS NULL AND p_item_id IS NULL AND p_supplier_id IS NULL THEN
        RAISE EXCEPTION 'link the document to a lot, an item or a supplier' USING ERRCODE = 'LP422';
    END IF;
    SELECT id INTO v_id FROM quality.document_links
    WHERE document_id = p_document_id AND lot_id IS NOT DISTINCT FROM v_lot
      AND item_id IS NOT DISTINCT FROM p_item_id AND supplier_id IS NOT DISTINCT FROM p_supplier_id;
    IF v_id IS NOT NULL THEN
        RETURN v_id;
    END IF;
    -- Another lot number, or a product or supplier a person has confirmed, needs a reason now; a
    -- product or supplier as read (often misread) is noted on the link and looked at again when
    -- the document is verified. Either way a link with a mismatch is not the lot's COA.
    IF cardinality(v_decisive) > 0 AND coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'document % does not match %: %', p_document_id,
            coalesce('lot ' || p_lot_code, (SELECT 'item ' || name FROM erp.items WHERE id = p_item_id),
                     (SELECT 'supplier ' || name FROM erp.suppliers WHERE id = p_supplier_id)),
            array_to_string(v_decisive, '; ') USING ERRCODE = 'LP422',
            HINT = 'link it anyway only with a reason; a second person confirms the link, and it never counts as the lot''s COA';
    END IF;
    PERFORM quality._audit_context('document.link', nullif(btrim(p_reason), ''), NULL);
    INSERT INTO quality.document_links (document_id, lot_id, item_id, supplier_id, linked_by,
                                        linked_at, mismatches, reason)
    VALUES (p_document_id, v_lot, p_item_id, p_supplier_id, session_user, clock_timestamp(),
            v_mismatches, nullif(btrim(p_reason), ''))
    RETURNING id INTO v_id;
    RETURN v_id;
END $$;

-- The second person's look at a link made despite a mismatch: the record says who agreed that
-- the document belongs there. An SDS or allergen statement so confirmed (one SDS for two pack
-- sizes of a product) then counts for its item or supplier; a COA never counts for a lot that is
-- not the one it names.
CREATE OR REPLACE FUNCTION quality.confirm_document_link(p_link_id bigint, p_reason text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    k quality.document_links;
BEGIN
    PERFORM quality._document_editor();
    SELECT * INTO k FROM quality.document_links WHERE id = p_link_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no document link %', p_link_id USING ERRCODE = 'LP404';
    END IF;
    IF k.linked_by = session_user THEN
        RAISE EXCEPTION 'you made this link: another person confirms it' USING ERRCODE = 'LP403';
    END IF;
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'confirming a link needs a reason' USING ERRCODE = 'LP422';
    END IF;
    PERFORM quality._audit_context('document.link.confirm', p_reason, NULL);
    UPDATE quality.document_links SET confirmed_by = session_user, confirmed_at = clock_timestamp()
    WHERE id = p_link_id AND confirmed_at IS NULL;
END $$;

-- What a document says about itself that differs from what it is linked to: another lot
-- number (a COA and its lot), another product (the lot's or the item's), another supplier; and
-- whether a person has confirmed the value yet. Values as corrected by a person, else as read;
-- a value the document does not state is no mismatch.
CREATE OR REPLACE FUNCTION quality.document_mismatches(p_document_id bigint, p_lot_id bigint,
                                                       p_item_id integer DEFAULT NULL,
                                                       p_supplier_id integer DEFAULT NULL,
                                                       p_link_id bigint DEFAULT NULL)
RETURNS TABLE (field text, confirmed boolean, problem text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_lot quality.lots;
    v_kind text := (SELECT kind FROM quality.documents WHERE id = p_document_id);
    v_item text;
    v_supplier text;
    v_value text;
BEGIN
    SELECT * INTO v_lot FROM quality.lots WHERE id = p_lot_id;
    SELECT name INTO v_item FROM erp.items WHERE id = coalesce(p_item_id, v_lot.item_id);
    SELECT name INTO v_supplier FROM erp.suppliers
    WHERE id = coalesce(p_supplier_id, v_lot.supplier_id);
    FOR field, confirmed, v_value IN
        SELECT f.name, f.confirmed_at IS NOT NULL,
               nullif(btrim(coalesce(f.corrected_value, f.value) #>> '{}'), '')
        FROM quality.extracted_fields f
        WHERE f.document_id = p_document_id AND f.name IN ('lot_number', 'product_name', 'supplier')
        ORDER BY f.name LOOP
        problem := CASE
            WHEN v_value IS NULL THEN NULL
            WHEN field = 'lot_number' AND v_kind = 'coa' AND p_lot_id IS NOT NULL
                 AND quality.lot_match_key(v_value)
                     NOT IN (quality.lot_match_key(v_lot.lot_code),
                             coalesce(quality.lot_match_key(v_lot.supplier_lot_code), '')) THEN
                format('the COA is for lot %s, this lot is %s%s', v_value, v_lot.lot_code,
                       coalesce(' (supplier lot ' || v_lot.supplier_lot_code || ')', ''))
            WHEN field = 'product_name' AND v_item IS NOT NULL
                 AND NOT quality._share_a_word(v_value, v_item) THEN
                format('the document is for %s, not %s', v_value, v_item)
            WHEN field = 'supplier' AND v_supplier IS NOT NULL
                 AND NOT quality._share_a_word(v_value, v_supplier) THEN
                format('the document is from %s, not %s', v_value, v_supplier)
        END;
        IF problem IS NOT NULL THEN
            RETURN NEXT;
        END IF;
    END LOOP;
    -- A COA that states no lot number (as read it may be a miss: a person fills it in) is not a
    -- lot's COA.
    IF v_kind = 'coa' AND p_lot_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM quality.extracted_fields f WHERE f.document_id = p_document_id
              AND f.name = 'lot_number'
              AND nullif(btrim(coalesce(f.corrected_value, f.value) #>> '{}'), '') IS NOT NULL) THEN
        field := 'no_lot_number';  -- a miss of the reader until a person has confirmed it
        confirmed := (SELECT status = 'verified' FROM quality.documents WHERE id = p_document_id);
        problem := format('the COA states no lot number, so it cannot be told to be lot %s''s',
                          v_lot.lot_code);
        RETURN NEXT;
    END IF;
    -- What the document was linked to first tells what it is of, also when it names no product
    -- or supplier: another item's SDS or COA (linked to that item or to one of its lots), another
    -- supplier's statement, is not this one's.
    field := 'link';
    confirmed := true;
    FOR problem IN
        SELECT format('the document is already linked to %s', coalesce('item ' || i.name,
                      'supplier ' || s.name))
        FROM quality.document_links k
        LEFT JOIN quality.lots kl ON kl.id = k.lot_id
        LEFT JOIN erp.items i ON i.id = coalesce(k.item_id, kl.item_id)
             AND coalesce(p_item_id, v_lot.item_id) IS NOT NULL
             AND coalesce(k.item_id, kl.item_id) <> coalesce(p_item_id, v_lot.item_id)
        LEFT JOIN erp.suppliers s ON s.id = coalesce(k.supplier_id, kl.supplier_id)
             AND coalesce(p_item_id, v_lot.item_id) IS NULL
             AND coalesce(k.supplier_id, kl.supplier_id) <> p_supplier_id
        WHERE k.document_id = p_document_id
          AND k.id < coalesce(p_link_id, 9223372036854775807)
          AND (i.id IS NOT NULL OR s.id IS NOT NULL)
        ORDER BY k.id LIMIT 1 LOOP
        RETURN NEXT;
    END LOOP;
END $$;

-- Two names of one thing share a word that is not a company form or a filler ("Acme Ingredients
-- GmbH" and "ACME ingredients"; "Organic Cocoa Powder" and "Cocoa powder 10/12").
CREATE OR REPLACE FUNCTION quality._share_a_word(p_a text, p_b text) RETURNS boolean
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (
        SELECT 1 FROM regexp_split_to_table(lower(p_a), '[^[:alnum:]]+') a
        JOIN regexp_split_to_table(lower(p_b), '[^[:alnum:]]+') b ON a = b
        WHERE length(a) >= 3 AND a NOT IN ('inc', 'ltd', 'llc', 'gmbh', 'corp', 'company',
            'limited', 'the', 'and', 'for', 'plc', 'group', 'co', 'kg', 'srl', 'spa', 'bv'))
$$;

CREATE OR REPLACE FUNCTION quality._editable_document(p_document_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
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

CREATE OR REPLACE FUNCTION quality.confirm_field(p_field_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
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

CREATE OR REPLACE FUNCTION quality.correct_field(p_field_id bigint, p_value jsonb, p_reason text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
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

CREATE OR REPLACE FUNCTION quality.confirm_result(p_result_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
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

CREATE OR REPLACE FUNCTION quality.correct_result(p_result_id bigint, p_value numeric, p_unit text,
                                       p_result_text text, p_reason text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
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

-- Verified: every value was confirmed or corrected, and a second person looked at them: the
-- verifier is not the person who entered the document or corrected any of its values (EU GMP
-- Annex 11 §6). Verifying a COA compares it once more with its lots and applies the
-- specification to those it matches.
CREATE OR REPLACE FUNCTION quality.verify_document(p_document_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_open int;
    v_lot bigint;
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
    IF EXISTS (SELECT 1 FROM quality.documents WHERE id = p_document_id AND uploaded_by = session_user)
       OR EXISTS (SELECT 1 FROM quality.extracted_fields WHERE document_id = p_document_id
                  AND corrected_by = session_user)
       OR EXISTS (SELECT 1 FROM quality.coa_results WHERE document_id = p_document_id
                  AND corrected_by = session_user) THEN
        RAISE EXCEPTION 'you entered or corrected the values of document %: another person verifies them',
            p_document_id USING ERRCODE = 'LP403';
    END IF;
    PERFORM quality._audit_context('document.verify', NULL, NULL);
    UPDATE quality.documents SET status = 'verified', verified_by = session_user,
                                 verified_at = clock_timestamp()
    WHERE id = p_document_id;
    UPDATE quality.document_links k SET mismatches = m.problems
    FROM (SELECT x.id, coalesce((SELECT array_agg(d.problem)
                                 FROM quality.document_mismatches(p_document_id, x.lot_id,
                                                                  x.item_id, x.supplier_id,
                                                                  x.id) d),
                                '{}') AS problems
          FROM quality.document_links x WHERE x.document_id = p_document_id) m
    WHERE k.id = m.id AND k.mismatches IS DISTINCT FROM m.problems;
    FOR v_lot IN SELECT lot_id FROM quality.document_links
                 WHERE document_id = p_document_id AND lot_id IS NOT NULL LOOP
        IF (SELECT kind FROM quality.documents WHERE id = p_document_id) = 'coa' THEN
            PERFORM quality.apply_lot_rules(v_lot);
        END IF;
        PERFORM quality._refresh_exceptions(ARRAY[v_lot]);
    END LOOP;
    PERFORM quality._refresh_exceptions(NULL, ARRAY['unverified_document']);
END $$;

CREATE OR REPLACE FUNCTION quality.reject_document(p_document_id bigint, p_reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
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
CREATE OR REPLACE FUNCTION quality.supersede_document(p_old_id bigint, p_new_id bigint, p_reason text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
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

-- The inspector says what a document is when the reader could not tell (an allergen statement,
-- say, is read as "other").
CREATE OR REPLACE FUNCTION quality.set_document_kind(p_document_id bigint, p_kind text, p_reason text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
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

CREATE OR REPLACE TRIGGER audit_documents AFTER INSERT OR UPDATE OR DELETE ON quality.documents
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id', 'content', 'extraction');
CREATE OR REPLACE TRIGGER audit_document_links AFTER INSERT OR UPDATE OR DELETE ON quality.document_links
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE OR REPLACE TRIGGER audit_coa_results AFTER INSERT OR UPDATE OR DELETE ON quality.coa_results
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
-- Supplier documents in the shared database: stored once by content hash, read into fields with
-- provenance, linked to lots, items and suppliers, confirmed or corrected field by field, and
-- verified. Every change goes through these functions and is audited by the trigger on each table.
CREATE OR REPLACE TRIGGER audit_extracted_fields AFTER INSERT OR UPDATE OR DELETE ON quality.extracted_fields
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE OR REPLACE TRIGGER documents_never_deleted BEFORE DELETE ON quality.documents
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();

GRANT EXECUTE ON FUNCTION
    quality.store_document(text, text, bytea, integer, jsonb),
    quality.link_document(bigint, text, integer, integer, text),
    quality.confirm_document_link(bigint, text),
    quality.confirm_field(bigint),
    quality.correct_field(bigint, jsonb, text),
    quality.confirm_result(bigint),
    quality.correct_result(bigint, numeric, text, text, text),
    quality.verify_document(bigint),
    quality.reject_document(bigint, text),
    quality.supersede_document(bigint, bigint, text),
    quality.set_document_kind(bigint, text, text)
TO lotproof_inspector, lotproof_approver, lotproof_compliance;
GRANT EXECUTE ON FUNCTION
    quality.document_mismatches(bigint, bigint, integer, integer, bigint)
TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
