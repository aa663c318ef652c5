"""`lotproof extract` (read one file, print what was found) and `lotproof ingest` (store and
link supplier documents)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.common import CommandError, add_user_option, print_json, print_table, session_for
from app.workflows import documents


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    extract = sub.add_parser("extract", help="read one COA/SDS/image and print what was found")
    extract.add_argument("path", type=Path)
    extract.add_argument("--format", choices=("json", "table"), default="json")
    extract.add_argument("--details", action="store_true",
                         help="with --format json: also pages, kind confidence, row confidence")
    extract.set_defaults(func=extract_command)
    ingest = sub.add_parser("ingest", help="store supplier documents and link them to lots")
    ingest.add_argument("paths", type=Path, nargs="+")
    ingest.add_argument("--lot", help="link every file to this lot (otherwise matched by the "
                                      "lot number read from a COA)")
    add_user_option(ingest)
    ingest.set_defaults(func=ingest_command)


def extract_command(args: argparse.Namespace) -> int:
    try:
        _data, extraction = documents.read(args.path)
    except documents.DocumentError as exc:
        raise CommandError(str(exc)) from exc
    if args.format == "json":
        print_json(extraction.details_json_dict() if args.details else extraction.to_json_dict())
        return 0
    print(f"{args.path.name}: {extraction.kind} (confidence {extraction.kind_confidence:.2f})")
    print_table(["field", "value", "page", "confidence", "method"],
                [[name, f.value, f.page, f"{f.confidence:.2f}", f.method]
                 for name, f in extraction.fields.items()])
    if extraction.results:
        print()
        print_table(["test", "method", "specification", "result", "unit", "pass"],
                    [[r.test, r.method, r.specification, r.result, r.unit, r.passed]
                     for r in extraction.results])
    return 0


def ingest_command(args: argparse.Namespace) -> int:
    failures = 0
    with session_for(args) as session:
        for path in args.paths:
            try:
                outcome = documents.ingest(session, path, lot_code=args.lot)
            except documents.DocumentError as exc:
                print(f"{path.name}: NOT STORED — {exc.problem}", file=sys.stderr)
                failures += 1
                continue
            state = "stored" if outcome.created else "already stored"
            where = (f"linked to {', '.join(outcome.linked_lots)}" if outcome.linked_lots
                     else "not linked to a lot")
            print(f"{path.name}: {outcome.kind.upper()} {state} as document "
                  f"{outcome.document_id}, {where}")
            if outcome.needs_lot_choice:
                print(f"  lot number {outcome.lot_number!r} could mean: "
                      + ", ".join(f"{c.lot_code} ({c.match})" for c in outcome.candidates[:10]))
    return 1 if failures else 0
