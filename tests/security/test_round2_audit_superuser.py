"""Round 2, a database superuser against `lotproof audit verify` (app/db/audit_records.py).

Round 1 made verify compare the chain with witnesses outside the database, every signature with
its record, and decisions, signatures, lot state and lot status with the trail's last record of
them. What it still does not see:

- A superuser signs AS another person: SET SESSION AUTHORIZATION "arlo.approver" on its own
  fresh connection, then quality.hold_lot. The signature, its record and every trail row are
  genuine; pg_stat_activity still says the connection was authenticated as the superuser.
- A superuser moves a lot THROUGH the trail instead of behind it (SET ROLE lotproof_owner and
  UPDATE, or quality._set_status under a forged audit context citing another lot's signature):
  the trail records the move, so "the status the trail last recorded" agrees; verify never asks
  whether a decision stands behind a status change.
- Rows of every table verify does not compare (COA results, documents, specifications,
  recalls, users, settings, supplier approvals), and rows deleted from the compared tables
  (verify reads the rows there are, never the rows the trail says there should be).

Each test runs verify once before (it must pass; it records the witness), tampers as the
superuser, and runs it again with the same folders.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.db.server import ServerTarget, connect
from tests.security.support import (
    RedLot,
    as_user,
    audit_verify,
    make_lot,
    owner_one,
    owner_rows,
    release,
    status_of,
    store_coa,
    verify_document,
    verify_said,
)


def _witnessed(db: ServerTarget, tmp_path: Path) -> None:
    first = audit_verify(db, tmp_path)
    assert first.returncode == 0, f"set-up: the untouched trail must verify: {verify_said(first)}"


def _held_lot(db: ServerTarget, **lot_args: Any) -> RedLot:
    lot = make_lot(db, **lot_args)
    as_user(db, "ivy.inspector", "SELECT quality.hold_lot(%s, %s, 'quarantine')",
            (lot.code, "Foreign body found in sample"))
    return lot


def test_superuser_signs_as_an_approver_with_set_session_authorization(
        db: ServerTarget, tmp_path: Path) -> None:
    """Attack: the superuser (on the embedded server: whoever can read the data folder) opens a
    fresh connection, runs SET SESSION AUTHORIZATION "arlo.approver" (no password) and signs a
    hold as Arlo: quality._sign sees session_user arlo.approver and a connection authenticated a
    moment ago.
    Safe outcome: the signature is refused (the connection was not authenticated as Arlo:
    pg_stat_activity names the superuser), or `audit verify` fails."""
    lot = make_lot(db)
    _witnessed(db, tmp_path)
    with connect(db.admin_url) as conn:
        conn.execute('SET SESSION AUTHORIZATION "arlo.approver"')
        who = conn.execute("SELECT session_user, (SELECT usename FROM pg_stat_activity "
                           "WHERE pid = pg_backend_pid())").fetchone()
        try:
            conn.execute("SELECT quality.hold_lot(%s, %s, 'quarantine')",
                         (lot.code, "Arlo never saw this lot"))
            conn.commit()
            signed = "signed"
        except Exception as exc:  # a refusal is the safe outcome
            conn.rollback()
            signed = f"refused: {str(exc).splitlines()[0]}"
    forged = owner_rows(db, "SELECT id, username, printed_name, meaning FROM quality.signatures "
                            "WHERE username = 'arlo.approver' AND record_type = 'lot_decision' "
                            "AND record_id IN (SELECT id FROM quality.lot_decisions "
                            "WHERE lot_id = %s)", (lot.id,))
    second = audit_verify(db, tmp_path)
    assert not forged or second.returncode != 0, (
        f"the superuser, as (session_user, authenticated) = {who}, {signed} a hold of "
        f"{lot.code} as Arlo: {forged}; verify says {verify_said(second)}")


def _signature_of_another_lot(db: ServerTarget) -> int:
    other = make_lot(db, required_documents=())
    ok, outcome = release(db, "arlo.approver", other)
    assert ok, f"set-up: {outcome}"
    return int(owner_one(db, "SELECT max(id) FROM quality.signatures WHERE username = "
                             "'arlo.approver'"))


@pytest.mark.parametrize("how", ["update_as_lotproof_owner",
                                 "set_status_under_a_forged_context"])
def test_superuser_releases_a_held_lot_through_the_trail_without_a_decision(
        db: ServerTarget, tmp_path: Path, how: str) -> None:
    """Attack: the superuser takes a lot an inspector put on hold to `available` with the
    triggers ON, so the trail records the move: either SET ROLE lotproof_owner and UPDATE
    quality.lots (the status guard lets the owner through), or quality._audit_context('lot.release',
    ..., <Arlo's signature on another lot>) then quality._set_status, so the trail shows a
    'lot.release' carrying Arlo's signature. No decision, no signature for this lot.
    Safe outcome: `audit verify` fails: a status change in the trail with no decision (and
    signature) of that lot behind it."""
    lot = _held_lot(db)
    signature = _signature_of_another_lot(db) if how != "update_as_lotproof_owner" else None
    _witnessed(db, tmp_path)
    with connect(db.admin_url) as conn:
        if how == "update_as_lotproof_owner":
            conn.execute("SET ROLE lotproof_owner")
            conn.execute("UPDATE quality.lot_state SET status = 'available' WHERE lot_id = %s",
                         (lot.id,))
        else:
            conn.execute("SELECT quality._audit_context('lot.release', 'Released after review', "
                         "%s)", (signature,))
            conn.execute("SELECT quality._set_status(%s, 'available', NULL, NULL, true)",
                         (lot.id,))
    rows = owner_rows(db, "SELECT id, username, action, signature_id FROM audit.trail "
                          "WHERE record_type = 'quality.lot_state' AND lot_id = %s ORDER BY id", (lot.id,))
    decisions = owner_rows(db, "SELECT action, to_status FROM quality.lot_decisions "
                               "WHERE lot_id = %s ORDER BY id", (lot.id,))
    second = audit_verify(db, tmp_path)
    assert second.returncode != 0, (
        f"{lot.code} is {status_of(db, lot)} ({how}); its decisions {decisions}; the trail's "
        f"status rows {rows}; verify says {verify_said(second)}")


# ------------------------------------------------------------- what verify does not compare
def _verified_coa_lot(db: ServerTarget) -> tuple[RedLot, int]:
    lot = make_lot(db, specs=[{"test": "Moisture", "max": "8", "unit": "%"}])
    doc = store_coa(db, "ivy.inspector", lot,
                    [{"test": "Moisture", "value": "7.9", "unit": "%", "result": "7.9"}])
    verify_document(db, "cora.compliance", doc)
    return lot, doc


def _coa_result(db: ServerTarget) -> tuple[str, tuple[Any, ...]]:
    _lot, doc = _verified_coa_lot(db)
    return ("UPDATE quality.coa_results SET value = 3.1, result_text = '3.1' "
            "WHERE document_id = %s", (doc,))


def _document_verifier(db: ServerTarget) -> tuple[str, tuple[Any, ...]]:
    _lot, doc = _verified_coa_lot(db)
    return "UPDATE quality.documents SET verified_by = 'arlo.approver' WHERE id = %s", (doc,)


def _spec_limit(db: ServerTarget) -> tuple[str, tuple[Any, ...]]:
    lot, _doc = _verified_coa_lot(db)
    return ("UPDATE quality.item_specs SET max_value = 80 WHERE item_id = %s AND active",
            (lot.item_id,))


def _recall_closed(db: ServerTarget) -> tuple[str, tuple[Any, ...]]:
    lot = make_lot(db)
    recall = as_user(db, "cora.compliance", "SELECT quality.open_recall(ARRAY[%s], %s, 'I', "
                     "NULL, false)", (lot.code, "Listeria in retained sample"))[0][0]
    as_user(db, "cora.compliance", "SELECT quality.recall_hold(%s)", (recall,))
    return ("UPDATE quality.recalls SET state = 'closed', closed_at = now() WHERE id = %s",
            (recall,))


def _supplier_approved_again(db: ServerTarget) -> tuple[str, tuple[Any, ...]]:
    lot = make_lot(db)
    as_user(db, "cora.compliance", "SELECT quality.set_supplier_approval(%s, "
            "'food_ingredient', 'suspended', 'Failed audit')", (lot.supplier_id,))
    return ("UPDATE quality.supplier_approvals SET status = 'approved' WHERE supplier_id = %s",
            (lot.supplier_id,))


def _identity_check(db: ServerTarget) -> tuple[str, tuple[Any, ...]]:
    return ("UPDATE quality.users SET identity_verified_by = 'cora.compliance', "
            "identity_verified_at = now(), password_set_by = NULL WHERE username = %s",
            ("ivy.inspector",))


def _signing_window(db: ServerTarget) -> tuple[str, tuple[Any, ...]]:
    return ("UPDATE quality.settings SET value = '86400' "
            "WHERE key = 'signature_max_connection_age_seconds'", ())


def _signed_hold_deleted(db: ServerTarget) -> tuple[str, tuple[Any, ...]]:
    lot = _held_lot(db, required_documents=())
    ok, outcome = release(db, "arlo.approver", lot, "Foreign body was packaging film")
    assert ok, f"set-up: {outcome}"
    hold = owner_one(db, "SELECT id FROM quality.lot_decisions WHERE lot_id = %s "
                         "AND action = 'hold'", (lot.id,))
    return ("DELETE FROM quality.signatures WHERE record_type = 'lot_decision' "
            "AND record_id = %(d)s; DELETE FROM quality.lot_decisions WHERE id = %(d)s",
            {"d": hold})  # type: ignore[return-value]


TAMPER: dict[str, Callable[[ServerTarget], tuple[str, Any]]] = {
    "verified_coa_result_rewritten": _coa_result,
    "document_verifier_rewritten": _document_verifier,
    "specification_limit_loosened": _spec_limit,
    "open_recall_closed": _recall_closed,
    "suspended_supplier_approved_again": _supplier_approved_again,
    "identity_check_forged": _identity_check,
    "signing_window_widened": _signing_window,
    "signed_hold_and_its_signature_deleted": _signed_hold_deleted,
}


@pytest.mark.parametrize("case", list(TAMPER))
def test_superuser_changes_a_record_verify_does_not_compare(db: ServerTarget, tmp_path: Path,
                                                           case: str) -> None:
    """Attack: with triggers disabled (session_replication_role = replica) the superuser
    rewrites a record the trail holds in full but verify never compares: a verified COA result,
    who verified a document, a specification limit, an open recall's state (closed: any
    approver may then release its lots), a supplier's suspension, a person's identity check, the
    signing window; or deletes a signed hold decision and its signature (the trail untouched).
    Safe outcome: `audit verify` fails: the row differs from (or is missing against) the
    trail's last record of it."""
    sql, params = TAMPER[case](db)
    _witnessed(db, tmp_path)
    with connect(db.admin_url) as conn:
        conn.execute("SET session_replication_role = replica")
        for statement in sql.split("; "):
            cur = conn.execute(statement, params)  # type: ignore[arg-type]
            assert cur.rowcount > 0, f"set-up: {statement} changed nothing"
    second = audit_verify(db, tmp_path)
    assert second.returncode != 0, (
        f"{case}: {sql % params if isinstance(params, tuple) and params else sql} "
        f"{params}; verify says {verify_said(second)}")
