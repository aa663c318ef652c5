"""`python -m benchmarks.soak`: the load-and-fault run (see the package docstring)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from benchmarks import soak
from benchmarks.soak.config import SoakConfig, default_faults, parse_faults
from benchmarks.soak.report import render
from benchmarks.soak.run import run_soak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=soak.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workstations", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--processes", type=int, default=4,
                        help="worker processes sharing the workstations (the kill faults' "
                             "victims get one process each on top)")
    parser.add_argument("--think", type=float, default=1.0,
                        help="mean seconds a person pauses between two actions")
    parser.add_argument("--erp-interval", type=float, default=0.5)
    parser.add_argument("--faults", default=None,
                        help="e.g. 'terminate@90,kill_ingest@180,restart@270,kill_sign@360'; "
                             "default: five faults spread over the run; '' for none")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--data-dir", type=Path,
                        help="keep the server, ledgers and statistics here (default: a "
                             "temporary folder, deleted afterwards)")
    parser.add_argument("--report", type=Path, help="also write the Markdown report here")
    parser.add_argument("--extra-sql", type=Path,
                        help="SQL run as the schema owner after seeding (to measure a proposed "
                             "fix before it becomes a migration)")
    args = parser.parse_args(argv)
    seconds = args.minutes * 60
    faults = default_faults(seconds) if args.faults is None else parse_faults(args.faults)
    if args.data_dir is not None and args.data_dir.exists() and any(args.data_dir.iterdir()):
        parser.error(f"{args.data_dir} is not empty; name a new folder")
    config = SoakConfig(workstations=args.workstations, minutes=args.minutes,
                        processes=args.processes, think_seconds=args.think,
                        erp_interval=args.erp_interval, seed=args.seed, data_dir=args.data_dir,
                        faults=faults, extra_sql=args.extra_sql)
    started = time.monotonic()
    result = run_soak(config, say=lambda line: print(line, flush=True))
    text = render(result)
    print()
    print(text)
    print(f"(whole run {time.monotonic() - started:.0f} s)")
    if args.report:
        args.report.write_text(text)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
