"""A virtual table of lots: pages arrive from the server as the user scrolls, keyset-paged.

The model never holds more than the pages the user has scrolled through. A new search, filter or
sort supersedes the page in flight (the runner drops a page of an older query that arrives late).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from app.views.style import status_colour, status_label
from app.views.tasks import TaskRunner
from app.workflows import lots
from app.workflows.lots import Cursor, LotFilter, LotRow, Page
from app.workflows.session import UserSession

COLUMNS: tuple[tuple[str, str], ...] = (
    ("lot_code", "Lot"),
    ("supplier_lot_code", "Supplier lot"),
    ("item_sku", "SKU"),
    ("item_name", "Item"),
    ("supplier_name", "Supplier"),
    ("status", "Status"),
    ("manufacture_date", "Manufactured"),
    ("expiry_date", "Expires"),
    ("on_hand", "On hand"),
    ("created_at", "Created"),
)
PAGE_SIZE = 200
Index = QModelIndex | QPersistentModelIndex


class LotTableModel(QAbstractTableModel):
    loading_changed = Signal(bool)
    page_loaded = Signal(int)  # rows now in the model
    failed = Signal(str)

    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__()
        self._session = session
        self._runner = runner
        self._rows: list[LotRow] = []
        self._filter = LotFilter()
        # Newest first: what arrived last is what an inspector works on.
        self._sort = "created_at"
        self._descending = True
        self._cursor: Cursor | None = None
        self._exhausted = True
        self._loading = False

    # ------------------------------------------------------------- the query
    @property
    def sort_key(self) -> tuple[str, bool]:
        return self._sort, self._descending

    def set_query(self, f: LotFilter, sort: str | None = None,
                  descending: bool | None = None) -> None:
        self._filter = f
        if sort is not None:
            self._sort = sort
        if descending is not None:
            self._descending = descending
        self.beginResetModel()
        self._rows = []
        self._cursor = None
        self._exhausted = False
        self._loading = False
        self.endResetModel()
        self._request_page()

    def refresh(self) -> None:
        self.set_query(self._filter)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column][0]
        if key not in lots.SORT_KEYS:
            return
        self.set_query(self._filter, key, order == Qt.SortOrder.DescendingOrder)

    def sortable(self, column: int) -> bool:
        return COLUMNS[column][0] in lots.SORT_KEYS

    # ------------------------------------------------------------- paging
    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._request_page()

    def _request_page(self) -> None:
        self._loading = True
        self.loading_changed.emit(True)
        self._runner.submit(
            lots.browse, self._session, self._filter, self._sort,
            descending=self._descending, after=self._cursor, limit=PAGE_SIZE,
            on_result=self._on_page, on_error=self._on_error, key=(self, "page"),
        )

    def _on_page(self, page: Page) -> None:
        self._loading = False
        if page.rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
            self._rows.extend(page.rows)
            self.endInsertRows()
        self._cursor = page.next_cursor
        self._exhausted = page.next_cursor is None
        self.loading_changed.emit(False)
        self.page_loaded.emit(len(self._rows))

    def _on_error(self, exc: BaseException) -> None:
        self._loading = False
        self._exhausted = True
        self.loading_changed.emit(False)
        self.failed.emit(str(exc))

    def refresh_lot(self, lot_code: str) -> None:
        """Fetch one lot again and update its row where it is shown (not a full reload)."""
        self._runner.submit(lots.row, self._session, lot_code,
                            on_result=lambda r: self._replace_row(lot_code, r))

    def refresh_lots(self, lot_codes: list[str]) -> None:
        """Refresh the rows of these lots that are on screen; others are not fetched."""
        shown = {row.lot_code for row in self._rows}
        for code in lot_codes:
            if code in shown:
                self.refresh_lot(code)

    def _replace_row(self, lot_code: str, fresh: LotRow | None) -> None:
        """The row, fetched again, replaces the lot's row wherever it is now (a newer query
        may show it too; the fresh row is right there as well)."""
        if fresh is None:
            return
        for index, current in enumerate(self._rows):
            if current.lot_code == lot_code:
                self._rows[index] = fresh
                self.dataChanged.emit(self.index(index, 0),
                                      self.index(index, len(COLUMNS) - 1))

    @property
    def loading(self) -> bool:
        return self._loading

    # ------------------------------------------------------------- Qt model
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        return None

    def lot_at(self, row: int) -> LotRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        lot = self._rows[index.row()]
        key = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(lot, key)
        if role == Qt.ItemDataRole.ForegroundRole and key == "status":
            return status_colour(lot.status)
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "on_hand":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and key == "item_name":
            return lot.item_name
        if role == Qt.ItemDataRole.UserRole:
            return lot.lot_code
        return None


def _display(lot: LotRow, key: str) -> str:
    if key == "status":
        return status_label(lot.status)
    if key == "on_hand":
        return f"{_qty(lot.on_hand)} {lot.uom}"
    value = getattr(lot, key)
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _qty(value: Decimal) -> str:
    return f"{value:,.3f}".rstrip("0").rstrip(".")
