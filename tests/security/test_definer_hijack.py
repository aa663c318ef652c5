"""Finding 1: any login becomes superuser through the SECURITY DEFINER functions.

The definer functions are owned by the superuser and run with `search_path = pg_catalog` (or
`pg_catalog, quality`) without `pg_temp` last. PostgreSQL then searches the caller's temporary
schema FIRST for relations and types, and every role may create temporary objects (TEMP on the
database is granted to PUBLIC). So a temporary view, table or domain of the caller, named like
what the function reads unqualified (`pg_stat_activity`, `pg_roles`, `_found`, the type `text`),
runs the caller's code as the superuser.

Each attack runs as a login made for the test (roles are cluster-wide) and asserts the SAFE
outcome: the login is not superuser afterwards (checked by the real superuser) and nothing was
signed. A refused step (no TEMP privilege, function changed) counts as the attack failing.
"""

from __future__ import annotations

import time

import psycopg
import pytest

from app.db.scram import scram_verifier
from app.db.server import ServerTarget, connect
from tests.conftest import unique_username
from tests.security.support import (
    GROUP_ROLES,
    Logins,
    attempt,
    is_superuser,
    make_lot,
    owner_one,
    owner_rows,
    signatures_by,
    status_of,
)

# Runs whatever calls it; when that is the superuser (inside a definer function) it makes the
# session's own login a superuser. Everything it names is schema-qualified.
EVIL = """
CREATE FUNCTION pg_temp.evil() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
        EXECUTE pg_catalog.format('ALTER ROLE %I SUPERUSER', session_user);
    END IF;
    RETURN true;
END $$
"""
EVIL_TRIGGER = """
CREATE FUNCTION pg_temp.evil_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_temp.evil();
    RETURN NULL;
END $$
"""


def _run_attack(db: ServerTarget, url: object, statements: list[str],
                params: dict[int, tuple[object, ...]] | None = None) -> list[str]:
    """Run the attack's statements in one transaction; returns what happened, step by step."""
    log: list[str] = []
    try:
        with connect(url) as conn:  # type: ignore[arg-type]
            for i, sql in enumerate(statements):
                conn.execute(sql, (params or {}).get(i))  # type: ignore[arg-type]
                log.append(f"ok: {sql.strip().splitlines()[0][:80]}")
    except psycopg.Error as exc:
        log.append(f"refused: {type(exc).__name__}: {str(exc).strip().splitlines()[0]}")
    return log


def test_read_only_auditor_becomes_superuser_with_a_temporary_text_domain(
        db: ServerTarget, logins: Logins) -> None:
    """Attack: the read-only auditor creates a temporary domain `pg_temp.text` whose CHECK runs
    its own function, then calls quality.release_blockers (granted to auditors), whose PL/pgSQL
    variables of type `text` resolve to the domain: the CHECK runs as the superuser owner.
    Safe outcome: the auditor login is not superuser afterwards."""
    auditor = logins.make("auditor")
    lot = make_lot(db)
    log = _run_attack(db, auditor.url(db), [
        EVIL,
        "CREATE DOMAIN pg_temp.text AS pg_catalog.text CHECK (pg_temp.evil())",
        "SELECT quality.release_blockers(%s)",
    ], {2: (lot.id,)})
    assert not is_superuser(db, auditor.username), (
        f"the read-only auditor {auditor.username} is now a SUPERUSER of the whole cluster "
        f"(temporary domain pg_temp.text + quality.release_blockers): {log}")


