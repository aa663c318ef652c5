"""`lotproof user`: people and their roles."""

from __future__ import annotations

import argparse

from app.cli.common import (
    CommandError,
    add_user_option,
    print_table,
    read_password,
    session_for,
)
from app.db import users
from app.db.users import ROLE_ALIASES, create_user


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = sub.add_parser("user", help="people who use Lotproof")
    verbs = user.add_subparsers(dest="verb", required=True)
    add = verbs.add_parser("add", help="create a login role for a person")
    add.add_argument("name", help="user name (lower case, e.g. jane.doe); never reused")
    add.add_argument("--role", required=True, choices=sorted(ROLE_ALIASES),
                     help="what the person may do")
    add.add_argument("--printed-name", help="name shown with signatures (default: the user name)")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the new password from standard input instead of a prompt")
    add.set_defaults(func=add_user)
    verbs.add_parser("list", help="list people").set_defaults(func=list_users)
    check = verbs.add_parser(
        "verify-identity", help="confirm who a person is after an administrator set their "
        "password (they sign only after this); you must not be the one who set it")
    check.add_argument("name")
    check.add_argument("--how", required=True, help="how the identity was checked")
    add_user_option(check)
    check.set_defaults(func=verify_identity)
    withdraw = verbs.add_parser("deactivate", help="withdraw a person's logins and signing now")
    withdraw.add_argument("name")
    withdraw.add_argument("--reason", required=True)
    add_user_option(withdraw)
    withdraw.set_defaults(func=deactivate)


def add_user(args: argparse.Namespace) -> int:
    password = read_password(args, "New password: ")
    if not args.password_stdin and read_password(args, "Repeat password: ") != password:
        raise CommandError("the passwords differ")
    with session_for(argparse.Namespace()) as session:
        person = create_user(session.engine, args.name, args.printed_name or args.name,
                             args.role, password)
    print(f"created {person.username} ({person.printed_name}, {person.role_title})")
    return 0


def verify_identity(args: argparse.Namespace) -> int:
    with session_for(args) as session:
        users.verify_identity(session.engine, args.name, args.how)
        print(f"identity of {args.name} confirmed by {session.person.printed_name}")
    return 0


def deactivate(args: argparse.Namespace) -> int:
    with session_for(args) as session:
        users.deactivate(session.engine, args.name, args.reason)
    print(f"{args.name} may no longer log in or sign")
    return 0


def list_users(args: argparse.Namespace) -> int:
    from sqlalchemy import text

    with session_for(argparse.Namespace()) as session, session.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT username, printed_name, role, active, created_at FROM quality.users "
            "ORDER BY username")).all()
    print_table(["user", "printed name", "role", "active", "created"], rows)
    return 0
