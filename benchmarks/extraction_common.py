"""Shared helpers for the extraction benchmarks: tables of figures and timing."""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def parallel_map(func: Callable[[T], R], items: Iterable[T], workers: int | None = None) -> list[R]:
    """Map in worker processes (accuracy runs only; speed is measured on one core)."""
    items = list(items)
    workers = workers or int(os.environ.get("BENCH_WORKERS", min(4, os.cpu_count() or 1)))
    if workers <= 1:
        return [func(item) for item in items]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(func, items))


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def print_table(title: str, rows: list[tuple[str, Any, Any]], headers: tuple[str, str, str]) -> None:
    print(f"\n{title}")
    print(f"  {headers[0]:<24} {headers[1]:>10} {headers[2]:>10}")
    for name, a, b in rows:
        print(f"  {name:<24} {a!s:>10} {b!s:>10}")


def pct(right: int, total: int) -> str:
    return f"{100 * right / total:5.1f}%" if total else "    -"
