"""The live definitions of Lotproof's database functions, their triggers and who may call them.

Each area of rules is one file in `app/db/sql/` (`lot_status.sql`, `release_checks.sql`,
`recalls.sql`, ...), and that file is what the database runs. Migrations hold tables, indexes and
data. At the end of every upgrade every file is applied again (`CREATE OR REPLACE`), so a changed
function reaches each database from its one file, and a function or trigger that no file defines
any more is dropped. The database records the digest of the files it runs, so a workstation can
tell a database whose functions are older than its own.

A file's header may name
    -- requires: audit_trail          areas applied before it (its triggers call their functions)
    -- owner: lotproof_role_admin      the role owning what it defines (default: the schema owner)

Function grants live beside the functions: before the files run, every grant on Lotproof's
functions is revoked, so a grant no file makes any more is gone too.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from graphlib import TopologicalSorter
from pathlib import Path

import psycopg
from psycopg import sql

from app.db.models.quality import GROUP_ROLES

SQL_DIR = Path(__file__).with_name("sql")
SCHEMAS = ("quality", "audit", "accounts")
OWNED_SCHEMAS = ("erp", "erp_builtin", "quality", "audit")
OWNER = "lotproof_owner"
ROLE_ADMIN = "lotproof_role_admin"
_HEADER = re.compile(r"^--\s*(requires|owner|adapter|provides):\s*(.+)$", re.MULTILINE)
ADAPTERS = ("builtin", "tryton")
DEFAULT_ADAPTER = "builtin"

Connection = psycopg.Connection[tuple[object, ...]]


@dataclass(frozen=True)
class Area:
    name: str
    text: str
    requires: tuple[str, ...]
    owner: str | None
    adapter: str | None = None  # only for this ERP adapter (`-- adapter: tryton`)
    provides: str | None = None  # another name it is required by (`-- provides: erp`)

    @staticmethod
    def read(path: Path) -> Area:
        text = path.read_text()
        headers = dict(_HEADER.findall(text[: text.find("\nCREATE")] if "\nCREATE" in text else text))
        requires = tuple(r.strip() for r in headers.get("requires", "").split(",") if r.strip())
        return Area(path.stem, text, requires, headers.get("owner", "").strip() or None,
                    headers.get("adapter", "").strip() or None,
                    headers.get("provides", "").strip() or None)


def areas(adapter: str = DEFAULT_ADAPTER) -> list[Area]:
    """Every definition file for this ERP adapter, each after the areas it requires."""
    if adapter not in ADAPTERS:
        raise ValueError(f"unknown ERP adapter {adapter!r}; choose one of {', '.join(ADAPTERS)}")
    found = {a.name: a for a in map(Area.read, sorted(SQL_DIR.glob("*.sql")))
             if a.adapter in (None, adapter)}
    names = {a.provides: a.name for a in found.values() if a.provides} | {n: n for n in found}
    for a in found.values():
        missing = [r for r in a.requires if r not in names]
        if missing:
            raise RuntimeError(f"{a.name}.sql requires {', '.join(missing)}, which has no file")
    order = TopologicalSorter(
        {a.name: tuple(names[r] for r in a.requires) for a in found.values()}).static_order()
    return [found[name] for name in order]


def digest(adapter: str = DEFAULT_ADAPTER) -> str:
    """The SHA-256 of the definitions this Lotproof runs, in the order it runs them."""
    h = hashlib.sha256()
    for a in areas(adapter):
        h.update(a.name.encode() + b"\0" + a.text.encode() + b"\0")
    return h.hexdigest()


def adapter_of(conn: Connection) -> str:
    """The ERP adapter a database was set up with (`quality.settings.erp_adapter`)."""
    if conn.execute("SELECT to_regclass('quality.settings')").fetchone() == (None,):
        return DEFAULT_ADAPTER
    row = conn.execute(
        "SELECT value FROM quality.settings WHERE key = 'erp_adapter'").fetchone()
    return str(row[0]) if row else DEFAULT_ADAPTER


def choose_adapter(conn: Connection, adapter: str) -> None:
    """Set up a database for an ERP adapter, once: changing it would leave the other's data."""
    if adapter not in ADAPTERS:
        raise ValueError(f"unknown ERP adapter {adapter!r}; choose one of {', '.join(ADAPTERS)}")
    current = conn.execute(
        "SELECT value FROM quality.settings WHERE key = 'erp_adapter'").fetchone()
    if current is not None and current[0] != adapter:
        raise RuntimeError(f"this database works with the {current[0]} ERP adapter; it cannot "
                           f"be switched to {adapter}")
    if current is None and adapter != DEFAULT_ADAPTER:
        if conn.execute("SELECT to_regclass('erp_builtin.lots') IS NOT NULL "
                        "AND EXISTS (SELECT 1 FROM erp_builtin.lots)").fetchone() == (True,):
            raise RuntimeError(f"this database holds the built-in ERP's lots; it cannot be "
                               f"switched to {adapter}")
        conn.execute("INSERT INTO quality.settings (key, value) VALUES ('erp_adapter', %s)",
                     (adapter,))


