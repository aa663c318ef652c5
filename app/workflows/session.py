"""A person's working session: who is logged in, and the connection pool they work through."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import Engine

from app.db import audit_witness
from app.db.engine import make_engine
from app.db.errors import DatabaseUnavailable, LoginFailed
from app.db.read_replica import read_replica_url
from app.db.server import ServerTarget
from app.db.users import Person, whoami
from app.workflows.signing import WORKSTATION, SigningState

log = logging.getLogger(__name__)


@dataclass
class UserSession:
    target: ServerTarget
    person: Person
    engine: Engine = field(repr=False)
    signing: SigningState = field(default_factory=SigningState)
    read_engine: Engine | None = field(default=None, repr=False)
    read_problem: str | None = None  # why the configured replica is not in use

    @property
    def reader(self) -> Engine:
        """Where read-only work goes: the read replica when one is configured, else the primary."""
        return self.read_engine or self.engine

    @property
    def database(self) -> str:
        return self.target.describe()

    def close(self) -> None:
        self.engine.dispose()
        if self.read_engine is not None:
            self.read_engine.dispose()


def login(target: ServerTarget, username: str, password: str) -> UserSession:
    """Log in as a PostgreSQL login role; every query of the session runs with its rights."""
    username = username.strip()
    if not username or not password:
        raise LoginFailed("Enter a user name and a password.")
    engine = make_engine(target.url_for(username, password), application_name=WORKSTATION)
    person = whoami(engine)
    if person is None:
        engine.dispose()
        raise LoginFailed(
            f"{username} can connect to the database but is not a Lotproof user; "
            "an administrator must add them with `lotproof user add`."
        )
    session = UserSession(target, person, engine)
    replica = read_replica_url(engine.url)
    if replica is not None:
        try:
            session.read_engine = make_engine(replica, application_name=f"{WORKSTATION} read")
        except (DatabaseUnavailable, LoginFailed) as exc:
            session.read_problem = f"read replica not in use ({exc}); reading from the primary"
            log.warning(session.read_problem)
    return session


def workstation_login(target: ServerTarget, username: str, password: str) -> UserSession:
    """A person starts work at a workstation, which remembers, outside the database, the audit
    chain head it found (so a trail shortened or rewritten later is caught by `audit verify`)."""
    session = login(target, username, password)
    try:
        with session.reader.connect() as conn:
            head = audit_witness.read_head(conn)
    except Exception as exc:  # a witness is extra evidence, never a reason not to work
        log.warning("could not read the audit chain head at login: %s", exc)
    else:
        audit_witness.record(head, by=session.person.username, what="workstation session")
    return session


def owner_session(target: ServerTarget) -> UserSession:
    """The schema owner's session, for command-line administration on this machine."""
    engine = make_engine(target.admin_url, application_name="lotproof admin")
    username = target.admin_url.username or "owner"
    return UserSession(target, Person(username, f"{username} (database owner)", "owner"), engine)


def verify_password(session: UserSession, password: str) -> bool:
    """Check the person's password with a fresh connection (unlocking a locked session)."""
    from app.db.server import connect

    connect(session.target.url_for(session.person.username, password)).close()
    return True
