"""Load a screen's data the first time it is shown, not when the window is built: the tabs a
person never opens cost nothing, and the lot browser's first page is not queued behind them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QVBoxLayout, QWidget


class _FirstShow(QObject):
    def __init__(self, widget: QWidget, load: Callable[[], object]) -> None:
        super().__init__(widget)
        self._load = load
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show:
            watched.removeEventFilter(self)
            self._load()
        return False


def when_first_shown(widget: QWidget, load: Callable[[], object]) -> None:
    if widget.isVisible():
        load()
    else:
        _FirstShow(widget, load)


class BuiltWhenShown(QWidget):
    """A tab whose panel is built the first time the tab is shown (for panels that are costly
    to build, such as charts)."""

    def __init__(self, build: Callable[[], QWidget],
                 built: Callable[[QWidget], None] | None = None) -> None:
        super().__init__()
        self.panel: QWidget | None = None
        self._build = build
        self._built = built
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        when_first_shown(self, self.build)

    def build(self) -> QWidget:
        if self.panel is None:
            self.panel = self._build()
            layout = self.layout()
            assert layout is not None
            layout.addWidget(self.panel)
            if self._built is not None:
                self._built(self.panel)
        return self.panel
