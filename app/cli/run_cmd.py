"""`lotproof run`: the workstation."""

from __future__ import annotations

import argparse

from app.cli.common import read_password


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("run", help="open the workstation (the default)")
    run.add_argument("--no-demo", action="store_true",
                     help="do not load demo data into a new embedded database")
    run.add_argument("--user", help="log in as this user straight away")
    run.add_argument("--password-stdin", action="store_true",
                     help="with --user: read the password from standard input")
    run.set_defaults(func=run_workstation)


def run_workstation(args: argparse.Namespace) -> int:
    from app.views.application import run  # Qt is loaded only for the workstation

    password = None
    if getattr(args, "user", None) and getattr(args, "password_stdin", False):
        password = read_password(args)
    return run(demo_if_empty=not getattr(args, "no_demo", False),
               username=getattr(args, "user", None), password=password)
