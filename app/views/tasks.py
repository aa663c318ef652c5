"""Running work off the UI thread.

`TaskRunner.submit` runs a function on a thread pool and delivers its result, error or progress
back on the UI thread: the worker emits signals of a relay object that lives on the UI thread, so
the callbacks always run there (queued), never on the worker.

- A failure is shown to the person (`app.views.messages.show_error`) unless the caller handles
  it with `on_error`; a task that was cancelled (`app.progress.Cancelled`) is not a failure and
  reaches only an `on_error` that asks for it.
- `key=` names what a task is for (a screen's query): a newer task with the same key supersedes
  the older, whose result or error is dropped and whose progress is cancelled. A key is any
  hashable; one runner serves several screens, so a key includes its screen (`(self, "page")`).
- `with_progress=True` gives the function `progress=` an `app.progress.Progress`, the one
  Qt-free contract for reporting and cancelling; its reports reach `on_progress(done, total,
  what)` on the UI thread, and the returned handle's `cancel()` cancels it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Hashable, Iterator
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from app.progress import Cancelled, Progress
from app.views import messages

_log = logging.getLogger(__name__)


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int, str)

    def __init__(self, runner: TaskRunner, key: Hashable | None,
                 on_result: Callable[[Any], None] | None,
                 on_error: Callable[[BaseException], None] | None,
                 on_progress: Callable[[int, int, str], None] | None) -> None:
        super().__init__()
        self._runner = runner
        self.key = key
        self.superseded = False
        self.progress = Progress(self.progressed.emit)
        self._on_result = on_result
        self._on_error = on_error
        self._on_progress = on_progress
        self.done.connect(self._deliver_result)
        self.failed.connect(self._deliver_error)
        self.progressed.connect(self._deliver_progress)

    def supersede(self) -> None:
        self.superseded = True
        self.progress.cancel()

    @Slot(object)
    def _deliver_result(self, value: object) -> None:
        self._runner._forget(self)
        if self.superseded:
            return
        if self._on_result:
            with _screen_gone_is_fine():
                self._on_result(value)

    @Slot(object)
    def _deliver_error(self, error: object) -> None:
        self._runner._forget(self)
        assert isinstance(error, BaseException)
        if self.superseded:
            _log.debug("superseded task ended with %r", error)
            return
        if self._on_error:
            with _screen_gone_is_fine():
                self._on_error(error)
        elif isinstance(error, Cancelled):
            _log.info("background task %s", error)
        else:
            messages.show_error(error)

    @Slot(int, int, str)
    def _deliver_progress(self, done: int, total: int, what: str) -> None:
        if self._on_progress and not self.superseded:
            with _screen_gone_is_fine():
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
    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def cancel(self) -> None:
        self.progress.cancel()


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
        self._latest: dict[Hashable, _Relay] = {}

    def submit(self, fn: Callable[..., Any], *args: Any,
               on_result: Callable[[Any], None] | None = None,
               on_error: Callable[[BaseException], None] | None = None,
               on_progress: Callable[[int, int, str], None] | None = None,
               with_progress: bool = False, key: Hashable | None = None,
               **kwargs: Any) -> TaskHandle:
        """Run `fn(*args, **kwargs)` on the pool (with `with_progress`, also `progress=`)."""
        relay = _Relay(self, key, on_result, on_error, on_progress)
        self._relays.add(relay)
        if key is not None:
            older = self._latest.get(key)
            if older is not None:
                older.supersede()
            self._latest[key] = relay
        if with_progress:
            kwargs["progress"] = relay.progress
        self._pool.start(_Job(lambda: fn(*args, **kwargs), relay))
        return TaskHandle(relay.progress)

    def _forget(self, relay: _Relay) -> None:
        self._relays.discard(relay)
        if relay.key is not None and self._latest.get(relay.key) is relay:
            del self._latest[relay.key]

    @property
    def busy(self) -> bool:
        return bool(self._relays)

    def wait(self, msecs: int = 10_000) -> bool:
        return bool(self._pool.waitForDone(msecs))
