"""Audit preparation: the lot dossier, the supplier dossier and the lot's evidence bundle.

Read-only: everything here works for the auditor role. Each product is read in one read-only
REPEATABLE READ transaction, so the dossier, the documents and the audit trail in a bundle show
the database at the same instant.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, text

from app import __version__
from app.db import audit_witness, schema_version
from app.db.queries import decisions as decision_queries
from app.db.queries import dossier as q
from app.db.queries import lot_detail
from app.db.queries import nonconformance as nonconformance_queries
from app.db.queries import supplier_scorecard as scorecard_queries
from app.db.queries import trace as trace_queries
from app.db.queries.dossier import SupplierNotFound
from app.db.queries.lot_detail import LotNotFound
from app.progress import Progress
from app.reports import lot_dossier as lot_report
from app.reports import supplier_dossier as supplier_report
from app.reports.evidence_bundle import BundleFile, BundleWriter, safe_name, verify_bundle
from app.reports.trend_chart import series_for
from app.workflows.audit import write_csv
from app.workflows.session import UserSession

__all__ = ["BundleFile", "EvidenceBundle", "LotNotFound",
           "SupplierNotFound", "evidence_bundle", "lot_dossier", "supplier_dossier",
           "verify_bundle"]

Step = Callable[[int, int, str], None]


@dataclass(frozen=True)
class EvidenceBundle:
    path: Path
    lot_code: str
    files: list[BundleFile]
    size: int
    #: Documents whose stored bytes no longer match the hash recorded when they were stored.
    #: They are still included, as stored, and `verify_bundle` reports them too.
    altered_documents: list[str]


@contextlib.contextmanager
def _snapshot(session: UserSession) -> Iterator[Connection]:
    with session.reader.connect() as conn:
        conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            conn.execute(text("SET TRANSACTION READ ONLY"))
            yield conn


def _who(session: UserSession) -> str:
    return f"{session.person.printed_name} ({session.person.username})"


def _lot_data(conn: Connection, session: UserSession, lot_code: str,
              now: dt.datetime) -> lot_report.LotDossierData:
    keys = q.lot_keys(conn, lot_code)
    results = q.results(conn, keys.id)
    lot_tests = [r.judged.test for r in results]
    trend = series_for(q.item_trend(conn, keys.item_id), q.item_specs(conn, keys.item_id),
                       prefer=lot_tests)
    documents = q.lot_documents(conn, keys)
    return lot_report.LotDossierData(
        lot=lot_detail.lot_detail(conn, lot_code).lot,
        receipts=q.receipts(conn, keys.id),
        documents=documents,
        results=results,
        trend=trend,
        history=decision_queries.lot_history(conn, lot_code),
        backward=trace_queries.trace(conn, [lot_code], "backward"),
        forward=trace_queries.trace(conn, [lot_code], "forward"),
        trail=q.lot_trail(conn, keys, [d.id for d in documents]),
        generated_by=_who(session),
        generated_at=now,
        audit_head=audit_witness.read_head(conn).describe(),
        inspections=nonconformance_queries.lot_inspections(conn, lot_code),
        ncrs=nonconformance_queries.ncrs_of_lot(conn, lot_code),
    )


def lot_dossier(session: UserSession, lot_code: str) -> bytes:
    """The lot dossier PDF. Raises LotNotFound for an unknown lot."""
    now = dt.datetime.now(dt.UTC)
    with _snapshot(session) as conn:
        data = _lot_data(conn, session, lot_code, now)
    return lot_report.render(data)


def supplier_dossier(session: UserSession, supplier_code: str, *,
                     date_from: dt.date | None = None, date_to: dt.date | None = None,
                     late_after_days: int = 2) -> bytes:
    """The supplier dossier PDF; the scorecard covers [date_from, date_to], by default the
    365 days up to today. Raises SupplierNotFound for an unknown supplier."""
    now = dt.datetime.now(dt.UTC)
    date_to = date_to or now.date()
    date_from = date_from or date_to - dt.timedelta(days=365)
    with _snapshot(session) as conn:
        supplier = q.supplier(conn, supplier_code)
        card = scorecard_queries.scorecard(conn, date_from, date_to,
                                           late_after_days=late_after_days)
        rank, score = next(((i, s) for i, s in enumerate(card.suppliers, start=1)
                            if s.supplier_id == supplier.id), (None, None))
        data = supplier_report.SupplierDossierData(
            supplier=supplier,
            categories=q.supplier_categories(conn, supplier.id),
            approvals=q.supplier_approvals(conn, supplier.id),
            documents=q.supplier_documents(conn, supplier.id),
            score=score, rank=rank, ranked=len(card.suppliers),
            date_from=date_from, date_to=date_to, late_after_days=late_after_days,
            generated_by=_who(session), generated_at=now,
            ncrs=nonconformance_queries.ncrs_of_supplier(conn, supplier.id),
            scars=nonconformance_queries.scars(conn, supplier_id=supplier.id))
    return supplier_report.render(data)


def evidence_bundle(session: UserSession, lot_code: str, out_path: Path | str,
                    progress: Progress | None = None) -> EvidenceBundle:
    """Write the lot's evidence bundle (ZIP) to `out_path`: the dossier PDF, every document as
    stored, the audit trail as CSV, manifest.json and MANIFEST.sha256. The file appears only
    when complete; cancelled (`progress.cancel()`, which raises `Cancelled` at the next step) or
    failed, nothing is left behind."""
    out = Path(out_path)
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    now = dt.datetime.now(dt.UTC)

    progress = progress or Progress()

    def step(done: int, total: int, what: str) -> None:
        progress.check(f"evidence bundle of {lot_code}")
        progress.report(done, total, what)

    try:
        with _snapshot(session) as conn, partial.open("wb") as fh:
            step(0, 1, f"reading lot {lot_code}")
            data = _lot_data(conn, session, lot_code, now)
            total = len(data.documents) + 3
            step(1, total, "dossier")
            writer = BundleWriter(fh, now)
            try:
                altered = _add_files(writer, conn, data, total, step)
                step(total, total, "manifest")
                writer.finish(_header(conn, session, data, now))
            finally:
                writer.close()
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return EvidenceBundle(out, lot_code, writer.files, out.stat().st_size, altered)


def _add_files(writer: BundleWriter, conn: Connection, data: lot_report.LotDossierData,
               total: int, step: Step) -> list[str]:
    """The dossier, each document as stored and the audit trail; returns the documents whose
    bytes differ from the hash recorded when they were stored."""
    code = safe_name(data.lot.lot_code)
    writer.add(f"dossier-{code}.pdf", lot_report.render(data), "dossier")
    altered = []
    for done, doc in enumerate(data.documents, start=2):
        step(done, total, doc.file_name)
        entry = writer.add(f"documents/{doc.id:06d}-{safe_name(doc.file_name)}",
                           q.document_content(conn, doc.id), "document", document_id=doc.id,
                           original_name=doc.file_name, recorded_sha256=doc.sha256)
        if entry.sha256 != doc.sha256:
            altered.append(entry.path)
    step(total - 1, total, "audit trail")
    csv_text = io.StringIO()
    write_csv(data.trail, csv_text)
    writer.add(f"audit-trail-{code}.csv", csv_text.getvalue().encode("utf-8"), "audit_trail")
    return altered


def _audit_head(conn: Connection, session: UserSession) -> dict[str, object]:
    """The chain head the bundle was made at; this workstation witnesses it too."""
    head = audit_witness.read_head(conn)
    audit_witness.record(head, by=session.person.username, what="evidence bundle")
    return {"row_id": head.row_id, "row_hash": head.row_hash, "at": head.at.isoformat(),
            "database_id": head.database_id}


def _header(conn: Connection, session: UserSession, data: lot_report.LotDossierData,
            now: dt.datetime) -> dict[str, object]:
    schema = schema_version.read_status(conn)
    return {
        "lot_code": data.lot.lot_code,
        "item": f"{data.lot.item_sku} {data.lot.item_name}",
        "created_at": now.isoformat(timespec="seconds"),
        "created_by": {"username": session.person.username,
                       "printed_name": session.person.printed_name,
                       "role": session.person.role},
        "database": session.database,
        # Login roles may not read Alembic's table (schema `public`); then the manifest names
        # the revision this program's migrations end at, and says so.
        "schema_version": schema.revision or schema.head,
        "schema_version_source": "database" if schema.revision else "application",
        "generator": f"Lotproof {__version__}",
        "audit_entries": len(data.trail),
        "audit_head": _audit_head(conn, session),
        "verify": "unzip, then `sha256sum -c MANIFEST.sha256`; or `lotproof evidence --verify "
                  "FILE`",
    }
