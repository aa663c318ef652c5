"""`lotproof trace LOT [--forward|--backward] [--format table|json|csv]`."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict

from app.cli.common import add_user_option, print_json, print_table, session_for
from app.workflows import trace


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("trace", help="trace a lot forward (where it went) or backward")
    p.add_argument("lots", nargs="+", metavar="LOT")
    way = p.add_mutually_exclusive_group()
    way.add_argument("--forward", dest="direction", action="store_const", const="forward")
    way.add_argument("--backward", dest="direction", action="store_const", const="backward")
    p.set_defaults(direction="forward")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    add_user_option(p)
    p.set_defaults(func=trace_command)


def trace_command(args: argparse.Namespace) -> int:
    with session_for(args) as session:
        result = trace.trace(session, args.lots, args.direction)
    if not result.lots:
        print(f"lotproof: no lot {', '.join(args.lots)}", file=sys.stderr)
        return 2
    if args.format == "json":
        print_json({"start": result.start, "direction": result.direction,
                    "max_depth": result.max_depth,
                    "lots": [asdict(x) for x in result.lots],
                    "stock": [asdict(x) for x in result.stock],
                    "shipments": [asdict(x) for x in result.shipments],
                    "open_orders": [asdict(x) for x in result.allocations],
                    "returns": [asdict(x) for x in result.returns],
                    "sources": [asdict(x) for x in result.sources]})
        return 0
    if args.format == "csv":
        trace.write_csv(result, sys.stdout)
        return 0
    print(f"{result.direction} trace of {', '.join(result.start)}: {len(result.lots)} lots, "
          f"depth {result.max_depth}")
    print_table(["depth", "lot", "via", "qty", "item", "status", "path"],
                [[x.depth, x.lot_code, x.via or "", x.via_qty or "", x.item[:36], x.status,
                  " > ".join(x.path)] for x in result.lots])
    if result.direction == "forward":
        print(f"\nstock: {len(result.stock)} locations; shipments: {len(result.shipments)}; "
              f"open orders: {len(result.allocations)}; returns: {len(result.returns)}")
        print_table(["customer", "shipment", "lot", "shipped", "qty"],
                    [[s.customer, s.shipment, s.lot_code, s.shipped_at, s.qty]
                     for s in result.shipments[:50]])
    else:
        print_table(["source lot", "supplier", "supplier lot", "receipt", "received"],
                    [[s.lot_code, s.supplier, s.supplier_lot_code, s.receipt, s.received_at]
                     for s in result.sources])
    return 0
