"""Each workstation's own record of the decisions and documents it sent, and what it saw come back.

One JSON line when a call starts and one when it returns, flushed at once, so the file survives
the process being killed: a call with a start and no end was cut off mid-way. The checks compare
these ledgers with the database.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

COMMITTED, FAILED, UNKNOWN = "committed", "failed", "unknown"


@dataclass
class Entry:
    token: str
    workstation: str
    incarnation: str
    kind: str  # "decision" or "document"
    action: str  # hold | release | ingest
    lot: str
    started: float
    sha256: str | None = None
    outcome: str | None = None  # None: no end record (in flight, or its process was killed)
    error: str | None = None


class LedgerWriter:
    def __init__(self, path: Path, workstation: str, incarnation: str, origin: float) -> None:
        self.workstation = workstation
        self.incarnation = incarnation
        self._origin = origin
        self._file: IO[str] = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()
        self._seq = 0

    def new_token(self) -> str:
        self._seq += 1
        return f"{self.workstation}.{self.incarnation}.{self._seq}"

    def _write(self, record: dict[str, Any]) -> None:
        with self._lock:
            self._file.write(json.dumps(record) + "\n")
            self._file.flush()

    def begin(self, token: str, kind: str, action: str, lot: str, sha256: str | None = None) -> None:
        self._write({"token": token, "ws": self.workstation, "inc": self.incarnation,
                     "kind": kind, "action": action, "lot": lot, "sha256": sha256,
                     "t": round(time.time() - self._origin, 3)})

    def end(self, token: str, outcome: str, error: str | None = None,
            message: str | None = None) -> None:
        record = {"token": token, "outcome": outcome, "error": error}
        if message:
            record["message"] = message[:300]
        self._write(record)

    def close(self) -> None:
        self._file.close()


def read_ledgers(folder: Path) -> dict[str, Entry]:
    """Every token of every ledger in the folder; a torn last line (a killed writer) is skipped."""
    entries: dict[str, Entry] = {}
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if "outcome" in record:
                found = entries.get(record["token"])
                if found is not None:
                    found.outcome = record["outcome"]
                    found.error = record["error"]
                continue
            entries[record["token"]] = Entry(
                record["token"], record["ws"], record["inc"], record["kind"], record["action"],
                record["lot"], record["t"], record.get("sha256"))
    return entries
