"""What a failed call means for the person who made it: refused (nothing happened), or unknown
(the connection died while the call was in flight, so it may or may not have committed)."""

from __future__ import annotations

import psycopg
from sqlalchemy import exc as sa_exc

from app.db.errors import (
    DatabaseUnavailable,
    DecisionRefused,
    LoginFailed,
    NotFound,
    SignatureRefused,
    StaleState,
)
from app.documents.errors import DocumentError
from benchmarks.soak.ledger import FAILED, UNKNOWN

_NOT_CONNECTED = ("connection failed", "could not connect", "the database system is",
                  "No such file or directory", "Connection refused", "too many clients")
CONNECTION_KINDS = frozenset({"connection_lost", "unavailable", "too_many_connections"})


def classify(error: BaseException) -> tuple[str, str]:
    """(ledger outcome, error kind) for an exception raised by a workflow call."""
    if isinstance(error, StaleState):
        return FAILED, "stale"
    if isinstance(error, SignatureRefused):
        return FAILED, "signature_refused"
    if isinstance(error, NotFound):
        return FAILED, "not_found"
    if isinstance(error, DecisionRefused):
        return FAILED, _refusal(str(error))
    if isinstance(error, DocumentError):
        return FAILED, "document_error"
    if isinstance(error, DatabaseUnavailable | LoginFailed):
        text = str(error)
        return FAILED, "too_many_connections" if "too many clients" in text else "unavailable"
    orig = error.orig if isinstance(error, sa_exc.DBAPIError) else error
    if isinstance(orig, psycopg.Error):
        state = orig.diag.sqlstate if not isinstance(orig, psycopg.InterfaceError) else None
        text = str(orig)
        if state == "53300" or "too many clients" in text:
            return FAILED, "too_many_connections"
        if state and state.startswith("40"):
            return FAILED, "deadlock" if state == "40P01" else "serialization"
        if state == "57014":
            return FAILED, "timeout"
        if state is None or state.startswith("08") or state.startswith("57P"):
            if any(marker in text for marker in _NOT_CONNECTED):
                return FAILED, "unavailable"
            return UNKNOWN, "connection_lost"
        return FAILED, f"sql_{state}"
    if isinstance(error, sa_exc.DBAPIError | sa_exc.DisconnectionError):
        return UNKNOWN, "connection_lost"
    return UNKNOWN, f"other:{type(error).__name__}"


def _refusal(message: str) -> str:
    """The database's reason for refusing, in a word."""
    if "cannot be released" in message:
        return "refused_blockers"
    if " may not " in message:
        return "refused_role"
    if "cannot be moved" in message:
        return "refused_transition"
    return "refused"
