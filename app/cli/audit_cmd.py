"""`lotproof audit`: verify the hash chain, read and export the trail."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from app.cli.common import add_user_option, print_table, session_for
from app.workflows import audit


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("audit", help="the audit trail")
    verbs = parser.add_subparsers(dest="verb", required=True)
    verify = verbs.add_parser("verify", help="check the whole hash chain; non-zero exit if broken")
    add_user_option(verify)
    verify.set_defaults(func=verify_chain)
    ls = verbs.add_parser("list", help="audit entries, newest first")
    ls.add_argument("--lot")
    ls.add_argument("--user", dest="by_user", help="who made the change")
    ls.add_argument("--action", help="e.g. lot.release")
    ls.add_argument("--since", type=dt.date.fromisoformat)
    ls.add_argument("--until", type=dt.date.fromisoformat)
    ls.add_argument("--limit", type=int, default=100)
    ls.add_argument("--format", choices=("table", "csv"), default="table")
    ls.add_argument("--as", dest="user", help="log in as this person (asks for the password)")
    ls.add_argument("--password-stdin", action="store_true")
    ls.set_defaults(func=list_entries)


def verify_chain(args: argparse.Namespace) -> int:
    with session_for(args) as session:
        report = audit.verify_chain(session)
    if report.ok:
        print(f"audit trail intact: {report.rows:,} rows, hash chain verified, signatures and "
              "records match the trail")
        if report.head is not None:
            print(report.head.describe())
        return 0
    for problem in report.problems:
        where = f"row {problem.row_id}" if problem.row_id is not None else "the trail"
        print(f"AUDIT TRAIL BROKEN at {where}: {problem.problem}", file=sys.stderr)
    print(f"({report.rows:,} rows of the hash chain verified before the first break; "
          f"{len(report.problems)} problem(s))", file=sys.stderr)
    return 1


def list_entries(args: argparse.Namespace) -> int:
    f = audit.TrailFilter(lot_code=args.lot, username=args.by_user, action=args.action,
                          since=args.since, until=args.until)
    with session_for(args) as session:
        entries = audit.entries(session, f, limit=args.limit)
    if args.format == "csv":
        audit.write_csv(entries, sys.stdout)
        return 0
    print_table(["#", "when (UTC)", "who", "action", "record", "reason"],
                [[e.id, e.at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
                  e.printed_name or e.username, e.action, f"{e.record_type} {e.record_id}",
                  (e.reason or "")[:50]] for e in entries])
    return 0
