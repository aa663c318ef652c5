"""Errors of the database layer that a user can act on; their message is meant to be shown.

The quality functions raise with SQLSTATEs of their own (class LP): `translate` turns a driver
error into one of these, carrying the function's own words rather than a driver dump.
"""

from __future__ import annotations

import psycopg
from sqlalchemy import exc as sa_exc


class DatabaseUnavailable(Exception):
    """The server cannot be reached, refuses us, or is a version Lotproof cannot use."""


class BadDatabaseUrl(DatabaseUnavailable):
    """LOTPROOF_DATABASE_URL (or another setting naming a server) is not a PostgreSQL URL."""


class InvalidText(ValueError):
    """A text value the database cannot store (PostgreSQL text cannot hold a NUL character)."""


class OutcomeUnknown(DatabaseUnavailable):
    """The connection was lost while a signed decision was being committed: it either committed
    or it did not. `transaction_id` lets the workstation ask the server which, once it is back."""

    def __init__(self, message: str, transaction_id: str) -> None:
        super().__init__(message)
        self.transaction_id = transaction_id


class LoginFailed(Exception):
    """The user name or password was not accepted, or the account is locked."""


class AccountLocked(LoginFailed):
    """The login role may not log in (locked after failed signatures, or by an administrator)."""


class DecisionRefused(Exception):
    """The database refused a decision: not permitted, not allowed from this state, or a
    precondition is not met. The message says which."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class StaleState(DecisionRefused):
    """Someone else changed the record since the screen showed it."""


class Contention(DecisionRefused):
    """Two transactions needed each other's rows (deadlock or serialization failure): the
    database rolled this one back whole, so it is safe to do again."""


class NotFound(DecisionRefused):
    pass


class SignatureRefused(DecisionRefused):
    """The signature was not accepted: wrong password, stale authentication, password to change."""


_BY_STATE: dict[str, type[DecisionRefused]] = {
    "LP409": StaleState,
    "40P01": Contention,
    "40001": Contention,
    "LP404": NotFound,
    "28000": SignatureRefused,
    "28P01": SignatureRefused,
}


def translate(error: BaseException) -> BaseException:
    """The user-facing error for a driver error (or the error itself if it is not one)."""
    orig = error.orig if isinstance(error, sa_exc.DBAPIError) else error
    if isinstance(orig, psycopg.DataError) and "NUL (0x00)" in str(orig):
        return _nul_in_text(error)
    if not isinstance(orig, psycopg.Error) or orig.diag.sqlstate is None:
        return error
    state = orig.diag.sqlstate
    message = orig.diag.message_primary or str(orig)
    if state in ("40P01", "40001"):
        return Contention("Another workstation was changing the same records at the same "
                          "moment; nothing was changed. Try again.")
    if state in _BY_STATE:
        return _BY_STATE[state](message, orig.diag.message_hint)
    if state.startswith("LP") or state in ("42501", "23514", "22023", "23505"):
        return DecisionRefused(message, orig.diag.message_hint)
    return error


def describe(error: BaseException) -> str:
    """One line for a user about any driver error: the translated error's message, else what the
    server said (its primary message, never the statement or its parameters)."""
    mapped = translate(error)
    if mapped is not error:
        return str(mapped)
    orig = error.orig if isinstance(error, sa_exc.DBAPIError) else error
    if isinstance(orig, psycopg.Error) and orig.diag.message_primary:
        return f"the database refused: {orig.diag.message_primary}"
    lines = str(orig).strip().splitlines()
    return f"database error: {lines[0] if lines else type(orig).__name__}"


def _nul_in_text(error: BaseException) -> InvalidText:
    """psycopg refuses before sending; name the statement's parameters that hold the NUL."""
    params = error.params if isinstance(error, sa_exc.StatementError) else None
    rows = params if isinstance(params, list | tuple) else [params]
    names = sorted({str(k) for row in rows if isinstance(row, dict)
                    for k, v in row.items() if isinstance(v, str) and "\x00" in v})
    where = f" (parameter {', '.join(names)})" if names else ""
    return InvalidText(f"a text value contains a NUL character (\\x00){where}; PostgreSQL "
                       "cannot store it: remove it and try again")
