"""The audit trail is append-only and hash-chained: even a superuser's edit is found."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text

from app.db.audit_chain import verify
from app.db.server import ServerTarget
from app.workflows import decisions as d
from app.workflows.session import login
from app.workflows.signing import Credentials
from tests.cli.test_cli import lotproof
from tests.conftest import DEMO_PASSWORDS


def _some_history(db: ServerTarget, owner: Engine, holds: int = 4) -> None:
    session = login(db, "ivy.inspector", DEMO_PASSWORDS["ivy.inspector"])
    creds = Credentials("ivy.inspector", DEMO_PASSWORDS["ivy.inspector"])
    with owner.connect() as conn:
        codes = list(conn.execute(text(
            "SELECT lot_code FROM quality.lots WHERE status = 'available' ORDER BY id LIMIT :n"),
            {"n": holds}).scalars())
    for code in codes:
        d.hold(session, creds, code, f"Audit test hold of {code}", "available")
    session.close()


def test_update_delete_truncate_refused_even_for_the_owner(db: ServerTarget,
                                                           owner_engine: Engine) -> None:
    _some_history(db, owner_engine, holds=1)
    for statement in ("UPDATE audit.trail SET reason = 'x'", "DELETE FROM audit.trail",
                      "TRUNCATE audit.trail", "DELETE FROM quality.signatures",
                      "UPDATE quality.signatures SET meaning = 'x'"):
        with owner_engine.begin() as conn, pytest.raises(Exception, match="append-only"):
            conn.execute(text(statement))


def _row_ids(owner: Engine) -> list[int]:
    with owner.connect() as conn:
        return list(conn.execute(text("SELECT id FROM audit.trail ORDER BY id")).scalars())


def _as_superuser(owner: Engine, *statements: str) -> None:
    with owner.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # triggers off
        for statement in statements:
            conn.execute(text(statement))


TAMPERING: dict[str, Callable[[list[int]], tuple[list[str], int, str]]] = {
    "edit": lambda ids: ([f"UPDATE audit.trail SET reason = 'nothing happened' "
                          f"WHERE id = {ids[5]}"], ids[5], "content was changed"),
    "delete": lambda ids: ([f"DELETE FROM audit.trail WHERE id = {ids[5]}"], ids[6],
                           "link to the previous row is broken"),
    "insert": lambda ids: ([f"INSERT INTO audit.trail SELECT {ids[-1] + 100}, at, username, "
                            "printed_name, role, workstation, action, record_type, record_id, "
                            "lot_id, old_values, new_values, 'forged', signature_id, prev_hash, "
                            f"row_hash FROM audit.trail WHERE id = {ids[5]}"], ids[-1] + 100,
                           "link to the previous row is broken"),
    "delete tail": lambda ids: ([f"DELETE FROM audit.trail WHERE id >= {ids[-2]}"], ids[-1],
                                "rows were removed from the end"),
}


@pytest.mark.parametrize("kind", sorted(TAMPERING))
def test_superuser_tampering_is_found_and_named(kind: str, db: ServerTarget,
                                               owner_engine: Engine) -> None:
    _some_history(db, owner_engine)
    with owner_engine.connect() as conn:
        assert verify(conn).ok
    ids = _row_ids(owner_engine)
    assert len(ids) > 10
    statements, bad_row, problem = TAMPERING[kind](ids)
    _as_superuser(owner_engine, *statements)
    with owner_engine.connect() as conn:
        report = verify(conn)
    assert not report.ok
    assert report.problem is not None
    assert report.problem.row_id == bad_row
    assert problem in report.problem.problem
    out = lotproof(db, "audit", "verify")
    assert out.returncode == 1
    assert f"AUDIT TRAIL BROKEN at row {bad_row}" in out.stderr


def test_audit_rows_say_who_where_when_what_and_why(db: ServerTarget,
                                                    owner_engine: Engine) -> None:
    _some_history(db, owner_engine, holds=1)
    with owner_engine.connect() as conn:
        row = conn.execute(text(
            "SELECT username, printed_name, role, workstation, action, old_values ->> 'status', "
            "new_values ->> 'status', reason, signature_id, at FROM audit.trail "
            "WHERE record_type = 'quality.lot_state' ORDER BY id DESC LIMIT 1")).one()
    username, name, role, workstation, action, old, new, reason, signature, at = row
    assert (username, name, role) == ("ivy.inspector", "Ivy Inspector (demo)",
                                      "lotproof_inspector")
    assert workstation.startswith("lotproof@")
    assert (action, old, new) == ("lot.hold", "available", "hold")
    assert reason.startswith("Audit test hold of") and signature is not None
    assert at.tzinfo is not None
    out = lotproof(db, "audit", "verify")
    assert out.returncode == 0 and "hash chain verified" in out.stdout
