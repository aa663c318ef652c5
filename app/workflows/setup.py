"""Getting a database ready to work on: schema at head, demo data on a new embedded database."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, text

from app.db import migrate
from app.db.demo.load import seed_demo
from app.db.engine import make_engine
from app.db.server import ServerTarget
from app.workflows.demo_history import add_quality_history


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


def prepare(target: ServerTarget, *, demo_if_empty: bool,
            progress: Callable[[str, int, int], None] | None = None) -> None:
    engine = make_engine(target.admin_url, application_name="lotproof setup")
    try:
        migrate.upgrade(engine)
        if demo_if_empty and _is_empty(engine):
            seed_demo(target.admin_url, engine, scale="small", progress=progress)
            add_quality_history(target, progress=progress)
    finally:
        engine.dispose()


def _is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(text("SELECT NOT EXISTS (SELECT 1 FROM erp.lots)")).scalar_one() is True


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
