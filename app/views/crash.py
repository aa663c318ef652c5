"""An unhandled exception — in start-up code, a Qt slot or a thread — is logged and shown in a
dialog naming the log file, instead of the workstation vanishing."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox

_log = logging.getLogger("lotproof.crash")

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


class CrashReporter(QObject):
    """Installed as `sys.excepthook` (which PySide6 calls for exceptions escaping slots) and
    `threading.excepthook`; shows at most one dialog at a time, always on the UI thread."""

    reported = Signal(str, str)  # summary, details

    def __init__(self, log_file: Path | None, *, interactive: bool = True,
                 on_crash: Callable[[BaseException], None] | None = None) -> None:
        super().__init__()
        self.log_file = log_file
        self.interactive = interactive
        self.on_crash = on_crash
        self.crashes = 0
        self._showing = False
        self._previous: ExceptHook | None = None
        self._previous_thread: Callable[[threading.ExceptHookArgs], object] | None = None
        self.reported.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> CrashReporter:
        self._previous, sys.excepthook = sys.excepthook, self.handle
        self._previous_thread, threading.excepthook = threading.excepthook, self._handle_thread
        return self

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook = self._previous
        if self._previous_thread is not None:
            threading.excepthook = self._previous_thread  # type: ignore[assignment]

    def handle(self, kind: type[BaseException], error: BaseException,
               tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            QApplication.quit()
            return
        self.crashes += 1
        _log.critical("unhandled exception", exc_info=(kind, error, tb))
        if self.on_crash is not None:
            self.on_crash(error)
        details = "".join(traceback.format_exception(kind, error, tb))
        if not self.interactive:
            sys.stderr.write(details)
            return
        summary = f"{kind.__name__}: {error}"
        if QThread.currentThread() is self.thread():
            self._show(summary, details)
        else:
            self.reported.emit(summary, details)

    def _handle_thread(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            self.handle(args.exc_type, args.exc_value, args.exc_traceback)

    @Slot(str, str)
    def _show(self, summary: str, details: str) -> None:
        if self._showing or QApplication.instance() is None:
            return
        self._showing = True
        try:
            where = (f"The details are in the log file:\n{self.log_file}" if self.log_file
                     else "No log file could be written.")
            box = QMessageBox(QMessageBox.Icon.Critical, "Lotproof — unexpected error",
                              "Lotproof met an error it did not expect. Your last action may "
                              f"not have been completed.\n\n{summary}\n\n{where}")
            box.setObjectName("crashDialog")
            box.setDetailedText(details)
            box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            box.exec()
        finally:
            self._showing = False
