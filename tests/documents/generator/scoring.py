"""Compare an extraction with ground truth, field by field (synthetic documents)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any


def norm(text: Any) -> str:
    if text is None:
        return ""
    return re.sub(r"\s+", " ", str(text)).strip(" .,:;").casefold()


def _cas_set(value: Any) -> set[str]:
    if not value:
        return set()
    return {item["cas"] if isinstance(item, dict) else str(item) for item in value}


def field_matches(name: str, expected: Any, got: Any) -> bool:
    if name == "cas_numbers":
        return _cas_set(expected) == _cas_set(got)
    if isinstance(expected, list):
        return isinstance(got, list) and {norm(x) for x in expected} == {norm(x) for x in got}
    return norm(expected) == norm(got)


def _num_equal(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-6 * max(1.0, abs(a))


def row_matches(expected: dict[str, Any], rows: list[dict[str, Any]]) -> bool:
    for row in rows:
        if norm(row["test"]) != norm(expected["test"]):
            continue
        result_ok = _num_equal(row["value"], expected["value"]) if expected["value"] is not None \
            else norm(row["result"]).startswith(norm(expected["result"]))
        spec_ok = _num_equal(row["spec_min"], expected["spec_min"]) and _num_equal(
            row["spec_max"], expected["spec_max"]
        )
        if result_ok and spec_ok:
            return True
    return False


@dataclass
class Tally:
    right: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    total: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    misses: list[str] = field(default_factory=list)

    def add(self, name: str, ok: bool, note: str = "") -> None:
        self.total[name] += 1
        self.right[name] += int(ok)
        if not ok and note:
            self.misses.append(note)

    def accuracy(self, name: str) -> float:
        return self.right[name] / self.total[name] if self.total[name] else 0.0

    def overall(self, exclude: tuple[str, ...] = ()) -> float:
        names = [n for n in self.total if n not in exclude]
        right = sum(self.right[n] for n in names)
        total = sum(self.total[n] for n in names)
        return right / total if total else 0.0


def score(truth: dict[str, Any], extracted: dict[str, Any], tally: Tally, label: str) -> None:
    tally.add("kind", extracted["kind"] == truth["kind"], f"{label}: kind {extracted['kind']}")
    fields = extracted["fields"]
    for name, expected in truth["fields"].items():
        got = fields.get(name, {}).get("value")
        tally.add(name, field_matches(name, expected, got), f"{label}: {name} {expected!r} != {got!r}")
    for row in truth.get("results", []):
        ok = row_matches(row, extracted["results"])
        tally.add("result_rows", ok, f"{label}: row {row['test']!r} {row['result']!r}")
