"""Finding 5: a database SUPERUSER rewrites history and `lotproof audit verify` says "intact".

Here the attacker IS the superuser (db.admin_url): it disables the triggers
(session_replication_role = replica) and shortens the trail, or edits a row and recomputes
every later hash and the chain head, or changes a lot's status or a signed decision behind the
trail's back. The chain is only checked against itself, so each is invisible today.

The fix records the chain head (row id, hash, server time) outside the database at every
`audit verify` and workstation session: in the user's data folder (LOTPROOF_DATA_DIR) and
optionally LOTPROOF_AUDIT_WITNESS_DIR. So each test runs `lotproof audit verify` (as the
read-only auditor, as a separate process, the way a reviewer runs it) once before the tampering
(it must pass, and records the witness), tampers as the superuser, and runs it again with the
same folders: it must fail (non-zero exit), naming the row where history was rewritten.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.db.audit_chain import row_hash
from app.db.server import ServerTarget, connect, libpq_url
from tests.conftest import DEMO_PASSWORDS
from tests.security.support import RedLot, as_user, make_lot, owner_one, owner_rows

FIELDS = """
    SELECT t.id, t.prev_hash, t.id::text,
           to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
           username, printed_name, role, workstation, action, record_type, record_id,
           lot_id::text, old_values::text, new_values::text, reason, signature_id::text
    FROM audit.trail t WHERE t.id >= %s ORDER BY t.id
