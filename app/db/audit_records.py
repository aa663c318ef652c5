"""What the audit trail says against what the database holds, checked from outside the server's
own functions (a superuser may replace those, and may change rows with the triggers disabled).

- Every witnessed chain head (app/db/audit_witness.py) must still be in the chain, unchanged.
- Every signature is recomputed here: its own hash, and the hash of the record it signed (a lot
  decision or a recall) from that record as it is now.
- Every row of Lotproof's audited tables (decisions, signatures, each lot's state and status,
  documents, rules, ...) must read as the trail last recorded it, and every status change the
  trail recorded must have its decision.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from sqlalchemy import Connection, text

from app.db.audit_chain import ChainProblem
from app.db.audit_witness import Head, Witness

_US, _RS, _NULL = "\x1f", "\x1e", "\\N"


def _stamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _digest(*fields: str | None) -> str:
    """sha256 of PostgreSQL's concat_ws(chr(31), ...): NULL fields are left out."""
    return hashlib.sha256(_US.join(f for f in fields if f is not None).encode()).hexdigest()


def witnessed_heads(conn: Connection, head: Head, found: list[Witness]) -> list[ChainProblem]:
    problems: list[ChainProblem] = []
    others = sorted({(w.database_id, w.at) for w in found if w.database_id != head.database_id})
    if others:
        was, since = others[0]
        problems.append(ChainProblem(None, (
            f"this database's identity is {head.database_id}, but {head.database} on "
            f"{head.server} was witnessed as {was} at {since}: the database was replaced, "
            "restored from elsewhere, or its identity rewritten")))
    mine = {(w.row_id, w.row_hash): w for w in found if w.database_id == head.database_id}
    if not mine:
        return problems
    ids = sorted({row_id for row_id, _h in mine})
    stored: dict[int, str] = dict(conn.execute(text(
        "SELECT id, row_hash FROM audit.trail WHERE id = ANY(:ids)"), {"ids": ids}).all())
    for (row_id, row_hash), w in sorted(mine.items()):
        if row_id == 0:
            continue  # the genesis: an empty trail
        now = stored.get(row_id)
        if now is None:
            problems.append(ChainProblem(row_id, (
                f"the chain head was witnessed at row {row_id} on {w.at} (by {w.by}, "
                f"{w.source}), and that row is no longer in the audit trail: rows were removed")))
        elif now != row_hash:
            problems.append(ChainProblem(row_id, (
                f"row {row_id} was witnessed with hash {row_hash[:12]}… on {w.at} (by {w.by}); "
                f"it now has {str(now)[:12]}…: the row and the chain after it were rewritten")))
    return problems


def signatures(conn: Connection) -> list[ChainProblem]:
    """Each signature's hash and the hash of what it signed, recomputed in Python."""
    decisions = {int(r[0]): _digest(str(r[0]), r[1], r[2], r[3], r[4], r[5] or _NULL,
                                     r[6] or _NULL, r[7] or _NULL, _RS.join(r[8] or []), r[9],
                                     _stamp(r[10]))
                 for r in conn.execute(text("""
        SELECT d.id, l.lot_code, d.action, d.from_status, d.to_status, d.disposition,
               d.reason, d.override_justification, d.blockers, d.created_by, d.created_at
        FROM quality.lot_decisions d JOIN erp.lots l ON l.id = d.lot_id
        WHERE d.id IN (SELECT record_id FROM quality.signatures
                       WHERE record_type = 'lot_decision')"""))}
    recalls = {int(r[0]): _digest(str(r[0]), r[1], r[2], r[3], r[4] or _NULL, r[5],
                                   _stamp(r[6]), r[7])
               for r in conn.execute(text("""
        SELECT r.id, r.number, r.reason, r.recall_class, r.regulator_reference, r.opened_by,
               r.opened_at, (SELECT string_agg(l.lot_code, ',' ORDER BY l.lot_code)
                             FROM quality.recall_lots rl JOIN erp.lots l ON l.id = rl.lot_id
                             WHERE rl.recall_id = r.id)
        FROM quality.recalls r"""))}
    records = {"lot_decision": decisions, "recall": recalls}
    problems: list[ChainProblem] = []
    for s in conn.execute(text("""
            SELECT id, record_type, record_id, record_hash, meaning, username, printed_name,
                   role, signed_at, signature_hash FROM quality.signatures ORDER BY id""")):
        own = _digest(str(s[0]), s[1], str(s[2]), s[3], s[4], s[5], s[6], s[7], _stamp(s[8]))
        if own != s[9]:
            problems.append(ChainProblem(None, f"signature {s[0]} ({s[6]}, {s[4]}) was changed "
                                               "after it was made"))
        elif records.get(str(s[1]), {}).get(int(s[2])) != s[3]:
            problems.append(ChainProblem(None, (
                f"signature {s[0]} ({s[6]}, {s[4]}) no longer matches the {s[1]} {s[2]} it "
                "signed: the record was changed after it was signed")))
    return problems


