"""One database, many workstations: change notices, a signing that loses its connection (the
server says whether it committed), and read-only work sent to a read replica."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine, text

from app.db.errors import OutcomeUnknown
from app.db.server import ServerTarget, connect
from app.workflows import decisions, lots, trace
from app.workflows.live import Change, ChangeListener, LinkState
from app.workflows.session import UserSession, login
from app.workflows.signing import Credentials, outcome_of, sign
from tests.conftest import DEMO_PASSWORDS, TEMPLATE, drop_database, new_database

INSPECTOR = Credentials("ivy.inspector", DEMO_PASSWORDS["ivy.inspector"])


@pytest.fixture
def inspector(db: ServerTarget) -> Iterator[UserSession]:
    session = login(db, "ivy.inspector", DEMO_PASSWORDS["ivy.inspector"])
    yield session
    session.close()


def _available_lot(owner: Engine, offset: int = 0) -> str:
    with owner.connect() as conn:
        return str(conn.execute(text(
            "SELECT lot_code FROM quality.lots WHERE status = 'available' ORDER BY id "
            "LIMIT 1 OFFSET :o"), {"o": offset}).scalar_one())


def test_every_committed_change_is_announced_once_per_statement_and_never_when_rolled_back(
        db: ServerTarget, owner_engine: Engine, inspector: UserSession) -> None:
    code = _available_lot(owner_engine)
    with connect(db.admin_url, autocommit=True) as listener:
        listener.execute("LISTEN lotproof_changes")
        with owner_engine.begin() as conn:  # the ERP shortens expiry dates in bulk
            conn.execute(text("UPDATE erp.lots SET expiry_date = expiry_date - 1 WHERE id IN "
                              "(SELECT lot_id FROM quality.lot_state WHERE status = 'available')"))
        with owner_engine.connect() as conn:  # rolled back: nobody hears of it
            conn.execute(text("UPDATE erp.lots SET expiry_date = expiry_date - 1 "
                              "WHERE lot_code = :c"), {"c": code})
            conn.rollback()
        decisions.hold(inspector, INSPECTOR, code, "Pallet wrap torn", expected_status="available")
        notices = [json.loads(n.payload) for n in listener.notifies(timeout=1.0)]
    bulk, *rest = notices
    assert bulk["kind"] == "lot" and bulk["many"] is True and len(bulk["codes"]) == 100
    kinds = {(n["kind"], tuple(n.get("codes", ()))) for n in rest}
    assert ("lot", (code,)) in kinds and ("decision", (code,)) in kinds
    assert all(n["kind"] != "lot" or not n.get("many") for n in rest)


def test_the_listener_reports_a_lost_connection_and_reconnects(db: ServerTarget,
                                                               owner_engine: Engine,
                                                               inspector: UserSession) -> None:
    changes: list[Change] = []
    states: list[LinkState] = []
    up = threading.Event()
    listener = ChangeListener(inspector.engine.url, changes.append,
                              lambda s: (states.append(s), up.set() if s.connected else None))
    listener.start()
    try:
        assert up.wait(5)
        up.clear()
        with owner_engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE application_name = 'lotproof live updates' "
                              "AND datname = current_database()"))
        assert up.wait(10), states
        assert [s.connected for s in states] == [True, False, True]
        assert states[1].message and states[2].message == "reconnected"
        decisions.hold(inspector, INSPECTOR, _available_lot(owner_engine, 3), "Seal broken",
                       expected_status="available")
        for _ in range(50):
            if any(c.kind == "decision" for c in changes):
                break
            threading.Event().wait(0.1)
        assert any(c.kind == "decision" for c in changes)
    finally:
        listener.stop()
    assert not listener.running


def test_a_signing_that_loses_its_connection_is_resolved_by_the_server(
        db: ServerTarget, owner_engine: Engine, inspector: UserSession) -> None:
    code = _available_lot(owner_engine, 1)

    def hold_then_lose_the_connection(conn: psycopg.Connection[tuple[object, ...]]) -> None:
        conn.execute("SELECT quality.hold_lot(%s, %s, %s, %s)",
                     (code, "Leaking drum", "available", "Placed on hold"))
        conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    with pytest.raises(OutcomeUnknown) as lost:
        sign(inspector, INSPECTOR, hold_then_lose_the_connection)
    assert "lost while your signature was being recorded" in str(lost.value)
    assert outcome_of(inspector, lost.value.transaction_id) is False
    assert decisions.lot_state(inspector, code).status == "available"  # type: ignore[union-attr]

    # A transaction that did commit is reported as committed.
    with connect(inspector.engine.url) as conn:
        xid = str(conn.execute("SELECT pg_current_xact_id()::text").fetchone()[0])  # type: ignore[index]
        conn.commit()
    assert outcome_of(inspector, xid) is True


def test_read_only_work_goes_to_the_read_replica_and_decisions_to_the_primary(
        pg_server: ServerTarget, db: ServerTarget, owner_engine: Engine,
        monkeypatch: pytest.MonkeyPatch) -> None:
    replica = new_database(pg_server, TEMPLATE)  # same data as `db` had, never updated
    try:
        code = _available_lot(owner_engine, 2)
        url = replica.admin_url
        if url.host is None:  # embedded server: a Unix socket directory, passed as a query
            where = f"postgresql:///{url.database}?host={url.query['host']}&port={url.query['port']}"
        else:
            where = f"postgresql://{url.host}:{url.port or 5432}/{url.database}"
        monkeypatch.setenv("LOTPROOF_READ_DATABASE_URL", where)
        session = login(db, "ivy.inspector", DEMO_PASSWORDS["ivy.inspector"])
        try:
            assert session.read_engine is not None and session.read_problem is None
            decisions.hold(session, INSPECTOR, code, "Label smudged", expected_status="available")
            assert decisions.lot_state(session, code).status == "hold"  # type: ignore[union-attr]
            row = lots.row(session, code)  # browsing reads the replica, which has not seen it
            assert row is not None and row.status == "available"
            assert code in trace.trace(session, [code], "forward").lot_codes  # traces too
            with session.reader.connect() as conn:
                assert conn.execute(text("SELECT current_database()")).scalar() == url.database
        finally:
            session.close()

        monkeypatch.setenv("LOTPROOF_READ_DATABASE_URL", "postgresql://127.0.0.1:1/nowhere")
        fallback = login(db, "ivy.inspector", DEMO_PASSWORDS["ivy.inspector"])
        try:
            assert fallback.read_engine is None and fallback.reader is fallback.engine
            assert fallback.read_problem is not None and "read replica not in use" in \
                fallback.read_problem
        finally:
            fallback.close()
    finally:
        drop_database(replica)


def test_a_hold_and_a_document_link_on_one_lot_do_not_deadlock(db: ServerTarget,
                                                                owner_engine: Engine) -> None:
    """The soak run's deadlock: the inspector's transaction stores a document (and so holds the
    audit chain head), an approver's hold locks the lot and waits for the chain head, then the
    inspector links the document to that lot (a foreign-key check on the lot row)."""
    code = _available_lot(owner_engine, 4)
    inspector = connect(db.url_for("ivy.inspector", DEMO_PASSWORDS["ivy.inspector"]))
    row = inspector.execute(
        "SELECT document_id FROM quality.store_document('coa.pdf', 'application/pdf', %s, 1, "
        "'{}'::jsonb)", (b"%PDF-1.4 a COA",)).fetchone()
    assert row is not None
    outcome: dict[str, str] = {}

    def hold() -> None:
        approver = connect(db.url_for("arlo.approver", DEMO_PASSWORDS["arlo.approver"]))
        try:
            approver.execute("SELECT quality.hold_lot(%s, 'concurrent hold', 'available')",
                             (code,))
            approver.commit()
            outcome["hold"] = "committed"
        except psycopg.Error as exc:
            outcome["hold"] = str(exc)
        finally:
            approver.close()

    holder = threading.Thread(target=hold)
    holder.start()
    threading.Event().wait(1.0)  # the hold has the lot and waits for the chain head
    try:
        inspector.execute("SELECT quality.link_document(%s, %s)", (row[0], code))
        inspector.commit()
        outcome["link"] = "committed"
    except psycopg.Error as exc:
        outcome["link"] = str(exc)
    finally:
        holder.join(30)
        inspector.close()
    assert outcome == {"hold": "committed", "link": "committed"}
