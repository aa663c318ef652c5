"""Hold, release, reject and disposition are enforced by the database, whoever the client is."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine, text

from app.db.audit_chain import verify
from app.db.engine import make_engine
from app.db.errors import DecisionRefused, LoginFailed, SignatureRefused, StaleState
from app.db.scram import scram_verifier
from app.db.server import ServerTarget, connect
from app.db.users import create_user
from app.workflows import decisions as d
from app.workflows.session import UserSession, login
from app.workflows.signing import Credentials
from tests.conftest import DEMO_BY_ROLE, DEMO_PASSWORDS, unique_username


class People:
    def __init__(self, target: ServerTarget) -> None:
        self.target = target
        self.sessions: dict[str, UserSession] = {}

    def __getitem__(self, role: str) -> UserSession:
        if role not in self.sessions:
            username = DEMO_BY_ROLE[role]
            self.sessions[role] = login(self.target, username, DEMO_PASSWORDS[username])
        return self.sessions[role]

    def creds(self, role: str) -> Credentials:
        username = DEMO_BY_ROLE[role]
        return Credentials(username, DEMO_PASSWORDS[username])

    def close(self) -> None:
        for s in self.sessions.values():
            s.close()


@pytest.fixture
def people(db: ServerTarget) -> Iterator[People]:
    p = People(db)
    yield p
    p.close()


def lots_in(engine: Engine, status: str, n: int = 1) -> list[str]:
    with engine.connect() as conn:
        codes = list(conn.execute(text(
            "SELECT lot_code FROM quality.lots WHERE status = :s AND expiry_date > current_date + 30 "
            "ORDER BY id LIMIT :n"), {"s": status, "n": n}).scalars())
    assert len(codes) == n, f"the demo data has fewer than {n} {status} lots"
    return codes


def force_status(engine: Engine, lot_code: str, status: str) -> None:
    """A test's set-up moves a lot as the schema owner (the one role the guard lets through)."""
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL ROLE lotproof_owner"))
        conn.execute(text("UPDATE quality.lot_state SET status = :s WHERE lot_id = "
                          "(SELECT id FROM erp.lots WHERE lot_code = :c)"),
                     {"s": status, "c": lot_code})


def test_no_login_role_writes_quality_or_audit_tables(db: ServerTarget, people: People) -> None:
    owner = make_engine(db.admin_url)
    with owner.connect() as conn:
        tables = conn.execute(text(
            "SELECT DISTINCT ON (table_schema, table_name) table_schema || '.' || table_name, "
            "column_name FROM information_schema.columns c "
            "WHERE table_schema IN ('quality', 'audit') AND EXISTS (SELECT 1 FROM "
            "information_schema.tables t WHERE t.table_schema = c.table_schema "
            "AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE') "
            "ORDER BY table_schema, table_name, ordinal_position")).all()
    owner.dispose()
    assert len(tables) >= 12
    statements = [s for table, column in tables for s in (
        f"INSERT INTO {table} DEFAULT VALUES",
        f"UPDATE {table} SET {column} = NULL",
        f"DELETE FROM {table}",
    )] + ["UPDATE quality.lot_state SET status = 'available'", "DELETE FROM erp.lots",
          "UPDATE erp.lots SET lot_code = lot_code"]
    allowed = []
    for role in DEMO_BY_ROLE:
        with people[role].engine.connect() as conn:
            for statement in statements:
                try:
                    conn.execute(text(statement))
                    allowed.append(f"{role}: {statement}")
                except Exception as exc:
                    assert "permission denied" in str(exc), f"{role}: {statement}: {exc}"
                conn.rollback()
    assert allowed == []


def test_the_owner_cannot_change_a_lot_status_directly(owner_engine: Engine) -> None:
    code = lots_in(owner_engine, "quarantine")[0]
    with owner_engine.begin() as conn, pytest.raises(Exception, match="changes only through"):
        conn.execute(text("UPDATE quality.lot_state SET status = 'available' WHERE lot_id = "
                          "(SELECT id FROM erp.lots WHERE lot_code = :c)"), {"c": code})


