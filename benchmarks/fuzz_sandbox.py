"""Running the document reader on one bad file at a time, in a child process the fuzzer can kill:
a case that runs past its wall-clock limit is a hang, a child that dies is a crash, and the
child's memory is read after every case (and capped, so a bomb cannot take the machine)."""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import time
import traceback
import warnings
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from app.documents.errors import DocumentError
from app.documents.extract import extract_bytes
from app.documents.limits import Limits

MEMORY_CAP_BYTES = 4 * 1024**3  # address space of the child: a runaway allocation fails here


@dataclass(frozen=True)
class CaseResult:
    outcome: str  # "ok" (read), "document_error", "crash", "hang", "died"
    message: str  # the DocumentError's problem, or what crashed
    seconds: float
    rss_mb: float  # the child's resident memory after the case
    peak_mb: float  # the child's peak resident memory so far


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 1e6


def _where(exc: BaseException) -> str:
    """The innermost frames: where the reader let the exception out."""
    frames = traceback.extract_tb(exc.__traceback__)[-4:]
    return " <- ".join(f"{f.filename.rsplit('/', 2)[-1]}:{f.lineno} {f.name}"
                       for f in reversed(frames))


def _child(conn: Connection, limits: Limits) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP_BYTES, MEMORY_CAP_BYTES))
    quiet = os.open(os.devnull, os.O_WRONLY)  # libtiff and PIL complain on stderr about
    os.dup2(quiet, 2)  # every broken file; the outcome says it better
    warnings.simplefilter("ignore")
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        data, name = job
        started = time.perf_counter()
        try:
            extraction = extract_bytes(data, name, limits=limits)
            outcome, message = "ok", f"read as {extraction.kind}"
        except DocumentError as exc:
            named = exc.filename == name and name in str(exc) and len(exc.problem) > 8
            outcome = "document_error" if named else "crash"
            message = exc.problem if named else f"DocumentError without a clear message: {exc!r}"
        except BaseException as exc:
            outcome = "crash"
            message = f"{type(exc).__name__}: {exc}\n{_where(exc)}"
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1000
        conn.send((outcome, message, time.perf_counter() - started, _rss_mb(), peak))


class Sandbox:
    def __init__(self, limits: Limits, grace_seconds: float = 5.0) -> None:
        self.limits = limits
        self.grace = grace_seconds
        # Not "fork": a child forked from a process with threads running (Qt's pool, database
        # listeners under pytest) can inherit a half-updated interpreter state and fail in
        # ways that have nothing to do with the file it reads. The fork server is started
        # fresh and single-threaded, and forks each sandbox from there.
        self._ctx = mp.get_context("forkserver")
        self._proc: Any = None
        self._conn: Connection | None = None
        self.restarts = 0

    def _start(self) -> None:
        parent, child = self._ctx.Pipe()
        self._proc = self._ctx.Process(target=_child, args=(child, self.limits), daemon=True)
        self._proc.start()
        child.close()
        self._conn = parent

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(5)
        self._proc, self._conn = None, None
        self.restarts += 1

    def run(self, data: bytes, name: str) -> CaseResult:
        if self._conn is None:
            self._start()
        assert self._conn is not None
        started = time.perf_counter()
        self._conn.send((data, name))
        wall = self.limits.seconds + self.grace
        if not self._conn.poll(wall):
            self._kill()
            return CaseResult("hang", f"no answer after {wall:g} s (limit {self.limits.seconds:g} s)",
                              time.perf_counter() - started, 0.0, 0.0)
        try:
            outcome, message, seconds, rss, peak = self._conn.recv()
        except (EOFError, OSError):
            code = self._proc.exitcode if self._proc is not None else None
            self._kill()
            return CaseResult("died", f"the reader's process died (exit code {code})",
                              time.perf_counter() - started, 0.0, 0.0)
        return CaseResult(outcome, message, seconds, rss, peak)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.send(None)
            self._conn.close()
        if self._proc is not None:
            self._proc.join(5)
            if self._proc.is_alive():
                self._proc.kill()
