"""`lotproof lot`: finding and reading lots."""

from __future__ import annotations

import argparse
from dataclasses import asdict

from app.cli import decision_cmd
from app.cli.common import add_user_option, print_json, print_table, session_for
from app.db.lot_status import STATUSES as LOT_STATUSES
from app.workflows import decisions, lots


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    lot = sub.add_parser("lot", help="find and read lots")
    verbs = lot.add_subparsers(dest="verb", required=True)
    ls = verbs.add_parser("list", help="list lots")
    ls.add_argument("--status", action="append", choices=LOT_STATUSES,
                    help="only lots in this status (repeatable)")
    ls.add_argument("--search", default="",
                    help="lot code or supplier lot code prefix, item or supplier name")
    ls.add_argument("--sort", default="lot_code", choices=sorted(lots.SORT_KEYS))
    ls.add_argument("--desc", action="store_true", help="sort descending")
    ls.add_argument("--limit", type=int, default=50)
    ls.add_argument("--format", choices=("table", "json"), default="table")
    add_user_option(ls)
    ls.set_defaults(func=list_lots)
    show = verbs.add_parser("show", help="one lot: attributes, stock, movements")
    show.add_argument("lot", help="lot code")
    show.add_argument("--format", choices=("table", "json"), default="table")
    add_user_option(show)
    show.set_defaults(func=show_lot)
    decision_cmd.register_verbs(verbs)


def list_lots(args: argparse.Namespace) -> int:
    f = lots.LotFilter(search=args.search, statuses=tuple(args.status or ()))
    with session_for(args) as session:
        page = lots.browse(session, f, args.sort, descending=args.desc,
                           limit=max(1, min(args.limit, 10_000)))
    records = [
        {
            "lot_code": r.lot_code,
            "supplier_lot_code": r.supplier_lot_code,
            "item": r.item_name,
            "item_sku": r.item_sku,
            "supplier": r.supplier_name,
            "status": r.status,
            "manufacture_date": r.manufacture_date,
            "expiry_date": r.expiry_date,
            "on_hand": r.on_hand,
            "uom": r.uom,
        }
        for r in page.rows
    ]
    if args.format == "json":
        print_json(records)
    else:
        print_table(
            ["lot", "supplier lot", "sku", "item", "supplier", "status", "expires", "on hand"],
            [[r.lot_code, r.supplier_lot_code, r.item_sku, r.item_name[:40], r.supplier_name,
              r.status, r.expiry_date, r.on_hand] for r in page.rows],
        )
    return 0


def show_lot(args: argparse.Namespace) -> int:
    with session_for(args) as session:
        d = lots.detail(session, args.lot)
        history = decisions.history(session, args.lot)
    if args.format == "json":
        print_json({
            **asdict(d.lot),
            "item": d.lot.item_name,
            "stock": [asdict(s) for s in d.stock],
            "movements": [asdict(m) for m in d.movements],
            "history": [
                {**asdict(h), "signatures": [
                    {**asdict(s), "manifestation": s.manifestation()} for s in h.signatures]}
                for h in history
            ],
        })
        return 0
    a = d.lot
    for label, value in (
        ("Lot", a.lot_code), ("Status", a.status), ("Item", f"{a.item_sku} {a.item_name}"),
        ("Supplier", f"{a.supplier_name or '-'} ({a.supplier_status or 'in-house'})"),
        ("Supplier lot", a.supplier_lot_code or "-"), ("Origin", a.origin),
        ("Manufactured", a.manufacture_date), ("Expires", a.expiry_date),
        ("Receipt", f"{a.receipt_number or '-'} {a.received_at or ''}".strip()),
        ("On hand", f"{a.on_hand} {a.uom}"),
    ):
        print(f"{label:>13}: {value}")
    print("\nStatus history")
    for h in history:
        who = h.created_by_name or h.created_by
        print(f"  #{h.id} {h.created_at:%Y-%m-%d %H:%M} {h.title}: {h.from_status} -> "
              f"{h.to_status} by {who} [{h.state}]" + (f" — {h.reason}" if h.reason else ""))
        for s in h.signatures:
            print(f"      signed: {s.manifestation()}")
    if not history:
        print("  (no quality decisions recorded)")
    print("\nStock")
    print_table(["site", "location", "kind", "qty"],
                [[s.site_code, s.location_code, s.location_kind, s.qty] for s in d.stock])
    print("\nMovements")
    print_table(["when", "kind", "qty", "from", "to", "reference"],
                [[m.moved_at, m.kind, m.qty, m.from_location, m.to_location, m.reference]
                 for m in d.movements])
    return 0