# Every Lotproof table the trail records row by row: (table, key, columns left out, whether
# its rows are all in the trail). Kept here, not read from the catalog, so that dropping a
# trigger does not take a table out of the check (the check below says so instead). Exceptions
# are opened by the system and recorded in one summary entry per refresh: only their changes
# after opening are compared. Recall lots are keyed by recall and lot together, which the trail
# does not record as one key: their recall's own row and signature cover them.
AUDITED: tuple[tuple[str, str, tuple[str, ...], bool], ...] = (
    ("quality.users", "username", (), True),
    ("quality.settings", "key", (), True),
    ("quality.alerts", "id", (), True),
    ("quality.lot_state", "lot_id", (), True),
    ("quality.lot_decisions", "id", (), True),
    ("quality.signatures", "id", (), True),
    ("quality.documents", "id", ("content", "extraction"), True),
    ("quality.document_links", "id", (), True),
    ("quality.extracted_fields", "id", (), True),
    ("quality.coa_results", "id", (), True),
    ("quality.item_specs", "id", (), True),
    ("quality.spec_versions", "id", (), True),
    ("quality.supplier_approvals", "id", (), True),
    ("quality.customer_requirements", "id", (), True),
    ("quality.document_requirements", "id", (), True),
    ("quality.recalls", "id", (), True),
    ("quality.quality_events", "id", (), True),
    ("quality.return_inspections", "return_id", (), True),
    ("quality.exception_routes", "type", (), True),
    ("quality.retention_rules", "record_type", (), True),
    ("quality.allocation_flags", "allocation_id", (), True),
    ("quality.exceptions", "id", (), False),
)
_LIMIT = 20


def triggers_in_place(conn: Connection) -> list[ChainProblem]:
    audited = set(conn.execute(text("""
        SELECT c.oid::regclass::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE t.tgfoid = 'audit.log_change()'::regprocedure AND t.tgenabled <> 'D'""")).scalars())
    problems = [ChainProblem(None, f"{table} is no longer recorded by the audit trail (its "
                                   "trigger was dropped or disabled)")
                for table, _k, _s, _all in AUDITED if table not in audited]
    return problems + erp_guards_in_place(conn)


#: The triggers Lotproof puts on Tryton's tables: the account owning those tables could drop or
#: disable them, and Tryton would then ship held lots or receive lots Lotproof never hears of.
TRYTON_GUARDS = (("public.stock_move", "lotproof_move_guard"),
                 ("public.stock_move", "lotproof_move_received"),
                 ("public.stock_lot", "lotproof_lot_made"),
                 ("public.stock_lot", "lotproof_lot_decided_keep"))


def erp_guards_in_place(conn: Connection) -> list[ChainProblem]:
    adapter = conn.execute(text(
        "SELECT value FROM quality.settings WHERE key = 'erp_adapter'")).scalar()
    if adapter != "tryton":
        return []
    enabled = set(conn.execute(text("""
        SELECT t.tgrelid::regclass::text || ' ' || t.tgname FROM pg_trigger t
        WHERE t.tgname LIKE 'lotproof%' AND t.tgenabled <> 'D'""")).scalars())
    return [ChainProblem(None, f"Lotproof's guard {name} on Tryton's {table.split('.')[-1]} was "
                               "dropped or disabled: run `lotproof db upgrade`, and check what "
                               "Tryton did meanwhile")
            for table, name in TRYTON_GUARDS if f"{table.removeprefix('public.')} {name}"
            not in enabled and f"{table} {name}" not in enabled]


