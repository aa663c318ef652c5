-- Printed names: a signature's manifestation names one person, so no two active people may have
-- names that read the same, on screen or on paper. Names are kept in Unicode NFKC form without
-- invisible characters; the key under which they must differ also folds case, runs of spaces
-- and the Cyrillic and Greek letters that look like Latin ones ("Cоra" with a Cyrillic o is
-- Cora). The unique index on quality.users uses the key, so it is IMMUTABLE.

CREATE OR REPLACE FUNCTION quality.printed_name_key(p_name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT lower(translate(regexp_replace(btrim(normalize(
               regexp_replace(p_name, '[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]', '', 'g'),
               NFKC)), '\s+', ' ', 'g'),
           'АВЕЅІЈКМНОРСТХУаеіјорсухѕԁԛԝΑΒΕΖΗΙΚΜΝΟΡΤΥΧαορινκτυχ',
           'ABESIJKMHOPCTXYaeijopcyxsdqwABEZHIKMNOPTYXaopivktux'))
$$;

-- The name as it is kept and printed: NFKC, single spaces; refused with invisible or control
-- characters in it.
CREATE OR REPLACE FUNCTION quality.clean_printed_name(p_name text) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_name ~ '[\u0001-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff\u00ad]' THEN
        RAISE EXCEPTION 'the printed name contains invisible or control characters; type it again'
            USING ERRCODE = '22023';
    END IF;
    RETURN regexp_replace(btrim(normalize(p_name, NFKC)), '\s+', ' ', 'g');
END $$;

GRANT EXECUTE ON FUNCTION quality.printed_name_key(text) TO PUBLIC;
