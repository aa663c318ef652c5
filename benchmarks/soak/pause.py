"""Holding a victim workstation still at the worst moment, so it can be killed exactly there.

When armed, the next ingest stops right after `quality.store_document` ran (the document and its
fields are written, the transaction is open), and the next signature stops right after the
decision function ran on the fresh signing connection (decision and signature written, not yet
committed). The process announces it on stdout and waits for the harness to SIGKILL it.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any

from sqlalchemy import Engine, event

from app.workflows import signing

PAUSE_LIMIT = 120.0  # never wait forever: a harness that forgot us must not hang the run
_DECISION_CALLS = ("quality.hold_lot", "quality.release_lot")


class PauseControl:
    def __init__(self) -> None:
        self.armed: str | None = None  # "ingest" or "sign"
        self.token: str | None = None  # the call in flight
        self._lock = threading.Lock()

    def arm(self, kind: str) -> None:
        with self._lock:
            self.armed = kind

    def maybe_pause(self, kind: str) -> None:
        with self._lock:
            if self.armed != kind:
                return
            self.armed = None
        print(json.dumps({"event": "paused", "kind": kind, "token": self.token}), flush=True)
        deadline = time.monotonic() + PAUSE_LIMIT
        while time.monotonic() < deadline:
            time.sleep(0.05)
        os._exit(3)  # reached only if nobody killed us

    def watch_engine(self, engine: Engine) -> None:
        @event.listens_for(engine, "after_cursor_execute")
        def _after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if "quality.store_document" in statement:
                self.maybe_pause("ingest")

    def watch_signing(self) -> None:
        real_connect = signing.connect

        def connect(*args: Any, **kwargs: Any) -> Any:
            return _PausingConnection(real_connect(*args, **kwargs), self)

        signing.connect = connect  # type: ignore[assignment]


class _PausingConnection:
    """A psycopg connection that pauses after a decision function ran on it."""

    def __init__(self, conn: Any, control: PauseControl) -> None:
        self._conn = conn
        self._control = control

    def execute(self, query: Any, params: Any = None) -> Any:
        cursor = self._conn.execute(query, params)
        if any(call in str(query) for call in _DECISION_CALLS):
            self._control.maybe_pause("sign")
        return cursor

    def __enter__(self) -> _PausingConnection:
        self._conn.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._conn.__exit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)
