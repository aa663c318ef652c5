"""The schema check once a person has logged in: a newer schema is refused, an older one is
upgraded only for an administrator."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from app.db import schema_version
from app.db.engine import make_engine
from app.db.errors import DatabaseUnavailable, LoginFailed
from app.db.schema_version import SchemaState, SchemaStatus, UpgradeNotPermitted
from app.db.server import ServerTarget
from app.workflows.session import UserSession

NEEDS_UPGRADE = (SchemaState.OLDER, SchemaState.EMPTY)


@contextmanager
def owner_engine(target: ServerTarget, session: UserSession | None = None) -> Iterator[Engine | None]:
    """The workstation's own connection (the embedded server's owner, or the URL it was started
    with) when it has one that is not the person's; None otherwise."""
    url = target.admin_url
    if not url.username or (session is not None and url.username == session.person.username):
        yield None
        return
    try:
        engine = make_engine(url, application_name="lotproof setup", pool_size=1)
    except (LoginFailed, DatabaseUnavailable):
        yield None
        return
    try:
        yield engine
    finally:
        engine.dispose()


def status_for(target: ServerTarget, session: UserSession) -> SchemaStatus:
    """The schema as the person's connection sees it, or the workstation's own where the
    person's role may not read the revision."""
    status = schema_version.read_status(session.engine)
    if status.state is SchemaState.UNKNOWN:
        with owner_engine(target, session) as owner:
            if owner is not None:
                status = schema_version.read_status(owner)
    return status


def check_after_login(target: ServerTarget, session: UserSession) -> SchemaStatus:
    """Refuse a newer schema; report an older one (and whether this person may upgrade it)."""
    status = status_for(target, session)
    schema_version.refuse_newer(status)
    return status


def may_upgrade(session: UserSession) -> bool:
    return schema_version.may_upgrade(session.engine)


def upgrade_for(target: ServerTarget, session: UserSession) -> SchemaStatus:
    """Upgrade an older schema to this client's newest, for an administrator only. The
    migration runs on the workstation's own connection where it has one, else on the
    administrator's (the database refuses it if that role lacks the rights)."""
    status = check_after_login(target, session)
    if status.state not in NEEDS_UPGRADE:
        return status
    if not may_upgrade(session):
        raise UpgradeNotPermitted(schema_version.not_permitted_message(status))
    with owner_engine(target, session) as owner:
        return schema_version.upgrade(owner if owner is not None else session.engine)
