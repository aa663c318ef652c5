"""What other workstations (and the ERP) change, as it is committed: a listener on the database's
`lotproof_changes` channel, on its own connection and thread, that reconnects with back-off
when the connection is lost and says so at once."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from sqlalchemy.engine import URL

from app.db.server import psycopg_conninfo

CHANNEL = "lotproof_changes"
APPLICATION_NAME = "lotproof live updates"
BACKOFF_SECONDS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)
HEARTBEAT_SECONDS = 5.0  # a silent network is noticed within this (plus TCP keepalive)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    kind: str  # lot, document, decision, exception
    codes: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    many: bool = False

    @classmethod
    def parse(cls, payload: str) -> Change | None:
        try:
            data = json.loads(payload)
            return cls(str(data["kind"]), [str(c) for c in data.get("codes", [])],
                       [int(i) for i in data.get("ids", [])], bool(data.get("many", False)))
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a change notice that is not Lotproof's: %r", payload[:200])
            return None


@dataclass(frozen=True)
class LinkState:
    connected: bool
    message: str
    attempt: int = 0


class ChangeListener:
    """Calls `on_change` for every change committed, and `on_state` when the link to the
    database is lost or back. Both are called from the listener's thread."""

    def __init__(self, url: URL, on_change: Callable[[Change], None],
                 on_state: Callable[[LinkState], None]) -> None:
        self._url = url
        self._on_change = self._guarded(on_change)
        self._on_state = self._guarded(on_state)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lotproof-live", daemon=True)
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None

    def _guarded(self, callback: Callable[[Any], None]) -> Callable[[Any], None]:
        """A receiver that is gone (its window closed) stops the listener instead of raising
        in its thread."""
        def call(value: Any) -> None:
            if self._stop.is_set():
                return
            try:
                callback(value)
            except RuntimeError:
                log.debug("change listener's receiver is gone; stopping")
                self._stop.set()
        return call

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(psycopg.Error, OSError):
                conn.cancel_safe(timeout=1.0)
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        conninfo = psycopg.conninfo.make_conninfo(
            **psycopg_conninfo(self._url), connect_timeout=5, application_name=APPLICATION_NAME,
            keepalives=1, keepalives_idle=5, keepalives_interval=2, keepalives_count=2)
        conn = psycopg.connect(conninfo, autocommit=True)
        conn.execute(f"LISTEN {CHANNEL}")
        return conn

    def _run(self) -> None:
        attempt = 0
        was_connected = False
        while not self._stop.is_set():
            try:
                self._conn = self._connect()
            except psycopg.Error as exc:
                attempt += 1
                self._on_state(LinkState(False, _reason(exc), attempt))
                self._stop.wait(BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS)) - 1])
                continue
            self._on_state(LinkState(True, "reconnected" if was_connected or attempt else
                                     "connected", attempt))
            attempt = 0
            was_connected = True
            try:
                self._listen(self._conn)
            except psycopg.Error as exc:
                if self._stop.is_set():
                    break
                attempt = 1
                self._on_state(LinkState(False, _reason(exc), attempt))
                self._stop.wait(BACKOFF_SECONDS[0])
            finally:
                with contextlib.suppress(psycopg.Error):
                    self._conn.close()
                self._conn = None

    def _listen(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        last_heard = time.monotonic()
        while not self._stop.is_set():
            for notice in conn.notifies(timeout=0.5):
                last_heard = time.monotonic()
                change = Change.parse(notice.payload)
                if change is not None:
                    self._on_change(change)
            if time.monotonic() - last_heard > HEARTBEAT_SECONDS:
                conn.execute("SELECT 1")
                last_heard = time.monotonic()


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
