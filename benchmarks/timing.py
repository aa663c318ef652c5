"""Timing helpers shared by the benchmarks: medians of repeated runs, and a one-line report."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Timing:
    name: str
    runs: list[float]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.runs) * 1000

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.runs)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000

    def line(self, bar_ms: float | None = None) -> str:
        verdict = ""
        if bar_ms is not None:
            verdict = f"  bar {bar_ms:.0f} ms: {'PASS' if self.median_ms < bar_ms else 'FAIL'}"
        return (f"{self.name:<52} median {self.median_ms:9.1f} ms  p95 {self.p95_ms:9.1f} ms  "
                f"(n={len(self.runs)}){verdict}")


def measure(name: str, fn: Callable[[], Any], runs: int = 7, warmup: int = 1) -> Timing:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return Timing(name, samples)


def measure_each(name: str, fn: Callable[[Any], Any], inputs: list[Any]) -> Timing:
    samples = []
    for value in inputs:
        start = time.perf_counter()
        fn(value)
        samples.append(time.perf_counter() - start)
    return Timing(name, samples)
