"""Nonconformance reports, CAPAs and supplier corrective action requests, step by step.

Each step is one database function (app/db/sql/nonconformance.sql) that checks the role, the
record's state in its status machine (`quality.qm_transitions`) and what the step needs; the
closing steps of an NCR and a CAPA are signed like every signature."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from app.db.queries import nonconformance as qm
from app.workflows.session import UserSession
from app.workflows.signing import Credentials, sign

SOURCES = ("out_of_spec", "inspection", "quality_event", "complaint", "return", "manual")
SEVERITIES = ("minor", "major", "critical")
METHODS = ("5_whys", "fishbone", "fault_tree", "other")
FISHBONE_CATEGORIES = ("People", "Method", "Machine", "Material", "Measurement", "Environment")
NCR_DISPOSITIONS = ("use_as_is", "rework", "repack", "return_to_vendor", "scrap", "no_material")


def _scalar(session: UserSession, sql: str, params: dict[str, Any]) -> Any:
    with session.engine.begin() as conn:
        return conn.execute(text(sql), params).scalar()


def number(kind: str, record_id: int) -> str:
    """NCR-00012: how people and documents name a record."""
    return f"{kind.upper()}-{record_id:05d}"


# ---------------------------------------------------------------- NCR
def open_ncr(session: UserSession, *, source: str, severity: str, title: str, found: str,
             lots: list[str] | None = None, source_ref: str | None = None,
             item_id: int | None = None, supplier_id: int | None = None) -> int:
    return int(_scalar(session, (
        "SELECT quality.open_ncr(:s, CAST(:r AS text), CAST(:l AS text[]), :sev, :t, :f, "
        "CAST(:i AS integer), CAST(:p AS integer))"),
        {"s": source, "r": source_ref, "l": list(lots or []), "sev": severity, "t": title,
         "f": found, "i": item_id, "p": supplier_id}))


def record_containment(session: UserSession, ncr_id: int, containment: str,
                       lots: list[str] | None = None) -> None:
    _scalar(session, "SELECT quality.record_ncr_containment(:n, :c, CAST(:l AS text[]))",
            {"n": ncr_id, "c": containment, "l": list(lots or [])})


def record_investigation(session: UserSession, ncr_id: int, method: str, root_cause: str,
                         detail: dict[str, Any] | None = None) -> None:
    _scalar(session, "SELECT quality.record_ncr_investigation(:n, :m, :r, CAST(:d AS jsonb))",
            {"n": ncr_id, "m": method, "r": root_cause,
             "d": json.dumps(detail) if detail is not None else None})


def record_disposition(session: UserSession, ncr_id: int, disposition: str, note: str) -> None:
    _scalar(session, "SELECT quality.record_ncr_disposition(:n, :d, :t)",
            {"n": ncr_id, "d": disposition, "t": note})


def close_ncr(session: UserSession, credentials: Credentials, ncr_id: int,
              meaning: str = "Closed") -> int:
    def work(conn: Any) -> int:
        return int(conn.execute("SELECT quality.close_ncr(%s, %s)", (ncr_id, meaning)).fetchone()[0])

    return sign(session, credentials, work)


def cancel_ncr(session: UserSession, ncr_id: int, reason: str) -> None:
    _scalar(session, "SELECT quality.cancel_ncr(:n, :r)", {"n": ncr_id, "r": reason})


# ---------------------------------------------------------------- CAPA
def open_capa(session: UserSession, ncr_id: int | None, title: str, owner: str,
              effectiveness_criteria: str, effectiveness_due: dt.date) -> int:
    return int(_scalar(session, "SELECT quality.open_capa(CAST(:n AS bigint), :t, :o, :c, :d)",
                       {"n": ncr_id, "t": title, "o": owner, "c": effectiveness_criteria,
                        "d": effectiveness_due}))


def add_action(session: UserSession, capa_id: int, kind: str, description: str, owner: str,
               due: dt.date) -> int:
    return int(_scalar(session, "SELECT quality.add_capa_action(:c, :k, :d, :o, :due)",
                       {"c": capa_id, "k": kind, "d": description, "o": owner, "due": due}))


def complete_action(session: UserSession, action_id: int, note: str) -> None:
    _scalar(session, "SELECT quality.complete_capa_action(:a, :n)", {"a": action_id, "n": note})


def record_effectiveness(session: UserSession, capa_id: int, effective: bool, evidence: str) -> None:
    _scalar(session, "SELECT quality.record_capa_effectiveness(:c, :e, :v)",
            {"c": capa_id, "e": effective, "v": evidence})


def close_capa(session: UserSession, credentials: Credentials, capa_id: int,
               meaning: str = "Closed after effectiveness check") -> int:
    def work(conn: Any) -> int:
        return int(conn.execute("SELECT quality.close_capa(%s, %s)", (capa_id, meaning)).fetchone()[0])

    return sign(session, credentials, work)


def cancel_capa(session: UserSession, capa_id: int, reason: str) -> None:
    _scalar(session, "SELECT quality.cancel_capa(:c, :r)", {"c": capa_id, "r": reason})


# ---------------------------------------------------------------- SCAR
def open_scar(session: UserSession, ncr_id: int, request: str, response_due: dt.date) -> int:
    return int(_scalar(session, "SELECT quality.open_scar(:n, :r, :d)",
                       {"n": ncr_id, "r": request, "d": response_due}))


def send_scar(session: UserSession, scar_id: int) -> None:
    _scalar(session, "SELECT quality.send_scar(:s)", {"s": scar_id})


def record_scar_response(session: UserSession, scar_id: int, response: str,
                         responded_on: dt.date) -> None:
    _scalar(session, "SELECT quality.record_scar_response(:s, :r, :d)",
            {"s": scar_id, "r": response, "d": responded_on})


def judge_scar_response(session: UserSession, scar_id: int, accepted: bool, note: str,
                        new_due: dt.date | None = None) -> None:
    _scalar(session, "SELECT quality.judge_scar_response(:s, :a, :n, CAST(:d AS date))",
            {"s": scar_id, "a": accepted, "n": note, "d": new_due})


# ---------------------------------------------------------------- reading, for the screens
def board(session: UserSession, include_closed: bool = False) -> list[qm.BoardRow]:
    with session.engine.connect() as conn:
        today = conn.execute(text("SELECT quality.today()")).scalar_one()
        return qm.board(conn, today, include_closed=include_closed)


@dataclass(frozen=True)
class Record:
    """One NCR or CAPA with the moves its status machine allows now, and who may own work."""

    kind: str
    ncr: qm.NcrDetail | None
    capa: qm.CapaDetail | None
    moves: list[qm.Move]
    scar_moves: dict[int, list[qm.Move]]
    owners: list[tuple[str, str]]


def record(session: UserSession, kind: str, record_id: int) -> Record:
    with session.engine.connect() as conn:
        owners = qm.owners(conn)
        if kind == "ncr":
            detail = qm.ncr(conn, record_id)
            scar_moves = {s.id: qm.moves(conn, "scar", s.status) for s in detail.scars}
            return Record(kind, detail, None, qm.moves(conn, "ncr", detail.status), scar_moves,
                          owners)
        capa = qm.capa(conn, record_id)
        return Record(kind, None, capa, qm.moves(conn, "capa", capa.status), {}, owners)
