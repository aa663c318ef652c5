"""Running work off the UI thread.

`TaskRunner.submit` runs a function on a thread pool and delivers its result, error or progress
back on the UI thread: the worker emits signals of a relay object that lives on the UI thread, so
the callbacks always run there (queued), never on the worker.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

_log = logging.getLogger(__name__)


class Cancelled(Exception):
    """Raised inside a task that noticed its token was cancelled."""


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def __call__(self) -> bool:
        return self._event.is_set()


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int, str)

    def __init__(self, runner: TaskRunner, on_result: Callable[[Any], None] | None,
                 on_error: Callable[[BaseException], None] | None,
                 on_progress: Callable[[int, int, str], None] | None) -> None:
        super().__init__()
        self._runner = runner
        self._on_result = on_result
        self._on_error = on_error
        self._on_progress = on_progress
        self.done.connect(self._deliver_result)
        self.failed.connect(self._deliver_error)
        self.progressed.connect(self._deliver_progress)

    @Slot(object)
    def _deliver_result(self, value: object) -> None:
        self._runner._forget(self)
        if self._on_result:
            with _screen_gone_is_fine():
                self._on_result(value)

    @Slot(object)
    def _deliver_error(self, error: object) -> None:
        self._runner._forget(self)
        if isinstance(error, Cancelled):
            return
        if self._on_error:
            assert isinstance(error, BaseException)
            with _screen_gone_is_fine():
                self._on_error(error)
        else:
            _log.error("background task failed: %s", error, exc_info=error)  # type: ignore[arg-type]

    @Slot(int, int, str)
    def _deliver_progress(self, done: int, total: int, what: str) -> None:
        if self._on_progress:
            self._on_progress(done, total, what)


@contextlib.contextmanager
def _screen_gone_is_fine() -> Iterator[None]:
    """An answer for a widget that was closed and deleted while its work ran has nowhere to
    go; Qt says so with this RuntimeError, which is not a failure of the work."""
    try:
        yield
    except RuntimeError as exc:
        if "already deleted" not in str(exc):
            raise
        _log.debug("answer for a closed screen dropped: %s", exc)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._relay = relay
        self.setAutoDelete(True)

    def run(self) -> None:
        failed = False
        try:
            payload = self._fn()
        except BaseException as exc:  # delivered to the UI thread, never lost
            failed, payload = True, exc
        with _screen_gone_is_fine():  # the window closed and took the relay with it
            (self._relay.failed if failed else self._relay.done).emit(payload)


class TaskHandle:
    def __init__(self, token: CancelToken) -> None:
        self.token = token

    def cancel(self) -> None:
        self.token.cancel()


POOL_THREADS = 8


class TaskRunner:
    """One per window; keeps relays alive until their task reports back."""

    def __init__(self, pool: QThreadPool | None = None) -> None:
        self._pool = pool or QThreadPool.globalInstance()
        # The work is mostly waiting on the database, not computing: with one thread per core
        # (2 here) the lot browser's first page queued behind every other tab's query.
        if self._pool.maxThreadCount() < POOL_THREADS:
            self._pool.setMaxThreadCount(POOL_THREADS)
        self._relays: set[_Relay] = set()

    def submit(self, fn: Callable[..., Any], *args: Any,
               on_result: Callable[[Any], None] | None = None,
               on_error: Callable[[BaseException], None] | None = None,
               on_progress: Callable[[int, int, str], None] | None = None,
               with_progress: bool = False, **kwargs: Any) -> TaskHandle:
        """Run `fn(*args, **kwargs)` on the pool. With `with_progress`, `fn` also receives
        `progress=callable(done, total, what)` and `cancel=callable() -> bool`."""
        relay = _Relay(self, on_result, on_error, on_progress)
        self._relays.add(relay)
        token = CancelToken()
        if with_progress:
            kwargs["progress"] = relay.progressed.emit
            kwargs["cancel"] = token
        self._pool.start(_Job(lambda: fn(*args, **kwargs), relay))
        return TaskHandle(token)

    def _forget(self, relay: _Relay) -> None:
        self._relays.discard(relay)

    @property
    def busy(self) -> bool:
        return bool(self._relays)

    def wait(self, msecs: int = 10_000) -> bool:
        return bool(self._pool.waitForDone(msecs))
