"""Field accuracy on real supplier documents with hand-checked labels.

    .venv/bin/python -m benchmarks.extraction_corpus [--corpus DIR]

Reads ../shared/corpus (or LOTPROOF_CORPUS / --corpus): PDFs under coa/ and sds/ and
labels.json. Skips politely when the folder is absent. The documents are never copied
into the project.

Scoring. A field counts as right when the normalised values are equal: case, whitespace,
trademark signs and trailing punctuation are ignored, dates are compared as ISO dates, lists
(CAS numbers, H-statements, UN numbers) as sets. A label of null is right only when nothing
was extracted. For COAs each labelled sample result row counts once: right when a row on
the same page has the same test name (letters and digits only) and the same result (the
same number, or the same words such as ND or <LOQ).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.documents.errors import DocumentError
from app.documents.extract import extract_file
from benchmarks.extraction_common import parallel_map, pct, print_table

COA_FIELDS = ("kind", "product_name", "lot_number", "manufacture_date", "expiry_date")
SDS_FIELDS = (
    "kind", "product_name", "revision_date", "signal_word", "un_number", "cas_numbers",
    "h_statements",
)
#: fields with one value (not lists), where a confident wrong value misleads the most
SCALAR_FIELDS = ("product_name", "lot_number", "manufacture_date", "expiry_date",
                 "revision_date", "signal_word", "un_number")
_NUMBER = re.compile(r"[-+]?\d[\d,]*\.?\d*(?:[eE][-+]?\d+)?")


def default_corpus() -> Path:
    env = os.environ.get("LOTPROOF_CORPUS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "corpus"


def norm(value: Any) -> str:
    text = "" if value is None else str(value)
    text = text.replace("™", "").replace("®", "").replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", text).strip(" .,;:").casefold()


def _alnum(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", norm(text))


def _first_number(text: str) -> float | None:
    m = _NUMBER.search(re.sub(r"^([<>])\s+", r"\1", text))
    if not m:
        return None
    try:
        return float(m.group(0).replace(",", ""))
    except ValueError:
        return None


def field_right(name: str, label: dict[str, Any], got: dict[str, Any]) -> bool:
    expected = label.get(name)
    fields = got["fields"]
    if name == "kind":
        return got["kind"] == expected
    value = fields.get(name, {}).get("value")
    if name == "cas_numbers":
        found = {item["cas"] for item in value or []}
        return found == set(expected or [])
    if name == "h_statements":
        return {norm(v) for v in value or []} == {norm(v) for v in expected or []}
    if name == "un_number":
        if isinstance(expected, list):
            listed = fields.get("un_numbers", {}).get("value") or []
            return {norm(v) for v in listed} == {norm(v) for v in expected}
        return norm(value) == norm(expected)
    if expected is None:
        return value in (None, "", [])
    alternatives = [expected] + [v for k, v in label.items() if k.startswith(f"{name}_") and
                                 k.endswith(("as_printed", "full_line")) and isinstance(v, str)]
    return any(norm(value) == norm(a) for a in alternatives)


def row_right(sample: dict[str, Any], rows: list[dict[str, Any]]) -> bool:
    want_test = _alnum(sample["test"])
    want = norm(sample["result"])
    want_number = _first_number(want)
    for row in rows:
        if row["page"] != sample["page"] or _alnum(row["test"]) != want_test:
            continue
        got = norm(row["result"])
        if want_number is not None and re.match(r"^[<>]?\s*[-+]?\d", want):
            if _first_number(got) == want_number and got.startswith(want[:1]) == want.startswith(want[:1]):
                return True
        elif got.replace(" ", "") == want.replace(" ", ""):
            return True
    return False


@dataclass
class DocumentScore:
    """One document scored: each labelled field right or not, each sample row, and the scalar
    fields read wrong with confidence >= 0.9 (a confident mistake)."""

    fields: dict[str, bool] = field(default_factory=dict)
    rows: list[bool] = field(default_factory=list)
    scalar: int = 0
    confident_right: int = 0  # scalar fields right with confidence >= 0.9
    confident_wrong: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    @property
    def right(self) -> int:
        return sum(self.fields.values()) + sum(self.rows)

    @property
    def total(self) -> int:
        return len(self.fields) + len(self.rows)


def score_document(name: str, label: dict[str, Any], got: dict[str, Any] | None) -> DocumentScore:
    scored = DocumentScore()
    for field_name in COA_FIELDS if label["kind"] == "coa" else SDS_FIELDS:
        ok = got is not None and field_right(field_name, label, got)
        scored.fields[field_name] = ok
        read = None if got is None else got["fields"].get(field_name)
        if not ok:
            value = None if got is None else (got["kind"] if field_name == "kind" else
                                              (read or {}).get("value"))
            scored.misses.append(f"{name}: {field_name} expected {label.get(field_name)!r} got {value!r}")
        if field_name in SCALAR_FIELDS and label.get(field_name) is not None:
            scored.scalar += 1
            sure = read is not None and (read.get("confidence") or 0) >= 0.9
            scored.confident_right += int(ok and sure)
            if (not ok and read is not None and read.get("value") not in (None, "")
                    and (read.get("confidence") or 0) >= 0.9):
                scored.confident_wrong.append(f"{name}: {field_name} {read.get('value')!r} "
                                              f"at {read.get('confidence'):.2f}")
    for sample in label.get("results_sample", []):
        ok = got is not None and row_right(sample, got["results"])
        scored.rows.append(ok)
        if not ok:
            scored.misses.append(f"{name}: row p{sample['page']} {sample['test']!r}={sample['result']!r}")
    return scored


def _job(item: tuple[str, str]) -> tuple[str, dict[str, Any] | None, str | None, float, list[str]]:
    name, path = item
    started = time.perf_counter()
    try:
        extraction = extract_file(Path(path))
    except DocumentError as exc:
        return name, None, str(exc), time.perf_counter() - started, []
    methods = [p.method for p in extraction.pages]
    return name, extraction.to_json_dict(), None, time.perf_counter() - started, methods


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    parser.add_argument("--verbose", action="store_true", help="print every miss")
    args = parser.parse_args()
    labels_path = args.corpus / "labels.json"
    if not labels_path.exists():
        print(f"corpus not found at {args.corpus}; skipping (set LOTPROOF_CORPUS to run)")
        return
    labels: dict[str, dict[str, Any]] = json.loads(labels_path.read_text())
    items = [(name, str(args.corpus / name)) for name in sorted(labels)]
    outcomes = parallel_map(_job, items)

    per_field: dict[str, dict[str, list[int]]] = {"text": defaultdict(lambda: [0, 0]),
                                                   "scan": defaultdict(lambda: [0, 0])}
    per_file: list[tuple[str, str, str]] = []
    misses: list[str] = []
    scalar_fields = scalar_confident_wrong = 0
    confident_wrong: list[str] = []
    for name, got, error, seconds, methods in outcomes:
        scored = score_document(name, labels[name], got)
        group = "scan" if ("_scan" in name or "_badtext" in name) else "text"
        for field_name, ok in scored.fields.items():
            tally = per_field[group][field_name]
            tally[0] += int(ok)
            tally[1] += 1
        for ok in scored.rows:
            tally = per_field[group]["result_rows"]
            tally[0] += int(ok)
            tally[1] += 1
        misses.extend(scored.misses)
        scalar_fields += scored.scalar
        scalar_confident_wrong += len(scored.confident_wrong)
        confident_wrong.extend(scored.confident_wrong)
        note = error or f"{seconds:.1f}s {''.join('T' if m == 'text' else 'O' for m in methods)}"
        per_file.append((name, pct(scored.right, scored.total), note))

    for group, title in (("text", "Text-layer documents"), ("scan", "Scans and garbled text layers (OCR)")):
        rows = [(f, pct(r, t), f"{r}/{t}") for f, (r, t) in per_field[group].items()]
        fields_r = sum(r for f, (r, t) in per_field[group].items() if f != "result_rows")
        fields_t = sum(t for f, (r, t) in per_field[group].items() if f != "result_rows")
        all_r = sum(r for r, t in per_field[group].values())
        all_t = sum(t for r, t in per_field[group].values())
        rows.append(("ALL FIELDS (excl. rows)", pct(fields_r, fields_t), f"{fields_r}/{fields_t}"))
        rows.append(("ALL incl. result rows", pct(all_r, all_t), f"{all_r}/{all_t}"))
        print_table(f"{title}: accuracy per field", rows, ("field", "accuracy", "right"))
    print(f"\nScalar fields wrong with confidence >= 0.9: {scalar_confident_wrong} of "
          f"{scalar_fields} ({pct(scalar_confident_wrong, scalar_fields)})")
    for line in confident_wrong:
        print("  ", line)
    print("\nPer file (T = text-layer page, O = OCR'd page)")
    for name, accuracy, note in per_file:
        print(f"  {name:<48} {accuracy:>7}  {note}")
    print(f"\n{len(misses)} misses" + ("" if args.verbose else " (first 40; --verbose for all)"))
    for miss in misses if args.verbose else misses[:40]:
        print("  ", miss)


if __name__ == "__main__":
    main()
