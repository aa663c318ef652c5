"""`lotproof lot hold|release|reject|dispose|approve`: signed decisions from the command line,
through the same database functions as the workstation."""

from __future__ import annotations

import argparse

from app.cli.common import CommandError, read_password, server
from app.db.server import ServerTarget
from app.workflows import decisions
from app.workflows.decisions import DISPOSITIONS, Credentials, DecisionResult
from app.workflows.session import UserSession, login


def register_verbs(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for verb, help_text, meaning in (
        ("hold", "place a lot on hold", "Placed on hold"),
        ("release", "release a lot (or lift its hold)", "Released"),
        ("reject", "reject a lot", "Rejected"),
        ("dispose", "propose a disposition for a rejected lot (a second person approves)",
         "Disposition proposed"),
    ):
        p = verbs.add_parser(verb, help=help_text)
        p.add_argument("lot", help="lot code")
        p.add_argument("--reason", default="", help="why (required for hold, reject, dispose)")
        p.add_argument("--meaning", default=meaning, help=f"signature meaning (default: {meaning})")
        if verb == "release":
            p.add_argument("--override", help="written justification to release despite "
                                              "blockers; a compliance officer must co-sign")
        if verb == "dispose":
            p.add_argument("--disposition", required=True, choices=DISPOSITIONS)
        _signer_options(p)
        p.set_defaults(func=decide, verb=verb)
    approve = verbs.add_parser("approve", help="give the second signature to a pending decision")
    approve.add_argument("decision", type=int, help="decision number (see `lotproof lot show`)")
    approve.add_argument("--meaning", default=None)
    _signer_options(approve)
    approve.set_defaults(func=approve_decision)


def _signer_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", required=True, help="who signs (a Lotproof user name)")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from standard input instead of a prompt")


def _signed(target: ServerTarget, args: argparse.Namespace) -> tuple[UserSession, Credentials]:
    password = read_password(args, f"Password for {args.user} (signature): ")
    return login(target, args.user, password), Credentials(args.user, password)


def decide(args: argparse.Namespace) -> int:
    with server() as target:
        session, creds = _signed(target, args)
        try:
            state = decisions.lot_state(session, args.lot)
            if state is None:
                raise CommandError(f"no lot {args.lot!r}")
            result: DecisionResult
            if args.verb == "hold":
                result = decisions.hold(session, creds, args.lot, args.reason, state.status,
                                        args.meaning)
            elif args.verb == "release":
                result = decisions.release(session, creds, args.lot, args.reason, state.status,
                                           args.override, args.meaning)
            elif args.verb == "reject":
                result = decisions.reject(session, creds, args.lot, args.reason, state.status,
                                          args.meaning)
            else:
                result = decisions.propose_disposition(session, creds, args.lot,
                                                       args.disposition, args.reason,
                                                       state.status, args.meaning)
            after = decisions.lot_state(session, args.lot)
        finally:
            session.close()
    status = after.status if after else "?"
    if result.state == "pending":
        print(f"decision {result.decision_id} signed; waiting for a second signature "
              f"(lot {args.lot} stays {status})")
        for blocker in result.blockers:
            print(f"  overridden: {blocker}")
    else:
        print(f"decision {result.decision_id} signed; lot {args.lot} is now {status}")
    return 0


def approve_decision(args: argparse.Namespace) -> int:
    with server() as target:
        session, creds = _signed(target, args)
        try:
            result = decisions.approve(session, creds, args.decision, args.meaning)
        finally:
            session.close()
    print(f"decision {result.decision_id} approved with a second signature")
    return 0
