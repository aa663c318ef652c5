-- The only code that creates or alters login roles. It runs as lotproof_role_admin (CREATEROLE,
-- nothing else), may be called only by lotproof_owner (that is, from the functions of
-- people.sql, which check who asks and write the audit trail), and acts only on Lotproof's
-- people and groups: never on a superuser, a group role or any other role of the server.
--
-- owner: lotproof_role_admin

CREATE OR REPLACE FUNCTION accounts._lotproof_person(p_username text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM quality.users WHERE username = p_username)
       OR NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_username AND NOT rolsuper
                        AND rolname NOT LIKE 'lotproof\_%') THEN
        RAISE EXCEPTION '% is not a Lotproof person; only people enrolled in Lotproof can be changed here',
            p_username USING ERRCODE = '42501';
    END IF;
END $$;

CREATE OR REPLACE FUNCTION accounts._lotproof_group(p_group text) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_group IS NULL OR p_group NOT IN ('lotproof_inspector', 'lotproof_approver',
            'lotproof_compliance', 'lotproof_admin', 'lotproof_auditor') THEN
        RAISE EXCEPTION 'unknown role %', p_group USING ERRCODE = '22023';
    END IF;
END $$;

CREATE OR REPLACE FUNCTION accounts._scram_verifier(p_verifier text) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF coalesce(p_verifier, '') !~ '^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' THEN
        RAISE EXCEPTION 'a password arrives as a SCRAM-SHA-256 verifier, never in clear'
            USING ERRCODE = '22023';
    END IF;
END $$;

-- A new login role in one Lotproof group. The caller adds the person's row in the same
-- transaction; the name must be free on the whole server.
CREATE OR REPLACE FUNCTION accounts.create_login(p_username text, p_password_verifier text,
                                                 p_group text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM accounts._lotproof_group(p_group);
    IF p_username !~ '^[a-z][a-z0-9_.-]{1,62}$' OR p_username LIKE 'lotproof\_%'
       OR p_username LIKE 'pg\_%' THEN
        RAISE EXCEPTION 'user name % is not allowed: use 2-63 lower-case letters, digits, ".", "_" or "-", starting with a letter (not "lotproof_" or "pg_")', p_username
            USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_username) THEN
        RAISE EXCEPTION 'user name % is taken or was used before; user names are never reused', p_username
            USING ERRCODE = '23505';
    END IF;
    PERFORM accounts._scram_verifier(p_password_verifier);
    EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L IN ROLE %I',
                   p_username, p_password_verifier, p_group);
END $$;

CREATE OR REPLACE FUNCTION accounts.set_password(p_username text, p_password_verifier text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM accounts._lotproof_person(p_username);
    PERFORM accounts._scram_verifier(p_password_verifier);
    EXECUTE format('ALTER ROLE %I PASSWORD %L', p_username, p_password_verifier);
END $$;

CREATE OR REPLACE FUNCTION accounts.set_login(p_username text, p_may_log_in boolean)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM accounts._lotproof_person(p_username);
    EXECUTE format('ALTER ROLE %I %s', p_username,
                   CASE WHEN p_may_log_in THEN 'LOGIN' ELSE 'NOLOGIN' END);
END $$;

CREATE OR REPLACE FUNCTION accounts.change_group(p_username text, p_from text, p_to text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM accounts._lotproof_person(p_username);
    PERFORM accounts._lotproof_group(p_from);
    PERFORM accounts._lotproof_group(p_to);
    EXECUTE format('REVOKE %I FROM %I', p_from, p_username);
    EXECUTE format('GRANT %I TO %I', p_to, p_username);
END $$;

GRANT EXECUTE ON FUNCTION
    accounts.create_login(text, text, text),
    accounts.set_password(text, text),
    accounts.set_login(text, boolean),
    accounts.change_group(text, text, text)
TO lotproof_owner;
