"""The run's database: a throwaway embedded server with the small demo and its quality history,
one login role per workstation, and what the workstations look for."""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import Engine, text

from app.db import migrate
from app.db.demo.load import seed_demo
from app.db.engine import make_engine
from app.db.server import ServerTarget, open_server
from app.db.users import create_user
from app.workflows.demo_history import add_quality_history
from benchmarks.soak.config import SharedData, WorkstationSpec, role_plan


def start_seeded_server(root: Path, *, keep: bool, seed: int = 7) -> ServerTarget:
    """A new embedded server under `root`, migrated, with the small demo data and history."""
    target = open_server(root, delete_on_stop=not keep)
    engine = make_engine(target.admin_url)
    try:
        migrate.upgrade(engine)
        seed_demo(target.admin_url, engine, scale="small", seed=seed)
    finally:
        engine.dispose()
    add_quality_history(target, seed=seed)
    return target


def create_workstations(owner: Engine, n: int, prefix: str) -> list[WorkstationSpec]:
    """Login roles `<prefix>.001` ... in the realistic mix of roles, each with its own password."""
    specs = []
    for i, role in enumerate(role_plan(n), start=1):
        name = f"{prefix}.{i:03d}"
        spec = WorkstationSpec(name, role, f"soak-{secrets.token_hex(8)}")
        create_user(owner, name, f"Soak {role.title()} {i:03d}", role, spec.password)
        specs.append(spec)
    return specs


def shared_data(owner: Engine) -> SharedData:
    with owner.connect() as conn:
        codes = list(conn.execute(text(
            "SELECT lot_code FROM quality.lots ORDER BY random() LIMIT 600")).scalars())
        supplier_lots = list(conn.execute(text(
            "SELECT supplier_lot_code FROM quality.lots WHERE supplier_lot_code IS NOT NULL "
            "ORDER BY random() LIMIT 300")).scalars())
        words = sorted({w for (name,) in conn.execute(text("SELECT name FROM erp.items"))
                        for w in str(name).split() if len(w) > 4})
        heavy = list(conn.execute(text("""
            SELECT l.lot_code FROM erp.lot_genealogy g JOIN quality.lots l ON l.id = g.parent_lot_id
            GROUP BY l.lot_code ORDER BY count(*) DESC LIMIT 20""")).scalars())
        categories = {str(i): str(c) for i, c in conn.execute(
            text("SELECT id, category FROM erp.items"))}
    return SharedData(codes, supplier_lots, words[:80], heavy or codes[:20], categories)
