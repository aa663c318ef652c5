"""`lotproof certificate SHIPMENT [--line N] --out FILE.pdf`: the customer's certificate for a
shipment (every line, or line N), issued and recorded; `--reprint ID` prints one again;
`--needs` lists what each line needs and what stops it; `--sds DIR` writes the SDS revisions due
with the shipment and records them as sent."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.common import CommandError, add_user_option, pdf_out, print_table, session_for
from app.workflows import shipment_documents as docs


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cert = sub.add_parser("certificate", help="customer certificate (COA / COC) for a shipment")
    cert.add_argument("shipment", nargs="?", metavar="SHIPMENT", help="shipment number")
    cert.add_argument("--line", type=int, metavar="N", help="only the shipment's Nth line")
    cert.add_argument("--kind", choices=("coa", "coc"),
                      help="default: what the customer asks for (else its profile, else coa)")
    cert.add_argument("--out", type=Path, help="the PDF to write")
    cert.add_argument("--reprint", type=int, metavar="ID", help="an issued certificate again")
    cert.add_argument("--needs", action="store_true",
                      help="list the certificates the lines need and what stops them")
    cert.add_argument("--sds", type=Path, metavar="DIR",
                      help="write the SDS revisions due with the shipment into DIR")
    add_user_option(cert)
    cert.set_defaults(func=certificate_command)


def certificate_command(args: argparse.Namespace) -> int:
    if args.reprint is None and not args.shipment:
        raise CommandError("name the shipment (or --reprint ID)")
    if args.needs:
        with session_for(args) as session:
            rows = docs.needs(session, args.shipment)
        print_table(["line", "lot", "item", "qty", "kind", "issued", "stopped by"],
                    [[n.position, n.lot_code, n.item, n.qty, n.kind, n.issued_id or "",
                      "; ".join(n.blockers)] for n in rows])
        return 0
    if args.sds is not None:
        if not args.user:
            raise CommandError("an SDS is recorded as sent by a person: add --user NAME")
        args.sds.mkdir(parents=True, exist_ok=True)
        with session_for(args) as session:
            files = docs.send_sds(session, args.shipment)
        for name, content in files:
            (args.sds / Path(name).name).write_bytes(content)
            print(f"wrote {args.sds / Path(name).name}")
        if not files:
            print(f"no SDS is due with {args.shipment}")
        return 0
    pdf_out(args)
    with session_for(args) as session:
        if args.reprint is not None:
            args.out.write_bytes(docs.reprint(session, args.reprint))
            print(f"wrote {args.out}")
            return 0
        if not args.user:
            raise CommandError("a certificate is issued by a person: add --user NAME")
        issued = docs.issue(session, args.shipment, args.line, args.kind)
    args.out.write_bytes(issued.pdf)
    for c in issued.certificates:
        print(f"{c.number}: lot {c.lot_code}, content SHA-256 {c.sha256}")
    print(f"wrote {args.out}")
    return 0
