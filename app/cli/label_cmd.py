"""`lotproof label LOT --kind lot|pallet|status [--size 4x6|100x150] --out FILE.pdf`: print a
lot's GS1 label, pallet (SSCC) labels or its status label, recorded as printed; `--list` shows
the labels printed for the lot; `--reprint ID` prints one again."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.common import CommandError, add_user_option, pdf_out, print_table, session_for
from app.reports.labels import SIZES
from app.workflows import labels


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = sub.add_parser("label", help="GS1 lot, pallet (SSCC) or status label for a lot")
    cmd.add_argument("lot", nargs="?", metavar="LOT", help="lot code")
    cmd.add_argument("--kind", choices=tuple(labels.KINDS), default="lot")
    cmd.add_argument("--size", choices=tuple(SIZES), default="4x6",
                     help="4x6 (inches) or 100x150 (mm); default 4x6")
    cmd.add_argument("--copies", type=int, default=1,
                     help="how many labels (pallet labels: one pallet each, its own SSCC)")
    cmd.add_argument("--units", type=int, help="pallet labels: units of the item per pallet")
    cmd.add_argument("--date", choices=("expiry", "best-before"),
                     help="the date the label carries (default: best before for food, else expiry)")
    cmd.add_argument("--out", type=Path, help="the PDF to write")
    cmd.add_argument("--list", action="store_true", help="the labels printed for the lot")
    cmd.add_argument("--reprint", type=int, metavar="ID", help="a printed label again")
    add_user_option(cmd)
    cmd.set_defaults(func=label_command)


def label_command(args: argparse.Namespace) -> int:
    if args.reprint is None and not args.lot:
        raise CommandError("name the lot (or --reprint ID)")
    if args.list:
        with session_for(args) as session:
            rows = labels.labels_of_lot(session, args.lot)
        print_table(["id", "kind", "size", "SSCC", "printed by", "printed at", "barcodes"],
                    [[r.id, r.kind, r.size, r.sscc or "", r.printed_by,
                      f"{r.printed_at:%Y-%m-%d %H:%M}",
                      " ".join(r.content.get("element_strings") or [])] for r in rows])
        return 0
    pdf_out(args)
    with session_for(args) as session:
        if args.reprint is not None:
            args.out.write_bytes(labels.reprint(session, args.reprint))
            print(f"wrote {args.out}")
            return 0
        if not args.user:
            raise CommandError("a printed label is recorded with who printed it: add --user NAME")
        date_ai = {"expiry": "17", "best-before": "15", None: None}[args.date]
        try:
            printed = labels.print_labels(session, args.lot, args.kind, args.size,
                                          copies=args.copies, units=args.units, date_ai=date_ai)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
    args.out.write_bytes(printed.pdf)
    for r in printed.labels:
        print(f"label {r.id}: {' '.join(r.content.get('element_strings') or [r.content['status']])}")
    print(f"wrote {args.out}")
    return 0
