-- The look-alike key under which a document's lot number finds its lot.
--
-- requires: audit_trail

-- The key under which lot codes that differ only by case, separators, a "LOT"/"batch" prefix or
-- look-alike characters (O/0, I/1/L, S/5, B/8, Z/2, G/6) are equal. It mirrors
-- app/documents/lot_matching.confusable_key; a test keeps the two equal.
CREATE OR REPLACE FUNCTION quality.lot_match_key(p_code text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT translate(upper(regexp_replace(
               regexp_replace(btrim(p_code),
                   '^(lot|batch|charge)(\s*(no\.?|number|#|:)|\s+|(?=[#:]))\s*[:#]?\s*(?=\w)', '', 'i'),
               '[\s\-_./\\#:]+', '', 'g')),
           'OQDILSBZG', '000115826')
$$;

GRANT EXECUTE ON FUNCTION
    quality.lot_match_key(text)
TO PUBLIC;
