"""Checking the audit trail's hash chain, independently of the server's own functions.

Each row's hash is recomputed here from the row as stored; a changed row no longer matches its
hash, a removed row breaks the link from the row after it, a row inserted out of order has the
wrong predecessor, and rows removed from the end no longer reach the recorded chain head.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import Connection, text

from app.db.audit_witness import Head

GENESIS = hashlib.sha256(b"lotproof audit genesis").hexdigest()
_SEP = "\x1f"
_NULL = "\\N"

_ROWS = """
    SELECT t.id, t.prev_hash, t.row_hash,
           t.id::text,
           to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
           username, printed_name, role, workstation, action, record_type, record_id,
           lot_id::text, old_values::text, new_values::text, reason, signature_id::text
    FROM audit.trail t WHERE t.id > :after ORDER BY t.id LIMIT :batch
"""


@dataclass(frozen=True)
class ChainProblem:
    row_id: int | None
    problem: str


@dataclass(frozen=True)
class ChainReport:
    rows: int
    problems: tuple[ChainProblem, ...] = ()
    head: Head | None = None  # the chain head as verified, for witnesses and printouts

    @property
    def problem(self) -> ChainProblem | None:
        return self.problems[0] if self.problems else None

    @property
    def ok(self) -> bool:
        return not self.problems


def row_hash(prev_hash: str, fields: tuple[str | None, ...]) -> str:
    """The canonical text of a row (see audit.canonical in the migration) and its SHA-256."""
    canonical = _SEP.join([prev_hash, *(_NULL if f is None else f for f in fields)])
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def verify(conn: Connection, batch: int = 5000) -> ChainReport:
    expected_prev = GENESIS
    last_id = 0
    count = 0
    while True:
        rows = conn.execute(text(_ROWS), {"after": last_id, "batch": batch}).all()
        if not rows:
            break
        for row in rows:
            row_id, prev, stored = int(row[0]), str(row[1]), str(row[2])
            if prev != expected_prev:
                problem = ("a row before it was removed or changed, or this row was inserted out "
                           "of order (its link to the previous row is broken)")
                return ChainReport(count, (ChainProblem(row_id, problem),))
            if row_hash(prev, tuple(row[3:])) != stored:
                return ChainReport(count, (ChainProblem(row_id, "its content was changed after "
                                                                "it was written"),))
            expected_prev = stored
            last_id = row_id
            count += 1
    head = conn.execute(text("SELECT last_id, last_hash FROM audit.chain_head WHERE id = 1")).first()
    if head is None:
        return ChainReport(count, (ChainProblem(None, "the chain head is missing"),))
    if int(head[0]) != last_id or str(head[1]) != expected_prev:
        return ChainReport(count, (ChainProblem(
            int(head[0]), f"the chain ends at row {last_id} but its head records row "
                          f"{head[0]}: rows were removed from the end"),))
    return ChainReport(count)
