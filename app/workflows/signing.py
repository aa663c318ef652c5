"""Electronic signatures: each one re-authenticates on a fresh connection (21 CFR 11.200).

The client opens a new connection with the password just entered and makes the signed decision
in it; the database refuses a signature on a connection authenticated more than a few seconds
earlier, or one already used for a signature. A wrong password is reported through the person's
own session, and after three in a row the database locks the account.

Within one unlocked session the first signature asks for the user name and password, later ones
only for the password; after locking, logging out or inactivity both are asked again.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

import psycopg
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app.db.errors import (
    AccountLocked,
    Contention,
    DatabaseUnavailable,
    LoginFailed,
    OutcomeUnknown,
    SignatureRefused,
    translate,
)
from app.db.server import connect

if TYPE_CHECKING:
    from app.workflows.session import UserSession

T = TypeVar("T")
CONTENTION_RETRIES = 2
# The server went away mid-transaction (admin shutdown, crash, connection failures).
CONNECTION_LOST = {"57P01", "57P02", "57P03", "08000", "08003", "08006"}
INACTIVITY_SECONDS = 15 * 60
WORKSTATION = f"lotproof@{socket.gethostname()}"


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


@dataclass
class SigningState:
    """What the signing dialog must ask for in this session."""

    signed_once: bool = False
    locked: bool = False
    last_activity: float = field(default_factory=time.monotonic)

    def asks_username(self) -> bool:
        idle = time.monotonic() - self.last_activity > INACTIVITY_SECONDS
        return self.locked or idle or not self.signed_once

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    def lock(self) -> None:
        self.locked = True

    def signed(self) -> None:
        self.signed_once = True
        self.locked = False
        self.touch()


Work = Callable[[psycopg.Connection[tuple[object, ...]]], T]


def sign(session: UserSession, credentials: Credentials, work: Work[T]) -> T:
    """Run `work` on a fresh connection authenticated with `credentials`, in one transaction.
    A transaction rolled back by a deadlock or serialization failure is signed again (the
    database undid all of it), up to twice."""
    for attempt in range(CONTENTION_RETRIES + 1):
        try:
            return _sign_once(session, credentials, work)
        except Contention:
            if attempt == CONTENTION_RETRIES:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _sign_once(session: UserSession, credentials: Credentials, work: Work[T]) -> T:
    person = session.person
    if credentials.username.strip() != person.username:
        raise SignatureRefused(
            f"Sign with your own user name ({person.username}); another person signs at their "
            "own session."
        )
    url = session.target.url_for(person.username, credentials.password)
    try:
        conn = connect(url, application_name=WORKSTATION)
    except AccountLocked as exc:
        session.signing.lock()
        raise SignatureRefused(str(exc)) from exc
    except LoginFailed as exc:
        failures = _record_failure(session)
        limit = 3
        if failures >= limit:
            session.signing.lock()
            raise SignatureRefused(
                f"Wrong password. That was {failures} failed signature attempts in a row: your "
                "account is now locked and an administrator has been alerted."
            ) from exc
        raise SignatureRefused(
            f"Wrong password ({failures} of {limit} attempts before the account is locked)."
        ) from exc
    xid = ""
    try:
        with conn:
            # The transaction's id, asked first: if the connection is lost before the commit's
            # answer arrives, the server can still tell whether it committed (pg_xact_status).
            row = conn.execute("SELECT pg_current_xact_id()::text").fetchone()
            xid = str(row[0]) if row else ""
            result = work(conn)
    except psycopg.OperationalError as exc:
        if xid and (conn.broken or exc.sqlstate in CONNECTION_LOST):
            raise OutcomeUnknown(
                "The connection to the database was lost while your signature was being "
                "recorded. Lotproof checks whether it was recorded as soon as the database is "
                f"back ({str(exc).strip().splitlines()[0] if str(exc).strip() else 'no answer'}).",
                xid) from exc
        raise translate(exc) from exc
    except psycopg.Error as exc:
        raise translate(exc) from exc
    finally:
        conn.close()
    session.signing.signed()
    return result


def outcome_of(session: UserSession, transaction_id: str) -> bool | None:
    """Whether the transaction of a signing that lost its connection committed: True, False, or
    None while the server cannot be reached or is still finishing it."""
    try:
        with session.engine.connect() as conn:
            status = conn.execute(text("SELECT pg_xact_status(CAST(:x AS xid8))"),
                                  {"x": transaction_id}).scalar()
    except (OperationalError, DatabaseUnavailable):
        return None
    return {"committed": True, "aborted": False}.get(str(status))  # else still in progress


def _record_failure(session: UserSession) -> int:
    with session.engine.begin() as conn:
        return int(conn.execute(text("SELECT quality.record_signature_failure()")).scalar_one())


@contextmanager
def translated() -> Iterator[None]:
    """Run database work, turning the functions' refusals into their own messages."""
    try:
        yield
    except Exception as exc:
        mapped = translate(exc)
        if mapped is exc:
            raise
        raise mapped from exc
