"""Supplier documents: read a file, store it with what was read, link it to lots, and let an
inspector confirm or correct every value before the document counts as verified.

Reading runs before anything is stored; storing the document, its fields and its lot link is one
database transaction, so a file is either fully stored or not at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from app.db.errors import DecisionRefused, translate
from app.db.queries import document_review as q
from app.db.queries.document_review import (
    DocumentReview,
    DocumentSummary,
    FieldRow,
    LotCandidate,
    ResultLine,
)
from app.documents.errors import DocumentError
from app.documents.extract import Extraction, extract_bytes
from app.documents.gs1 import GS1Data, GS1Error, parse_gs1
from app.documents.lot_matching import rank_lots
from app.documents.sniff import sniff
from app.progress import Progress
from app.workflows.session import UserSession
from app.workflows.signing import translated

__all__ = [
    "DocumentError",
    "DocumentReview",
    "DocumentSummary",
    "FieldRow",
    "IngestOutcome",
    "LotCandidate",
    "ResultLine",
    "ScanResult",
    "confirm_field",
    "confirm_link",
    "confirm_result",
    "correct_field",
    "correct_result",
    "document_content",
    "documents_of_lot",
    "ingest",
    "link",
    "link_item",
    "lot_candidates",
    "queue",
    "read",
    "review",
    "scan",
    "set_kind",
    "store",
    "verify",
]

MIME = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg",
        "tiff": "image/tiff", "gif": "image/gif", "bmp": "image/bmp", "webp": "image/webp"}


@dataclass
class IngestOutcome:
    file_name: str
    document_id: int
    created: bool
    kind: str
    linked_lots: list[str] = field(default_factory=list)
    candidates: list[LotCandidate] = field(default_factory=list)
    lot_number: str | None = None
    # Why the document was stored but not linked (its product, supplier or lot number differ
    # from the lot's): linking it anyway needs a reason and a second person.
    link_refused: str | None = None

    @property
    def needs_lot_choice(self) -> bool:
        return self.kind == "coa" and not self.linked_lots and bool(self.candidates)


def read(path: Path, *, progress: Progress | None = None) -> tuple[bytes, Extraction]:
    """Read a file (text layer or OCR), reporting each page to `progress` (what: the file's
    name). Bad files raise DocumentError naming file and problem; a cancelled `progress`
    raises Cancelled between pages."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(path.name, f"cannot be read: {exc.strerror or exc}") from exc
    extraction = extract_bytes(data, path.name, progress=progress)
    return data, extraction


def ingest(session: UserSession, path: Path, *, lot_code: str | None = None,
           progress: Progress | None = None) -> IngestOutcome:
    data, extraction = read(path, progress=progress)
    return store(session, data, path.name, extraction, lot_code=lot_code)


def store(session: UserSession, data: bytes, file_name: str, extraction: Extraction, *,
          lot_code: str | None = None) -> IngestOutcome:
    """Store a file with what was read from it and link it, in one transaction."""
    payload = extraction.details_json_dict()
    lot_number = extraction.value("lot_number")
    with translated(), session.engine.begin() as conn:
        document_id, created = conn.execute(
            text("SELECT * FROM quality.store_document(:n, :m, :c, :p, CAST(:x AS jsonb))"),
            {"n": file_name, "m": MIME.get(sniff(data[:2048]), "application/octet-stream"),
             "c": data, "p": len(extraction.pages), "x": json.dumps(payload)},
        ).one()
        outcome = IngestOutcome(file_name, int(document_id), bool(created), extraction.kind,
                                lot_number=str(lot_number) if lot_number else None)
        if lot_code:
            if _try_link(conn, outcome, lot_code) and extraction.kind == "sds":
                _link_item_of(conn, outcome.document_id, lot_code)
        elif extraction.kind == "coa" and lot_number:
            outcome.candidates = _ranked(conn, str(lot_number))
            chosen = _unambiguous(outcome.candidates)
            if chosen is not None:
                _try_link(conn, outcome, chosen.lot_code)
    return outcome


def _try_link(conn: Connection, outcome: IngestOutcome, lot_code: str) -> bool:
    """Link, or keep the document stored and say why it was not linked."""
    try:
        with conn.begin_nested():
            _link(conn, outcome.document_id, lot_code)
    except Exception as exc:
        refusal = translate(exc)
        if not isinstance(refusal, DecisionRefused):
            raise
        outcome.link_refused = str(refusal)
        return False
    outcome.linked_lots.append(lot_code)
    return True


def _link(conn: Connection, document_id: int, lot_code: str, reason: str | None = None) -> None:
    conn.execute(text("SELECT quality.link_document(:d, :l, NULL, NULL, :r)"),
                 {"d": document_id, "l": lot_code, "r": reason})


def _link_item_of(conn: Connection, document_id: int, lot_code: str) -> None:
    """An SDS covers the item from its supplier: link it to both."""
    item, supplier = conn.execute(text("SELECT item_id, supplier_id FROM quality.lots "
                                       "WHERE lot_code = :c"), {"c": lot_code}).one()
    conn.execute(text("SELECT quality.link_document(:d, NULL, :i, :s, NULL)"),
                 {"d": document_id, "i": item, "s": supplier})


