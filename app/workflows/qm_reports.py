"""Printed nonconformance work: the NCR report, the CAPA log and the SCAR letter."""

from __future__ import annotations

from sqlalchemy import text

from app.db.queries import nonconformance as qm
from app.reports import capa_log, ncr_report, scar_letter
from app.workflows.session import UserSession


def _by(session: UserSession) -> str:
    return f"{session.person.printed_name} ({session.person.username})"


def ncr_report_pdf(session: UserSession, ncr_id: int) -> bytes:
    with session.engine.connect() as conn:
        data = ncr_report.NcrReportData(
            ncr=qm.ncr(conn, ncr_id), history=qm.history(conn, "quality.ncrs", ncr_id, "ncr"),
            signatures=qm.signatures_of(conn, "ncr", ncr_id),
            today=conn.execute(text("SELECT quality.today()")).scalar_one(),
            generated_by=_by(session))
    return ncr_report.render(data)


def capa_log_pdf(session: UserSession, include_closed: bool = True) -> bytes:
    with session.engine.connect() as conn:
        capas = qm.all_capas(conn, include_closed=include_closed)
        data = capa_log.CapaLogData(
            capas=capas, signatures={c.id: qm.signatures_of(conn, "capa", c.id) for c in capas},
            today=conn.execute(text("SELECT quality.today()")).scalar_one(),
            generated_by=_by(session))
    return capa_log.render(data)


def scar_letter_pdf(session: UserSession, scar_id: int) -> bytes:
    with session.engine.connect() as conn:
        found = [s for s in qm.scars(conn) if s.id == scar_id]
        if not found:
            raise LookupError(f"SCAR-{scar_id:05d} does not exist")
        scar = found[0]
        ncr = qm.ncr(conn, scar.ncr_id)
        _name, contact, email = qm.supplier_contact(conn, scar.supplier_id)
        supplier_lots = {str(code): own for code, own in conn.execute(text(
            "SELECT lot_code, supplier_lot_code FROM quality.lots WHERE lot_code = ANY(:l)"),
            {"l": [x.lot_code for x in ncr.lots]})}
        sender = conn.execute(text(
            "SELECT u.printed_name || ', ' || initcap(replace(u.role, 'lotproof_', '')) "
            "FROM quality.users u WHERE u.username = :u"), {"u": scar.opened_by}).scalar()
        data = scar_letter.ScarLetterData(
            scar=scar, ncr=ncr, contact_name=contact, contact_email=email,
            supplier_lots=supplier_lots, history=qm.history(conn, "quality.scars", scar_id, "scar"),
            sender=str(sender or scar.opened_by),
            dated=(scar.sent_at.date() if scar.sent_at else
                   conn.execute(text("SELECT quality.today()")).scalar_one()),
            generated_by=_by(session))
    return scar_letter.render(data)
