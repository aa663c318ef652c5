"""What each workstation did and how long it took: one event per action, summed up per action."""

from __future__ import annotations

import json
import os
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

# (seconds since the load started, workstation, action, seconds taken, "ok" or an error kind)
Event = tuple[float, str, str, float, str]


class Recorder:
    """Thread-safe event list, written to a file from time to time so a killed process
    loses only its last few seconds."""

    def __init__(self, path: Path | None = None) -> None:
        self._events: list[Event] = []
        self._lock = threading.Lock()
        self._path = path

    def add(self, event: Event) -> None:
        with self._lock:
            self._events.append(event)

    def events(self) -> list[Event]:
        with self._lock:
            return list(self._events)

    def save(self) -> None:
        if self._path is None:
            return
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.events()))
        os.replace(tmp, self._path)


def load_events(folder: Path) -> list[Event]:
    events: list[Event] = []
    for path in sorted(folder.glob("*.json")):
        events += [tuple(e) for e in json.loads(path.read_text())]  # type: ignore[misc]
    return sorted(events)


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


@dataclass(frozen=True)
class ActionSummary:
    action: str
    ok: int
    errors: dict[str, int]
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float


def summarise(events: list[Event], seconds: float) -> list[ActionSummary]:
    """Latency of the successful calls per action; errors counted by kind."""
    ok: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, Counter[str]] = defaultdict(Counter)
    for _t, _ws, action, took, kind in events:
        if kind == "ok":
            ok[action].append(took)
        else:
            errors[action][kind] += 1
    out = []
    for action in sorted(set(ok) | set(errors)):
        times = sorted(ok[action])
        out.append(ActionSummary(
            action, len(times), dict(errors[action].most_common()),
            len(times) / seconds if seconds > 0 else 0.0,
            percentile(times, 0.50) * 1000, percentile(times, 0.95) * 1000,
            percentile(times, 0.99) * 1000, (times[-1] if times else float("nan")) * 1000))
    return out


def recovery_seconds(events: list[Event], fault_end: float, workstations: set[str]) -> float | None:
    """How long after a fault ended until every workstation had done something successfully
    again (None if one never did)."""
    first: dict[str, float] = {}
    for t, ws, _action, took, kind in events:
        if kind == "ok" and t >= fault_end and ws in workstations and ws not in first:
            first[ws] = t + took
    if not workstations or set(first) != workstations:
        return None
    return max(first.values()) - fault_end
