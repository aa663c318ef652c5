"""The lot browser: search as you type, filters, the virtual lot table and the selected lot."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.db.lot_status import STATUSES as LOT_STATUSES
from app.views.lot_browser.detail import LotDetailPanel
from app.views.lot_browser.model import COLUMNS, LotTableModel
from app.views.lot_decisions import LotDecisionBar
from app.views.style import status_label
from app.views.tasks import TaskRunner
from app.workflows import documents, lots
from app.workflows.lot_view import LotView, lot_view
from app.workflows.lots import LotFilter
from app.workflows.session import UserSession

SEARCH_DELAY_MS = 150
EXPIRY_WINDOWS = ((None, "Any expiry"), (30, "Expiring within 30 days"),
                  (90, "Expiring within 90 days"), (180, "Expiring within 180 days"))


class LotBrowser(QWidget):
    lot_selected = Signal(str)
    decision_made = Signal(str)

    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__()
        self._session = session
        self._runner = runner
        self._opened_a_lot = False
        self.current_view: LotView | None = None

        self.search = QLineEdit()
        self.search.setObjectName("lotSearch")
        self.search.setPlaceholderText(
            "Search lot, supplier lot, item, SKU or supplier — or scan a GS1 label…")
        self.search.setClearButtonEnabled(True)
        self._debounce = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self.apply_filters)
        self.search.textEdited.connect(lambda _text: self._debounce.start())
        self.search.returnPressed.connect(self._entered)

        self.status_button = QToolButton()
        self.status_button.setObjectName("statusFilter")
        self.status_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.status_menu = QMenu(self.status_button)
        self.status_actions: dict[str, QAction] = {}
        for status in LOT_STATUSES:
            action = self.status_menu.addAction(status_label(status))
            action.setCheckable(True)
            action.toggled.connect(lambda _on: self.apply_filters())
            self.status_actions[status] = action
        self.status_button.setMenu(self.status_menu)

        self.site = QComboBox()
        self.site.setObjectName("siteFilter")
        self.site.addItem("All sites", None)
        self.site.currentIndexChanged.connect(lambda _i: self.apply_filters())

        self.expiry = QComboBox()
        self.expiry.setObjectName("expiryFilter")
        for days, label in EXPIRY_WINDOWS:
            self.expiry.addItem(label, days)
        self.expiry.currentIndexChanged.connect(lambda _i: self.apply_filters())

        self.count_label = QLabel("")
        self.count_label.setObjectName("lotCount")
        self.scan_message = QLabel("")
        self.scan_message.setObjectName("scanMessage")

        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.status_button)
        bar.addWidget(self.site)
        bar.addWidget(self.expiry)
        bar.addWidget(self.count_label)

        self.model = LotTableModel(session, runner)
        self.table = QTableView()
        self.table.setObjectName("lotTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        key, descending = self.model.sort_key
        header.setSortIndicator(
            next(i for i, (k, _label) in enumerate(COLUMNS) if k == key),
            Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder,
        )
        header.sortIndicatorChanged.connect(self._sort_changed)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((100, 100, 64, 230, 150, 85, 95, 85, 90, 85)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        self.decision_bar = LotDecisionBar(session, runner)
        self.decision_bar.decided.connect(self._decided)
        self.detail = LotDetailPanel(self.decision_bar)
        self.detail.may_print_labels = session.person.may("print_label")
        self.detail.setAcceptDrops(session.person.may("store_document"))
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([1010, 390])

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.scan_message)
        layout.addWidget(splitter, 1)

        self.model.page_loaded.connect(self._page_loaded)
        self.model.failed.connect(self._show_failure)
        self._update_status_button()
        runner.submit(lots.sites, session, on_result=self._sites_loaded)
        self.apply_filters()

    # ------------------------------------------------------------- filters
    def current_filter(self) -> LotFilter:
        statuses = tuple(s for s, a in self.status_actions.items() if a.isChecked())
        return LotFilter(
            search=self.search.text(),
            statuses=statuses,
            site_id=self.site.currentData(),
            expiring_within_days=self.expiry.currentData(),
        )

    def apply_filters(self) -> None:
        self._debounce.stop()
        self._update_status_button()
        f = self.current_filter()
        self.model.set_query(f)
        self.count_label.setText("Counting…")
        self._runner.submit(lots.count, self._session, f, key=(self, "count"),
                            on_result=self._count_loaded,
                            on_error=lambda exc: self._count_loaded(None))

    def _entered(self) -> None:
        """Enter in the search box: a GS1 barcode scan opens the lot it names."""
        raw = self.search.text()
        if not documents.looks_like_gs1(raw):
            self.apply_filters()
            return
        self._debounce.stop()
        self.count_label.setText("Reading the barcode…")
        self._runner.submit(documents.scan, self._session, raw, on_result=self._scanned,
                            on_error=self._scan_failed)

    def _scanned(self, result: documents.ScanResult) -> None:
        data = result.data
        self.search.setText(data.lot or "")
        self.apply_filters()
        if len(result.lots) == 1:
            self.open_lot(result.lots[0].lot_code)
        where = f"GS1: lot {data.lot}" + (f", GTIN {data.gtin}" if data.gtin else "")
        if data.expiry:
            where += f", expires {data.expiry:%Y-%m-%d}"
        self.scan_message.setText(f"{where} — {len(result.lots)} matching lot(s)")

    def _scan_failed(self, exc: BaseException) -> None:
        self.count_label.setText("")
        self.scan_message.setText(f"Not a usable GS1 barcode: {exc}")

    def _update_status_button(self) -> None:
        chosen = [status_label(s) for s, a in self.status_actions.items() if a.isChecked()]
        self.status_button.setText("Status: " + (", ".join(chosen) if chosen else "all"))

    def _sites_loaded(self, sites: list[tuple[int, str, str]]) -> None:
        for site_id, code, name in sites:
            self.site.addItem(f"{code} — {name}", site_id)

    def _count_loaded(self, n: int | None) -> None:
        self.count_label.setText("" if n is None else f"{n:,} lots")

    def _sort_changed(self, column: int, order: Qt.SortOrder) -> None:
        if self.model.sortable(column):
            self.model.sort(column, order)
        else:  # put the indicator back where the data is sorted
            key, descending = self.model.sort_key
            back = next(i for i, (k, _label) in enumerate(COLUMNS) if k == key)
            header = self.table.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(back, Qt.SortOrder.DescendingOrder if descending
                                    else Qt.SortOrder.AscendingOrder)
            header.blockSignals(False)

    def _page_loaded(self, rows: int) -> None:
        # Show the first lot when nothing is shown yet (not over a lot opened from elsewhere).
        if rows and not self._opened_a_lot and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    def _show_failure(self, message: str) -> None:
        self.count_label.setText("")
        self.detail.show_error(f"Could not load lots: {message}")

    # ------------------------------------------------------------- detail
    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if not indexes:
            return
        lot = self.model.lot_at(indexes[0].row())
        if lot is not None:
            self.open_lot(lot.lot_code)

    def open_lot(self, lot_code: str) -> None:
        self._opened_a_lot = True
        self.detail.show_loading(lot_code)
        self.lot_selected.emit(lot_code)
        self.decision_bar.show_lot(None)
        self._runner.submit(
            lot_view, self._session, lot_code, key=(self, "detail"),
            on_result=self._detail_loaded, on_error=self._detail_failed,
        )

    def _detail_loaded(self, view: LotView) -> None:
        self.current_view = view
        self.detail.show_detail(view)
        self.decision_bar.show_lot(view)
        self._select_row_of(view.detail.lot.lot_code)

    def _select_row_of(self, lot_code: str) -> None:
        """The table's selection follows the lot on screen (opened from a search, the inbox, a
        trace), without opening it again."""
        selection = self.table.selectionModel()
        row = next((r for r in range(self.model.rowCount())
                    if (lot := self.model.lot_at(r)) is not None and lot.lot_code == lot_code),
                   None)
        if row is not None and selection.isRowSelected(row):
            return
        selection.blockSignals(True)
        if row is None:
            selection.clearSelection()
        else:
            self.table.selectRow(row)
        selection.blockSignals(False)
        self.table.viewport().update()

    def _decided(self, lot_code: str) -> None:
        """After a decision: the lot's detail and its row in the table show the new state."""
        self.open_lot(lot_code)
        self.model.refresh_lot(lot_code)
        self.decision_made.emit(lot_code)

    def _detail_failed(self, exc: BaseException) -> None:
        self.detail.show_error(str(exc))