def test_every_move_outside_the_status_machine_is_refused(db: ServerTarget, people: People,
                                                          owner_engine: Engine) -> None:
    machine = d.transitions(people["compliance"])
    allowed = {(t.action, t.from_status) for t in machine}
    statuses = ["quarantine", "available", "hold", "rejected", "expired", "scrap",
                "return_to_vendor", "rework", "repack"]
    codes = lots_in(owner_engine, "available", len(statuses))
    compliance, creds = people["compliance"], people.creds("compliance")
    attempts = {
        "hold": lambda code, st: d.hold(compliance, creds, code, "test", st),
        "release": lambda code, st: d.release(compliance, creds, code, "test", st,
                                              override_justification="test override"),
        "reject": lambda code, st: d.reject(compliance, creds, code, "test", st),
        "disposition": lambda code, st: d.propose_disposition(compliance, creds, code, "scrap",
                                                             "test", st),
    }
    for status, code in zip(statuses, codes, strict=True):
        for action, attempt in attempts.items():
            force_status(owner_engine, code, status)
            if (action, status) in allowed:
                attempt(code, status)
            else:
                with pytest.raises(DecisionRefused, match="cannot be moved"):
                    attempt(code, status)


def test_release_needs_documents_or_an_override_signed_by_compliance(
        people: People, owner_engine: Engine) -> None:
    code = lots_in(owner_engine, "quarantine")[0]
    approver, compliance = people["approver"], people["compliance"]
    blockers = d.release_blockers(approver, code)
    assert any("COA" in b for b in blockers)
    with pytest.raises(DecisionRefused, match=f"lot {code} cannot be released: no verified COA"):
        d.release(approver, people.creds("approver"), code, "", "quarantine")
    pending = d.release(approver, people.creds("approver"), code, "", "quarantine",
                        override_justification="Paper COA on file, scan follows")
    assert pending.state == "pending" and pending.blockers == blockers
    assert d.lot_state(approver, code).status == "quarantine"  # type: ignore[union-attr]
    with pytest.raises(DecisionRefused, match="needs the role lotproof_compliance"):
        d.approve(people["approver"], people.creds("approver"), pending.decision_id)
    done = d.approve(compliance, people.creds("compliance"), pending.decision_id)
    assert done.state == "done"
    assert d.lot_state(approver, code).status == "available"  # type: ignore[union-attr]
    history = d.history(approver, code)
    assert [s.meaning for s in history[-1].signatures] == ["Released", "Override approved"]
    assert all(s.valid for s in history[-1].signatures)


def test_disposition_needs_two_different_people(people: People, owner_engine: Engine) -> None:
    code = lots_in(owner_engine, "quarantine")[0]
    approver, compliance = people["approver"], people["compliance"]
    d.reject(approver, people.creds("approver"), code, "Lead above limit", "quarantine")
    proposal = d.propose_disposition(approver, people.creds("approver"), code, "scrap",
                                     "Cannot be reworked", "rejected")
    with pytest.raises(DecisionRefused, match="second signature must come from another person"):
        d.approve(approver, people.creds("approver"), proposal.decision_id)
    assert d.lot_state(approver, code).status == "rejected"  # type: ignore[union-attr]
    d.approve(compliance, people.creds("compliance"), proposal.decision_id)
    assert d.lot_state(approver, code).status == "scrap"  # type: ignore[union-attr]
    signers = [s.username for s in d.history(approver, code)[-1].signatures]
    assert signers == ["arlo.approver", "cora.compliance"]


