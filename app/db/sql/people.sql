-- People and their accounts: login roles with a printed name, role changes, password resets,
-- lock-out and withdrawal. The roles themselves are created and altered only by accounts.sql;
-- these functions decide who may ask, and every one writes the audit trail naming the person
-- acted on. Nobody changes their own role, and a password someone else set lets its owner do
-- nothing but set their own.
--
-- requires: audit_trail, accounts

CREATE OR REPLACE FUNCTION quality.setting(p_key text, p_default text)
RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT coalesce((SELECT value FROM quality.settings WHERE key = p_key), p_default) $$;

-- The person behind this connection, refusing anyone who is not an active Lotproof user or who
-- must first replace a password that someone else set.
CREATE OR REPLACE FUNCTION quality._person() RETURNS quality.users
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v quality.users;
BEGIN
    SELECT * INTO v FROM quality.users WHERE username = session_user;
    IF NOT FOUND THEN
        RAISE EXCEPTION '% is not a Lotproof user', session_user USING ERRCODE = '42501';
    END IF;
    IF NOT v.active OR v.locked_at IS NOT NULL THEN
        RAISE EXCEPTION 'the account % is locked', session_user USING ERRCODE = '42501';
    END IF;
    IF v.must_change_password THEN
        RAISE EXCEPTION 'your password was set by an administrator: change it before signing or changing anything'
            USING ERRCODE = '28P01';
    END IF;
    RETURN v;
END $$;

CREATE OR REPLACE FUNCTION quality._require_role(p_roles text[], p_what text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM unnest(p_roles) r WHERE pg_has_role(session_user, r, 'MEMBER')) THEN
        RAISE EXCEPTION '% may not %: this needs the role %', session_user, p_what,
            array_to_string(p_roles, ' or ') USING ERRCODE = '42501';
    END IF;
END $$;

-- The database's owner (a superuser, or the installer role that runs migrations): trusted with
-- the whole database already, so what it enrols is in use at once.
CREATE OR REPLACE FUNCTION quality._is_installer() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false)
        OR pg_has_role(session_user, 'lotproof_owner', 'MEMBER')
$$;

