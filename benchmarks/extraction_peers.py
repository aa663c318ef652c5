"""Lotproof's extractor side by side with two public peers on the shared real-document corpus.

    .venv/bin/python -m benchmarks.extraction_peers [--corpus DIR] [--peers-python PY]
                                                    [--only sdsparser|coadoc] [--verbose]

Peers. ``sdsparser`` (PyPI) on the safety data sheets: product name, revision date, CAS numbers.
cannlytics' COA parser (``cannlytics`` on PyPI; 1.x calls it ``COAdoc``, older releases
``CoADoc``) on the certificates of analysis it has a lab algorithm for: product name, lot
(``batch_number``), production date (``date_produced``) and result rows. It runs the
algorithms only (``method="algorithm"``: no AI, no QR scan), through the package's public
``identify_lab`` / ``load_algorithm`` / ``adapt_algorithm_output``, as ``COAdoc.parse`` does,
keeping the algorithm's own dictionary because the adapter drops ``date_produced``.

The peers are never project dependencies. They live in their own venv, run by
``benchmarks/peers_runner.py`` in a subprocess (one per peer, all files, one JSON line per
file, time per file measured inside it). Make the venv once (sdsparser pins
pdfminer.six==20181108 and Pillow<5.5 while cannlytics' parsers need pdfplumber with new ones,
so cannlytics goes into a separate ``--target`` folder the runner puts on sys.path; Pillow 5.4
crashes on Python >= 3.10 in sdsparser's OCR path, hence the upgrade):

    python3 -m venv /work/peers-venv
    /work/peers-venv/bin/pip install sdsparser
    /work/peers-venv/bin/pip install "Pillow>=10"
    /work/peers-venv/bin/pip install --target /work/peers-venv/coa-site "cannlytics[coa]"

sdsparser's OCR fallback needs the tesseract and pdftoppm (poppler-utils) programs. The peers
python is ``--peers-python`` or LOTPROOF_PEERS_PYTHON (default /work/peers-venv/bin/python); when
it is missing the benchmark prints these commands and exits. A peer that cannot be imported is
reported with the reason and the other still runs.

Scoring. Each peer's output is converted to Lotproof's ``to_json_dict()`` shape ({"kind",
"fields": {name: {"value"}}, "results": [...]}) and scored by the same functions as
``benchmarks.extraction_corpus`` (``field_right``, ``row_right``): normalised equality, dates as
ISO (peer dates go through ``app.documents.dates.parse_date``), CAS numbers as sets. Peer values
are otherwise taken as returned (sdsparser's "Data not listed" counts as nothing found). A peer is
scored only on the fields it produces at all (declared, and non-empty on at least one file), and
Lotproof on the same fields of the same files, run in-process one file at a time. cannlytics
rows carry no page number, so result rows are matched on any page, for both tools alike.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.documents.dates import parse_date
from app.documents.errors import DocumentError
from app.documents.extract import extract_file
from benchmarks.extraction_common import median, pct
from benchmarks.extraction_corpus import default_corpus, field_right, norm, row_right

RUNNER = Path(__file__).resolve().with_name("peers_runner.py")
DEFAULT_PEERS_PYTHON = "/work/peers-venv/bin/python"
SETUP = """\
    python3 -m venv /work/peers-venv
    /work/peers-venv/bin/pip install sdsparser
    /work/peers-venv/bin/pip install "Pillow>=10"
    /work/peers-venv/bin/pip install --target /work/peers-venv/coa-site "cannlytics[coa]"
"""
_CAS = re.compile(r"(?<![\d-])\d{2,7}-\d\d-\d(?![\d-])")
_LOOSE_DATE = re.compile(r"\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}")
_NOTHING = {"data not listed", "no data available", ""}

Doc = dict[str, Any]


@dataclass(frozen=True)
class Peer:
    key: str  # the runner's name for it
    title: str
    kind: str  # which documents: "sds" or "coa"
    fields: tuple[str, ...]  # Lotproof field names the peer can fill
    rows: bool  # whether it returns result rows
    convert: Callable[[dict[str, Any]], Doc]
    skipped: str  # labelled fields it has no counterpart for


def iso(text: Any) -> str | None:
    """A peer's date as ISO; the first date-like token if the text has words glued on."""
    if not isinstance(text, str) or norm(text) in _NOTHING:
        return None
    found = parse_date(text)
    if found is None and (m := _LOOSE_DATE.search(text)):
        found = parse_date(m.group(0))
    return found.iso if found else None


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and norm(value) in _NOTHING):
        return None
    return str(value).strip()