def test_hold_needs_a_reason_and_an_inspector_cannot_release(people: People,
                                                            owner_engine: Engine) -> None:
    code = lots_in(owner_engine, "available")[0]
    inspector = people["inspector"]
    with pytest.raises(DecisionRefused, match="a hold needs a reason"):
        d.hold(inspector, people.creds("inspector"), code, "  ", "available")
    d.hold(inspector, people.creds("inspector"), code, "Torn bag", "available")
    with pytest.raises(DecisionRefused, match="permission denied for function release_lot"):
        # The inspector's role has no EXECUTE on release at all.
        d.release(inspector, people.creds("inspector"), code, "ok", "hold")
    auditor = people["auditor"]
    with pytest.raises(DecisionRefused, match="permission denied for function hold_lot"):
        d.hold(auditor, people.creds("auditor"), code, "x", "hold")


def test_lifting_a_recall_hold_needs_a_compliance_officer(people: People,
                                                         owner_engine: Engine) -> None:
    code = lots_in(owner_engine, "available")[0]
    d.hold(people["inspector"], people.creds("inspector"), code, "Recall R-1", "available")
    with owner_engine.begin() as conn:  # as a recall would have placed it (recall issue)
        conn.execute(text("UPDATE quality.lot_state SET hold_kind = 'recall' WHERE lot_id = "
                          "(SELECT id FROM quality.lots WHERE lot_code = :c)"), {"c": code})
    with pytest.raises(DecisionRefused, match="lift a hold placed by a recall"):
        d.release(people["approver"], people.creds("approver"), code, "fine", "hold")
    d.release(people["compliance"], people.creds("compliance"), code, "Recall closed", "hold")


def test_a_signature_on_a_stale_or_reused_connection_is_refused(
        db: ServerTarget, owner_engine: Engine) -> None:
    code = lots_in(owner_engine, "available")[0]
    with owner_engine.begin() as conn:
        conn.execute(text("UPDATE quality.settings SET value = '1' "
                          "WHERE key = 'signature_max_connection_age_seconds'"))
    url = db.url_for("arlo.approver", DEMO_PASSWORDS["arlo.approver"])
    with connect(url) as conn:
        time.sleep(1.5)
        with pytest.raises(psycopg.Error, match=r"authenticated .* s ago"):
            conn.execute("SELECT quality.hold_lot(%s, 'x', 'available')", (code,))
    with owner_engine.begin() as conn:
        conn.execute(text("UPDATE quality.settings SET value = '10' "
                          "WHERE key = 'signature_max_connection_age_seconds'"))
    with connect(url) as conn:
        conn.execute("SELECT quality.hold_lot(%s, 'x', 'available')", (code,))
        with pytest.raises(psycopg.Error, match="already used for a signature"):
            conn.execute("SELECT quality.release_lot(%s, 'x', 'hold')", (code,))


def test_three_wrong_passwords_lock_the_account_and_alert(db: ServerTarget, people: People,
                                                         owner_engine: Engine) -> None:
    # Login roles are cluster-wide: this test locks an account of its own, not a demo one.
    name = unique_username("locked")
    create_user(owner_engine, name, "Lena Locked", "inspector", "first-password")
    code = lots_in(owner_engine, "available")[0]
    inspector = login(db, name, "first-password")
    for attempt in (1, 2):
        with pytest.raises(SignatureRefused, match=f"{attempt} of 3 attempts"):
            d.hold(inspector, Credentials(name, "wrong"), code, "x", "available")
    with pytest.raises(SignatureRefused, match="account is now locked"):
        d.hold(inspector, Credentials(name, "wrong"), code, "x", "available")
    assert inspector.signing.asks_username()
    inspector.close()
    with pytest.raises(LoginFailed, match="locked"):
        login(db, name, "first-password")
    with owner_engine.connect() as conn:
        alert = conn.execute(text("SELECT kind, username FROM quality.alerts")).all()
        actions = list(conn.execute(text(
            "SELECT action FROM audit.trail WHERE record_id = :n ORDER BY id"), {"n": name}
        ).scalars())
    assert alert == [("account_locked", name)]
    assert actions.count("signature.failed") == 3 and actions[-1] == "user.lock"
    # An administrator resets the password; it must be changed before the next signature.
    admin = people["admin"]
    with admin.engine.begin() as conn:
        conn.execute(text("SELECT quality.reset_password(:n, :v)"),
                     {"n": name, "v": scram_verifier("temporary-1")})
    again = login(db, name, "temporary-1")
    try:
        with pytest.raises(SignatureRefused, match="change it before signing"):
            d.hold(again, Credentials(name, "temporary-1"), code, "x", "available")
        with again.engine.begin() as conn:
            conn.execute(text("SELECT quality.change_password(:v)"),
                         {"v": scram_verifier("my-own-password")})
        # The administrator knew the temporary password: someone else confirms who set the
        # new one before it signs (21 CFR 11.100(b)).
        with pytest.raises(SignatureRefused, match="identity has not been confirmed"):
            d.hold(again, Credentials(name, "my-own-password"), code, "x", "available")
        with people["compliance"].engine.begin() as conn:
            conn.execute(text("SELECT quality.verify_identity(:n, :r)"),
                         {"n": name, "r": "Badge checked at the QA office"})
        d.hold(again, Credentials(name, "my-own-password"), code, "x", "available")
    finally:
        again.close()


