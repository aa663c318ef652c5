"""Errors of the database layer that a user can act on; their message is meant to be shown."""


class DatabaseUnavailable(Exception):
    """The server cannot be reached, refuses us, or is a version Lotproof cannot use."""


class LoginFailed(Exception):
    """The user name or password was not accepted, or the account is locked."""