def apply(conn: Connection, only: tuple[str, ...] | None = None) -> None:
    """Run the definition files in the connection's transaction; with `only`, just those areas
    (for a migration whose DDL needs a function, such as an index on an expression)."""
    adapter = adapter_of(conn)
    chosen = [a for a in areas(adapter) if only is None or a.name in only]
    conn.execute("SET LOCAL check_function_bodies = off")  # bodies may name later areas
    if only is None:
        secure(conn)
        _revoke_function_grants(conn)
        if adapter == "tryton":
            open_tryton_tables(conn)
    default_owner = _schema_owner(conn)
    # The files run in a subtransaction of their own: what they create or replace carries its
    # id, which tells it from what `secure` and the grant reset touched in this transaction.
    conn.execute("SAVEPOINT lotproof_definitions")
    for area in chosen:
        owner = area.owner or default_owner
        if owner and _role_exists(conn, owner):
            conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(owner)))
        # A new function is executable by PUBLIC unless its owner's defaults say otherwise.
        conn.execute("ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC")
        conn.execute(area.text, prepare=False)  # type: ignore[call-overload]  # several statements
        conn.execute("RESET ROLE")
    if only is None and adapter == "tryton":
        # `secure` made the trail's chain-head trigger immediate (to move ownership); for many
        # adopted lots it must run at commit again, or every row rewrites the head row
        conn.execute("SET CONSTRAINTS ALL DEFERRED")
        conn.execute("SELECT quality.tryton_adopt_lots()")
    if only is None:
        conn.execute("SELECT quality._audit_context('schema.definitions', "
                     "'database definitions applied', NULL)")
        row = conn.execute("SELECT xmin::text FROM audit.context "
                           "WHERE backend_pid = pg_backend_pid()").fetchone()
        _drop_what_no_file_defines(conn, str(row[0]) if row else "")
        _record_installed_rows(conn)
    conn.execute("RELEASE SAVEPOINT lotproof_definitions")
    if only is None:
        conn.execute(
            "INSERT INTO quality.settings (key, value) VALUES ('schema_definitions', %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value "
            "WHERE quality.settings.value IS DISTINCT FROM excluded.value",
            (digest(adapter),),
        )


#: Tryton's tables the `erp` views read (and, for stock_lot and stock_move, guard).
TRYTON_TABLES = (
    "stock_location", "stock_lot", "stock_move", "stock_shipment_in", "stock_shipment_out",
    "stock_shipment_out_return", "stock_shipment_internal", "production", "purchase_purchase",
    "purchase_line", "sale_sale", "sale_line", "party_party", "party_address",
    "party_contact_mechanism", "party_category", "party_party-party_category", "country_country",
    "product_product", "product_template", "product_uom", "product_identifier",
    "product_category", "product_template-product_category", "product_cost_price",
    "account_invoice", "account_invoice_line",
)


