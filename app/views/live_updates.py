"""Live updates on screen: changes committed anywhere reach the open views within a second, and
a lost connection shows in the status bar at once."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from app.workflows.live import Change, ChangeListener, LinkState
from app.workflows.session import UserSession

BATCH_MS = 150  # changes arriving together are applied together


class LiveUpdates(QObject):
    """Qt signals for the listener's news; emitted on the UI thread, batched per kind."""

    lots_changed = Signal(list)  # lot codes
    reload_lots = Signal()  # too many to name: reload what is shown
    documents_changed = Signal(list, list)  # lot codes, document ids
    decisions_changed = Signal(list)  # lot codes
    exceptions_changed = Signal()
    link_changed = Signal(bool, str)  # connected, message
    _arrived = Signal(object)
    _state = Signal(object)

    def __init__(self, session: UserSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending: list[Change] = []
        self._flush_timer = QTimer(self, singleShot=True, interval=BATCH_MS)
        self._flush_timer.timeout.connect(self._flush)
        self._arrived.connect(self._queue)
        self._state.connect(self._link)
        self.connected = False
        self._listener = ChangeListener(session.engine.url, self._arrived.emit, self._state.emit)

    def start(self) -> None:
        self._listener.start()

    def stop(self) -> None:
        self._listener.stop()

    def _queue(self, change: Change) -> None:
        self._pending.append(change)
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        lots: list[str] = []
        doc_lots: list[str] = []
        doc_ids: list[int] = []
        decision_lots: list[str] = []
        reload = False
        exceptions = False
        for change in pending:
            if change.kind == "lot":
                reload = reload or change.many
                lots.extend(change.codes)
            elif change.kind == "document":
                doc_lots.extend(change.codes)
                doc_ids.extend(change.ids)
            elif change.kind == "decision":
                decision_lots.extend(change.codes)
            elif change.kind == "exception":
                exceptions = True
        if reload:
            self.reload_lots.emit()
        if lots:
            self.lots_changed.emit(sorted(set(lots)))
        if doc_lots or doc_ids:
            self.documents_changed.emit(sorted(set(doc_lots)), sorted(set(doc_ids)))
        if decision_lots:
            self.decisions_changed.emit(sorted(set(decision_lots)))
        if exceptions:
            self.exceptions_changed.emit()

    def _link(self, state: LinkState) -> None:
        was = self.connected
        self.connected = state.connected
        self.link_changed.emit(state.connected, state.message)
        if state.connected and not was and state.message == "reconnected":
            self.reload_lots.emit()  # what changed while we were away was not heard
            self.exceptions_changed.emit()
