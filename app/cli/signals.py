"""SIGTERM and SIGHUP end a command as Ctrl-C does: the stack unwinds, so `with server()` and the
atexit handlers stop the embedded PostgreSQL server. Python's default for both signals is to die
at once, which leaves the server running with no Lotproof process to stop it."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

_log = logging.getLogger(__name__)

SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Terminated(BaseException):
    """Raised in the main thread when the process is asked to end (a BaseException, like
    KeyboardInterrupt, so that `except Exception` on the way does not swallow it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    for each in SIGNALS:  # a second signal must not interrupt the clean-up of the first
        signal.signal(each, signal.SIG_IGN)
    _log.warning("%s received: stopping", signal.Signals(signum).name)
    raise Terminated(signum)


@contextmanager
def handled(handler: Callable[[int, FrameType | None], Any] = _raise_terminated
            ) -> Iterator[None]:
    """Route SIGTERM and SIGHUP to `handler` inside the block; the previous handlers after.
    Outside the main thread (where Python cannot set handlers) this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {each: signal.signal(each, handler) for each in SIGNALS}
    try:
        yield
    finally:
        for each, old in previous.items():
            signal.signal(each, old)
