"""Witnesses of the audit trail's chain head, kept outside the database.

The hash chain shows a change to the trail only to someone who remembers how it ended: a
database superuser who deletes the newest rows and moves the head back, or who edits a row and
recomputes every later hash, leaves a chain that checks out against itself. So every workstation
session and every `lotproof audit verify` writes down the head it saw (row id, hash, server time)
in files the database cannot reach: the user's data folder and, where configured, an append-only
folder (`LOTPROOF_AUDIT_WITNESS_DIR`, e.g. a WORM share). A witnessed row that is gone from the
chain, or whose hash changed, is history rewritten.

Files are one per database (by name and server), a JSON line per witness; the database's own
identity (`audit.identity`) is recorded in each, so a database replaced under the same name is
noticed too.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, text

from app.db.settings import data_dir

WITNESS_DIR_ENV = "LOTPROOF_AUDIT_WITNESS_DIR"
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Head:
    """The chain head as a connection saw it."""

    database: str
    server: str
    database_id: str
    row_id: int
    row_hash: str
    at: dt.datetime

    def line(self, by: str, what: str) -> str:
        return json.dumps({"database": self.database, "server": self.server,
                           "database_id": self.database_id, "row_id": self.row_id,
                           "row_hash": self.row_hash, "at": self.at.isoformat(), "by": by,
                           "what": what}, sort_keys=True)

    def describe(self) -> str:
        """For a printout: `audit trail head: row 1,374 sha256 3f2a…c9 at 2026-12-03 10:01 UTC`."""
        at = self.at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        return f"audit trail head: row {self.row_id:,}, SHA-256 {self.row_hash}, at {at}"


@dataclass(frozen=True)
class Witness:
    database_id: str
    row_id: int
    row_hash: str
    at: str
    by: str
    source: Path


def read_head(conn: Connection) -> Head:
    row = conn.execute(text("""
        SELECT current_database(), coalesce(host(inet_server_addr()) || ':'
                                            || inet_server_port(), 'local'),
               (SELECT id::text FROM audit.identity ORDER BY created_at LIMIT 1),
               h.last_id, h.last_hash, clock_timestamp()
        FROM audit.chain_head h WHERE h.id = 1""")).one()
    return Head(str(row[0]), str(row[1]), str(row[2] or ""), int(row[3]), str(row[4]), row[5])


def folders() -> list[Path]:
    found = [data_dir() / "audit-witness"]
    extra = os.environ.get(WITNESS_DIR_ENV, "").strip()
    if extra:
        found.append(Path(extra))
    return found


def _file_name(head: Head) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{head.database}@{head.server}") + ".jsonl"


def record(head: Head, *, by: str, what: str) -> list[Path]:
    """Append the head to every witness folder; a folder that cannot be written is logged
    (and left out of the answer), never a reason to stop work."""
    written: list[Path] = []
    for folder in folders():
        path = folder / _file_name(head)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as f:
                f.write(head.line(by, what) + "\n")
            written.append(path)
        except OSError as exc:
            _log.warning("could not record the audit chain head in %s: %s", path, exc)
    return written


def witnesses(head: Head) -> list[Witness]:
    """Every head witnessed for this database (by name and server), from every folder."""
    found: list[Witness] = []
    for folder in folders():
        path = folder / _file_name(head)
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                w = json.loads(line)
                found.append(Witness(str(w["database_id"]), int(w["row_id"]), str(w["row_hash"]),
                                     str(w["at"]), str(w.get("by", "")), path))
            except (ValueError, KeyError, TypeError):
                continue  # a torn last line of a crashed writer; the others still count
    return found
