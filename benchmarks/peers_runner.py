"""Run one public peer extractor over PDFs; run by the peers venv's python, not Lotproof's.

    /work/peers-venv/bin/python benchmarks/peers_runner.py sdsparser FILE.pdf ...
    /work/peers-venv/bin/python benchmarks/peers_runner.py coadoc FILE.pdf ...

Imports nothing from Lotproof (it runs in another interpreter). Prints JSON lines on stdout:
first {"status": "ok" | "unavailable", "reason", "version"}, then one line per file
{"file", "seconds", "raw", "error"} with the peer's own output, unconverted apart from picking
the keys the benchmark scores. Anything the peers print goes to stderr.

cannlytics' COA parsers need pdfplumber with a new pdfminer.six and Pillow, while sdsparser
pins pdfminer.six==20181108, so they cannot share one site-packages: cannlytics is installed
with ``pip install --target`` into ``<peers venv>/coa-site`` (or LOTPROOF_PEERS_COA_SITE), which
this script puts first on sys.path for the coadoc peer only.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

SDS_KEYS = ["product_name", "revision_date", "cas_number"]
COA_META_KEYS = ("product_name", "batch_number", "date_produced", "date_manufactured",
                 "lot_id", "lab")
ROW_KEYS = ("name", "value", "units", "result_raw", "qualitative", "status", "analysis")


def _emit(out: Any, record: dict[str, Any]) -> None:
    out.write(json.dumps(record, default=str) + "\n")
    out.flush()


def _version(dist: str) -> str | None:
    try:
        from importlib.metadata import version

        return version(dist)
    except Exception:
        return None


def _sdsparser() -> tuple[Callable[[str], dict[str, Any]], str | None]:
    from sdsparser import SDSParser

    parser = SDSParser(request_keys=SDS_KEYS, file_info=True)

    def run(path: str) -> dict[str, Any]:
        return dict(parser.get_sds_data(path))

    return run, _version("sdsparser")


def _coadoc() -> tuple[Callable[[str], dict[str, Any]], str | None]:
    site = os.environ.get("LOTPROOF_PEERS_COA_SITE") or str(Path(sys.prefix) / "coa-site")
    if Path(site).is_dir():
        sys.path.insert(0, site)
    # The 1.x API (COAdoc); what COAdoc.parse(method="algorithm") does, minus the QR scan,
    # keeping the algorithm's own dictionary, since the adapter drops date_produced.
    from cannlytics.data.coas import adapt_algorithm_output, identify_lab, load_algorithm

    def run(path: str) -> dict[str, Any]:
        lab = identify_lab(path)
        if lab is None:
            return {"lab_key": None}
        algorithm = load_algorithm(lab)
        if algorithm is None:
            return {"lab_key": lab, "no_algorithm": True}
        raw = algorithm(None, path)
        if not isinstance(raw, dict) or not raw:
            raise RuntimeError(f"algorithm for {lab} returned {type(raw).__name__}")
        adapted = adapt_algorithm_output(raw, "", lab) or {}
        rows = [
            {key: row.get(key) for key in ROW_KEYS}
            for analysis in adapted.get("analyses", {}).values()
            for row in analysis.get("results", [])
        ]
        meta = {key: raw.get(key) for key in COA_META_KEYS}
        return {"lab_key": lab, "metadata": meta, "results": rows}

    return run, _version("cannlytics")


PEERS: dict[str, Callable[[], tuple[Callable[[str], dict[str, Any]], str | None]]] = {
    "sdsparser": _sdsparser,
    "coadoc": _coadoc,
}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in PEERS:
        print(f"usage: peers_runner.py {{{'|'.join(PEERS)}}} FILE...", file=sys.stderr)
        return 2
    # keep stdout for our JSON; everything the peers print (even from C) goes to stderr
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        run, version = PEERS[sys.argv[1]]()
    except Exception as exc:
        _emit(out, {"status": "unavailable", "reason": f"{type(exc).__name__}: {exc}"})
        return 0
    _emit(out, {"status": "ok", "version": version, "python": sys.version.split()[0]})
    for path in sys.argv[2:]:
        started = time.perf_counter()
        raw: dict[str, Any] | None = None
        error = None
        try:
            raw = run(path)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        _emit(out, {"file": path, "seconds": time.perf_counter() - started, "raw": raw,
                    "error": error})
    return 0


if __name__ == "__main__":
    sys.exit(main())
