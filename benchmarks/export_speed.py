"""FSMA 204 spreadsheet and EPCIS export speed for the most-shipped source lot.

    LOTPROOF_DATA_DIR=... python -m benchmarks.export_speed [--runs N] [--lot CODE] [--openpyxl]

Against whatever database Lotproof is configured for (seed it with `lotproof demo seed --scale
large`: the large data's hero lot is split into 200 child lots that reach 10,000 shipments).
The source lot is the one with the most child lots unless `--lot` names another; the export
covers it and every lot made from it (forward trace), as a recall's FSMA 204 spreadsheet does.
The issue's bar is for the recall report PDF plus this spreadsheet together: < 5 s.

`--openpyxl` also times the same rows through openpyxl's write-only workbook once, the baseline
the module's own XLSX writer replaced.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from sqlalchemy import text

from app.db.engine import make_engine
from app.db.queries.tracking_events import events_for_lots, genealogy_lot_ids, lot_ids_for_codes
from app.db.server import open_server
from app.reports.epcis import build_epcis_document, dumps
from app.reports.fsma204 import FSMA_COLUMNS, fsma_rows, write_fsma_csv, write_fsma_xlsx
from benchmarks.timing import measure


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lot", help="source lot code (default: the lot with most children)")
    parser.add_argument("--openpyxl", action="store_true",
                        help="also time openpyxl's write-only mode once, for comparison")
    args = parser.parse_args()

    target = open_server()
    engine = make_engine(target.admin_url)
    out = Path(tempfile.mkdtemp(prefix="lotproof-export-bench-"))
    with engine.connect() as conn:
        if args.lot:
            source = lot_ids_for_codes(conn, [args.lot])[0]
        else:
            source = conn.execute(text(
                "SELECT parent_lot_id FROM erp.lot_genealogy GROUP BY parent_lot_id "
                "ORDER BY count(*) DESC, parent_lot_id LIMIT 1"
            )).scalar_one()
        code = conn.execute(text("SELECT lot_code FROM quality.lots WHERE id = :id"),
                            {"id": source}).scalar_one()
        ids = genealogy_lot_ids(conn, [source], ancestors=False)
        events = events_for_lots(conn, ids)
        rows = sum(1 for _ in fsma_rows(events))
        print(f"source lot {code}: {len(ids)} lots with its descendants, {len(events):,} events, "
              f"{rows:,} spreadsheet rows")

        def read() -> None:
            events_for_lots(conn, genealogy_lot_ids(conn, [source], ancestors=False))

        def read_and_xlsx() -> None:
            found = events_for_lots(conn, genealogy_lot_ids(conn, [source], ancestors=False))
            write_fsma_xlsx(found, out / "fsma.xlsx")

        timings = [
            measure("read the events (lot + descendants)", read, runs=args.runs),
            measure("write XLSX", lambda: write_fsma_xlsx(events, out / "fsma.xlsx"),
                    runs=args.runs),
            measure("write CSV", lambda: write_fsma_csv(events, out / "fsma.csv"),
                    runs=args.runs),
            measure("read + write XLSX (the spreadsheet export)", read_and_xlsx,
                    runs=args.runs),
            measure("EPCIS document of the lot and its genealogy",
                    lambda: dumps(build_epcis_document(events)), runs=args.runs),
        ]
    for timing in timings:
        print(timing.line())
    size = (out / "fsma.xlsx").stat().st_size
    print(f"XLSX {size / 1e6:.1f} MB, CSV {(out / 'fsma.csv').stat().st_size / 1e6:.1f} MB "
          f"in {out}")
    if args.openpyxl:
        from openpyxl import Workbook

        def with_openpyxl() -> None:
            wb = Workbook(write_only=True)
            ws = wb.create_sheet("FSMA 204 CTEs")
            ws.freeze_panes = "A2"
            ws.append(FSMA_COLUMNS)
            for row in fsma_rows(events):
                ws.append(row)
            wb.save(out / "fsma-openpyxl.xlsx")

        print(measure("openpyxl write-only, same rows (baseline)", with_openpyxl, runs=1,
                      warmup=0).line())
    engine.dispose()


if __name__ == "__main__":
    main()
