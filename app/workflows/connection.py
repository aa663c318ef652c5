"""Which database the workstation uses, remembered per user: the embedded database on this
workstation, or a shared PostgreSQL server.

The choice is kept in `connection.json` in the user's configuration directory, without any
password. A password given for the workstation's own connection goes to the system keyring when
there is one, and is otherwise not kept at all (it is asked for again). The environment wins:
with LOTPROOF_DATABASE_URL or LOTPROOF_DATA_DIR set nothing is asked or remembered.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from app.db import schema_version
from app.db.engine import make_engine
from app.db.errors import LoginFailed
from app.db.schema_version import SchemaStatus
from app.db.server import ServerTarget, check_server, external_target, libpq_url
from app.db.settings import DATA_DIR_ENV, DATABASE_NAME, DATABASE_URL_ENV, config_dir

_log = logging.getLogger(__name__)

CONNECTION_FILE = "connection.json"
KEYRING_SERVICE = "Lotproof database"


@dataclass(frozen=True)
class Connection:
    kind: Literal["embedded", "server"]
    url: str | None = None  # a server's URL, never with a password

    @property
    def username(self) -> str | None:
        return make_url(self.url).username if self.url else None

    def describe(self) -> str:
        if self.kind == "embedded":
            return "the embedded database on this workstation"
        return f"the shared server {self.url}"


EMBEDDED = Connection("embedded")


def environment_decides() -> bool:
    """The environment names the database or the data folder (as the test suite does): no
    dialog, nothing kept."""
    return bool(os.environ.get(DATABASE_URL_ENV, "").strip() or os.environ.get(DATA_DIR_ENV))


def _file(folder: Path | None) -> Path:
    return (folder or config_dir()) / CONNECTION_FILE


def load(folder: Path | None = None) -> Connection | None:
    path = _file(folder)
    try:
        data = json.loads(path.read_text())
        if data.get("kind") == "embedded":
            return EMBEDDED
        if data.get("kind") == "server" and data.get("url"):
            return Connection("server", strip_password(make_url(data["url"])))
    except FileNotFoundError:
        return None
    except (ValueError, ArgumentError, AttributeError) as exc:
        _log.warning("ignoring %s: %s", path, exc)
    return None


def save(connection: Connection, password: str | None = None, *, remember_password: bool = True,
         folder: Path | None = None) -> bool:
    """Remember the choice; the password goes to the keyring only. True if it was kept."""
    path = _file(folder)
    path.write_text(json.dumps({"kind": connection.kind, "url": connection.url}, indent=2))
    kept = False
    if connection.url and password and remember_password and keyring_available():
        try:
            import keyring

            keyring.set_password(KEYRING_SERVICE, connection.url, password)
            kept = True
        except Exception as exc:  # a locked or broken keyring: the password is asked again
            _log.warning("could not store the password in the keyring: %s", exc)
    elif connection.url:
        forget_password(connection)
    return kept


def keyring_available() -> bool:
    """A real system keyring (Secret Service, Windows Credential Locker, macOS Keychain) —
    not keyring's 'fail' backend nor a plain-text file."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception:
        return False
    if isinstance(backend, fail.Keyring):
        return False
    try:
        return float(getattr(backend, "priority", 0)) >= 1
    except Exception:
        return False


def stored_password(connection: Connection) -> str | None:
    if not connection.url or not keyring_available():
        return None
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, connection.url)
    except Exception as exc:
        _log.warning("could not read the keyring: %s", exc)
        return None


def forget_password(connection: Connection) -> None:
    if not connection.url or not keyring_available():
        return
    try:
        import keyring

        keyring.delete_password(KEYRING_SERVICE, connection.url)
    except Exception:  # nothing stored, or no keyring
        pass


def strip_password(url: URL) -> str:
    return libpq_url(url, show_password=False)


def server_url(text: str, username: str = "", password: str = "") -> URL:
    """A server URL from what a person typed: `db.example.com`, `db:5433/erp` or a full
    `postgresql://user@host:port/database`; the user name and password fields win."""
    text = text.strip()
    if not text:
        raise ValueError("Enter the server's address, e.g. postgresql://db.example.com:5432/lotproof")
    if "://" not in text:
        text = f"postgresql://{text}"
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise ValueError(f"Not a PostgreSQL URL: {text}") from exc
    if url.get_backend_name() not in ("postgresql", "postgres"):
        raise ValueError(f"Not a PostgreSQL URL: {text}")
    if not url.host and not url.query.get("host"):
        raise ValueError("The URL names no server host.")
    url = url.set(drivername="postgresql", database=url.database or DATABASE_NAME)
    if username.strip():
        url = url.set(username=username.strip())
    if password:
        url = url.set(password=password)
    return url


def target_for(connection: Connection, password: str | None = None) -> ServerTarget:
    """The remembered shared server, with the workstation's password when there is one."""
    assert connection.url is not None
    url = make_url(connection.url)
    if password is None:
        password = stored_password(connection)
    if password:
        url = url.set(password=password)
    return external_target(url)


@dataclass(frozen=True)
class Probe:
    """What `Test connection` found."""

    server_version: str
    where: str
    user: str
    schema: SchemaStatus

    def describe(self) -> str:
        return (f"Connected to PostgreSQL {self.server_version} as {self.user} ({self.where}). "
                f"Lotproof schema: {self.schema.describe()}.")


def probe(url: URL) -> Probe:
    """Connect as the URL says; raises LoginFailed or DatabaseUnavailable with a clear message."""
    target = external_target(url)
    admin = target.admin_url
    if not admin.username:
        raise LoginFailed("Enter a user name and password to test the login.")
    version = check_server(admin)
    engine = make_engine(admin, application_name="lotproof connection test", pool_size=1)
    try:
        status = schema_version.read_status(engine)
    finally:
        engine.dispose()
    return Probe(version, strip_password(admin), str(admin.username), status)