def _doc(fields: dict[str, Any], rows: list[dict[str, Any]] | None = None) -> Doc:
    return {"kind": None, "fields": {k: {"value": v} for k, v in fields.items() if v not in
                                     (None, "", [])}, "results": rows or []}


def sdsparser_doc(raw: dict[str, Any]) -> Doc:
    cas = _text(raw.get("cas_number")) or ""
    return _doc({
        "product_name": _text(raw.get("product_name")),
        "revision_date": iso(raw.get("revision_date")),
        "cas_numbers": [{"cas": c, "concentration": None} for c in dict.fromkeys(_CAS.findall(cas))],
    })


def _row_result(row: dict[str, Any]) -> str:
    for key in ("result_raw", "value", "qualitative", "status"):
        value = row.get(key)
        if value not in (None, ""):
            return str(value)
    return ""


def coadoc_doc(raw: dict[str, Any]) -> Doc:
    meta = raw.get("metadata") or {}
    rows = [{"page": None, "test": str(r.get("name") or ""), "result": _row_result(r)}
            for r in raw.get("results") or []]
    return _doc({
        "product_name": _text(meta.get("product_name")),
        "lot_number": _text(meta.get("batch_number")),
        "manufacture_date": iso(meta.get("date_produced") or meta.get("date_manufactured")),
    }, rows)


PEERS = (
    Peer("sdsparser", "sdsparser", "sds", ("product_name", "revision_date", "cas_numbers"),
         False, sdsparser_doc, "kind, signal_word, un_number, h_statements"),
    Peer("coadoc", "cannlytics COAdoc", "coa", ("product_name", "lot_number", "manufacture_date"),
         True, coadoc_doc, "kind, expiry_date"),
)


@dataclass
class PeerRun:
    status: dict[str, Any]
    records: dict[str, dict[str, Any]]  # corpus name -> runner record
    wall: float
    problem: str | None = None


def run_peer(python: str, peer: Peer, corpus: Path, names: list[str], timeout: float) -> PeerRun:
    paths = {str(corpus / name): name for name in names}
    started = time.perf_counter()
    try:
        done = subprocess.run([python, str(RUNNER), peer.key, *paths], capture_output=True,
                              text=True, timeout=timeout, check=False)
        stdout, stderr, problem = done.stdout, done.stderr, None
        if done.returncode:
            problem = f"runner exited with {done.returncode}: {stderr.strip()[-300:]}"
    except subprocess.TimeoutExpired as exc:
        stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        problem = f"runner timed out after {timeout:.0f}s"
    wall = time.perf_counter() - started
    lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    status = lines[0] if lines and "status" in lines[0] else {"status": "unavailable",
                                                             "reason": problem or "no output"}
    records = {paths[r["file"]]: r for r in lines if "file" in r}
    return PeerRun(status, records, wall, problem)


def run_lotproof(corpus: Path, names: list[str]) -> dict[str, tuple[Doc | None, str | None, float]]:
    out: dict[str, tuple[Doc | None, str | None, float]] = {}
    for name in names:
        started = time.perf_counter()
        try:
            got: Doc | None = extract_file(corpus / name).to_json_dict()
            error = None
        except DocumentError as exc:
            got, error = None, str(exc)
        except Exception as exc:  # a crash is a result here, not a reason to stop
            got, error = None, f"crash {type(exc).__name__}: {exc}"
        out[name] = (got, error, time.perf_counter() - started)
    return out


def _value(name: str, got: Doc | None) -> Any:
    if got is None:
        return "<failed>"
    value = got["fields"].get(name, {}).get("value")
    if name == "cas_numbers" and value:
        return sorted(item["cas"] for item in value)
    return value


