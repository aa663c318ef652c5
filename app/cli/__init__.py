"""The `lotproof` command: the workstation and its command-line verbs."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from app import __version__
from app.cli import (
    audit_cmd,
    db_cmd,
    demo_cmd,
    document_cmd,
    export_cmd,
    lot_cmd,
    recall_cmd,
    run_cmd,
    trace_cmd,
    user_cmd,
)
from app.cli.common import CommandError
from app.db.errors import DatabaseUnavailable, DecisionRefused, LoginFailed
from app.db.queries.lot_detail import LotNotFound


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lotproof",
        description="Lotproof: quality and compliance workstation for distributors.",
    )
    parser.add_argument("--version", action="version", version=f"lotproof {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command")
    for module in (run_cmd, db_cmd, user_cmd, demo_cmd, lot_cmd, audit_cmd, document_cmd,
                   trace_cmd, export_cmd, recall_cmd):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.command is None:
        args = parser.parse_args(["run", *(argv or [])])
    try:
        return int(args.func(args))
    except (CommandError, DatabaseUnavailable, DecisionRefused, LoginFailed, LotNotFound,
            ValueError) as exc:
        print(f"lotproof: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
