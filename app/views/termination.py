"""SIGTERM, SIGHUP and SIGINT close the workstation as closing its window does, so that the
session, the live-update listener and the embedded PostgreSQL server are stopped cleanly.

Python runs a signal handler only when the interpreter gets control, which it does not while
Qt's event loop waits in C++; a timer ticking a few times a second gives it that control. The
handler closes every window and ends every event loop that is running, and the tick ends any
loop started after it (a dialog that was about to open), until `run` returns."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

_log = logging.getLogger(__name__)

SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGINT")
                if hasattr(signal, name))
TICK_MS = 200


class Termination:
    def __init__(self, app: QApplication) -> None:
        self._app = app
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}
        self._timer = QTimer()
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._end_loops)

    @property
    def requested(self) -> bool:
        return self.signum is not None

    @property
    def exit_code(self) -> int:
        return 128 + (self.signum or 0)

    def install(self) -> Termination:
        if threading.current_thread() is threading.main_thread():
            self._previous = {each: signal.signal(each, self._handle) for each in SIGNALS}
            self._timer.start()
        return self

    def uninstall(self) -> None:
        self._timer.stop()
        for each, old in self._previous.items():
            signal.signal(each, old)
        self._previous = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is None:
            _log.warning("%s received: closing the workstation", signal.Signals(signum).name)
            self.signum = signum
            self._app.closeAllWindows()
        self._end_loops()

    def _end_loops(self) -> None:
        if self.signum is not None:
            self._app.exit(self.exit_code)
