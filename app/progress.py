"""Progress and cancel for long work, without Qt: the one contract every layer uses.

Long work (reading a document, OCR, an evidence bundle, the demo seed, an export) takes an
optional `Progress`, reports how far it is and checks, between steps, whether it was cancelled:

    def work(items: list[Item], progress: Progress | None = None) -> Result:
        progress = progress or Progress()
        for n, item in enumerate(items, 1):
            progress.check("the export")      # raises Cancelled once someone cancelled
            ...
            progress.report(n, len(items), "rows")

The workstation's `TaskRunner` hands a task a Progress whose reports reach the UI thread and
whose `cancel()` the task's handle calls; the command line prints the reports; a test passes a
plain function. Cancelling raises `Cancelled` inside the work, the only exception that means so;
work that is cancelled keeps nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

Report = Callable[[int, int, str], None]  # (done, total, what)


class Cancelled(Exception):
    """The work was cancelled (`Progress.cancel`) and stopped; it kept nothing."""


class Progress:
    """How far the work is (`report`) and whether to stop (`cancel`, `check`); thread-safe."""

    def __init__(self, on_report: Report | None = None) -> None:
        self._on_report = on_report
        self._cancelled = threading.Event()

    def report(self, done: int, total: int, what: str = "") -> None:
        """`done` of `total` steps of `what` (a stage, a file name) are finished."""
        if self._on_report is not None:
            self._on_report(done, total, what)

    def cancel(self) -> None:
        """Ask the work to stop at its next `check` (from any thread)."""
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def check(self, what: str = "the work") -> None:
        """Raise `Cancelled` ("<what> cancelled") if the work was cancelled."""
        if self._cancelled.is_set():
            raise Cancelled(f"{what} cancelled")
