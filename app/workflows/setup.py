"""Getting a database ready to work on: schema at head, demo data on a new embedded database."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Engine, text

from app.db import schema_version
from app.db.demo.load import seed_demo
from app.db.engine import make_engine
from app.db.schema_version import SchemaState, SchemaStatus, UpgradeNotPermitted
from app.db.server import ServerTarget
from app.db.users import create_user
from app.progress import Progress
from app.workflows.demo_history import add_quality_history


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


def prepare(target: ServerTarget, *, demo_if_empty: bool,
            progress: Progress | None = None) -> SchemaStatus:
    """With the workstation's own connection (the embedded server's owner, or the URL it was
    given): refuse a schema newer than this client, create a missing one, and load the demo data
    into a new database. An older schema is left as it is: only an administrator, once logged
    in, may upgrade it (`app.workflows.schema.upgrade_for`)."""
    engine = make_engine(target.admin_url, application_name="lotproof setup")
    try:
        status = schema_version.read_status(engine)
        schema_version.refuse_newer(status)
        if status.state is SchemaState.EMPTY:
            if not schema_version.may_upgrade(engine):
                raise UpgradeNotPermitted(schema_version.not_permitted_message(status))
            status = schema_version.upgrade(engine)
        if status.state is SchemaState.CURRENT and demo_if_empty and _is_empty(engine):
            seed_demo(target.admin_url, engine, scale="small", progress=progress)
            add_quality_history(target, progress=progress)
        return status
    finally:
        engine.dispose()


def _is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(text("SELECT NOT EXISTS (SELECT 1 FROM quality.lots)")).scalar_one() is True


def demo_logins(target: ServerTarget) -> list[DemoLogin]:
    """Demo credentials, only for a demo database this machine owns (the embedded one)."""
    if not target.is_embedded:
        return []
    engine = make_engine(target.admin_url, application_name="lotproof setup")
    try:
        with engine.connect() as conn:
            value = conn.execute(
                text("SELECT value FROM quality.settings WHERE key = 'demo_logins'")
            ).scalar_one_or_none()
    finally:
        engine.dispose()
    return [DemoLogin(**d) for d in json.loads(value)] if value else []


def create_admin(target: ServerTarget, username: str, printed_name: str, password: str) -> None:
    """An administrator's login, made with the workstation's own connection (the smoke test on
    a database without demo data; a first administrator on a new server)."""
    engine = make_engine(target.admin_url, application_name="lotproof setup")
    try:
        create_user(engine, username, printed_name, "admin", password)
    finally:
        engine.dispose()