def open_tryton_tables(conn: Connection) -> None:
    """Let Lotproof's owner read the Tryton tables its views map and put its triggers on the two
    it guards; index moves by lot (Tryton has no such index, and every trace follows a lot).
    Run by the role that owns Tryton's tables (or a superuser)."""
    missing = [t for t in TRYTON_TABLES if conn.execute(
        "SELECT to_regclass(%s)", (f'public."{t}"',)).fetchone() == (None,)]
    if missing:
        raise RuntimeError(
            "this database has no Tryton tables " + ", ".join(missing) + ": activate Tryton's "
            "stock_lot, stock_lot_sled, purchase, sale and production modules first "
            "(trytond-admin), or use the built-in ERP adapter")
    owner = sql.Identifier(OWNER)
    for table in TRYTON_TABLES:
        conn.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(
            sql.Identifier("public", table), owner))
    conn.execute(sql.SQL("GRANT TRIGGER ON public.stock_lot, public.stock_move TO {}").format(
        owner))
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(owner))
    # The views give ids as bigint (as the built-in ERP's are): their predicates are on
    # `lot::bigint`, which these expression indexes answer (not partial: ANALYZE keeps
    # statistics of an expression index, which the planner needs to see a lot has few moves).
    indexes = {
        "lotproof_stock_move_lot":
            "ON public.stock_move (lot, effective_date) WHERE lot IS NOT NULL",
        "lotproof_stock_move_lot_id": "ON public.stock_move ((lot::bigint))",
        "lotproof_stock_lot_id": "ON public.stock_lot ((id::bigint))",
        "lotproof_stock_lot_number": "ON public.stock_lot (number)",
    }
    made = False
    for name, definition in indexes.items():
        if conn.execute("SELECT to_regclass(%s)", (f"public.{name}",)).fetchone() == (None,):
            conn.execute(f"CREATE INDEX {name} {definition}")
            made = True
    if made:
        conn.execute("ANALYZE public.stock_move, public.stock_lot")


def secure(conn: Connection) -> None:
    """Lotproof's objects belong to lotproof_owner (never a superuser), the `accounts` functions
    to lotproof_role_admin, and no login may create temporary objects in this database. Objects a
    migration created as the migrating role are handed over here; idempotent."""
    revoke_temporary(conn)
    if not _role_exists(conn, OWNER):
        return
    # The audit trail moves its chain head at commit (a deferred trigger); a table with such
    # events pending cannot change owner, so they run now.
    conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
    owner = sql.Identifier(OWNER)
    for (schema,) in conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s) "
            "AND pg_get_userbyid(nspowner) <> %s", (list(OWNED_SCHEMAS), OWNER)).fetchall():
        conn.execute(sql.SQL("ALTER SCHEMA {} OWNER TO {}").format(sql.Identifier(str(schema)),
                                                                    owner))
    relations = """
        SELECT c.oid::regclass::text, c.relkind FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%s) AND c.relkind = ANY(%s) AND pg_get_userbyid(c.relowner) <> %s
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid
                          AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i'))"""
    keyword = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}
    for kinds in (["r", "p", "v", "m"], ["S"]):  # a table takes its own sequences along
        for name, kind in conn.execute(relations, (list(OWNED_SCHEMAS), kinds, OWNER)).fetchall():
            conn.execute(sql.SQL("ALTER {} {} OWNER TO {}").format(
                sql.SQL(keyword[str(kind)]), sql.SQL(str(name)), owner))
    for schema, role in (("quality", OWNER), ("audit", OWNER), ("accounts", ROLE_ADMIN)):
        for (function,) in conn.execute(
                """SELECT p.oid::regprocedure::text FROM pg_proc p
                   JOIN pg_namespace n ON n.oid = p.pronamespace
                   WHERE n.nspname = %s AND pg_get_userbyid(p.proowner) <> %s""",
                (schema, role)).fetchall():
            conn.execute(sql.SQL("ALTER FUNCTION {} OWNER TO {}").format(
                sql.SQL(str(function)), sql.Identifier(role)))