def _ranked(conn: Connection, code: str, gtin: str | None = None) -> list[LotCandidate]:
    """Matching lots, best first: exact, then normalised, then look-alike codes."""
    found = q.lots_matching(conn, code, gtin=gtin)
    ranked: list[tuple[float, LotCandidate]] = []
    for candidate in found:
        codes = [c for c in (candidate.supplier_lot_code, candidate.lot_code) if c]
        best = max(rank_lots(code, codes), key=lambda m: m.score, default=None)
        if best is not None:
            ranked.append((best.score, replace(candidate, match=best.kind)))
    ranked.sort(key=lambda pair: (-pair[0], pair[1].lot_code))
    return [c for _score, c in ranked]


def _unambiguous(candidates: list[LotCandidate]) -> LotCandidate | None:
    """The one lot a COA's lot number means: a single strong match, or among several strong
    matches (a split keeps the supplier's lot code) the single one still in quarantine."""
    strong = [c for c in candidates if c.match in ("exact", "normalised")]
    if len(strong) == 1:
        return strong[0]
    waiting = [c for c in strong if c.status == "quarantine"]
    return waiting[0] if len(waiting) == 1 else None


def lot_candidates(session: UserSession, code: str) -> list[LotCandidate]:
    with session.engine.connect() as conn:
        return _ranked(conn, code)


def link(session: UserSession, document_id: int, lot_code: str,
         reason: str | None = None) -> None:
    """Link a document to a lot; one whose product, supplier or lot number differ from the
    lot's is refused unless a reason is given (and then never counts as the lot's COA)."""
    with translated(), session.engine.begin() as conn:
        _link(conn, document_id, lot_code, reason)


def confirm_link(session: UserSession, link_id: int, reason: str) -> None:
    """The second person's confirmation of a link made despite a mismatch."""
    _call(session, "SELECT quality.confirm_document_link(:k, :r)", {"k": link_id, "r": reason})


@dataclass(frozen=True)
class ScanResult:
    data: GS1Data
    lots: list[LotCandidate]


def scan(session: UserSession, raw: str) -> ScanResult:
    """A GS1-128 / DataMatrix scan: the lots it names (by lot and GTIN). Raises GS1Error."""
    data = parse_gs1(raw)
    if not data.lot:
        raise GS1Error("the barcode carries no lot number (AI 10)")
    with session.engine.connect() as conn:
        lots = _ranked(conn, data.lot, data.gtin) or _ranked(conn, data.lot)
    return ScanResult(data, lots)


def looks_like_gs1(raw: str) -> bool:
    text_ = raw.strip()
    return text_.startswith(("(01)", "(00)", "(10)", "]C1", "]d2", "\x1d")) or (
        len(text_) > 18 and text_[:2] in ("01", "00") and text_[2:16].isdigit())


def queue(session: UserSession, status: str | None = None) -> list[DocumentSummary]:
    with session.engine.connect() as conn:
        return q.queue(conn, status=status)


def documents_of_lot(session: UserSession, lot_code: str) -> list[DocumentSummary]:
    with session.engine.connect() as conn:
        return q.documents_of_lot(conn, lot_code)


def review(session: UserSession, document_id: int) -> DocumentReview:
    with session.engine.connect() as conn:
        found = q.review(conn, document_id)
    if found is None:
        raise LookupError(f"no document {document_id}")
    return found


def document_content(session: UserSession, document_id: int) -> bytes:
    with session.engine.connect() as conn:
        return q.content(conn, document_id)


def _call(session: UserSession, sql: str, params: dict[str, Any]) -> None:
    with translated(), session.engine.begin() as conn:
        conn.execute(text(sql), params)


def confirm_field(session: UserSession, field_id: int) -> None:
    _call(session, "SELECT quality.confirm_field(:f)", {"f": field_id})


def correct_field(session: UserSession, field_id: int, value: Any, reason: str) -> None:
    _call(session, "SELECT quality.correct_field(:f, CAST(:v AS jsonb), :r)",
          {"f": field_id, "v": json.dumps(value), "r": reason})


def confirm_result(session: UserSession, result_id: int) -> None:
    _call(session, "SELECT quality.confirm_result(:r)", {"r": result_id})


def correct_result(session: UserSession, result_id: int, value: float | None, unit: str | None,
                   result_text: str, reason: str) -> None:
    _call(session, "SELECT quality.correct_result(:i, :v, :u, :t, :r)",
          {"i": result_id, "v": value, "u": unit, "t": result_text, "r": reason})


def set_kind(session: UserSession, document_id: int, kind: str, reason: str) -> None:
    _call(session, "SELECT quality.set_document_kind(:d, :k, :r)",
          {"d": document_id, "k": kind, "r": reason})


def link_item(session: UserSession, document_id: int, item_id: int,
              supplier_id: int | None = None) -> None:
    _call(session, "SELECT quality.link_document(:d, NULL, :i, :s, NULL)",
          {"d": document_id, "i": item_id, "s": supplier_id})


def verify(session: UserSession, document_id: int) -> None:
    _call(session, "SELECT quality.verify_document(:d)", {"d": document_id})