def _any_page(rows: list[dict[str, Any]], page: int) -> list[dict[str, Any]]:
    return [{**row, "page": page} for row in rows]


def _table(title: str, headers: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Like extraction_common.print_table, for any number of columns."""
    print(f"\n{title}")
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=True)]
    for line in [headers, *rows]:
        cells = [f"{line[0]!s:<{widths[0]}}"]
        cells += [f"{x!s:>{w}}" for x, w in zip(line[1:], widths[1:], strict=True)]
        if headers[-1] == "note":  # free text reads better flush left
            cells[-1] = str(line[-1])
        print("  " + "  ".join(cells).rstrip())


def compare(peer: Peer, run: PeerRun, labels: dict[str, dict[str, Any]],
            lotproof: dict[str, tuple[Doc | None, str | None, float]], names: list[str],
            verbose: bool) -> None:
    docs: dict[str, Doc | None] = {}
    for name in names:
        record = run.records.get(name)
        docs[name] = None if record is None or record["error"] else peer.convert(record["raw"])
    produced = [f for f in peer.fields
                if any(d is not None and f in d["fields"] for d in docs.values())]
    dropped = [f for f in peer.fields if f not in produced]
    with_rows = peer.rows and any(d is not None and d["results"] for d in docs.values())
    print(f"\nScored fields: {', '.join(produced + (['result rows'] if with_rows else []))}"
          + (f"; declared but never filled, so not scored: {', '.join(dropped)}" if dropped else "")
          + f"; not produced by {peer.title} at all: {peer.skipped}")

    tallies: dict[str, list[int]] = {f: [0, 0, 0] for f in [*produced, "result_rows"]}
    per_file: list[tuple[Any, ...]] = []
    better: list[str] = []
    worse: list[str] = []
    for name in names:
        label = labels[name]
        ours, our_error, our_seconds = lotproof[name]
        theirs = docs[name]
        record = run.records.get(name)
        mine = peer_right = total = 0
        checks: list[tuple[str, bool, bool, Any, Any, Any]] = []
        for field_name in produced:
            a = ours is not None and field_right(field_name, label, ours)
            b = theirs is not None and field_right(field_name, label, theirs)
            checks.append((field_name, a, b, label.get(field_name), _value(field_name, ours),
                           _value(field_name, theirs)))
        if with_rows:
            for s in label.get("results_sample", []):
                a = ours is not None and row_right(s, _any_page(ours["results"], s["page"]))
                b = theirs is not None and row_right(s, _any_page(theirs["results"], s["page"]))
                checks.append((f"row {s['test']!r}", a, b, s["result"], None, None))
        for field_name, a, b, expected, got_ours, got_theirs in checks:
            tally = tallies[field_name if not field_name.startswith("row ") else "result_rows"]
            tally[0] += 1
            tally[1] += int(a)
            tally[2] += int(b)
            total += 1
            mine += int(a)
            peer_right += int(b)
            if a == b:
                continue
            detail = f"{name}: {field_name} expected {expected!r}"
            if not field_name.startswith("row "):
                detail += f"; Lotproof {got_ours!r}; {peer.title} {got_theirs!r}"
            (better if b else worse).append(detail)
        if record is None:
            note = f"no output ({run.problem or 'runner stopped'})"
        elif record["error"]:
            note = f"CRASH {record['error'][:70]}"
        elif peer.key == "coadoc":
            note = (f"lab {record['raw'].get('lab_key')}, "
                    f"{len(record['raw'].get('results') or [])} rows")
        else:
            note = f"format {record['raw'].get('format')}, OCR {record['raw'].get('ocr_ran')}"
        if our_error:
            note += f"; Lotproof failed: {our_error[:60]}"
        peer_seconds = f"{record['seconds']:.1f}s" if record else "-"
        per_file.append((name, f"{mine}/{total}", f"{our_seconds:.1f}s", f"{peer_right}/{total}",
                         peer_seconds, note))

    rows = [(f, n, f"{a}/{n} {pct(a, n)}", f"{b}/{n} {pct(b, n)}")
            for f, (n, a, b) in tallies.items() if n]
    n_all, a_all, b_all = (sum(t[i] for t in tallies.values()) for i in range(3))
    rows.append(("ALL", n_all, f"{a_all}/{n_all} {pct(a_all, n_all)}",
                 f"{b_all}/{n_all} {pct(b_all, n_all)}"))
    _table(f"{peer.title} vs Lotproof: right per field ({len(names)} files)",
           ("field", "checks", "Lotproof right", f"{peer.title} right"), rows)
    _table("Per file (right/checked, seconds per file)",
           ("file", "Lotproof", "time", peer.title, "time", "note"), per_file)

    our_times = [lotproof[n][2] for n in names]
    their_times = [run.records[n]["seconds"] for n in names if n in run.records]
    _table("Time per file (seconds)", ("tool", "files", "total", "median", "max"), [
        ("Lotproof (in-process)", len(our_times), f"{sum(our_times):.1f}",
         f"{median(our_times):.2f}", f"{max(our_times, default=0):.1f}"),
        (f"{peer.title} (subprocess)", len(their_times), f"{sum(their_times):.1f}",
         f"{median(their_times):.2f}", f"{max(their_times, default=0):.1f}"),
    ])
    print(f"  ({peer.title} subprocess wall time incl. interpreter start and imports: "
          f"{run.wall:.1f}s)")
    print(f"\nWhere {peer.title} does better ({len(better)}):")
    for line in better:
        print("  ", line)
    print(f"Where Lotproof does better: {len(worse)}" + ("" if verbose else " (--verbose lists)"))
    for line in worse if verbose else []:
        print("  ", line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    parser.add_argument("--peers-python",
                        default=os.environ.get("LOTPROOF_PEERS_PYTHON", DEFAULT_PEERS_PYTHON))
    parser.add_argument("--only", choices=[p.key for p in PEERS], help="run one peer")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per peer run")
    parser.add_argument("--verbose", action="store_true", help="also list where Lotproof wins")
    args = parser.parse_args()
    started = time.perf_counter()
    labels_path = args.corpus / "labels.json"
    if not labels_path.exists():
        print(f"corpus not found at {args.corpus}; skipping (set LOTPROOF_CORPUS to run)")
        return
    if not Path(args.peers_python).exists():
        print(f"peers python not found at {args.peers_python}; skipping. Make the peers venv "
              f"(outside the project; never a project dependency) with:\n{SETUP}"
              "or point --peers-python / LOTPROOF_PEERS_PYTHON at one.")
        return
    labels: dict[str, dict[str, Any]] = json.loads(labels_path.read_text())
    lotproof: dict[str, tuple[Doc | None, str | None, float]] = {}
    for peer in PEERS:
        if args.only and peer.key != args.only:
            continue
        names = [n for n in sorted(labels) if labels[n]["kind"] == peer.kind]
        print(f"\n=== {peer.title} on {len(names)} {peer.kind.upper()} files ===")
        run = run_peer(args.peers_python, peer, args.corpus, names, args.timeout)
        if run.status.get("status") != "ok":
            print(f"{peer.title} could not run: {run.status.get('reason')}\n"
                  f"Install it with:\n{SETUP}")
            continue
        print(f"{peer.title} {run.status.get('version')} on Python {run.status.get('python')}"
              + (f"; {run.problem}" if run.problem else ""))
        if peer.key == "coadoc":
            # scored only where cannlytics has an algorithm for the lab
            no_parser = [n for n in names if n in run.records and not run.records[n]["error"]
                         and (not run.records[n]["raw"].get("lab_key")
                              or run.records[n]["raw"].get("no_algorithm"))]
            print(f"Lab algorithm found for {len(names) - len(no_parser)} of {len(names)} COAs; "
                  f"not scored (no parser): {', '.join(Path(n).name for n in no_parser) or '-'}")
            names = [n for n in names if n not in no_parser]
        todo = [n for n in names if n not in lotproof]
        lotproof.update(run_lotproof(args.corpus, todo))
        compare(peer, run, labels, lotproof, names, args.verbose)
    print(f"\nTotal run time {time.perf_counter() - started:.0f}s")


if __name__ == "__main__":
    sys.exit(main())