def records_as_recorded(conn: Connection) -> list[ChainProblem]:
    """Rows that differ from the trail's last record of them, that the trail never saw, or that
    it saw and that are gone."""
    problems: list[ChainProblem] = []
    for table, key, skip, all_in_trail in AUDITED:
        found = conn.execute(text(f"""
            WITH last AS (
                SELECT DISTINCT ON (t.record_id) t.record_id, t.id, t.new_values
                FROM audit.trail t WHERE t.record_type = :table AND t.record_id IS NOT NULL
                ORDER BY t.record_id, t.id DESC),
            now AS (SELECT r.{key}::text AS k, to_jsonb(r) - CAST(:skip AS text[]) AS row
                    FROM {table} r)
            SELECT coalesce(now.k, last.record_id), last.id,
                   CASE WHEN now.k IS NULL THEN 'gone'
                        WHEN last.id IS NULL THEN 'unrecorded'
                        ELSE 'changed' END
            FROM now FULL JOIN last ON last.record_id = now.k
            WHERE (now.k IS NULL AND last.new_values IS NOT NULL)
               OR (now.k IS NOT NULL AND last.id IS NULL AND :all_in_trail)
               OR (now.k IS NOT NULL AND last.new_values IS NOT NULL
                   AND NOT now.row @> last.new_values)
            ORDER BY 1 LIMIT :limit"""),  # the table and key names are the fixed ones above
            {"table": table, "skip": list(skip), "all_in_trail": all_in_trail,
             "limit": _LIMIT}).all()
        for row_key, audit_id, what in found:
            problems.append(ChainProblem(audit_id, f"{table} {key} {row_key} " + {
                "gone": f"was removed behind the trail's back (row {audit_id} last recorded it)",
                "unrecorded": "is not in the audit trail: it was written behind the trail's back",
                "changed": (f"differs from the audit trail's last record of it (row {audit_id}):"
                            " it was changed behind the trail's back"),
            }[str(what)]))
    return problems


def decisions_behind_statuses(conn: Connection) -> list[ChainProblem]:
    """Each status change the trail records is one done decision on that lot, in order: a
    status moved without a decision (by the owner's role, or under a borrowed context) is not a
    decision, however the trail names it. (The demo's own set-up moves are its 'demo.receipt'.)"""
    return [ChainProblem(audit_id, (
        f"lot {code}: the audit trail records its status change {n} as "
        f"{changed or 'nothing'}, and its decisions as {decided or 'nothing'}: "
        + ("a status was changed without a decision" if changed else
           "a decision has no status change of its own in the trail")))
        for code, n, changed, decided, audit_id in conn.execute(text("""
            WITH changes AS (
                SELECT t.lot_id, t.id, row_number() OVER (PARTITION BY t.lot_id ORDER BY t.id) AS n,
                       (t.old_values ->> 'status') || ' → ' || (t.new_values ->> 'status') AS move
                FROM audit.trail t
                -- the status lives in Lotproof's state of the lot; before migration 0010 it was
                -- a column of the ERP's lot row
                WHERE t.record_type IN ('quality.lot_state', 'erp.lots')
                  AND t.old_values ->> 'status' IS NOT NULL
                  AND t.old_values ->> 'status' IS DISTINCT FROM t.new_values ->> 'status'
                  AND t.action <> 'demo.receipt' AND t.action NOT LIKE 'schema.%'),
            decided AS (
                SELECT d.lot_id, row_number() OVER (PARTITION BY d.lot_id
                                                    ORDER BY d.completed_at, d.id) AS n,
                       d.from_status || ' → ' || d.to_status AS move
                FROM quality.lot_decisions d WHERE d.state = 'done')
            SELECT l.lot_code, coalesce(c.n, d.n), c.move, d.move, c.id
            FROM changes c FULL JOIN decided d ON d.lot_id = c.lot_id AND d.n = c.n
            JOIN erp.lots l ON l.id = coalesce(c.lot_id, d.lot_id)
            WHERE c.move IS DISTINCT FROM d.move
            ORDER BY l.id LIMIT 20"""))]


def all_problems(conn: Connection, head: Head, found: Iterable[Witness]) -> list[ChainProblem]:
    return (witnessed_heads(conn, head, list(found)) + triggers_in_place(conn)
            + signatures(conn) + records_as_recorded(conn) + decisions_behind_statuses(conn))
