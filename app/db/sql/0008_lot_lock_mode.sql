-- Deciding on a lot locks its row FOR NO KEY UPDATE instead of FOR UPDATE. The decision changes
-- the lot's status, never its key, and FOR UPDATE also blocks the key-share lock that every
-- foreign-key check takes: a hold waiting for the audit chain while holding the lot, and an
-- ingest holding the chain while linking a document to that lot, deadlocked (found by the
-- load-and-fault harness: benchmarks/deadlock_hold_vs_ingest.py).
--
-- The functions are re-created from their own definitions with only the lock clause changed,
-- so the rest of each body stays where it was written (0002, 0004).
DO $$
DECLARE
    f regprocedure;
    old_def text;
    new_def text;
BEGIN
    FOREACH f IN ARRAY ARRAY['quality._lock_lot(text,text)'::regprocedure,
                             'quality.recall_hold(bigint,text)'::regprocedure,
                             'quality.expire_lots(date)'::regprocedure] LOOP
        old_def := pg_get_functiondef(f);
        new_def := replace(replace(old_def,
            'WHERE lot_code = p_lot FOR UPDATE;', 'WHERE lot_code = p_lot FOR NO KEY UPDATE;'),
            'FOR UPDATE OF l', 'FOR NO KEY UPDATE OF l');
        IF new_def = old_def THEN
            RAISE EXCEPTION 'no FOR UPDATE lock found in %', f;
        END IF;
        EXECUTE new_def;
    END LOOP;
END $$;
