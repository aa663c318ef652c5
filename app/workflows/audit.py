"""The audit trail for people: read it, check its chain, export it."""

from __future__ import annotations

import csv
import datetime as dt
import json
from typing import TextIO

from app.db import audit_chain, audit_records, audit_witness
from app.db.audit_chain import ChainReport
from app.db.queries import audit_trail
from app.db.queries.audit_trail import TrailEntry, TrailFilter
from app.reports import audit_trail_pdf
from app.workflows.session import UserSession

__all__ = ["ChainReport", "TrailEntry", "TrailFilter", "actions", "entries", "export_pdf",
           "verify_chain", "write_csv"]

CSV_COLUMNS = ("id", "when_utc", "username", "printed_name", "role", "workstation", "action",
               "record_type", "record_id", "lot_code", "reason", "signature_id", "old_values",
               "new_values")


def entries(session: UserSession, f: TrailFilter, *, before_id: int | None = None,
            limit: int = 500) -> list[TrailEntry]:
    with session.reader.connect() as conn:
        return audit_trail.entries(conn, f, before_id=before_id, limit=limit)


def actions(session: UserSession) -> list[str]:
    with session.reader.connect() as conn:
        return audit_trail.actions(conn)


def verify_chain(session: UserSession) -> ChainReport:
    """The whole check, on the primary (a replica may lag behind a witnessed head): the hash
    chain against itself, against every head witnessed outside the database, and the records
    it covers against what it recorded. An intact trail's head is witnessed once more."""
    with session.engine.connect() as conn:
        chain = audit_chain.verify(conn)
        head = audit_witness.read_head(conn)
        problems = (*chain.problems, *audit_records.all_problems(
            conn, head, audit_witness.witnesses(head)))
    report = ChainReport(chain.rows, problems, head)
    if report.ok:
        audit_witness.record(head, by=session.person.username, what="audit verify")
    return report



def export_pdf(session: UserSession, f: TrailFilter, limit: int = 5000) -> bytes:
    rows = entries(session, f, limit=limit)
    parts = [f"{k}={v}" for k, v in vars(f).items() if v]
    return audit_trail_pdf.render(rows, filter_text=", ".join(parts),
                                  generated_by=f"{session.person.printed_name} "
                                               f"({session.person.username})")


def write_csv(rows: list[TrailEntry], out: TextIO) -> None:
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for e in rows:
        writer.writerow([
            e.id, e.at.astimezone(dt.UTC).isoformat(timespec="seconds"), e.username,
            e.printed_name or "", e.role or "", e.workstation or "", e.action, e.record_type,
            e.record_id or "", e.lot_code or "", e.reason or "", e.signature_id or "",
            json.dumps(e.old_values, sort_keys=True) if e.old_values is not None else "",
            json.dumps(e.new_values, sort_keys=True) if e.new_values is not None else "",
        ])
