"""Relabel and repack under control: asked for by one person, approved with a signature by
another, and only then done by the ERP (quality.*_relabel, app/db/sql/relabels.sql). The
built-in ERP does it from here; beside Tryton, Tryton's own production does it and Lotproof
records it against the approved request once it sees the new lot in Tryton's genealogy."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.db.errors import DecisionRefused, translate
from app.db.queries import relabels as q
from app.db.queries.relabels import RelabelRequest
from app.workflows import labels
from app.workflows.session import UserSession
from app.workflows.signing import Credentials, sign

__all__ = ["RelabelRequest", "approve", "carry_out", "refuse", "request", "requests"]


def _scalar(session: UserSession, sql: str, params: dict[str, Any]) -> Any:
    try:
        with session.engine.begin() as conn:
            return conn.execute(text(sql), params).scalar()
    except DBAPIError as exc:
        raise translate(exc) from exc


def request(session: UserSession, lot_code: str, kind: str, reason: str, qty: Decimal, *,
            new_lot_code: str | None = None, new_sku: str | None = None,
            labels_to_print: str = "lot") -> RelabelRequest:
    request_id = _scalar(session, "SELECT quality.request_relabel(:lot, :kind, :code, :sku, "
                                  ":qty, :reason, :labels)",
                         {"lot": lot_code, "kind": kind, "code": new_lot_code, "sku": new_sku,
                          "qty": qty, "reason": reason, "labels": labels_to_print})
    return get(session, int(request_id))


def get(session: UserSession, request_id: int) -> RelabelRequest:
    with session.engine.connect() as conn:
        return q.request(conn, request_id)


def requests(session: UserSession, *, lot_code: str | None = None,
             open_only: bool = False) -> list[RelabelRequest]:
    with session.engine.connect() as conn:
        return q.requests(conn, lot_code=lot_code, open_only=open_only)


def approve(session: UserSession, credentials: Credentials, request_id: int,
            meaning: str = "Approved relabel") -> int:
    def work(conn: Any) -> int:
        return int(conn.execute("SELECT quality.approve_relabel(%s, %s)",
                                (request_id, meaning)).fetchone()[0])

    return sign(session, credentials, work)


def refuse(session: UserSession, request_id: int, reason: str) -> None:
    _scalar(session, "SELECT quality.refuse_relabel(:i, :r)", {"i": request_id, "r": reason})


def carry_out(session: UserSession, request_id: int, *, size: str = "4x6"
              ) -> tuple[RelabelRequest, bytes | None, str | None]:
    """Have the ERP do an approved request (the built-in ERP does it now; Tryton's must have
    made the new lot already) and print the new lot's labels the request asked for: (the
    request, the labels' PDF, why no label could be printed)."""
    with session.engine.connect() as conn:
        builtin = conn.execute(text(
            "SELECT to_regprocedure('quality.carry_out_relabel(bigint)') IS NOT NULL")).scalar()
    function = "carry_out_relabel" if builtin else "record_relabel_done"
    _scalar(session, f"SELECT quality.{function}(:i)", {"i": request_id})
    done = get(session, request_id)
    if not done.child_lot_code or "lot" not in done.labels.split(","):
        return done, None, None
    try:  # the relabel stands; a label that cannot be printed is said, and printed later
        return done, labels.print_labels(session, done.child_lot_code, "lot", size).pdf, None
    except (DecisionRefused, ValueError) as exc:
        return done, None, str(exc)