def test_inspector_becomes_superuser_with_a_temporary_pg_stat_activity_view(
        db: ServerTarget, logins: Logins) -> None:
    """Attack: an inspector creates a temporary view `pg_stat_activity` that calls its own
    function, then signs a hold: quality._sign reads `pg_stat_activity` unqualified, finds the
    view first and runs the function as the superuser.
    Safe outcome: the inspector is not superuser afterwards and nothing was signed by them."""
    inspector = logins.make("inspector")
    lot = make_lot(db)
    log = _run_attack(db, inspector.url(db), [
        EVIL,
        "CREATE TEMP VIEW pg_stat_activity AS SELECT a.pid, a.backend_start "
        "FROM pg_catalog.pg_stat_activity a WHERE pg_temp.evil()",
        "SELECT quality.hold_lot(%s, 'damaged pallet', 'quarantine')",
    ], {2: (lot.code,)})
    superuser = is_superuser(db, inspector.username)
    signed = signatures_by(db, inspector.username)
    assert not superuser and not signed, (
        f"inspector {inspector.username}: superuser={superuser}, signatures={signed} after a "
        f"temporary pg_stat_activity view + quality.hold_lot: {log}")


def test_admin_becomes_superuser_with_a_temporary_pg_roles_view(
        db: ServerTarget, logins: Logins) -> None:
    """Attack: a Lotproof administrator (not a database superuser) creates a temporary view
    `pg_roles` that calls its own function, then adds a user: quality.create_user (search_path
    `pg_catalog, quality`) reads `pg_roles` unqualified and runs the function as the superuser.
    Safe outcome: the administrator is not superuser afterwards."""
    admin = logins.make("admin")
    newcomer = unique_username("rt.newcomer")
    log = _run_attack(db, admin.url(db), [
        EVIL,
        # the name is computed by the function, so every row filtered by name runs it
        "CREATE TEMP VIEW pg_roles AS SELECT CASE WHEN pg_temp.evil() THEN r.rolname END "
        "AS rolname, r.rolsuper, r.rolcreaterole FROM pg_catalog.pg_roles r",
        "SELECT quality.create_user(%s, %s, 'lotproof_inspector', %s)",
    ], {2: (newcomer, f"Newcomer {newcomer}", scram_verifier("newcomer-password"))})
    assert not is_superuser(db, admin.username), (
        f"administrator {admin.username} is now a SUPERUSER (temporary pg_roles view + "
        f"quality.create_user): {log}")


def test_inspector_becomes_superuser_with_a_temporary_found_table_trigger(
        db: ServerTarget, logins: Logins) -> None:
    """Attack: an inspector creates the temporary table `_found` that quality.refresh_exceptions
    creates "IF NOT EXISTS" and fills, with a trigger of its own on it; the definer function
    inserts into the caller's table and the trigger runs as the superuser.
    Safe outcome: the inspector is not superuser afterwards."""
    inspector = logins.make("inspector")
    lot = make_lot(db)
    log = _run_attack(db, inspector.url(db), [
        EVIL,
        EVIL_TRIGGER,
        "CREATE TEMP TABLE _found (type text, key text, lot_id bigint, severity text, "
        "since timestamptz, title text, details jsonb)",
        "CREATE TRIGGER t AFTER INSERT ON pg_temp._found FOR EACH STATEMENT "
        "EXECUTE FUNCTION pg_temp.evil_trigger()",
        "SELECT quality.refresh_exceptions(ARRAY[%s]::bigint[])",
    ], {4: (lot.id,)})
    assert not is_superuser(db, inspector.username), (
        f"inspector {inspector.username} is now a SUPERUSER (temporary _found table with a "
        f"trigger + quality.refresh_exceptions): {log}")


