"""Printed evidence of a lot's release."""

from __future__ import annotations

from app.db.queries import decisions as decision_queries
from app.db.queries import lot_detail, lot_documents
from app.reports.release_certificate import CertificateData, render
from app.workflows.session import UserSession


def release_certificate(session: UserSession, lot_code: str) -> bytes:
    with session.engine.connect() as conn:
        data = CertificateData(
            lot=lot_detail.lot_detail(conn, lot_code).lot,
            documents=lot_documents.documents_for_lot(conn, lot_code),
            results=lot_documents.results_for_lot(conn, lot_code),
            history=decision_queries.lot_history(conn, lot_code),
            generated_by=f"{session.person.printed_name} ({session.person.username})",
        )
    return render(data)
