"""`lotproof erp`: which ERP adapter the database works with, and what it holds."""

from __future__ import annotations

import argparse
import json

from app.cli.common import server
from app.db.engine import make_engine
from app.db.queries.erp_info import erp_info


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    erp = sub.add_parser("erp", help="the ERP behind Lotproof")
    verbs = erp.add_subparsers(dest="verb", required=True)
    info = verbs.add_parser("info", help="the ERP adapter in use and how much it holds")
    info.add_argument("--format", choices=("table", "json"), default="table")
    info.set_defaults(func=info_command)


def info_command(args: argparse.Namespace) -> int:
    with server() as target:
        engine = make_engine(target.admin_url)
        try:
            with engine.connect() as conn:
                facts = erp_info(conn)
        finally:
            engine.dispose()
    if args.format == "json":
        print(json.dumps(facts))
        return 0
    width = max(len(k) for k in facts)
    for key, value in facts.items():
        print(f"{key:<{width}}  {value:,}" if isinstance(value, int) else f"{key:<{width}}  {value}")
    return 0