"""


def audit_verify(db: ServerTarget, folder: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["LOTPROOF_DATABASE_URL"] = libpq_url(db.admin_url, show_password=True)
    env["LOTPROOF_DATA_DIR"] = str(folder / "data")
    env["LOTPROOF_AUDIT_WITNESS_DIR"] = str(folder / "witness")
    return subprocess.run(
        [sys.executable, "-m", "app", "audit", "verify", "--user", "aude.auditor",
         "--password-stdin"], input=DEMO_PASSWORDS["aude.auditor"] + "\n", env=env,
        capture_output=True, text=True, timeout=60)


def _said(run: subprocess.CompletedProcess[str]) -> str:
    return f"exit {run.returncode}: {(run.stdout + run.stderr).strip()[-400:]}"


def _head(db: ServerTarget) -> int:
    return int(owner_one(db, "SELECT last_id FROM audit.chain_head WHERE id = 1"))


def _held_lot(db: ServerTarget) -> RedLot:
    lot = make_lot(db)
    as_user(db, "ivy.inspector", "SELECT quality.hold_lot(%s, %s, 'quarantine')",
            (lot.code, "Foreign body found in sample"))
    return lot


def _witnessed(db: ServerTarget, tmp_path: Path) -> None:
    first = audit_verify(db, tmp_path)
    assert first.returncode == 0, f"set-up: the untouched trail must verify: {_said(first)}"


def _names_one_of(output: str, ids: set[int]) -> bool:
    return any(int(n) in ids for n in re.findall(r"\d+", output))


def test_superuser_removes_the_newest_audit_rows_and_moves_the_chain_head_back(
        db: ServerTarget, tmp_path: Path) -> None:
    """Attack: the superuser undoes a signed hold completely: with triggers disabled it deletes
    the decision, signature and state, puts the lot back in quarantine, deletes the newest
    audit rows and moves audit.chain_head back to the last row kept.
    Safe outcome: the second `audit verify` fails, naming a removed row (or the witnessed
    head)."""
    lot = make_lot(db)
    before = _head(db)
    as_user(db, "ivy.inspector", "SELECT quality.hold_lot(%s, %s, 'quarantine')",
            (lot.code, "Foreign body found in sample"))
    _witnessed(db, tmp_path)
    witnessed = _head(db)
    with connect(db.admin_url) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("DELETE FROM quality.signatures WHERE record_type = 'lot_decision' AND "
                     "record_id IN (SELECT id FROM quality.lot_decisions WHERE lot_id = %s)",
                     (lot.id,))
        conn.execute("DELETE FROM quality.lot_decisions WHERE lot_id = %s", (lot.id,))
        conn.execute("UPDATE quality.lot_state SET status = 'quarantine', version = 0, "
                     "hold_kind = NULL, status_before_hold = NULL, updated_at = NULL, "
                     "updated_by = NULL WHERE lot_id = %s", (lot.id,))
        conn.execute("DELETE FROM audit.trail WHERE id > %s", (before,))
        conn.execute("UPDATE audit.chain_head SET last_id = %s, last_hash = "
                     "(SELECT row_hash FROM audit.trail WHERE id = %s) WHERE id = 1",
                     (before, before))
    second = audit_verify(db, tmp_path)
    assert second.returncode != 0 and _names_one_of(second.stdout + second.stderr,
                                                    set(range(before, witnessed + 1))), (
        f"rows {before + 1}..{witnessed} were removed after a verify had seen head "
        f"{witnessed}; verify now says {_said(second)}")


def test_superuser_edits_a_row_and_recomputes_every_later_hash(db: ServerTarget,
                                                               tmp_path: Path) -> None:
    """Attack: the superuser rewrites who placed a hold (username, printed name, role of the
    audit rows) and recomputes the hash of that row, of every later row and of the chain head,
    exactly as audit.canonical does: the chain is consistent again.
    Safe outcome: the second `audit verify` fails, naming the edited row or the witnessed head."""
    lot = _held_lot(db)
    _witnessed(db, tmp_path)
    witnessed = _head(db)
    first_edit = int(owner_one(db, "SELECT min(id) FROM audit.trail WHERE lot_id = %s AND "
                                   "username = 'ivy.inspector'", (lot.id,)))
    with connect(db.admin_url) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("UPDATE audit.trail SET username = 'arlo.approver', printed_name = "
                     "'Arlo Approver (demo)', role = 'lotproof_approver' "
                     "WHERE id >= %s AND username = 'ivy.inspector'", (first_edit,))
        prev = str(conn.execute("SELECT row_hash FROM audit.trail WHERE id < %s "
                                "ORDER BY id DESC LIMIT 1", (first_edit,)).fetchone()[0])  # type: ignore[index]
        for row in conn.execute(FIELDS, (first_edit,)).fetchall():
            new_hash = row_hash(prev, tuple(row[2:]))  # type: ignore[arg-type]
            conn.execute("UPDATE audit.trail SET prev_hash = %s, row_hash = %s WHERE id = %s",
                         (prev, new_hash, row[0]))
            prev, last = new_hash, row[0]
        conn.execute("UPDATE audit.chain_head SET last_id = %s, last_hash = %s WHERE id = 1",
                     (last, prev))
    second = audit_verify(db, tmp_path)
    assert second.returncode != 0 and _names_one_of(second.stdout + second.stderr,
                                                    set(range(first_edit, witnessed + 1))), (
        f"rows {first_edit}..{witnessed} were rewritten (hold now attributed to Arlo) and "
        f"rehashed; verify now says {_said(second)}")


@pytest.mark.parametrize("change", ["lot_status_hold_to_available",
                                    "recall_hold_turned_into_a_manual_hold"])
def test_superuser_changes_a_lot_behind_the_trail(db: ServerTarget, tmp_path: Path,
                                                  change: str) -> None:
    """Attack: with triggers disabled the superuser changes a held lot's status in quality.lots to
    'available', or turns a recall hold into a manual one in quality.lot_state (so any approver
    may lift it); no audit row is written.
    Safe outcome: `audit verify` fails: the status (hold kind) the trail last recorded for the
    lot differs from the one stored."""
    if change == "lot_status_hold_to_available":
        lot = _held_lot(db)
        tamper = ("UPDATE quality.lot_state SET status = 'available' WHERE lot_id = %s",
                  (lot.id,))
    else:
        lot = make_lot(db)
        recall = as_user(db, "cora.compliance", "SELECT quality.open_recall(ARRAY[%s], %s, "
                         "'II', NULL, false)", (lot.code, "Undeclared allergen"))[0][0]
        as_user(db, "cora.compliance", "SELECT quality.recall_hold(%s)", (recall,))
        tamper = ("UPDATE quality.lot_state SET hold_kind = 'manual', recall_id = NULL "
                  "WHERE lot_id = %s", (lot.id,))
    _witnessed(db, tmp_path)
    with connect(db.admin_url) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute(tamper[0], tamper[1])
    state = owner_rows(db, "SELECT l.status, s.hold_kind FROM quality.lots l LEFT JOIN "
                           "quality.lot_state s ON s.lot_id = l.id WHERE l.id = %s", (lot.id,))
    second = audit_verify(db, tmp_path)
    assert second.returncode != 0, (
        f"{lot.code} changed behind the trail ({change}: now {state}); verify says "
        f"{_said(second)}")


@pytest.mark.parametrize("rehash", [False, True])
def test_superuser_changes_a_signed_decision(db: ServerTarget, tmp_path: Path,
                                             rehash: bool) -> None:
    """Attack: with triggers disabled the superuser changes the reason of a signed hold
    decision; with `rehash`, also recomputes the signature's record_hash and signature_hash so
    quality.signature_valid says the signature is valid again.
    Safe outcome: `audit verify` fails: the signature no longer matches its record, or the
    record / signature no longer match what the trail recorded when they were written."""
    lot = _held_lot(db)
    decision = int(owner_one(db, "SELECT max(id) FROM quality.lot_decisions WHERE lot_id = %s",
                             (lot.id,)))
    _witnessed(db, tmp_path)
    with connect(db.admin_url) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("UPDATE quality.lot_decisions SET reason = 'Routine check, nothing found' "
                     "WHERE id = %s", (decision,))
        if rehash:
            conn.execute("""
                UPDATE quality.signatures s SET record_hash = quality.decision_digest(s.record_id)
                WHERE record_type = 'lot_decision' AND record_id = %s""", (decision,))
            conn.execute("""
                UPDATE quality.signatures s SET signature_hash = encode(sha256(convert_to(
                    concat_ws(chr(31), s.id::text, s.record_type, s.record_id::text,
                              s.record_hash, s.meaning, s.username, s.printed_name, s.role,
                              to_char(s.signed_at AT TIME ZONE 'UTC',
                                      'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), 'UTF8')), 'hex')
                WHERE record_type = 'lot_decision' AND record_id = %s""", (decision,))
    valid = owner_rows(db, "SELECT quality.signature_valid(id) FROM quality.signatures "
                           "WHERE record_type = 'lot_decision' AND record_id = %s", (decision,))
    if rehash:
        assert valid == [(True,)], f"set-up: the rehashed signature should look valid: {valid}"
    second = audit_verify(db, tmp_path)
    assert second.returncode != 0, (
        f"signed decision {decision} of {lot.code} now reads 'Routine check, nothing found' "
        f"(signature_valid {valid}); verify says {_said(second)}")
