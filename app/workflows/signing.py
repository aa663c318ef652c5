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

from app.db.errors import AccountLocked, LoginFailed, SignatureRefused, translate
from app.db.server import connect

if TYPE_CHECKING:
    from app.workflows.session import UserSession

T = TypeVar("T")
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
    """Run `work` on a fresh connection authenticated with `credentials`, in one transaction."""
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
    try:
        with conn:
            result = work(conn)
    except psycopg.Error as exc:
        raise translate(exc) from exc
    finally:
        conn.close()
    session.signing.signed()
    return result


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