def test_signing_as_someone_else_is_refused(people: People, owner_engine: Engine) -> None:
    code = lots_in(owner_engine, "available")[0]
    with pytest.raises(SignatureRefused, match="Sign with your own user name"):
        d.hold(people["inspector"], people.creds("approver"), code, "x", "available")


def test_the_erp_cannot_allocate_or_ship_a_lot_that_is_not_available(
        people: People, owner_engine: Engine) -> None:
    code = lots_in(owner_engine, "available")[0]
    d.hold(people["inspector"], people.creds("inspector"), code, "Suspected contamination",
           "available")
    with owner_engine.connect() as conn:
        lot_id = conn.execute(text("SELECT id FROM quality.lots WHERE lot_code = :c"),
                              {"c": code}).scalar_one()
        shipment, line = conn.execute(text(
            "SELECT shipment_id, order_line_id FROM erp.shipment_lines LIMIT 1")).one()
        customer = conn.execute(text("SELECT id FROM erp.customers LIMIT 1")).scalar_one()
        verdict = conn.execute(text("SELECT * FROM quality.check_shipment(:c, :cu, 1, :d)"),
                               {"c": code, "cu": customer, "d": dt.date.today()}).one()
    assert verdict[0] is False and f"lot {code} is hold" in verdict[1]
    with owner_engine.begin() as conn, pytest.raises(Exception, match="cannot be shipped"):
        conn.execute(text("INSERT INTO erp.shipment_lines (shipment_id, order_line_id, lot_id, qty)"
                          " VALUES (:s, :l, :lot, 1)"), {"s": shipment, "l": line, "lot": lot_id})
    with owner_engine.begin() as conn, pytest.raises(Exception, match="cannot be allocated"):
        conn.execute(text("INSERT INTO erp.allocations (order_line_id, lot_id, qty) "
                          "VALUES (:l, :lot, 1)"), {"l": line, "lot": lot_id})


def test_check_shipment_gives_reasons(owner_engine: Engine) -> None:
    with owner_engine.connect() as conn:
        code, expiry = conn.execute(text(
            "SELECT lot_code, expiry_date FROM quality.lots WHERE status = 'available' "
            "AND expiry_date BETWEEN current_date + 30 AND current_date + 150 "
            "AND EXISTS (SELECT 1 FROM erp.stock s WHERE s.lot_id = quality.lots.id AND s.qty > 2) "
            "LIMIT 1")).one()
        strict = conn.execute(text("SELECT id FROM erp.customers WHERE min_shelf_life_days >= 180 "
                                   "LIMIT 1")).scalar_one()
        easy = conn.execute(text("SELECT id FROM erp.customers WHERE min_shelf_life_days IS NULL "
                                 "LIMIT 1")).scalar_one()
        ok = conn.execute(text("SELECT * FROM quality.check_shipment(:c, :cu, 1, current_date)"),
                          {"c": code, "cu": easy}).one()
        short = conn.execute(text("SELECT * FROM quality.check_shipment(:c, :cu, 1, current_date)"),
                             {"c": code, "cu": strict}).one()
        too_much = conn.execute(text(
            "SELECT * FROM quality.check_shipment(:c, :cu, 1e9, current_date)"),
            {"c": code, "cu": easy}).one()
    assert ok == (True, [])
    assert short[0] is False and "days of shelf life left" in short[1][0]
    assert too_much[0] is False and "on hand" in too_much[1][0]
    assert expiry is not None


