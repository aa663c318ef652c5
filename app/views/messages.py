"""Messages to the person, through one bridge: a screen (or the task runner's default error
display) says `messages.error(...)`; the main window shows it in its message area, and before a
main window is open a small window shows it.

An error of `app/db/errors.py` (a refusal, the database unreachable, a failed login) is meant to
be read: its message is shown. Anything else is a fault of Lotproof's: the person is told what
failed and where the log file with the details is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from app.db import errors
from app.documents.errors import DocumentError
from app.logs import current_log_file
from app.reports.gs1_symbols import LabelDataError

_log = logging.getLogger(__name__)

#: Errors whose message is written for the person who meets them.
SHOWN_AS_IS: tuple[type[BaseException], ...] = (
    errors.DatabaseUnavailable, errors.LoginFailed, errors.DecisionRefused, errors.InvalidText,
    DocumentError, LabelDataError,
)


def describe(error: BaseException) -> str:
    """What the person reads about `error`."""
    shown = errors.translate(error)
    if isinstance(shown, SHOWN_AS_IS):
        return str(shown)
    log = current_log_file()
    where = f"the details are in the log file {log}" if log else "the details are in the log"
    return f"Something went wrong ({type(error).__name__}: {error}); {where}."


class Bridge:
    """Carries messages from whoever has one to whoever shows them (the main window). Used on
    the UI thread (the task runner delivers there)."""

    def __init__(self) -> None:
        self.last: tuple[str, str] | None = None
        self._displays: list[tuple[QObject, Callable[[str, str], None]]] = []
        self._box: QMessageBox | None = None

    def subscribe(self, owner: QObject, display: Callable[[str, str], None]) -> None:
        """`display(role, text)` shows messages until `owner` is destroyed."""
        self._displays.append((owner, display))
        owner.destroyed.connect(lambda _o=None: self.unsubscribe(owner))

    def unsubscribe(self, owner: QObject) -> None:
        self._displays = [(o, d) for o, d in self._displays if o is not owner]

    def say(self, role: str, text: str) -> None:
        self.last = (role, text)
        if self._displays:
            for owner, display in list(self._displays):
                try:
                    display(role, text)
                except RuntimeError:  # its window was deleted by Qt before Python heard
                    self.unsubscribe(owner)
        elif QApplication.instance() is not None:
            self._window(role, text)

    def _window(self, role: str, text: str) -> None:
        """No main window yet: a window of its own, which does not stop the caller."""
        if self._box is not None:
            self._box.close()
        icon = QMessageBox.Icon.Warning if role == "error" else QMessageBox.Icon.Information
        box = QMessageBox(icon, "Lotproof", text)
        box.setObjectName("messageBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.destroyed.connect(lambda _o=None: setattr(self, "_box", None))
        self._box = box
        box.show()


_bridge: Bridge | None = None


def bridge() -> Bridge:
    global _bridge
    if _bridge is None:
        _bridge = Bridge()
    return _bridge


def error(text: str) -> None:
    bridge().say("error", text)


def show_error(exc: BaseException) -> None:
    """The default error display of background work: log it, and tell the person."""
    if isinstance(errors.translate(exc), SHOWN_AS_IS):
        _log.warning("background task refused: %s", exc)
    else:
        _log.error("background task failed: %s", exc, exc_info=exc)
    error(describe(exc))