def test_a_temporary_pg_stat_activity_table_lets_a_stale_connection_sign(
        db: ServerTarget, logins: Logins) -> None:
    """Attack: on a connection authenticated long ago (beyond the signing window), an inspector
    creates a temporary TABLE `pg_stat_activity` holding its own pid with backend_start = now,
    so quality._sign believes the password was just entered, and signs a hold (and could sign
    again and again by re-forging the time).
    Safe outcome: the stale connection's signature is refused, nothing is signed, the lot is
    unchanged."""
    owner_rows(db, "UPDATE quality.settings SET value = '1' "
                   "WHERE key = 'signature_max_connection_age_seconds'")
    inspector = logins.make("inspector")
    lot = make_lot(db)
    log: list[str] = []
    try:
        with connect(inspector.url(db)) as conn:
            time.sleep(1.6)  # the authentication is now older than the 1 s signing window
            conn.execute("CREATE TEMP TABLE pg_stat_activity (pid integer, "
                         "backend_start timestamptz)")
            conn.execute("INSERT INTO pg_stat_activity VALUES (pg_backend_pid(), "
                         "clock_timestamp())")
            conn.execute("SELECT quality.hold_lot(%s, 'forged freshness', 'quarantine')",
                         (lot.code,))
            log.append("hold signed")
    except psycopg.Error as exc:
        log.append(f"refused: {str(exc).strip().splitlines()[0]}")
    signed = signatures_by(db, inspector.username)
    assert not signed and status_of(db, lot) == "quarantine", (
        f"a connection authenticated >1.6 s ago signed ({signed}); lot is now "
        f"{status_of(db, lot)}: {log}")


@pytest.mark.parametrize("role", GROUP_ROLES)
def test_no_login_role_can_create_temporary_objects(db: ServerTarget, logins: Logins,
                                                    role: str) -> None:
    """Attack: a login of each group role creates a temporary table, view, function and domain
    (the raw material of every attack above).
    Safe outcome: each is refused (no TEMP privilege for login roles or PUBLIC)."""
    login = logins.make(role)
    created = []
    for sql in ("CREATE TEMP TABLE rt_scratch (x integer)",
                "CREATE TEMP VIEW rt_view AS SELECT 1 AS x",
                "CREATE FUNCTION pg_temp.rt_f() RETURNS integer LANGUAGE sql AS 'SELECT 1'",
                "CREATE DOMAIN pg_temp.rt_d AS integer"):
        ok, _ = attempt(db, login.username, sql, password=login.password)
        if ok:
            created.append(sql)
    temp_privilege = owner_one(db, "SELECT has_database_privilege(%s, current_database(), "
                                   "'TEMP')", (login.username,))
    assert not created, (f"{role} login {login.username} created temporary objects "
                         f"(TEMP privilege: {temp_privilege}): {created}")


def test_every_security_definer_function_is_hardened(db: ServerTarget) -> None:
    """Catalogue check of every SECURITY DEFINER function in quality, audit and erp: none may be
    owned by a superuser, each must pin `search_path` ending with pg_temp, and none may be
    executable by PUBLIC (a NULL proacl means PUBLIC may execute).
    Safe outcome: no function breaks any of the three rules."""
    rows = owner_rows(db, """
        SELECT p.oid::regprocedure::text, pg_get_userbyid(p.proowner), o.rolsuper,
               coalesce(p.proconfig, '{}'),
               p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a
                                           WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE')
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        JOIN pg_roles o ON o.oid = p.proowner
        WHERE n.nspname IN ('quality', 'audit', 'erp') AND p.prosecdef
        ORDER BY 1""")
    assert len(rows) > 30, "expected the definer functions of the schema"
    problems: dict[str, list[str]] = {"owned by a superuser": [],
                                      "search_path not ending with pg_temp": [],
                                      "executable by PUBLIC": []}
    for name, owner, owner_super, config, public in rows:
        if owner_super:
            problems["owned by a superuser"].append(f"{name} ({owner})")
        paths = [c.split("=", 1)[1] for c in config if c.startswith("search_path=")]
        if not paths or [p.strip().strip('"') for p in paths[0].split(",")][-1] != "pg_temp":
            problems["search_path not ending with pg_temp"].append(
                f"{name} ({paths[0] if paths else 'not set'})")
        if public:
            problems["executable by PUBLIC"].append(name)
    found = {k: v for k, v in problems.items() if v}
    summary = "; ".join(f"{k}: {len(v)} of {len(rows)}, e.g. {', '.join(v[:4])}"
                        for k, v in found.items())
    assert not found, summary