def test_expiry_is_set_by_the_database_once(people: People, owner_engine: Engine) -> None:
    codes = lots_in(owner_engine, "available", 3)
    with owner_engine.begin() as conn:
        conn.execute(text("UPDATE erp.lots SET expiry_date = current_date - 1 "
                          "WHERE lot_code = ANY(:c)"), {"c": codes})
        due = conn.execute(text(
            "SELECT count(*) FROM quality.lots WHERE status IN ('quarantine', 'available', 'hold') "
            "AND expiry_date < current_date")).scalar_one()
    assert d.expire_lots(people["inspector"]) == due >= 3
    assert d.expire_lots(people["inspector"]) == 0


def test_a_changed_decision_invalidates_its_signature(people: People,
                                                      owner_engine: Engine) -> None:
    code = lots_in(owner_engine, "available")[0]
    result = d.hold(people["inspector"], people.creds("inspector"), code, "Dented drums",
                    "available")
    assert d.history(people["inspector"], code)[-1].signatures[0].valid
    with owner_engine.begin() as conn:  # a superuser edits the signed record behind our back
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("UPDATE quality.lot_decisions SET reason = 'Nothing wrong' "
                          "WHERE id = :i"), {"i": result.decision_id})
    signature = d.history(people["inspector"], code)[-1].signatures[0]
    assert not signature.valid
    assert "NOT VALID" in signature.manifestation()


def test_two_workstations_deciding_on_one_lot_at_once(people: People,
                                                      owner_engine: Engine) -> None:
    for code in lots_in(owner_engine, "quarantine", 3):
        with owner_engine.begin() as conn:  # give the lot what a release needs: no blockers
            conn.execute(text("UPDATE erp.items SET required_documents = '{}' WHERE id = "
                              "(SELECT item_id FROM quality.lots WHERE lot_code = :c)"), {"c": code})
            conn.execute(text("UPDATE erp.suppliers SET approval_status = 'approved' WHERE id = "
                              "(SELECT supplier_id FROM quality.lots WHERE lot_code = :c)"),
                         {"c": code})
            conn.execute(text("UPDATE quality.item_specs SET active = false WHERE item_id = "
                              "(SELECT item_id FROM quality.lots WHERE lot_code = :c)"), {"c": code})
        outcomes: dict[str, object] = {}
        barrier = threading.Barrier(2)

        def act(name: str, fn: object, lot: str = code,
                outcomes: dict[str, object] = outcomes,
                barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            try:
                outcomes[name] = fn(lot)  # type: ignore[operator]
            except Exception as exc:
                outcomes[name] = exc

        release = lambda lot: d.release(people["approver"], people.creds("approver"), lot,  # noqa: E731
                                        "", "quarantine")
        hold = lambda lot: d.hold(people["inspector"], people.creds("inspector"), lot,  # noqa: E731
                                  "Wet pallet", "quarantine")
        threads = [threading.Thread(target=act, args=("release", release)),
                   threading.Thread(target=act, args=("hold", hold))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        failed = [v for v in outcomes.values() if isinstance(v, Exception)]
        assert len(failed) == 1, outcomes
        assert isinstance(failed[0], StaleState)
        assert "changed by" in str(failed[0]) and "nothing was changed" in str(failed[0])
    with owner_engine.connect() as conn:
        assert verify(conn).ok
