"""What every command shares: the server, a session, passwords, output formats, errors."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.db.server import ServerTarget, open_server
from app.workflows.session import UserSession, login, owner_session


class CommandError(Exception):
    """A problem the user can fix; printed without a traceback."""


@contextmanager
def server() -> Iterator[ServerTarget]:
    target = open_server()
    try:
        yield target
    finally:
        target.stop()


def read_password(args: argparse.Namespace, prompt: str = "Password: ") -> str:
    if getattr(args, "password_stdin", False):
        password = sys.stdin.readline().rstrip("\r\n")
    elif not sys.stdin.isatty():
        raise CommandError("no terminal to ask for the password; pass --password-stdin")
    else:
        password = getpass.getpass(prompt)
    if "\x00" in password:  # libpq would cut the connection string short there
        raise CommandError("the password contains a NUL character (\\x00), which PostgreSQL "
                           "cannot take")
    return password


def pdf_out(args: argparse.Namespace) -> Path:
    """The `--out FILE.pdf` a command writes, or the error that says what is missing."""
    if args.out is None:
        raise CommandError("--out FILE.pdf is needed")
    if args.out.suffix.lower() != ".pdf":
        raise CommandError("--out must end in .pdf")
    return Path(args.out)


def add_user_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", help="log in as this person (asks for the password); "
                                       "default: the database owner")
    parser.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of standard input")


@contextmanager
def session_for(args: argparse.Namespace) -> Iterator[UserSession]:
    with server() as target:
        if getattr(args, "user", None):
            session = login(target, args.user, read_password(args))
        else:
            session = owner_session(target)
        try:
            yield session
        finally:
            session.close()


def to_jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def print_json(value: Any) -> None:
    json.dump(to_jsonable(value), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, Decimal):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    return str(value)
