-- Group roles carry the permissions; each person is a login role that is a member of one.
-- Roles are cluster-wide, so creating them is idempotent (several databases may share a cluster).
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['lotproof_inspector', 'lotproof_approver', 'lotproof_compliance',
                             'lotproof_admin', 'lotproof_auditor']
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END $$;

GRANT USAGE ON SCHEMA erp, quality, audit TO
    lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
GRANT SELECT ON ALL TABLES IN SCHEMA erp, quality TO
    lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
REVOKE ALL ON SCHEMA public FROM PUBLIC;

-- Creating a person. The password arrives as a SCRAM verifier computed by the client, so the
-- clear text never reaches the server or its logs. User names are never reused.
CREATE FUNCTION quality.create_user(p_username text, p_printed_name text, p_role text,
                                    p_password_verifier text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, quality
AS $$
BEGIN
    IF NOT (pg_has_role(session_user, 'lotproof_admin', 'MEMBER')
            OR (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = session_user)) THEN
        RAISE EXCEPTION 'only an administrator may add users' USING ERRCODE = '42501';
    END IF;
    IF p_role NOT IN ('lotproof_inspector', 'lotproof_approver', 'lotproof_compliance',
                      'lotproof_admin', 'lotproof_auditor') THEN
        RAISE EXCEPTION 'unknown role %', p_role USING ERRCODE = '22023';
    END IF;
    IF p_username !~ '^[a-z][a-z0-9_.-]{1,62}$' THEN
        RAISE EXCEPTION 'user name % is not allowed: use 2-63 lower-case letters, digits, ".", "_" or "-", starting with a letter', p_username
            USING ERRCODE = '22023';
    END IF;
    IF coalesce(btrim(p_printed_name), '') = '' THEN
        RAISE EXCEPTION 'a printed name is required' USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT 1 FROM quality.users WHERE username = p_username)
       OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_username) THEN
        RAISE EXCEPTION 'user name % is taken or was used before; user names are never reused', p_username
            USING ERRCODE = '23505';
    END IF;
    EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE %I', p_username, p_password_verifier, p_role);
    INSERT INTO quality.users (username, printed_name, role, created_by)
    VALUES (p_username, btrim(p_printed_name), p_role, session_user);
END $$;

REVOKE ALL ON FUNCTION quality.create_user(text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION quality.create_user(text, text, text, text) TO lotproof_admin;

-- Who is logged in: printed name and role of the session user.
CREATE FUNCTION quality.whoami()
RETURNS TABLE (username text, printed_name text, role text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, quality
AS $$
    SELECT u.username, u.printed_name, u.role FROM quality.users u WHERE u.username = session_user
$$;
GRANT EXECUTE ON FUNCTION quality.whoami() TO PUBLIC;
