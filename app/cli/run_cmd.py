"""`lotproof run`: the workstation."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from app.cli.common import read_password
from app.db.settings import DATA_DIR_ENV, DATABASE_URL_ENV


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("run", help="open the workstation (the default)")
    run.add_argument("--no-demo", action="store_true",
                     help="do not load demo data into a new embedded database")
    run.add_argument("--user", help="log in as this user straight away")
    run.add_argument("--password-stdin", action="store_true",
                     help="with --user: read the password from standard input")
    run.add_argument("--choose-database", action="store_true",
                     help="ask again which database to use (embedded or a shared server)")
    run.add_argument("--smoke-test", action="store_true",
                     help="start on the embedded database, log in as an administrator, open "
                          "the main window, close it and exit 0 (non-zero on any failure); "
                          "works without a display with QT_QPA_PLATFORM=offscreen")
    run.add_argument("--data-dir", type=Path,
                     help="with --smoke-test: the data directory to use (default: a new "
                          "temporary one, deleted afterwards)")
    run.set_defaults(func=run_workstation)


def run_workstation(args: argparse.Namespace) -> int:
    if getattr(args, "smoke_test", False):
        return smoke_test(args)
    from app.views.application import run  # Qt is loaded only for the workstation

    password = None
    if getattr(args, "user", None) and getattr(args, "password_stdin", False):
        password = read_password(args)
    return run(demo_if_empty=not getattr(args, "no_demo", False),
               username=getattr(args, "user", None), password=password,
               choose_database=getattr(args, "choose_database", False))


def smoke_test(args: argparse.Namespace) -> int:
    """The workstation, end to end, on an embedded database in a given or temporary folder."""
    given = args.data_dir or (Path(os.environ[DATA_DIR_ENV]) if os.environ.get(DATA_DIR_ENV)
                              else None)
    folder = given or Path(tempfile.mkdtemp(prefix="lotproof-smoke-"))
    os.environ[DATA_DIR_ENV] = str(folder)
    os.environ.pop(DATABASE_URL_ENV, None)  # the smoke test is of the embedded database
    from app.views.application import run

    try:
        code = run(demo_if_empty=not args.no_demo, smoke=True)
    finally:
        if given is None:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"smoke test: {'passed' if code == 0 else f'FAILED (exit {code})'}", file=sys.stderr)
    return code
