"""Loading the demo distributor into the built-in ERP (schema `erp_builtin`) with COPY, each lot's
quality status into Lotproof's state of it, and the demo login roles."""

from __future__ import annotations

import datetime as dt
import json
import queue
import random
import threading
import time
from dataclasses import dataclass

import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

from app.db.demo.catalog import Catalog, build_catalog
from app.db.demo.simulate import NULL, SCALES, TABLES, Simulator
from app.db.server import connect
from app.db.users import create_user
from app.progress import Progress

DEMO_USERS = (
    ("ivy.inspector", "Ivy Inspector (demo)", "inspector", "demo-inspector"),
    ("arlo.approver", "Arlo Approver (demo)", "approver", "demo-approver"),
    ("cora.compliance", "Cora Compliance (demo)", "compliance", "demo-compliance"),
    ("adam.admin", "Adam Admin (demo)", "admin", "demo-admin"),
    ("aude.auditor", "Aude Auditor (demo)", "auditor", "demo-auditor"),
)
ERP_TABLES = ("sites", "locations", "items", "suppliers", "customers", *TABLES)
#: Lotproof's records of the ERP's rows, emptied with them by `--reset` (they name them by id).
QUALITY_OF_ERP_ROWS = ("lot_state", "lot_decisions", "document_links", "coa_results",
                       "recall_lots", "exceptions", "quality_events", "return_inspections",
                       "allocation_flags", "item_specs", "spec_versions", "supplier_approvals",
                       "customer_requirements", "document_requirements")
#: The simulator writes a lot's final status with its row; it goes to quality.lot_state.
_LOT_STATUS = TABLES["lots"].index("status")


class DemoSeedError(Exception):
    pass


@dataclass(frozen=True)
class SeedReport:
    scale: str
    seed: int
    seconds: float
    rows: dict[str, int]


def seed_demo(admin_url: URL, engine: Engine, *, scale: str = "small", seed: int = 1,
              as_of: dt.date | None = None, reset: bool = False,
              progress: Progress | None = None) -> SeedReport:
    if scale not in SCALES:
        raise DemoSeedError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    started = time.perf_counter()
    as_of = as_of or dt.date.today()
    with engine.connect() as conn:
        existing = conn.execute(text("SELECT count(*) FROM erp_builtin.lots")).scalar_one()
    if existing and not reset:
        raise DemoSeedError(
            f"the database already holds {existing} lots; use --reset to replace them with "
            "demo data (this deletes every ERP row)"
        )
    rng = random.Random(seed)
    spec = SCALES[scale]
    catalog = build_catalog(rng, suppliers=spec.suppliers, customers=spec.customers,
                            bins_per_site=spec.bins_per_site)
    simulator = Simulator(catalog, spec, seed, as_of)
    rows: dict[str, int] = {}
    with connect(admin_url, application_name="lotproof demo seed") as conn:
        _prepare(conn, reset)
        _copy_master_data(conn, catalog, rows)
        indexes = _drop_secondary_indexes(conn)
        _copy_history(conn, simulator, rows, progress)
        if progress:
            progress.report(0, len(indexes), "indexes")
        _recreate_indexes(conn, indexes, progress)
        _record_loaded_statuses(conn)  # triggers on again from here
        _finish(conn)
        conn.commit()
    with engine.connect() as sa_conn:
        sa_conn.execute(text("ANALYZE"))
        sa_conn.commit()
    ensure_demo_users(engine)
    return SeedReport(scale, seed, time.perf_counter() - started, rows)


def _prepare(conn: psycopg.Connection[tuple[object, ...]], reset: bool) -> None:
    if reset:
        conn.execute(
            "TRUNCATE " + ", ".join([*(f"erp_builtin.{t}" for t in ERP_TABLES),
                                     *(f"quality.{t}" for t in QUALITY_OF_ERP_ROWS)])
            + " RESTART IDENTITY CASCADE"
        )
    superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    if superuser and superuser[0]:
        # Generated rows are consistent by construction; skip per-row foreign-key triggers.
        conn.execute("SET LOCAL session_replication_role = replica")
    conn.execute("SET LOCAL synchronous_commit = off")


