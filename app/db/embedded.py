"""The embedded PostgreSQL server (from the `pgserver` package) for a single workstation and tests.

pgserver initialises a cluster with trust authentication. On first start we give the superuser a
random password (kept in a 0600 file beside the cluster), switch every connection to SCRAM, and
create the `lotproof` database, so login roles authenticate with passwords here exactly as they do
on a shared server.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import psycopg
from psycopg import sql

from app.db.errors import DatabaseUnavailable
from app.db.settings import DATABASE_NAME

_log = logging.getLogger(__name__)

SUPERUSER = "postgres"
_HBA_MARKER = "# lotproof: password authentication"
_HBA = f"""{_HBA_MARKER}
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 scram-sha-256
host    all       all   127.0.0.1/32  scram-sha-256
host    all       all   ::1/128       scram-sha-256
"""


@dataclass(frozen=True)
class EmbeddedLocation:
    socket_dir: Path
    port: int
    password: str


class EmbeddedServer:
    """One embedded cluster under `root`: `root/pgdata` and `root/superuser.secret`."""

    def __init__(self, root: Path, *, delete_on_stop: bool = False) -> None:
        self.root = root
        self.pgdata = root / "pgdata"
        self.secret_file = root / "superuser.secret"
        self._delete_on_stop = delete_on_stop
        self._server: Any = None

    def start(self) -> EmbeddedLocation:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs' XDG_RUNTIME_DIR notice
            from pgserver import get_server  # type: ignore[attr-defined]

            self.root.mkdir(parents=True, exist_ok=True)
            if self.pgdata.is_dir():
                _adopt_leftovers(self.pgdata)
            try:
                self._server = get_server(
                    self.pgdata, cleanup_mode="delete" if self._delete_on_stop else "stop"
                )
            except Exception as exc:  # pgserver raises bare subprocess errors
                log = self.pgdata / "log"
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise DatabaseUnavailable(
                    f"The embedded PostgreSQL server in {self.pgdata} did not start ({exc}).\n"
                    f"{tail}\nCheck free disk space and that no other program uses this folder."
                ) from exc
        info = self._server.get_postmaster_info()
        socket_dir = Path(info.socket_dir)
        port = int(info.port or 5432)
        password = self._secure(socket_dir, port)
        return EmbeddedLocation(socket_dir=socket_dir, port=port, password=password)

    def stop(self) -> None:
        """Stop the server if this process started the last handle on it; safe to call twice."""
        server, self._server = self._server, None
        if server is None:
            return
        try:
            server.cleanup()
        except RuntimeError as exc:  # pgserver's inter-process lock, seen at interpreter exit
            _log.warning("embedded server cleanup: %s; stopping it directly", exc)
            from pgserver._commands import pg_ctl  # type: ignore[attr-defined]

            try:
                pg_ctl(["-w", "stop"], pgdata=self.pgdata, user=server.system_user)
            except Exception as stop_error:
                _log.warning("could not stop the embedded server: %s", stop_error)

    def _secure(self, socket_dir: Path, port: int) -> str:
        hba = self.pgdata / "pg_hba.conf"
        if self.secret_file.exists() and _HBA_MARKER in hba.read_text():
            return self.secret_file.read_text().strip()
        # First start: the cluster still trusts local connections.
        password = secrets.token_urlsafe(24)
        with psycopg.connect(
            host=str(socket_dir), port=port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    sql.Identifier(SUPERUSER), sql.Literal(password)
                )
            )
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)
            ).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))
            fd = os.open(self.secret_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(password)
            hba.write_text(_HBA)
            conn.execute("SELECT pg_reload_conf()")
        _log.info("embedded server in %s now requires passwords", self.pgdata)
        return password


def _adopt_leftovers(pgdata: Path) -> None:
    """Clean up after a Lotproof process that died without stopping the server (kill -9, a
    crash, a power cut), before pgserver looks at the folder.

    pgserver stops the server when the last process in `.handle_pids.json` exits; a dead pid
    left in that list means nobody ever stops it again, so dead pids are dropped and the server
    still running is reused and stopped by whoever exits last. A `postmaster.pid` naming a
    process that is alive but not this folder's postgres (its pid reused since, e.g. after a
    reboot in a container) would make pgserver think the server runs: it is removed, and the
    server is started afresh. A postmaster.pid whose process is gone is PostgreSQL's to handle.
    """
    from pgserver.postgres_server import PostgresServer  # type: ignore[import-untyped]

    with PostgresServer._lock:  # pgserver's inter-process lock over these files
        _forget_dead_handles(pgdata / ".handle_pids.json")
        _remove_foreign_pid_file(pgdata)


def _forget_dead_handles(handles: Path) -> None:
    try:
        pids = [int(p) for p in json.loads(handles.read_text())]
    except (OSError, ValueError, TypeError):
        return
    alive = [pid for pid in pids if _running(pid)]
    if alive != pids:
        _log.warning("embedded server: forgetting %s, which exited without stopping it",
                     ", ".join(f"process {pid}" for pid in pids if pid not in alive))
        handles.write_text(json.dumps(alive))


def _remove_foreign_pid_file(pgdata: Path) -> None:
    pid_file = pgdata / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return
    if not _running(pid) or _is_postmaster(pid):
        return
    _log.warning("embedded server: %s names process %d, which is not its server; removing it",
                 pid_file, pid)
    pid_file.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def _is_postmaster(pid: int) -> bool:
    """A postgres process with the pid of this folder's postmaster.pid is taken to be its
    server (comparing command lines would trip over symlinked paths)."""
    try:
        name = psutil.Process(pid).name().lower().removesuffix(".exe")
        return name in ("postgres", "postmaster")
    except psutil.AccessDenied:
        return True  # someone else's process: not ours to judge
    except psutil.Error:
        return False
