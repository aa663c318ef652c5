"""What leaves with a shipment: the customer's certificate for each line, and the SDS revisions
the customer has not been sent.

Issuing is a database function (quality.issue_certificate, app/db/sql/shipment_documents.sql):
it refuses a certificate that cannot be true yet and keeps what it said with its digest. The
PDF is laid out from that kept content, so printing it again gives the same certificate."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.db.errors import NotFound, translate
from app.db.queries import shipment_documents as q
from app.reports.customer_certificate import Certificate, render
from app.workflows.session import UserSession


@dataclass(frozen=True)
class IssuedPdf:
    pdf: bytes
    certificates: list[q.IssuedCertificate]


def _by(session: UserSession) -> str:
    return f"{session.person.printed_name} ({session.person.username})"


def find_shipments(session: UserSession, query: str) -> list[q.ShipmentRow]:
    with session.engine.connect() as conn:
        return q.find_shipments(conn, query)


def shipments_of_lot(session: UserSession, lot_code: str) -> list[q.ShipmentRow]:
    with session.engine.connect() as conn:
        return q.shipments_of_lot(conn, lot_code)


def needs(session: UserSession, shipment_number: str) -> list[q.CertificateNeed]:
    """Each certificate the shipment's lines need, and what stops it."""
    with session.engine.connect() as conn:
        return q.certificate_needs(conn, q.shipment_id(conn, shipment_number))


def issue(session: UserSession, shipment_number: str, line: int | None = None,
          kind: str | None = None) -> IssuedPdf:
    """Issue the certificate of one line (its place in the shipment, from 1) or of every line,
    of the kind the customer asks for (or `kind`), and lay them out in one PDF."""
    try:
        with session.engine.begin() as conn:
            shipment = q.shipment_id(conn, shipment_number)
            lines = q.line_ids(conn, shipment)
            if line is not None:
                if not 1 <= line <= len(lines):
                    raise NotFound(f"shipment {shipment_number} has {len(lines)} line(s), "
                                      f"not a line {line}")
                lines = [lines[line - 1]]
            ids = []
            for line_id in lines:
                customer, _ = q.customer_of_line(conn, line_id)
                kinds = [kind] if kind else (
                    conn.execute(text("SELECT quality.certificates_required(:c)"),
                                 {"c": customer}).scalar_one() or [q.default_kind(conn, customer)])
                for k in kinds:
                    ids.append(int(conn.execute(text("SELECT quality.issue_certificate(:l, :k)"),
                                                {"l": line_id, "k": k}).scalar_one()))
            issued = [q.issued(conn, i) for i in ids]
    except DBAPIError as exc:
        raise translate(exc) from exc
    return IssuedPdf(_render(session, issued), issued)


def reprint(session: UserSession, certificate_id: int) -> bytes:
    """The certificate as it was issued (marked NOT VALID if its record was changed since)."""
    with session.engine.connect() as conn:
        return _render(session, [q.issued(conn, certificate_id)])


def _render(session: UserSession, issued: list[q.IssuedCertificate]) -> bytes:
    return render([Certificate(c.number, c.sha256, c.intact, c.issued_at, c.issued_by, c.content)
                   for c in issued], generated_by=_by(session))


def sds_due(session: UserSession, shipment_number: str) -> list[q.SdsDue]:
    with session.engine.connect() as conn:
        return q.sds_due(conn, q.shipment_id(conn, shipment_number))


def send_sds(session: UserSession, shipment_number: str) -> list[tuple[str, bytes]]:
    """The SDS files due with the shipment, recorded as sent to its customer."""
    try:
        with session.engine.begin() as conn:
            shipment = q.shipment_id(conn, shipment_number)
            files = []
            for due in q.sds_due(conn, shipment):
                if due.document_id is None:
                    raise NotFound(f"{due.item}: {due.why}")
                conn.execute(text("SELECT quality.record_sds_sent(:s, :d)"),
                             {"s": shipment, "d": due.document_id})
                files.append(q.sds_content(conn, due.document_id))
    except DBAPIError as exc:
        raise translate(exc) from exc
    return files


def customers_missing_sds(session: UserSession) -> list[q.MissingSds]:
    with session.engine.connect() as conn:
        return q.customers_missing_sds(conn)
