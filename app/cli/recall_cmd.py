"""`lotproof recall open|list|hold|report|notify`: recalls and mock recalls."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.common import (
    CommandError,
    add_user_option,
    print_table,
    read_password,
    server,
    session_for,
)
from app.workflows import recalls
from app.workflows.session import login
from app.workflows.signing import Credentials


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    recall = sub.add_parser("recall", help="recalls and mock recalls")
    verbs = recall.add_subparsers(dest="verb", required=True)
    opened = verbs.add_parser("open", help="open a recall from one or more lots")
    opened.add_argument("lots", nargs="+", metavar="LOT")
    opened.add_argument("--reason", required=True)
    opened.add_argument("--class", dest="recall_class", choices=("I", "II", "III"), default="II")
    opened.add_argument("--reference", help="regulator reference")
    opened.add_argument("--mock", action="store_true", help="an exercise: nothing is held")
    add_user_option(opened)
    opened.set_defaults(func=open_command)
    listed = verbs.add_parser("list", help="recalls, newest first, with mock-recall times")
    add_user_option(listed)
    listed.set_defaults(func=list_command)
    hold = verbs.add_parser("hold", help="sign the mass hold of a recall")
    hold.add_argument("recall", type=int)
    hold.add_argument("--user", required=True)
    hold.add_argument("--password-stdin", action="store_true")
    hold.set_defaults(func=hold_command)
    for verb, text in (("report", "recall report PDF"),
                       ("notify", "customer notification list (.pdf or .csv)")):
        p = verbs.add_parser(verb, help=text)
        p.add_argument("recall", type=int)
        p.add_argument("--out", type=Path, required=True)
        add_user_option(p)
        p.set_defaults(func=evidence_command, verb=verb)


def _summary(result: recalls.RecallImpact) -> None:
    r = result.recall
    print(f"{'mock recall' if r.is_mock else 'recall'} {r.number} (id {r.id}), class "
          f"{r.recall_class}: {len(result.trace.lots)} lots, {len(result.customers)} customers, "
          f"{len(result.trace.shipments)} shipments; on hand {result.on_hand}, in transit "
          f"{result.in_transit}, shipped {result.shipped}, open orders {result.open_orders}, "
          f"exposure {result.exposure:.2f}; mass balance unexplained "
          f"{result.balance_total.unexplained}")


def open_command(args: argparse.Namespace) -> int:
    with session_for(args) as session:
        row = recalls.open_recall(session, args.lots, args.reason, args.recall_class,
                                  args.reference, mock=args.mock)
        _summary(recalls.impact(session, row.id))
    return 0


def list_command(args: argparse.Namespace) -> int:
    with session_for(args) as session:
        rows = recalls.list_recalls(session)
    print_table(["id", "recall", "mock", "class", "sources", "state", "opened", "min to report",
                 "held"],
                [[r.id, r.number, "mock" if r.is_mock else "", r.recall_class,
                  " ".join(r.sources), r.state, r.opened_at,
                  "" if r.minutes_to_report is None else f"{r.minutes_to_report:.1f}",
                  f"{r.held}/{r.lots}"] for r in rows])
    return 0


def hold_command(args: argparse.Namespace) -> int:
    with server() as target:
        password = read_password(args, f"Password for {args.user} (signature): ")
        session = login(target, args.user, password)
        try:
            outcome = recalls.hold_all(session, Credentials(args.user, password), args.recall)
        finally:
            session.close()
    print(f"held {outcome['held']} lot(s) ({outcome['already_on_hold']} already on hold); "
          f"flagged {outcome['allocations_flagged']} open allocation(s)")
    return 0


def evidence_command(args: argparse.Namespace) -> int:
    with session_for(args) as session:
        result = recalls.impact(session, args.recall)
        if args.verb == "report":
            args.out.write_bytes(recalls.report_pdf(session, result))
        elif args.out.suffix.lower() == ".csv":
            with args.out.open("w", newline="") as fh:
                recalls.write_notifications(result, fh)
        elif args.out.suffix.lower() == ".pdf":
            args.out.write_bytes(recalls.notifications_pdf(session, result))
        else:
            raise CommandError("--out must end in .pdf or .csv")
    print(f"wrote {args.out}")
    return 0
