"""People: PostgreSQL login roles with a printed name, created through `quality.create_user`."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError

from app.db import capabilities
from app.db.models.quality import GROUP_ROLES
from app.db.scram import scram_verifier

ROLE_ALIASES = {r.removeprefix("lotproof_"): r for r in GROUP_ROLES}


@dataclass(frozen=True)
class Person:
    username: str
    printed_name: str
    role: str
    # What the database lets this person do (`app.db.capabilities`), read at login.
    capabilities: frozenset[str] = field(default=frozenset(), compare=False)

    @property
    def role_title(self) -> str:
        return self.role.removeprefix("lotproof_").replace("_", " ").title()

    def may(self, action: str) -> bool:
        """Whether the database would let this person take `action` (a key of
        `app.db.capabilities.CAPABILITIES`); it still checks when the action is taken."""
        capabilities.check_action(action)
        return action in self.capabilities


def group_role(name: str) -> str:
    """`inspector` or `lotproof_inspector` -> `lotproof_inspector`; anything else is an error."""
    role = ROLE_ALIASES.get(name, name)
    if role not in GROUP_ROLES:
        raise ValueError(f"unknown role {name!r}; choose one of {', '.join(ROLE_ALIASES)}")
    return role


def create_user(engine: Engine, username: str, printed_name: str, role: str, password: str) -> Person:
    if len(password) < 8:
        raise ValueError("the password must have at least 8 characters")
    role = group_role(role)
    with engine.begin() as conn:
        conn.execute(
            text("SELECT quality.create_user(:u, :n, :r, :v)"),
            {"u": username, "n": printed_name, "r": role, "v": scram_verifier(password)},
        )
    return Person(username, printed_name.strip(), role)


def whoami(engine: Engine) -> Person | None:
    """The person behind the engine's login and what they may do, or None for a login that is
    not a Lotproof person (it may not even call quality.whoami, which only Lotproof's groups
    may)."""
    try:
        with engine.connect() as conn:
            row = conn.execute(text(
                "SELECT username, printed_name, role FROM quality.whoami()")).first()
            if row is None:
                return None
            username, printed_name, role = row
            return Person(username, printed_name, role, capabilities.read(conn))
    except ProgrammingError as exc:
        if getattr(exc.orig, "sqlstate", None) == "42501":
            return None
        raise


def verify_identity(engine: Engine, username: str, how: str) -> None:
    """A second person confirms who `username` is (they sign only after this, once an
    administrator has set their password)."""
    with engine.begin() as conn:
        conn.execute(text("SELECT quality.verify_identity(:u, :h)"), {"u": username, "h": how})


def deactivate(engine: Engine, username: str, reason: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("SELECT quality.deactivate_user(:u, :r)"), {"u": username, "r": reason})
