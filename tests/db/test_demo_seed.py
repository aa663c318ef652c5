"""The demo distributor: deterministic, balanced, and shaped like a distributor's ERP."""

from __future__ import annotations

import datetime as dt
import hashlib
import random

import pytest
from sqlalchemy import text

from app.db.demo.catalog import build_catalog
from app.db.demo.load import DemoSeedError, seed_demo
from app.db.demo.simulate import SCALES, Simulator
from app.db.engine import make_engine
from app.db.server import ServerTarget


def _digest(seed: int) -> str:
    spec = SCALES["small"]
    rng = random.Random(seed)
    catalog = build_catalog(rng, suppliers=spec.suppliers, customers=spec.customers,
                            bins_per_site=spec.bins_per_site)
    sim = Simulator(catalog, spec, seed, dt.date(2026, 1, 15))
    h = hashlib.sha256()
    for chunk in sim.chunks():
        for table in sorted(chunk):
            h.update("\n".join(chunk[table]).encode())
    return h.hexdigest()


def test_same_seed_same_data_other_seed_other_data() -> None:
    assert _digest(3) == _digest(3)
    assert _digest(3) != _digest(4)


def test_stock_is_the_sum_of_movements(shared_db: ServerTarget) -> None:
    engine = make_engine(shared_db.admin_url)
    with engine.connect() as conn:
        mismatches = conn.execute(text("""
            WITH moved AS (
                SELECT lot_id, location_id, sum(q) AS qty FROM (
                    SELECT lot_id, to_location_id AS location_id, qty AS q FROM erp.movements
                    WHERE to_location_id IS NOT NULL
                    UNION ALL
                    SELECT lot_id, from_location_id, -qty FROM erp.movements
                    WHERE from_location_id IS NOT NULL) m
                GROUP BY lot_id, location_id)
            SELECT count(*) FROM moved FULL JOIN erp.stock s USING (lot_id, location_id)
            WHERE abs(coalesce(moved.qty, 0) - coalesce(s.qty, 0)) > 0.001
        """)).scalar_one()
        negative = conn.execute(text("SELECT count(*) FROM erp.stock WHERE qty < 0")).scalar_one()
    engine.dispose()
    assert mismatches == 0
    assert negative == 0


def test_small_scale_has_a_distributors_shape(shared_db: ServerTarget) -> None:
    engine = make_engine(shared_db.admin_url)
    with engine.connect() as conn:
        count = {t: conn.execute(text(f"SELECT count(*) FROM erp.{t}")).scalar_one()
                 for t in ("sites", "lots", "movements", "shipments", "lot_genealogy", "returns")}
        kinds = set(conn.execute(text("SELECT DISTINCT kind FROM erp.movements")).scalars())
        statuses = set(conn.execute(text("SELECT DISTINCT status FROM quality.lots")).scalars())
        in_transit = conn.execute(text(
            "SELECT count(*) FROM erp.stock s JOIN erp.locations l ON l.id = s.location_id "
            "WHERE l.kind = 'in_transit'")).scalar_one()
        open_allocations = conn.execute(text(
            "SELECT count(*) FROM erp.allocations WHERE status = 'open'")).scalar_one()
        max_depth = conn.execute(text("""
            WITH RECURSIVE down(lot_id, depth) AS (
                SELECT l.id, 0 FROM quality.lots l WHERE l.origin = 'receipt'
                UNION ALL
                SELECT g.child_lot_id, d.depth + 1 FROM down d
                JOIN erp.lot_genealogy g ON g.parent_lot_id = d.lot_id WHERE d.depth < 20)
            SELECT max(depth) FROM down""")).scalar_one()
        names = list(conn.execute(text("SELECT name FROM erp.suppliers UNION ALL "
                                       "SELECT name FROM erp.customers")).scalars())
    engine.dispose()
    assert count["sites"] == 3
    assert 1_800 <= count["lots"] <= 2_600
    assert count["movements"] >= 7 * count["lots"]
    assert count["shipments"] > count["lots"]
    assert count["lot_genealogy"] > 100 and count["returns"] > 10
    assert {"receipt", "putaway", "transfer_out", "transfer_in", "pick", "shipment", "return",
            "adjustment", "split", "repack", "scrap"} <= kinds
    assert kinds & {"kit", "blend"}
    assert {"quarantine", "available", "hold", "expired"} <= statuses
    assert in_transit > 0 and open_allocations > 0
    assert max_depth >= 10  # the deep chains are there
    assert len(set(names)) == len(names)


def test_seeding_a_database_with_lots_is_refused(db: ServerTarget) -> None:
    engine = make_engine(db.admin_url)
    try:
        with pytest.raises(DemoSeedError, match="already holds"):
            seed_demo(db.admin_url, engine, scale="small")
    finally:
        engine.dispose()
