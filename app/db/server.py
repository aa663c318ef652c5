"""Which PostgreSQL server Lotproof talks to, and how to reach it as the owner or as a person.

External: `LOTPROOF_DATABASE_URL` names it (with the credentials of the role that owns the schema).
Otherwise an embedded server in the user's data directory, started on first use.
"""

from __future__ import annotations

import atexit
import re
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url

from app.db.embedded import SUPERUSER, EmbeddedServer
from app.db.errors import AccountLocked, BadDatabaseUrl, DatabaseUnavailable, LoginFailed
from app.db.settings import DATABASE_NAME, DATABASE_URL_ENV, data_dir, external_database_url

MIN_SERVER_VERSION = 150000
DRIVER = "postgresql+psycopg"


@dataclass
class ServerTarget:
    """The server in use: the owner's URL and, for the embedded server, its handle."""

    admin_url: URL
    embedded: EmbeddedServer | None = field(default=None, repr=False)
    owns_server: bool = True

    def for_database(self, name: str) -> ServerTarget:
        """The same server, another database; stopping it leaves the server running."""
        return ServerTarget(self.admin_url.set(database=name), self.embedded, owns_server=False)

    @property
    def is_embedded(self) -> bool:
        return self.embedded is not None

    def url_for(self, username: str, password: str) -> URL:
        return self.admin_url.set(username=username, password=password)

    def describe(self) -> str:
        """The URL without any password, for status bars and messages."""
        return libpq_url(self.admin_url, show_password=False)

    def display_name(self) -> str:
        """Where the data is, in words: for the status bar and the login dialog."""
        url = self.admin_url
        if self.embedded is not None:
            return f"{url.database} on this computer's embedded server ({self.embedded.root})"
        host = url.host or url.query.get("host") or "localhost"
        return f"{url.database} on {host}:{url.port or 5432}"

    def stop(self) -> None:
        if self.embedded is not None and self.owns_server:
            self.embedded.stop()


def libpq_url(url: URL, *, show_password: bool) -> str:
    """A URL any PostgreSQL client (psql, libpq) accepts; without the password it asks for one."""
    plain = URL.create("postgresql", username=url.username,
                       password=url.password if show_password else None, host=url.host,
                       port=url.port, database=url.database, query=url.query)
    return plain.render_as_string(hide_password=False)


def open_server(root: Path | None = None, *, delete_on_stop: bool = False) -> ServerTarget:
    """The configured external server, or the embedded one (started if needed)."""
    external = external_database_url()
    if external and root is None:
        target = external_target(external)
    else:
        server = EmbeddedServer(root or data_dir() / "db", delete_on_stop=delete_on_stop)
        location = server.start()
        atexit.register(server.stop)
        url = URL.create(
            DRIVER,
            username=SUPERUSER,
            password=location.password,
            database=DATABASE_NAME,
            query={"host": str(location.socket_dir), "port": str(location.port)},
        )
        target = ServerTarget(admin_url=url, embedded=server)
    check_server(target.admin_url)
    return target


def external_target(url: str | URL) -> ServerTarget:
    """A shared server by URL (`postgresql://user:password@host:5432/db`); nothing is checked."""
    parsed = parse_database_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername=DRIVER)
    return ServerTarget(admin_url=parsed)


def parse_database_url(text: str, setting: str = DATABASE_URL_ENV) -> URL:
    """A PostgreSQL URL from a setting, or BadDatabaseUrl saying what is wrong with it."""
    expected = "postgresql://USER:PASSWORD@HOST:5432/DATABASE"
    try:
        url = make_url(text)
    except (sa_exc.ArgumentError, ValueError) as exc:  # ValueError: a port that is no number
        raise BadDatabaseUrl(f"{setting} is not a URL: {_hide_password(text)!r}; expected "
                             f"{expected}") from exc
    if url.get_backend_name() not in ("postgresql", "postgres"):
        raise BadDatabaseUrl(f"{setting} names a {url.get_backend_name()!r} server, not "
                             f"PostgreSQL: {_hide_password(text)!r}; expected {expected}")
    return url


def _hide_password(text: str) -> str:
    return re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", text)


def psycopg_conninfo(url: URL) -> dict[str, str]:
    """Keyword arguments for psycopg.connect from a SQLAlchemy URL (host may be a socket dir)."""
    args: dict[str, str] = {}
    if url.host:
        args["host"] = url.host
    if url.port:
        args["port"] = str(url.port)
    for key, value in url.query.items():
        args[key] = value if isinstance(value, str) else value[0]
    if url.username:
        args["user"] = url.username
    if url.password:
        args["password"] = str(url.password)
    if url.database:
        args["dbname"] = url.database
    return args


def connect(url: URL, *, autocommit: bool = False, application_name: str = "lotproof") -> psycopg.Connection[tuple[object, ...]]:
    """A raw psycopg connection, with errors turned into messages a user can act on."""
    try:
        conninfo = psycopg.conninfo.make_conninfo(
            **psycopg_conninfo(url), connect_timeout=5, application_name=application_name
        )
        return psycopg.connect(conninfo, autocommit=autocommit)
    except psycopg.OperationalError as exc:
        raise classify_connect_error(url, exc) from exc


def classify_connect_error(url: URL, exc: Exception) -> Exception:
    text = str(exc)
    where = libpq_url(url, show_password=False)
    if "password authentication failed" in text or "no password supplied" in text:
        return LoginFailed(f"Wrong user name or password for {url.username!s}.")
    if "not permitted to log in" in text:
        return AccountLocked(
            f"The account {url.username!s} is locked. An administrator must unlock it."
        )
    if "does not exist" in text and "role" in text:
        return LoginFailed(f"Wrong user name or password for {url.username!s}.")
    return DatabaseUnavailable(
        f"Cannot reach the Lotproof database at {where}.\n{text.strip()}\n"
        "Check that the server is running and reachable, or set LOTPROOF_DATABASE_URL to the "
        "shared server (unset it to use the embedded database)."
    )


def check_server(url: URL) -> str:
    """Refuse a server older than PostgreSQL 15; return its version (`16.2`)."""
    with connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT current_setting('server_version_num'), "
                           "current_setting('server_version')").fetchone()
    version = int(str(row[0])) if row else 0
    if version < MIN_SERVER_VERSION:
        raise DatabaseUnavailable(
            f"The server at {libpq_url(url, show_password=False)} runs PostgreSQL "
            f"{version // 10000}; Lotproof needs PostgreSQL 15 or newer. Upgrade the server or "
            "point LOTPROOF_DATABASE_URL at another one."
        )
    return str(row[1]) if row else ""
