"""Reading the audit trail: filtered by lot, person, action and date, newest first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text


@dataclass(frozen=True)
class TrailFilter:
    lot_code: str | None = None
    username: str | None = None
    action: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None


@dataclass(frozen=True)
class TrailEntry:
    id: int
    at: dt.datetime
    username: str
    printed_name: str | None
    role: str | None
    workstation: str | None
    action: str
    record_type: str
    record_id: str | None
    lot_code: str | None
    old_values: dict[str, Any] | None
    new_values: dict[str, Any] | None
    reason: str | None
    signature_id: int | None

    def changes(self, limit: int = 8) -> str:
        """What changed, in words: `field: old → new`, or the values of a new record."""
        old, new = self.old_values or {}, self.new_values or {}
        changed = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)][:limit]
        if not self.old_values:
            return "new: " + ", ".join(f"{k}={new[k]}" for k in changed)
        return "; ".join(f"{k}: {old.get(k)} → {new.get(k)}" for k in changed)


def entries(conn: Connection, f: TrailFilter, *, before_id: int | None = None,
            limit: int = 500) -> list[TrailEntry]:
    clauses: list[str] = ["true"]
    params: dict[str, Any] = {"limit": limit}
    if f.lot_code:
        clauses.append("t.lot_id = (SELECT id FROM quality.lots WHERE lot_code = :lot)")
        params["lot"] = f.lot_code
    if f.username:
        clauses.append("t.username = :user")
        params["user"] = f.username
    if f.action:
        clauses.append("t.action LIKE :action")
        params["action"] = f.action.replace("%", "") + "%"
    if f.since:
        clauses.append("t.at >= :since")
        params["since"] = f.since
    if f.until:
        clauses.append("t.at < :until")
        params["until"] = f.until + dt.timedelta(days=1)
    if before_id is not None:
        clauses.append("t.id < :before")
        params["before"] = before_id
    sql = f"""
        SELECT t.id, t.at, t.username, t.printed_name, t.role, t.workstation, t.action,
               t.record_type, t.record_id, l.lot_code, t.old_values, t.new_values, t.reason,
               t.signature_id
        FROM audit.trail t LEFT JOIN quality.lots l ON l.id = t.lot_id
        WHERE {' AND '.join(clauses)} ORDER BY t.id DESC LIMIT :limit
    """
    return [TrailEntry(*r) for r in conn.execute(text(sql), params)]


def actions(conn: Connection) -> list[str]:
    return list(conn.execute(text("SELECT DISTINCT action FROM audit.trail ORDER BY 1")).scalars())