def _drop_secondary_indexes(conn: psycopg.Connection[tuple[object, ...]]) -> list[str]:
    """Loading into empty tables and indexing afterwards is several times faster than
    maintaining every index row by row. The definitions are read from the catalog and put back
    exactly as the migrations made them."""
    found = conn.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = 'erp_builtin' AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """
    ).fetchall()
    for name, _definition in found:
        conn.execute(f"DROP INDEX {name}")  # type: ignore[arg-type]
    return [str(definition) for _name, definition in found]


def _recreate_indexes(conn: psycopg.Connection[tuple[object, ...]], definitions: list[str],
                      progress: Progress | None) -> None:
    conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
    conn.execute("SET LOCAL max_parallel_maintenance_workers = 2")
    for n, definition in enumerate(definitions, start=1):
        conn.execute(definition)  # type: ignore[arg-type]
        if progress:
            progress.report(n, len(definitions), "indexes")


def _copy_rows(conn: psycopg.Connection[tuple[object, ...]], table: str,
               columns: tuple[str, ...], lines: list[str]) -> None:
    if not lines:
        return
    with conn.cursor().copy(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN"  # type: ignore[arg-type]
    ) as copy:
        for start in range(0, len(lines), 20_000):
            copy.write("\n".join(lines[start:start + 20_000]) + "\n")


def _tsv(*values: object) -> str:
    return "\t".join(NULL if v is None else str(v).replace("\t", " ") for v in values)


def _copy_master_data(conn: psycopg.Connection[tuple[object, ...]], cat: Catalog,
                      rows: dict[str, int]) -> None:
    master = {
        "sites": (("id", "code", "name", "address", "gln"),
                  [_tsv(s.id, s.code, s.name, s.address, f"061414100{s.id:03d}0") for s in cat.sites]),
        "locations": (("id", "site_id", "parent_id", "code", "name", "kind"),
                      [_tsv(*row) for row in cat.location_rows]),
        "suppliers": (("id", "code", "name", "country", "approval_status", "contact_name",
                       "contact_email"), [_tsv(*row) for row in cat.supplier_rows]),
        "customers": (("id", "code", "name", "min_shelf_life_days", "contact_name",
                       "contact_email", "contact_phone", "ship_to", "country"),
                      [_tsv(*row) for row in cat.customer_rows]),
        "items": (("id", "sku", "gtin", "name", "category", "uom", "lot_controlled",
                   "shelf_life_days", "hazardous", "required_documents", "unit_cost"),
                  [_tsv(i.id, i.sku, i.gtin, i.name, i.product.category, i.product.uom, "t",
                        i.product.shelf_life_days, "t" if i.product.hazardous else "f",
                        "{" + ",".join(i.product.documents) + "}",
                        f"{i.product.cost_per_uom:.4f}") for i in cat.items]),
    }
    for table, (columns, lines) in master.items():
        _copy_rows(conn, f"erp_builtin.{table}", columns, lines)
        rows[table] = len(lines)


def _copy_history(conn: psycopg.Connection[tuple[object, ...]], simulator: Simulator,
                  rows: dict[str, int], progress: Progress | None) -> None:
    """Simulation on this thread, COPY on another: the server parses while Python generates."""
    chunks: queue.Queue[dict[str, list[str]] | None] = queue.Queue(maxsize=2)
    failure: list[BaseException] = []

    def writer() -> None:
        try:
            while (chunk := chunks.get()) is not None:
                for table, columns in TABLES.items():
                    lines = chunk[table]
                    if table == "lots":
                        lines, states = _split_status(lines)
                        _copy_rows(conn, "quality.lot_state", ("lot_id", "status"), states)
                        columns = tuple(c for c in columns if c != "status")
                    _copy_rows(conn, f"erp_builtin.{table}", columns, lines)
                    rows[table] = rows.get(table, 0) + len(lines)
        except BaseException as exc:  # re-raised on the caller's thread
            failure.append(exc)
            while chunks.get() is not None:
                pass

    thread = threading.Thread(target=writer, name="demo-copy", daemon=True)
    thread.start()

    try:
        for chunk in simulator.chunks(progress=progress):
            if failure:
                break
            chunks.put(chunk)
    finally:
        chunks.put(None)
        thread.join()
    if failure:
        raise failure[0]


def _split_status(lines: list[str]) -> tuple[list[str], list[str]]:
    """Lot rows for the ERP, and (lot id, status) rows for Lotproof's state of each lot."""
    lots, states = [], []
    for line in lines:
        values = line.split("\t")
        status = values.pop(_LOT_STATUS)
        lots.append("\t".join(values))
        states.append(f"{values[0]}\t{status}")
    return lots, states


def _finish(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    for table in ERP_TABLES:
        if "id" not in TABLES.get(table, ("id",)):
            continue
        seq = conn.execute("SELECT pg_get_serial_sequence(%s, 'id')",
                           (f"erp_builtin.{table}",)).fetchone()
        if seq and seq[0]:
            conn.execute(
                f"SELECT setval(%s, coalesce((SELECT max(id) FROM erp_builtin.{table}), 0) + 1, false)",  # type: ignore[arg-type]
                (seq[0],),
            )
    conn.execute(
        "INSERT INTO quality.settings (key, value) VALUES ('demo', 'true'), "
        # the demo company's own GS1 prefix: its GTINs use it, and its pallets' SSCCs
        "('gs1_company_prefix', '0614141') "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
    )
    # the demo's history of relabels and repacks happened before Lotproof controlled them
    conn.execute(
        "INSERT INTO quality.settings (key, value) SELECT 'relabel_control_since', "
        "(greatest(now(), max(created_at)) + interval '1 second')::text "
        "FROM erp_builtin.lot_genealogy "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value")


def _record_loaded_statuses(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    """The loaded lots' Lotproof states enter the audit trail as the demo load's doing:
    `audit verify` holds every row of Lotproof's to the trail's last record of it, and these
    were copied in with the triggers off. (All lots: after `--reset` the new lots reuse the ids
    of lots the trail recorded before.)"""
    conn.execute("SET LOCAL session_replication_role = origin")
    conn.execute("SELECT quality._audit_context('demo.load', 'demo data loaded', NULL)")
    conn.execute("""
        SELECT audit.append('demo.load', 'quality.lot_state', s.lot_id::text, s.lot_id, NULL,
                            to_jsonb(s), 'demo data loaded', NULL)
        FROM (SELECT * FROM quality.lot_state ORDER BY lot_id) s""")


def ensure_demo_users(engine: Engine) -> list[str]:
    """Create the demo login roles that this database does not have yet."""
    made: list[str] = []
    with engine.connect() as conn:
        known = set(conn.execute(text("SELECT username FROM quality.users")).scalars())
        roles = set(conn.execute(text("SELECT rolname FROM pg_roles")).scalars())
    for username, printed, role, password in DEMO_USERS:
        if username in known or username in roles:
            continue
        create_user(engine, username, printed, role, password)
        made.append(username)
    logins = [{"username": u, "password": p, "role": r} for u, _, r, p in DEMO_USERS]
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO quality.settings (key, value) VALUES ('demo_logins', :v) "
                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
            {"v": json.dumps(logins)},
        )
    return made
