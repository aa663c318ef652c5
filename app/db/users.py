"""People: PostgreSQL login roles with a printed name, created through `quality.create_user`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text

from app.db.models.quality import GROUP_ROLES
from app.db.scram import scram_verifier

ROLE_ALIASES = {r.removeprefix("lotproof_"): r for r in GROUP_ROLES}


@dataclass(frozen=True)
class Person:
    username: str
    printed_name: str
    role: str

    @property
    def role_title(self) -> str:
        return self.role.removeprefix("lotproof_").replace("_", " ").title()


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
    with engine.connect() as conn:
        row = conn.execute(text("SELECT username, printed_name, role FROM quality.whoami()")).first()
    return Person(*row) if row else None
