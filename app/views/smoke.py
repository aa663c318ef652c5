"""`lotproof run --smoke-test`: start, open the embedded database, log in, open the main window,
close it, exit 0 — with a watchdog, so a stuck start fails instead of hanging a build."""

from __future__ import annotations

import os
import secrets
import sys
import threading

from app.db.server import ServerTarget
from app.workflows import setup
from app.workflows.setup import DemoLogin

TIMEOUT_ENV = "LOTPROOF_SMOKE_TIMEOUT"
DEFAULT_TIMEOUT_S = 300.0
TIMED_OUT = 3


class Watchdog:
    """Ends the process (exit 3) if the smoke test has not finished in time; names the stage."""

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = seconds or float(os.environ.get(TIMEOUT_ENV, DEFAULT_TIMEOUT_S))
        self.stage = "starting"
        self._timer = threading.Timer(self.seconds, self._expired)
        self._timer.daemon = True

    def start(self) -> Watchdog:
        self._timer.start()
        return self

    def at(self, stage: str) -> None:
        self.stage = stage
        print(f"smoke test: {stage}", file=sys.stderr, flush=True)

    def cancel(self) -> None:
        self._timer.cancel()

    def _expired(self) -> None:
        print(f"smoke test: FAILED — still at '{self.stage}' after {self.seconds:.0f} s",
              file=sys.stderr, flush=True)
        os._exit(TIMED_OUT)


def login_for(target: ServerTarget, demo_logins: list[DemoLogin]) -> tuple[str, str]:
    """The demo administrator, or a new administrator on a database without demo data."""
    for demo in demo_logins:
        if demo.role == "admin":
            return demo.username, demo.password
    username = f"smoke.{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(18)
    setup.create_admin(target, username, f"Smoke Test {username}", password)  # one person each
    return username, password
