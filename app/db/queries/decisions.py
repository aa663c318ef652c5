"""Reading quality decisions: the status machine, a lot's history with its signatures, and what
waits in each role's approvals inbox."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from sqlalchemy import Connection, text


@dataclass(frozen=True)
class Transition:
    action: str
    from_status: str
    to_status: str
    roles: tuple[str, ...]
    signatures_required: int
    meaning: str | None
    needs_reason: bool


@dataclass(frozen=True)
class SignatureLine:
    """A signature manifestation (21 CFR 11.50): printed name, date and time, meaning."""

    id: int
    printed_name: str
    username: str
    role: str
    meaning: str
    signed_at: dt.datetime
    valid: bool

    def manifestation(self) -> str:
        when = self.signed_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        state = "" if self.valid else " — NOT VALID: the signed record was changed"
        return f"{self.meaning} — {self.printed_name} ({self.role_title}), {when}{state}"

    @property
    def role_title(self) -> str:
        return self.role.removeprefix("lotproof_").replace("_", " ").title()


@dataclass(frozen=True)
class DecisionLine:
    id: int
    lot_code: str
    action: str
    from_status: str
    to_status: str
    disposition: str | None
    reason: str | None
    override_justification: str | None
    blockers: list[str]
    state: str
    signatures_required: int
    created_at: dt.datetime
    created_by: str
    created_by_name: str | None
    recall_id: int | None = None
    signatures: list[SignatureLine] = field(default_factory=list)

    @property
    def title(self) -> str:
        if self.action == "disposition" and self.disposition:
            return f"Disposition: {self.disposition.replace('_', ' ')}"
        if self.action == "release" and self.override_justification:
            return "Release with override"
        return self.action.replace("_", " ").capitalize()


def transitions(conn: Connection) -> list[Transition]:
    return [
        Transition(r[0], r[1], r[2], tuple(r[3]), r[4], r[5], r[6])
        for r in conn.execute(text(
            "SELECT action, from_status, to_status, roles, signatures_required, meaning, "
            "needs_reason FROM quality.lot_status_transitions ORDER BY action, from_status, "
            "to_status"))
    ]


_DECISIONS = """
    SELECT d.id, l.lot_code, d.action, d.from_status, d.to_status, d.disposition, d.reason,
           d.override_justification, d.blockers, d.state, d.signatures_required, d.created_at,
           d.created_by, u.printed_name, d.recall_id
    FROM quality.lot_decisions d
    JOIN quality.lots l ON l.id = d.lot_id
    LEFT JOIN quality.users u ON u.username = d.created_by
"""


def _with_signatures(conn: Connection, rows: list[DecisionLine]) -> list[DecisionLine]:
    if not rows:
        return rows
    by_id: dict[int, list[SignatureLine]] = {r.id: [] for r in rows}
    by_recall: dict[int, list[SignatureLine]] = {r.recall_id: [] for r in rows if r.recall_id}
    for s in conn.execute(text(
            "SELECT record_type, record_id, id, printed_name, username, role, meaning, signed_at,"
            " quality.signature_valid(id) FROM quality.signatures "
            "WHERE (record_type = 'lot_decision' AND record_id = ANY(:ids)) "
            "   OR (record_type = 'recall' AND record_id = ANY(:recalls)) ORDER BY id"),
            {"ids": list(by_id), "recalls": list(by_recall)}):
        (by_id if s[0] == "lot_decision" else by_recall)[s[1]].append(SignatureLine(*s[2:]))
    # A recall's mass hold is one signed decision: its signature is shown on each lot it held.
    return [replace(r, signatures=by_id[r.id] + (by_recall.get(r.recall_id, [])
                                                  if r.action == "recall_hold" and r.recall_id
                                                  else [])) for r in rows]


def lot_history(conn: Connection, lot_code: str) -> list[DecisionLine]:
    rows = [DecisionLine(*r) for r in conn.execute(
        text(_DECISIONS + " WHERE l.lot_code = :code ORDER BY d.created_at, d.id"),
        {"code": lot_code})]
    return _with_signatures(conn, rows)


def decision(conn: Connection, decision_id: int) -> DecisionLine | None:
    rows = [DecisionLine(*r) for r in conn.execute(
        text(_DECISIONS + " WHERE d.id = :id"), {"id": decision_id})]
    with_sigs = _with_signatures(conn, rows)
    return with_sigs[0] if with_sigs else None


def pending_decisions(conn: Connection) -> list[DecisionLine]:
    rows = [DecisionLine(*r) for r in conn.execute(
        text(_DECISIONS + " WHERE d.state = 'pending' ORDER BY d.created_at"))]
    return _with_signatures(conn, rows)


@dataclass(frozen=True)
class LotWaiting:
    lot_code: str
    status: str
    item: str
    supplier: str | None
    since: dt.datetime
    note: str | None
    hold_kind: str | None


def lots_awaiting_release(conn: Connection, limit: int = 500) -> list[LotWaiting]:
    return [LotWaiting(*r) for r in conn.execute(text("""
        SELECT l.lot_code, l.status, i.sku || ' ' || i.name, s.name, l.created_at,
               (SELECT count(*) || ' document(s) linked' FROM quality.document_links k
                WHERE k.lot_id = l.id), NULL
        FROM quality.lots l JOIN erp.items i ON i.id = l.item_id
        LEFT JOIN erp.suppliers s ON s.id = l.supplier_id
        WHERE l.status = 'quarantine'
          AND NOT EXISTS (SELECT 1 FROM quality.lot_decisions d
                          WHERE d.lot_id = l.id AND d.state = 'pending')
        ORDER BY l.created_at LIMIT :limit"""), {"limit": limit})]


def holds_to_review(conn: Connection, limit: int = 500) -> list[LotWaiting]:
    return [LotWaiting(*r) for r in conn.execute(text("""
        SELECT l.lot_code, l.status, i.sku || ' ' || i.name, s.name,
               coalesce(st.updated_at, l.created_at),
               (SELECT d.reason FROM quality.lot_decisions d
                WHERE d.lot_id = l.id AND d.to_status = 'hold' ORDER BY d.id DESC LIMIT 1),
               st.hold_kind
        FROM quality.lots l JOIN erp.items i ON i.id = l.item_id
        LEFT JOIN erp.suppliers s ON s.id = l.supplier_id
        LEFT JOIN quality.lot_state st ON st.lot_id = l.id
        WHERE l.status = 'hold'
        ORDER BY coalesce(st.updated_at, l.created_at) LIMIT :limit"""), {"limit": limit})]


@dataclass(frozen=True)
class LotQualityState:
    status: str
    version: int
    hold_kind: str | None
    released_once: bool
    updated_at: dt.datetime | None
    updated_by: str | None


def lot_state(conn: Connection, lot_code: str) -> LotQualityState | None:
    row = conn.execute(text("""
        SELECT l.status, coalesce(s.version, 0), s.hold_kind, coalesce(s.released_once, false),
               s.updated_at, coalesce(u.printed_name, s.updated_by)
        FROM quality.lots l LEFT JOIN quality.lot_state s ON s.lot_id = l.id
        LEFT JOIN quality.users u ON u.username = s.updated_by
        WHERE l.lot_code = :code"""), {"code": lot_code}).first()
    return LotQualityState(*row) if row else None


def release_blockers(conn: Connection, lot_code: str) -> list[str]:
    value = conn.execute(text(
        "SELECT quality.release_blockers(id) FROM quality.lots WHERE lot_code = :code"),
        {"code": lot_code}).scalar_one_or_none()
    return list(value or [])
