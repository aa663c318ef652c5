"""The `lotproof` command: the workstation and its command-line verbs."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

import psycopg
from sqlalchemy import exc as sa_exc

from app import __version__
from app.cli import (
    audit_cmd,
    certificate_cmd,
    db_cmd,
    demo_cmd,
    document_cmd,
    erp_cmd,
    evidence_cmd,
    export_cmd,
    label_cmd,
    lot_cmd,
    recall_cmd,
    run_cmd,
    signals,
    trace_cmd,
    user_cmd,
)
from app.cli.common import CommandError
from app.db.errors import DatabaseUnavailable, DecisionRefused, LoginFailed
from app.db.errors import describe as describe_database_error
from app.db.queries.lot_detail import LotNotFound

_log = logging.getLogger("lotproof")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lotproof",
        description="Lotproof: quality and compliance workstation for distributors.",
    )
    parser.add_argument("--version", action="version", version=f"lotproof {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command")
    for module in (run_cmd, db_cmd, user_cmd, demo_cmd, lot_cmd, audit_cmd, document_cmd,
                   trace_cmd, export_cmd, recall_cmd, evidence_cmd, erp_cmd, certificate_cmd,
                   label_cmd):
        module.register(sub)
    return parser


GLOBAL_OPTIONS = ("-v", "--verbose")


def with_default_verb(parser: argparse.ArgumentParser, argv: Sequence[str]) -> list[str]:
    """`lotproof`, `lotproof --smoke-test`, `lotproof -v --user x`: the workstation (`run`)."""
    args = list(argv)
    verbs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    if any(a in verbs or a in ("-h", "--help", "--version") for a in args):
        return args
    leading = [a for a in args if a in GLOBAL_OPTIONS]
    return [*leading, "run", *(a for a in args if a not in GLOBAL_OPTIONS)]


# What a user can act on: printed as one message, without a traceback.
USER_ERRORS = (CommandError, DatabaseUnavailable, DecisionRefused, LoginFailed, LotNotFound,
               ValueError)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    words = with_default_verb(parser, sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(words)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        with signals.handled():
            refuse_nul_characters(words)
            return int(args.func(args))
    except signals.Terminated as ended:
        return ended.exit_code
    except USER_ERRORS as exc:
        return _fail(str(exc))
    except (sa_exc.DBAPIError, psycopg.Error) as exc:
        _log.info("database error", exc_info=exc)  # the whole story with -v
        return _fail(describe_database_error(exc))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


def _fail(message: str) -> int:
    print(f"lotproof: {message}", file=sys.stderr)
    return 2


def refuse_nul_characters(words: Sequence[str]) -> None:
    """PostgreSQL text cannot hold a NUL character: say which argument has one, before any of
    it reaches the database (where psycopg would refuse it without naming the field)."""
    for i, word in enumerate(words):
        if "\x00" not in word:
            continue
        if word.startswith("--") and "=" in word:
            what = word.split("=", 1)[0]
        elif i > 0 and words[i - 1].startswith("-"):
            what = words[i - 1]
        else:
            what = f"the argument {word!r}"
        raise CommandError(f"{what} contains a NUL character (\\x00), which the database "
                           "cannot store")
