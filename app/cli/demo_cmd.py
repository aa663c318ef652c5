"""`lotproof demo`: the fictional distributor's data."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys

from app.cli.common import CommandError, server
from app.db import migrate
from app.db.demo.load import ensure_demo_users, seed_demo
from app.db.demo.simulate import SCALES
from app.db.engine import make_engine
from app.progress import Progress
from app.workflows.demo_history import add_quality_history


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = sub.add_parser("demo", help="demo data")
    verbs = demo.add_subparsers(dest="verb", required=True)
    seed = verbs.add_parser("seed", help="load a fictional distributor's ERP data")
    seed.add_argument("--erp", choices=("builtin", "tryton"),
                      default=os.environ.get("LOTPROOF_ERP") or "builtin",
                      help="builtin: Lotproof's own ERP tables (default); tryton: a Tryton "
                           "database made through Tryton's API, Lotproof beside it")
    seed.add_argument("--scale", default="small",
                      help="builtin: small (~2,000 lots), medium (~100,000 lots and 1M "
                           "movements), large (~1M lots and 10M movements); tryton: tiny "
                           "(20 lots), small (~216 lots, about 3-4 minutes)")
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

    if args.erp == "tryton":
        return _seed_tryton(args, progress)
    if args.scale not in SCALES:
        raise CommandError(f"unknown scale {args.scale!r} for the built-in ERP; choose one of "
                           f"{', '.join(SCALES)}")
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


def _seed_tryton(args: argparse.Namespace, progress: Progress) -> int:
    """Tryton's demo distributor through its API, then Lotproof installed beside it (what Tryton
    held comes in as it was) and Lotproof's demo quality history on Tryton's lots."""
    from app.db.tryton import tryton_installed

    if not tryton_installed():
        raise CommandError("the Tryton packages are not installed: pip install -e '.[tryton]'")
    from app.db.tryton.demo import SCALES as TRYTON_SCALES
    from app.db.tryton.demo import TrytonDemoError, seed_tryton_demo

    if args.scale not in TRYTON_SCALES:
        raise CommandError(f"unknown scale {args.scale!r} for the Tryton demo; choose one of "
                           f"{', '.join(TRYTON_SCALES)}")
    if args.reset:
        raise CommandError("--reset is for the built-in ERP; start a Tryton demo in a new "
                           "data folder (LOTPROOF_DATA_DIR) or database")

    def say(stage: str, done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\rTryton: {stage} {done}/{total}   ", end="", file=sys.stderr, flush=True)

    with server() as target:
        name = target.admin_url.database or "lotproof"
        try:
            report = seed_tryton_demo(target, name, scale=args.scale, seed=args.seed,
                                      as_of=args.as_of, progress=say)
        except TrytonDemoError as exc:
            raise CommandError(str(exc)) from exc
        engine = make_engine(target.admin_url)
        migrate.upgrade(engine, erp="tryton")
        ensure_demo_users(engine)
        engine.dispose()
        signed = add_quality_history(target, seed=args.seed, progress=progress)
    counts = report.counts
    print(f"seeded the {args.scale} Tryton demo in {report.seconds:.1f} s: "
          f"{counts.get('stock_lot', 0):,} lots, {counts.get('stock_move', 0):,} moves, "
          f"{counts.get('stock_shipment_out', 0):,} customer shipments; "
          f"{signed} signed quality decisions")
    return 0
