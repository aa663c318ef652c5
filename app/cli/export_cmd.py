"""`lotproof export fsma204 | epcis`: regulatory exports."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from app.cli.common import CommandError, add_user_option, session_for
from app.workflows import exports


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = sub.add_parser("export", help="FSMA 204 spreadsheet, EPCIS 2.0 events")
    kinds = export.add_subparsers(dest="kind", required=True)
    fsma = kinds.add_parser("fsma204", help="critical tracking events as a sortable spreadsheet")
    scope = fsma.add_mutually_exclusive_group(required=True)
    scope.add_argument("--lots", nargs="+", metavar="CODE")
    scope.add_argument("--item", metavar="SKU")
    fsma.add_argument("--from", dest="date_from", type=dt.date.fromisoformat)
    fsma.add_argument("--to", dest="date_to", type=dt.date.fromisoformat)
    fsma.add_argument("--out", type=Path, required=True, help="FILE.xlsx or FILE.csv")
    add_user_option(fsma)
    fsma.set_defaults(func=fsma_command)
    ep = kinds.add_parser("epcis", help="a lot's events as EPCIS 2.0 JSON-LD")
    ep.add_argument("lot")
    ep.add_argument("--genealogy", action="store_true", help="include the lots it came from "
                                                              "and went into")
    ep.add_argument("--out", type=Path, required=True, help="FILE.jsonld")
    add_user_option(ep)
    ep.set_defaults(func=epcis_command)


def fsma_command(args: argparse.Namespace) -> int:
    if args.out.suffix.lower() not in (".xlsx", ".csv"):
        raise CommandError("--out must end in .xlsx or .csv")
    with session_for(args) as session:
        if args.lots:
            done = exports.fsma204_xlsx(session, lot_codes=args.lots, out=args.out, fmt=None)
        else:
            if not (args.date_from and args.date_to):
                raise CommandError("--item needs --from DATE and --to DATE")
            done = exports.fsma204_item(session, args.item, args.date_from, args.date_to,
                                        args.out)
    print(f"wrote {args.out}: {done.rows} rows ({done.events} critical tracking events)")
    return 0


def epcis_command(args: argparse.Namespace) -> int:
    with session_for(args) as session:
        count = exports.epcis_export(session, args.lot, args.out, genealogy=args.genealogy)
    print(f"wrote {args.out}: {count} EPCIS events")
    return 0
