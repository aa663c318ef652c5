"""Everything a screen shows about one lot, read in one go: attributes, stock, movements, status
history with signatures, and (while in quarantine or on hold) what still blocks its release."""

from __future__ import annotations

from dataclasses import dataclass

from app.db.queries import decisions as decision_queries
from app.db.queries import document_review, lot_detail
from app.db.queries.decisions import DecisionLine, LotQualityState
from app.db.queries.document_review import DocumentSummary
from app.db.queries.lot_detail import LotDetail
from app.workflows.session import UserSession


@dataclass(frozen=True)
class LotView:
    detail: LotDetail
    history: list[DecisionLine]
    state: LotQualityState
    blockers: list[str]
    documents: list[DocumentSummary]

    @property
    def has_release(self) -> bool:
        return any(h.action == "release" and h.state == "done" for h in self.history)

    @property
    def pending(self) -> DecisionLine | None:
        return next((h for h in self.history if h.state == "pending"), None)


def lot_view(session: UserSession, lot_code: str) -> LotView:
    with session.engine.connect() as conn:
        detail = lot_detail.lot_detail(conn, lot_code)
        history = decision_queries.lot_history(conn, lot_code)
        state = decision_queries.lot_state(conn, lot_code)
        assert state is not None
        blockers = decision_queries.release_blockers(conn, lot_code)
        docs = document_review.documents_of_lot(conn, lot_code)
    return LotView(detail, history, state, blockers, docs)