-- Who may administer people: an administrator (never on their own account) or the installer.
CREATE OR REPLACE FUNCTION quality._account_admin(p_target text, p_what text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF quality._is_installer() THEN
        RETURN;
    END IF;
    PERFORM quality._person();
    PERFORM quality._require_role(ARRAY['lotproof_admin'], p_what);
    IF p_target = session_user THEN
        RAISE EXCEPTION 'nobody may % on their own account: another administrator does', p_what
            USING ERRCODE = '42501';
    END IF;
END $$;

CREATE OR REPLACE FUNCTION quality._target_person(p_username text) RETURNS quality.users
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v quality.users;
BEGIN
    SELECT * INTO v FROM quality.users WHERE username = p_username;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no Lotproof user %', p_username USING ERRCODE = '22023';
    END IF;
    RETURN v;
END $$;

-- One audit row per administration act, naming the person acted on (the row change of
-- quality.users may be empty: unlocking an unlocked account changes nothing, and is still asked).
CREATE OR REPLACE FUNCTION quality._account_audit(p_action text, p_username text, p_reason text,
                                                  p_details jsonb)
RETURNS void
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT quality._audit_context(p_action, p_reason, NULL);
    SELECT audit.append(p_action, 'quality.users', p_username, NULL, NULL,
                        jsonb_build_object('user', p_username) || coalesce(p_details, '{}'),
                        p_reason, NULL);
$$;

-- Who is logged in: printed name and role of the session user.
CREATE OR REPLACE FUNCTION quality.whoami()
RETURNS TABLE (username text, printed_name text, role text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT u.username, u.printed_name, u.role FROM quality.users u WHERE u.username = session_user
$$;

-- Enrolling a person. The password arrives as a SCRAM verifier computed by the client, so the
-- clear text never reaches the server or its logs. User names are never reused, and no two
-- active people share a printed name (a manifestation names one person). A person enrolled by
-- an administrator sets their own password at first login, and signs only after someone else
-- has confirmed who they are.
CREATE OR REPLACE FUNCTION quality.create_user(p_username text, p_printed_name text, p_role text,
                                               p_password_verifier text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_installer boolean := quality._is_installer();
    v_name text := quality.clean_printed_name(p_printed_name);
BEGIN
    IF NOT v_installer THEN
        PERFORM quality._person();
        PERFORM quality._require_role(ARRAY['lotproof_admin'], 'add users');
    END IF;
    IF coalesce(v_name, '') = '' THEN
        RAISE EXCEPTION 'a printed name is required' USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT 1 FROM quality.users WHERE username = p_username) THEN
        RAISE EXCEPTION 'user name % is taken or was used before; user names are never reused', p_username
            USING ERRCODE = '23505';
    END IF;
    IF EXISTS (SELECT 1 FROM quality.users WHERE active
               AND quality.printed_name_key(printed_name) = quality.printed_name_key(v_name)) THEN
        RAISE EXCEPTION 'the printed name "%" is already the name of an active person; a signature must name one person (add a middle initial or department)',
            v_name USING ERRCODE = '23505';
    END IF;
    PERFORM quality._audit_context('user.create', NULL, NULL);
    PERFORM accounts.create_login(p_username, p_password_verifier, p_role);
    INSERT INTO quality.users (username, printed_name, role, created_by, must_change_password,
                               password_set_by, password_set_at, identity_verified_by,
                               identity_verified_at)
    VALUES (p_username, v_name, p_role, session_user, NOT v_installer,
            CASE WHEN NOT v_installer THEN session_user END,
            CASE WHEN NOT v_installer THEN clock_timestamp() END,
            CASE WHEN v_installer THEN session_user END,
            CASE WHEN v_installer THEN clock_timestamp() END);
END $$;

-- A temporary password: the account is unlocked and may log in, but only to set its own.
CREATE OR REPLACE FUNCTION quality.reset_password(p_username text, p_password_verifier text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM quality._account_admin(p_username, 'reset a password');
    PERFORM quality._target_person(p_username);
    PERFORM quality._account_audit('user.reset_password', p_username,
                                   'administrator reset; the person sets their own next', NULL);
    PERFORM accounts.set_password(p_username, p_password_verifier);
    PERFORM accounts.set_login(p_username, true);
    UPDATE quality.users SET must_change_password = true, locked_at = NULL, failed_signatures = 0,
                             password_changed_at = clock_timestamp(),
                             password_set_by = session_user, password_set_at = clock_timestamp()
    WHERE username = p_username;
END $$;

CREATE OR REPLACE FUNCTION quality.change_password(p_password_verifier text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v quality.users;
BEGIN
    SELECT * INTO v FROM quality.users WHERE username = session_user;
    IF NOT FOUND OR NOT v.active OR v.locked_at IS NOT NULL THEN
        RAISE EXCEPTION '% may not change a password here', session_user USING ERRCODE = '42501';
    END IF;
    PERFORM quality._account_audit('user.change_password', session_user, NULL,
        jsonb_build_object('after_administrator_set', v.must_change_password,
                           'client', host(inet_client_addr()),
                           'application', current_setting('application_name', true)));
    PERFORM accounts.set_password(session_user, p_password_verifier);
    UPDATE quality.users SET must_change_password = false, password_changed_at = clock_timestamp()
    WHERE username = session_user;
END $$;

-- The second person's check, after an administrator set a password and its owner set their own:
-- someone who is neither of them confirms the person is who the account says (in person, by
-- the company's procedure). Until then the account logs in and works but does not sign.
CREATE OR REPLACE FUNCTION quality.verify_identity(p_username text, p_reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v quality.users;
    v_me quality.users;
BEGIN
    v_me := quality._person();
    PERFORM quality._require_role(ARRAY['lotproof_compliance', 'lotproof_admin'],
                                  'confirm who a person is');
    -- The checker is someone whose own identity stands: not an account an administrator set up
    -- and nobody has checked yet (an administrator's puppet).
    IF v_me.password_set_at IS NOT NULL AND (v_me.identity_verified_at IS NULL
            OR v_me.identity_verified_at < v_me.password_set_at) THEN
        RAISE EXCEPTION 'your own identity has not been confirmed yet: you cannot confirm someone else''s'
            USING ERRCODE = '42501';
    END IF;
    v := quality._target_person(p_username);
    IF p_username = session_user THEN
        RAISE EXCEPTION 'nobody confirms their own identity' USING ERRCODE = '42501';
    END IF;
    IF v.password_set_by = session_user THEN
        RAISE EXCEPTION 'you set this person''s password: someone else confirms who they are'
            USING ERRCODE = '42501';
    END IF;
    IF v.must_change_password THEN
        RAISE EXCEPTION '% has not yet set their own password: confirm who they are after they have',
            p_username USING ERRCODE = 'LP409';
    END IF;
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'say how the identity was checked' USING ERRCODE = '22023';
    END IF;
    PERFORM quality._account_audit('user.verify_identity', p_username, p_reason, NULL);
    UPDATE quality.users SET identity_verified_by = session_user,
                             identity_verified_at = clock_timestamp()
    WHERE username = p_username;
END $$;

CREATE OR REPLACE FUNCTION quality.unlock_user(p_username text, p_reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v quality.users;
BEGIN
    PERFORM quality._account_admin(p_username, 'unlock an account');
    v := quality._target_person(p_username);
    IF NOT v.active THEN
        RAISE EXCEPTION '% was withdrawn; enrol the person again instead', p_username
            USING ERRCODE = 'LP409';
    END IF;
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'unlocking an account needs a reason' USING ERRCODE = '22023';
    END IF;
    PERFORM quality._account_audit('user.unlock', p_username, p_reason, NULL);
    PERFORM accounts.set_login(p_username, true);
    UPDATE quality.users SET locked_at = NULL, failed_signatures = 0 WHERE username = p_username;
END $$;

-- Withdrawing a person's right to log in and sign, at once (21 CFR 11.300(b)): the login role
-- may no longer connect, and every function refuses their open sessions from now on.
CREATE OR REPLACE FUNCTION quality.deactivate_user(p_username text, p_reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM quality._account_admin(p_username, 'withdraw an account');
    PERFORM quality._target_person(p_username);
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'withdrawing an account needs a reason' USING ERRCODE = '22023';
    END IF;
    PERFORM quality._account_audit('user.deactivate', p_username, p_reason, NULL);
    PERFORM accounts.set_login(p_username, false);
    UPDATE quality.users SET active = false WHERE username = p_username;
    -- Sessions still open end now (their functions would refuse anyway).
    PERFORM pg_terminate_backend(a.pid) FROM pg_stat_activity a
    WHERE a.usename = p_username AND a.pid <> pg_backend_pid();
END $$;

CREATE OR REPLACE FUNCTION quality.set_user_role(p_username text, p_role text, p_reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v quality.users;
BEGIN
    PERFORM quality._account_admin(p_username, 'change a role');
    v := quality._target_person(p_username);
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'changing a role needs a reason' USING ERRCODE = '22023';
    END IF;
    PERFORM quality._account_audit('user.role', p_username, p_reason,
                                   jsonb_build_object('from', v.role, 'to', p_role));
    PERFORM accounts.change_group(p_username, v.role, p_role);
    UPDATE quality.users SET role = p_role WHERE username = p_username;
END $$;

-- A failed signature attempt (wrong password at the signing prompt), reported by the person's
-- own session. After too many in a row the account is locked and administrators are alerted.
CREATE OR REPLACE FUNCTION quality.record_signature_failure() RETURNS int
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_count int;
    v_max int := quality.setting('signature_max_failures', '3')::int;
BEGIN
    PERFORM quality._audit_context('signature.failed', 'wrong password at the signing prompt', NULL);
    UPDATE quality.users SET failed_signatures = failed_signatures + 1
    WHERE username = session_user RETURNING failed_signatures INTO v_count;
    IF v_count IS NULL THEN
        RAISE EXCEPTION '% is not a Lotproof user', session_user USING ERRCODE = '42501';
    END IF;
    IF v_count >= v_max THEN
        PERFORM quality._audit_context('user.lock', format('%s failed signature attempts in a row', v_count), NULL);
        PERFORM accounts.set_login(session_user, false);
        UPDATE quality.users SET locked_at = clock_timestamp() WHERE username = session_user;
        INSERT INTO quality.alerts (kind, username, message)
        VALUES ('account_locked', session_user,
                format('%s was locked after %s failed signature attempts in a row', session_user, v_count));
    END IF;
    RETURN v_count;
END $$;

CREATE OR REPLACE TRIGGER users_never_deleted BEFORE DELETE ON quality.users
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
-- Every quality table is audited row by row; bytes of stored documents are left out of the trail.
CREATE OR REPLACE TRIGGER audit_users AFTER INSERT OR UPDATE OR DELETE ON quality.users
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('username');
CREATE OR REPLACE TRIGGER audit_settings AFTER INSERT OR UPDATE OR DELETE ON quality.settings
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('key');
CREATE OR REPLACE TRIGGER audit_alerts AFTER INSERT OR UPDATE OR DELETE ON quality.alerts
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');

GRANT EXECUTE ON FUNCTION
    quality.setting(text, text),
    quality.whoami(),
    quality.change_password(text),
    quality.record_signature_failure()
TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
GRANT EXECUTE ON FUNCTION
    quality.create_user(text, text, text, text),
    quality.reset_password(text, text),
    quality.unlock_user(text, text),
    quality.deactivate_user(text, text),
    quality.set_user_role(text, text, text)
TO lotproof_admin;
GRANT EXECUTE ON FUNCTION
    quality.verify_identity(text, text)
TO lotproof_compliance, lotproof_admin;
