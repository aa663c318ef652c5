"""Hold, release, reject and disposition of lots, each signed, each made by a database function
that checks role, state and preconditions and writes the audit trail in the same transaction.

Every decision names the status the person saw (`expected_status`); if the lot moved meanwhile,
the database refuses with who changed it and when, and nothing is changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from app.db import lot_status
from app.db.queries import decisions as q
from app.db.queries.decisions import DecisionLine, LotQualityState, LotWaiting, Transition
from app.workflows.session import UserSession
from app.workflows.signing import Credentials, sign, translated

__all__ = [
    "DISPOSITIONS", "Credentials", "DecisionLine", "DecisionResult", "Inbox", "LotQualityState",
    "LotWaiting", "Transition", "actions_for", "approve", "cancel", "expire_lots", "history",
    "hold", "inbox", "lot_state", "propose_disposition", "reject", "release", "release_blockers",
    "transitions",
]

DISPOSITIONS = lot_status.DISPOSITIONS


@dataclass(frozen=True)
class DecisionResult:
    decision_id: int
    state: str  # "done", or "pending" while a second signature is needed
    blockers: list[str]


def _call(conn: Any, sql: str, *args: object) -> Any:
    return conn.execute(sql, args).fetchone()[0]


def hold(session: UserSession, credentials: Credentials, lot_code: str, reason: str,
         expected_status: str, meaning: str = "Placed on hold") -> DecisionResult:
    decision_id = sign(session, credentials, lambda c: _call(
        c, "SELECT quality.hold_lot(%s, %s, %s, %s)", lot_code, reason, expected_status, meaning))
    return DecisionResult(int(decision_id), "done", [])


def release(session: UserSession, credentials: Credentials, lot_code: str, reason: str,
            expected_status: str, override_justification: str | None = None,
            meaning: str = "Released") -> DecisionResult:
    outcome = sign(session, credentials, lambda c: _call(
        c, "SELECT quality.release_lot(%s, %s, %s, %s, %s)", lot_code, reason, expected_status,
        override_justification, meaning))
    data = outcome if isinstance(outcome, dict) else json.loads(outcome)
    return DecisionResult(int(data["decision_id"]), data["state"], list(data["blockers"]))


def reject(session: UserSession, credentials: Credentials, lot_code: str, reason: str,
           expected_status: str, meaning: str = "Rejected") -> DecisionResult:
    decision_id = sign(session, credentials, lambda c: _call(
        c, "SELECT quality.reject_lot(%s, %s, %s, %s)", lot_code, reason, expected_status, meaning))
    return DecisionResult(int(decision_id), "done", [])


def propose_disposition(session: UserSession, credentials: Credentials, lot_code: str,
                        disposition: str, reason: str, expected_status: str,
                        meaning: str = "Disposition proposed") -> DecisionResult:
    decision_id = sign(session, credentials, lambda c: _call(
        c, "SELECT quality.propose_disposition(%s, %s, %s, %s, %s)", lot_code, disposition,
        reason, expected_status, meaning))
    return DecisionResult(int(decision_id), "pending", [])


def approve(session: UserSession, credentials: Credentials, decision_id: int,
            meaning: str | None = None) -> DecisionResult:
    outcome = sign(session, credentials, lambda c: _call(
        c, "SELECT quality.approve_decision(%s, %s)", decision_id, meaning))
    data = outcome if isinstance(outcome, dict) else json.loads(outcome)
    return DecisionResult(int(data["decision_id"]), data["state"], [])


def cancel(session: UserSession, credentials: Credentials, decision_id: int,
           reason: str) -> DecisionResult:
    sign(session, credentials, lambda c: _call(
        c, "SELECT quality.cancel_decision(%s, %s)", decision_id, reason))
    return DecisionResult(decision_id, "cancelled", [])


def expire_lots(session: UserSession) -> int:
    """Expire every lot whose expiry date has passed, by the server's date (never this
    workstation's clock): the number expired."""
    with translated(), session.engine.begin() as conn:
        return int(conn.execute(text("SELECT quality.expire_lots()")).scalar_one())


def transitions(session: UserSession) -> list[Transition]:
    with session.engine.connect() as conn:
        return q.transitions(conn)


def actions_for(machine: list[Transition], status: str, role: str) -> list[Transition]:
    """The moves the status machine offers this role from this status (what a screen enables)."""
    return [t for t in machine if t.from_status == status and role in t.roles]


def history(session: UserSession, lot_code: str) -> list[DecisionLine]:
    with session.engine.connect() as conn:
        return q.lot_history(conn, lot_code)


def lot_state(session: UserSession, lot_code: str) -> LotQualityState | None:
    with session.engine.connect() as conn:
        return q.lot_state(conn, lot_code)


def release_blockers(session: UserSession, lot_code: str) -> list[str]:
    with session.engine.connect() as conn:
        return q.release_blockers(conn, lot_code)


@dataclass(frozen=True)
class Inbox:
    """What waits for this person: second signatures, lots to release, holds to review."""

    second_signatures: list[DecisionLine]
    awaiting_release: list[LotWaiting]
    holds: list[LotWaiting]

    @property
    def total(self) -> int:
        return len(self.second_signatures) + len(self.awaiting_release) + len(self.holds)


def inbox(session: UserSession) -> Inbox:
    """Second signatures for who may give them (a release override: who may approve one),
    lots waiting for who may release them, holds for who may hold lots."""
    person = session.person
    with session.engine.connect() as conn:
        pending = q.pending_decisions(conn) if person.may("approve_decision") else []
        if not person.may("approve_override"):
            pending = [d for d in pending if d.action != "release"]
        waiting = q.lots_awaiting_release(conn) if person.may("release") else []
        holds = q.holds_to_review(conn) if person.may("hold") else []
    return Inbox(pending, waiting, holds)
