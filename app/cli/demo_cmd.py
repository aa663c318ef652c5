"""`lotproof demo`: the fictional distributor's data."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from app.cli.common import server
from app.db import migrate
from app.db.demo.load import seed_demo
from app.db.demo.simulate import SCALES
from app.db.engine import make_engine
from app.progress import Progress
from app.workflows.demo_history import add_quality_history


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = sub.add_parser("demo", help="demo data")
    verbs = demo.add_subparsers(dest="verb", required=True)
    seed = verbs.add_parser("seed", help="load a fictional distributor's ERP data")
    seed.add_argument("--scale", choices=list(SCALES), default="small",
                      help="small: ~2,000 lots; medium: ~100,000 lots and 1M movements; "
                           "large: ~1M lots and 10M movements")
    seed.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
    seed.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                      help="the day the history ends (default: today)")
    seed.add_argument("--reset", action="store_true",
                      help="delete every ERP row first (never on a production database)")
    seed.set_defaults(func=seed_command)


def seed_command(args: argparse.Namespace) -> int:
    last = [-1]

    def show(done: int, total: int, stage: str) -> None:
        percent = min(100, done * 100 // max(total, 1))
        if percent != last[0] and sys.stderr.isatty():
            print(f"\r{stage}: {percent}%", end="", file=sys.stderr, flush=True)
            last[0] = percent

    progress = Progress(show)

    with server() as target:
        engine = make_engine(target.admin_url)
        migrate.upgrade(engine)
        report = seed_demo(target.admin_url, engine, scale=args.scale, seed=args.seed,
                           as_of=args.as_of, reset=args.reset, progress=progress)
        engine.dispose()
        signed = add_quality_history(target, seed=args.seed, progress=progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(f"seeded {args.scale} demo data in {report.seconds:.1f} s: "
          f"{report.rows.get('lots', 0):,} lots, {report.rows.get('movements', 0):,} movements, "
          f"{report.rows.get('shipments', 0):,} shipments; {signed} signed quality decisions")
    return 0