def revoke_temporary(conn: Connection) -> None:
    """PostgreSQL lets every role create temporary objects by default; Lotproof's logins never
    need one, and a temporary object is the classic way to hijack a definer function. (The
    owner's functions may: the exception queue collects its findings in one.)"""
    row = conn.execute("SELECT current_database()").fetchone()
    database = sql.Identifier(str(row[0]) if row else "")
    conn.execute(sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC").format(database))
    if _role_exists(conn, OWNER):
        conn.execute(sql.SQL("GRANT TEMPORARY ON DATABASE {} TO {}").format(
            database, sql.Identifier(OWNER)))


#: Tables whose first rows come with the schema (migrations insert them before any audit
#: trigger exists): each row enters the trail once, so `audit verify` holds it to it afterwards.
INSTALLED_ROWS = (("quality.settings", "key"), ("quality.exception_routes", "type"),
                  ("quality.retention_rules", "record_type"))


def _record_installed_rows(conn: Connection) -> None:
    for table, key in INSTALLED_ROWS:
        conn.execute(sql.SQL("""
            SELECT count(audit.append('schema.install', {name}, r.{key}::text, NULL, NULL,
                                      to_jsonb(r), 'installed with the schema', NULL))
            FROM (SELECT * FROM {table} x WHERE NOT EXISTS (
                      SELECT 1 FROM audit.trail t WHERE t.record_type = {name}
                        AND t.record_id = x.{key}::text)
                  ORDER BY x.{key}) r""").format(
            name=sql.Literal(table), key=sql.Identifier(key), table=sql.SQL(table)))


def recorded_digest(conn: Connection) -> str | None:
    row = conn.execute(
        "SELECT value FROM quality.settings WHERE key = 'schema_definitions'").fetchone()
    return str(row[0]) if row else None


def _schema_owner(conn: Connection) -> str | None:
    row = conn.execute(
        "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'quality'").fetchone()
    return str(row[0]) if row else None


def _role_exists(conn: Connection, role: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is not None


def _revoke_function_grants(conn: Connection) -> None:
    """Every function starts from no grants but its owner's; the files grant what they mean."""
    grantees = [r for r in GROUP_ROLES if _role_exists(conn, r)]
    rows = conn.execute(
        """SELECT p.oid::regprocedure::text, pg_get_userbyid(p.proowner)
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = ANY(%s)""", (list(SCHEMAS),)).fetchall()
    for function, owner in rows:
        conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(str(owner))))
        conn.execute(sql.SQL("REVOKE ALL ON FUNCTION {} FROM PUBLIC{}").format(
            sql.SQL(str(function)),
            sql.SQL("").join(sql.SQL(", {}").format(sql.Identifier(g)) for g in grantees)))
        conn.execute("RESET ROLE")


def _drop_what_no_file_defines(conn: Connection, files_xid: str) -> None:
    """Functions and triggers the files did not (re)create were left by an older version of the
    files. (Every CREATE OR REPLACE rewrites the catalog row, so its xmin is the files'
    subtransaction, `files_xid`.)"""
    stale_triggers = conn.execute(
        """SELECT t.tgname, t.tgrelid::regclass::text
           FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
           JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE NOT t.tgisinternal AND n.nspname = ANY(%s)
             AND t.xmin::text <> %s""", (list(SCHEMAS), files_xid)).fetchall()
    for name, table in stale_triggers:
        conn.execute(sql.SQL("DROP TRIGGER {} ON {}").format(
            sql.Identifier(str(name)), sql.SQL(str(table))))
    stale_functions = conn.execute(
        """SELECT p.oid::regprocedure::text FROM pg_proc p
           JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = ANY(%s) AND p.xmin::text <> %s""",
        (list(SCHEMAS), files_xid)).fetchall()
    for (function,) in stale_functions:
        conn.execute(sql.SQL("DROP FUNCTION {}").format(sql.SQL(str(function))))
    stale_views = [str(v) for (v,) in conn.execute(
        """SELECT c.oid::regclass::text FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_rewrite r ON r.ev_class = c.oid AND r.rulename = '_RETURN'
           WHERE c.relkind = 'v' AND n.nspname = ANY(%s) AND r.xmin::text <> %s""",
        (["erp", "quality"], files_xid)).fetchall()]
    for view in stale_views:  # a stale view may stand on another: drop dependants first
        conn.execute(sql.SQL("DROP VIEW IF EXISTS {} CASCADE").format(sql.SQL(view)))
