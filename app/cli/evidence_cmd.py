"""`lotproof evidence LOT --out FILE.zip`, `lotproof evidence --verify FILE.zip` and
`lotproof dossier lot|supplier CODE --out FILE.pdf`: audit preparation from the command line."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from app.cli.common import CommandError, add_user_option, session_for
from app.workflows import evidence


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bundle = sub.add_parser(
        "evidence", help="a lot's evidence bundle (ZIP with SHA-256 manifest), or check one",
        description="Write LOT's evidence bundle: the lot dossier PDF, every document as "
                    "stored, the audit trail as CSV, manifest.json and MANIFEST.sha256. "
                    "With --verify, recompute every hash of a bundle instead.")
    bundle.add_argument("lot", nargs="?", help="the lot code")
    bundle.add_argument("--out", type=Path, help="FILE.zip to write")
    bundle.add_argument("--verify", type=Path, metavar="FILE",
                        help="check a bundle; exit status 1 if anything does not match")
    add_user_option(bundle)
    bundle.set_defaults(func=evidence_command)

    dossier = sub.add_parser("dossier", help="lot or supplier dossier PDF")
    kinds = dossier.add_subparsers(dest="kind", required=True)
    lot = kinds.add_parser("lot", help="everything about one lot")
    lot.add_argument("code")
    lot.add_argument("--out", type=Path, required=True, help="FILE.pdf")
    add_user_option(lot)
    lot.set_defaults(func=lot_dossier_command)
    supplier = kinds.add_parser("supplier", help="approval history, documents and scorecard")
    supplier.add_argument("code")
    supplier.add_argument("--from", dest="date_from", type=dt.date.fromisoformat,
                          help="scorecard period start (default: a year before --to)")
    supplier.add_argument("--to", dest="date_to", type=dt.date.fromisoformat,
                          help="scorecard period end (default: today)")
    supplier.add_argument("--out", type=Path, required=True, help="FILE.pdf")
    add_user_option(supplier)
    supplier.set_defaults(func=supplier_dossier_command)


def evidence_command(args: argparse.Namespace) -> int:
    if args.verify:
        if args.lot or args.out:
            raise CommandError("--verify takes only the bundle to check")
        problems = evidence.verify_bundle(args.verify)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(f"{args.verify}: {len(problems)} problem(s) — the bundle is not as it was "
                  "made", file=sys.stderr)
            return 1
        print(f"{args.verify}: every file matches its SHA-256 in the manifest")
        return 0
    if not args.lot or not args.out:
        raise CommandError("give the lot and --out FILE.zip (or --verify FILE.zip)")
    with session_for(args) as session:
        made = evidence.evidence_bundle(session, args.lot, args.out)
    print(f"wrote {made.path}: {len(made.files)} files and the manifest, {made.size:,} bytes")
    for path in made.altered_documents:
        print(f"warning: {path} no longer matches the hash recorded when it was stored",
              file=sys.stderr)
    return 1 if made.altered_documents else 0


def _check_pdf(out: Path) -> None:
    if out.suffix.lower() != ".pdf":
        raise CommandError("--out must end in .pdf")


def _write_pdf(out: Path, pdf: bytes) -> None:
    out.write_bytes(pdf)
    print(f"wrote {out}: {len(pdf):,} bytes")


def lot_dossier_command(args: argparse.Namespace) -> int:
    _check_pdf(args.out)
    with session_for(args) as session:
        pdf = evidence.lot_dossier(session, args.code)
    _write_pdf(args.out, pdf)
    return 0


def supplier_dossier_command(args: argparse.Namespace) -> int:
    _check_pdf(args.out)
    with session_for(args) as session:
        try:
            pdf = evidence.supplier_dossier(session, args.code, date_from=args.date_from,
                                            date_to=args.date_to)
        except evidence.SupplierNotFound as exc:
            raise CommandError(str(exc)) from exc
    _write_pdf(args.out, pdf)
    return 0
