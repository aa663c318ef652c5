"""Doing each scheduled fault: kill connections, restart the server, kill a workstation process
while it is inside an ingest or a signature (and start it again, as its user would)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from app.db.server import ServerTarget
from benchmarks.soak.config import Fault
from benchmarks.soak.processes import WorkerProcess
from benchmarks.soak.server_control import restart_server, terminate_connections


@dataclass
class FaultRecord:
    fault: Fault
    started: float  # seconds after the load started
    ended: float
    done: bool
    detail: str
    workstations: set[str]  # who was hit (for the recovery time)
    paused_token: str | None = None


class FaultRunner:
    def __init__(self, target: ServerTarget, owner: Engine, role_prefix: str, origin: float,
                 victims: dict[str, WorkerProcess],
                 respawn: Callable[[WorkerProcess], WorkerProcess],
                 everyone: set[str], restart_down_seconds: float = 3.0) -> None:
        self.target = target
        self.owner = owner
        self.prefix = role_prefix
        self.origin = origin
        self.victims = victims  # "kill_ingest" / "kill_sign" -> its process
        self.respawn = respawn
        self.everyone = everyone
        self.down_seconds = restart_down_seconds

    def _now(self) -> float:
        return round(time.time() - self.origin, 2)

    def do(self, fault: Fault) -> FaultRecord:
        started = self._now()
        try:
            if fault.kind == "terminate":
                killed = terminate_connections(self.owner, self.prefix)
                return FaultRecord(fault, started, self._now(), True,
                                   f"{killed} workstation connections terminated", self.everyone)
            if fault.kind == "restart":
                down = restart_server(self.target, self.down_seconds)
                return FaultRecord(fault, started, self._now(), True,
                                   f"server stopped (immediate) and started: {down:.1f} s down",
                                   self.everyone)
            return self._kill(fault, started)
        except Exception as exc:
            return FaultRecord(fault, started, self._now(), False, f"fault failed: {exc}", set())

    def _kill(self, fault: Fault, started: float) -> FaultRecord:
        proc = self.victims[fault.kind]
        what = "ingest" if fault.kind == "kill_ingest" else "sign"
        proc.send(f"arm {what}")
        paused = proc.wait_for("paused", timeout=60)
        if paused is None:
            return FaultRecord(fault, started, self._now(), False,
                               f"the victim never reached a {what} to be killed in", set())
        proc.kill()
        ended = self._now()
        self.victims[fault.kind] = self.respawn(proc)
        step = ("after store_document ran, before commit" if what == "ingest"
                else "after the decision function ran on the signing connection, before commit")
        return FaultRecord(fault, started, ended, True,
                           f"{proc.names[0]} SIGKILLed {step} (token {paused.get('token')}); "
                           "started again", set(proc.names), paused.get("token"))
