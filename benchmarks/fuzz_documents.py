"""Fuzzing the document reader for a fixed time budget (issue: shared database, bad input at volume).

    python -m benchmarks.fuzz_documents [--seconds 300] [--limit 20] [--seed 1]

Valid generated PDFs and images (COA, SDS, a scanned page, PNG, TIFF, JPEG) are broken on purpose
(`benchmarks/fuzz_mutations.py`: bytes and bits flipped, truncations, splices, random bytes, PDF
objects dropped, duplicated, looped and nested, nonsense numbers and filters, image headers that
lie) and fed to `app.documents.extract.extract_bytes` in a child process (`fuzz_sandbox.py`).
Passing: every case is read or raises DocumentError naming the file and the problem, none runs
past the per-file limit (plus a grace), and the reader's memory stays bounded. Exit code 1 if not.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

from app.documents.limits import Limits
from benchmarks.fuzz_mutations import make_case, mutations_for, seed_files
from benchmarks.fuzz_sandbox import CaseResult, Sandbox

MEMORY_BOUND_MB = 1500.0
BAD = ("crash", "hang", "died")


@dataclass(frozen=True)
class Case:
    seed_name: str
    mutation: str
    number: int
    rounds: int
    file_name: str

    def label(self) -> str:
        return (f"{self.seed_name}/{self.mutation}/{self.number}"
                f"{f' x{self.rounds}' if self.rounds > 1 else ''} as {self.file_name}")


@dataclass
class FuzzReport:
    cases: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    messages: Counter[str] = field(default_factory=Counter)
    by_mutation: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[str, CaseResult]] = field(default_factory=list)
    slowest: tuple[float, str] = (0.0, "")
    peak_mb: float = 0.0
    last_rss_mb: float = 0.0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures and self.peak_mb < MEMORY_BOUND_MB

    def add(self, case: Case, result: CaseResult) -> None:
        self.cases += 1
        self.outcomes[result.outcome] += 1
        self.by_mutation[case.mutation] += 1
        if result.outcome == "document_error":
            self.messages[normalise(result.message)] += 1
        if result.outcome in BAD:
            self.failures.append((case.label(), result))
        if result.seconds > self.slowest[0]:
            self.slowest = (result.seconds, f"{case.label()} ({result.outcome}: "
                                            f"{result.message[:80]})")
        self.peak_mb = max(self.peak_mb, result.peak_mb)
        if result.rss_mb:
            self.last_rss_mb = result.rss_mb


def normalise(message: str) -> str:
    """Group messages that differ only in numbers or quoted details."""
    message = re.sub(r"\([^)]*\)", "(...)", message)
    return re.sub(r"\d[\d,.]*", "N", message)[:140]


def random_case(seeds: dict[str, bytes], rng: random.Random) -> Case:
    seed_name = rng.choice(sorted(seeds))
    mutation = rng.choice(mutations_for(seed_name))
    name = seed_name
    if rng.random() < 0.1:  # a file whose name lies about what it is
        name = "document." + rng.choice(("pdf", "png", "tiff", "jpg", "txt"))
    return Case(seed_name, mutation, rng.randrange(10**6), rng.choice((1, 1, 1, 2, 3)), name)


def run_case(sandbox: Sandbox, seeds: dict[str, bytes], case: Case) -> CaseResult:
    data = make_case(seeds, case.seed_name, case.mutation, case.number, case.rounds)
    return sandbox.run(data, case.file_name)


def fuzz(seconds: float, limit: float, seed: int, report: FuzzReport | None = None) -> FuzzReport:
    report = report or FuzzReport()
    seeds = seed_files()
    rng = random.Random(seed)
    sandbox = Sandbox(Limits(seconds=limit))
    started = time.monotonic()
    try:
        while time.monotonic() - started < seconds:
            case = random_case(seeds, rng)
            report.add(case, run_case(sandbox, seeds, case))
    finally:
        sandbox.close()
    report.seconds = time.monotonic() - started
    return report


def render(report: FuzzReport, limit: float) -> str:
    lines = [f"{report.cases:,} cases in {report.seconds:.0f} s; per-file limit {limit:g} s.",
             "Outcomes: " + ", ".join(f"{k} {v:,}" for k, v in report.outcomes.most_common()),
             f"Slowest case: {report.slowest[0]:.2f} s, {report.slowest[1]}",
             f"Reader memory: peak {report.peak_mb:.0f} MB resident, {report.last_rss_mb:.0f} MB "
             f"after the last case (bound {MEMORY_BOUND_MB:.0f} MB).",
             "Cases by mutation: " + ", ".join(f"{k} {v}" for k, v in
                                               sorted(report.by_mutation.items())),
             "", "DocumentError messages (numbers and details folded):"]
    lines += [f"  {n:6,}  {m}" for m, n in report.messages.most_common(25)]
    if report.failures:
        lines += ["", "FAILURES (reproduce with make_case(seed_files(), seed, mutation, number, "
                  "rounds)):"]
        lines += [f"  {label}: {r.outcome}: {r.message[:400]}" for label, r in report.failures[:20]]
    lines.append(f"\nResult: {'PASS' if report.ok else 'FAIL'}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=300.0, help="time budget")
    parser.add_argument("--limit", type=float, default=20.0, help="seconds allowed for one file")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    report = fuzz(args.seconds, args.limit, args.seed)
    print(render(report, args.limit))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
