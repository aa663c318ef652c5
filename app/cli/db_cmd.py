"""`lotproof db`: migrations and where the database is."""

from __future__ import annotations

import argparse
import os
import sys
import time

from app.cli.common import CommandError, server
from app.db import definitions, migrate
from app.db.engine import make_engine
from app.db.server import libpq_url


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = sub.add_parser("db", help="database schema and location")
    verbs = db.add_subparsers(dest="verb", required=True)
    verbs.add_parser("upgrade", help="migrate the database to the newest schema").set_defaults(
        func=upgrade)
    url = verbs.add_parser("url", help="print the URL of the database in use")
    url.add_argument("--show-password", action="store_true",
                     help="include the owner's password (keep it secret)")
    url.set_defaults(func=print_url)
    verbs.add_parser("serve", help="keep the embedded server running for other clients"
                     ).set_defaults(func=serve)
    verbs.add_parser("current", help="print the schema revision").set_defaults(func=current)


def upgrade(args: argparse.Namespace) -> int:
    with server() as target:
        engine = make_engine(target.admin_url)
        before = migrate.current_revision(engine)
        migrate.upgrade(engine, erp=erp_adapter())
        after = migrate.current_revision(engine)
        engine.dispose()
    print(f"schema {before or 'empty'} -> {after}" if before != after else f"schema at {after}")
    return 0


def erp_adapter() -> str | None:
    """The ERP adapter a new database is set up for: LOTPROOF_ERP (`builtin` or `tryton`)."""
    chosen = os.environ.get("LOTPROOF_ERP") or None
    if chosen is not None and chosen not in definitions.ADAPTERS:
        raise CommandError(f"LOTPROOF_ERP={chosen!r} is no ERP adapter; choose one of "
                           f"{', '.join(definitions.ADAPTERS)}")
    return chosen


def print_url(args: argparse.Namespace) -> int:
    with server() as target:
        print(libpq_url(target.admin_url, show_password=args.show_password))
        if target.is_embedded and not args.show_password:
            print("# embedded server: it runs while a Lotproof process does (`lotproof db serve`)",
                  file=sys.stderr)
    return 0


def serve(args: argparse.Namespace) -> int:
    with server() as target:
        print(libpq_url(target.admin_url, show_password=False), flush=True)
        print("serving; press Ctrl-C to stop", file=sys.stderr, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


def current(args: argparse.Namespace) -> int:
    with server() as target:
        engine = make_engine(target.admin_url)
        print(f"{migrate.current_revision(engine) or 'empty'} (head {migrate.head_revision()})")
        engine.dispose()
    return 0
