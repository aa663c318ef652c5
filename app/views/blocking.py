"""Waiting for one background task while the UI keeps painting: start-up steps that must finish
before the next window can open (the database, the schema upgrade)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop

from app.views.tasks import TaskRunner


def wait_for(runner: TaskRunner, fn: Callable[..., Any], *args: Any,
             on_progress: Callable[[int, int, str], None] | None = None,
             with_progress: bool = False, **kwargs: Any) -> Any:
    """Run `fn` on the pool, spin a local event loop until it reports, and return its value or
    raise its error (on the UI thread)."""
    loop = QEventLoop()
    outcome: dict[str, Any] = {}

    def finished(value: Any = None, error: BaseException | None = None) -> None:
        outcome["value"], outcome["error"] = value, error
        loop.quit()

    runner.submit(fn, *args, on_result=lambda v: finished(v),
                  on_error=lambda e: finished(error=e), on_progress=on_progress,
                  with_progress=with_progress, **kwargs)
    if "value" not in outcome:
        loop.exec()
    while "value" not in outcome:  # the loop was ended early (the workstation is closing):
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    error = outcome.get("error")
    if isinstance(error, BaseException):
        raise error
    return outcome.get("value")
