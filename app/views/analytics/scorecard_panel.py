"""The supplier scorecard: pick a period, see every supplier that delivered in it ranked by risk;
select one to see the factors behind its score, each with the fact it measures and its points."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.views.analytics.table import (
    Column,
    RowsModel,
    number,
    percent,
    selected_row,
    sortable_view,
)
from app.views.first_show import when_first_shown
from app.views.style import apply_message_role
from app.views.tasks import TaskRunner
from app.workflows import analytics
from app.workflows.analytics import RISK_RULES, Scorecard, SupplierScore
from app.workflows.session import UserSession


def _top(s: SupplierScore) -> str:
    top = s.top_factors
    return ", ".join(f"{f.label} ({f.points:.1f})" for f in top[:2]) if top else "—"


COLUMNS = (
    Column("Supplier", lambda s: s.name),
    Column("Code", lambda s: s.code),
    Column("Approval", lambda s: s.approval_status),
    Column("Risk", lambda s: s.risk, lambda s: f"{s.risk:.1f}", numeric=True,
           tooltip=lambda s: "\n".join(f"{f.label}: {f.points:.1f} of {f.weight:g}"
                                       for f in s.factors)),
    Column("Lots", lambda s: s.lots_received, numeric=True),
    Column("Qty received", lambda s: s.qty_received, lambda s: number(s.qty_received),
           numeric=True),
    Column("Out of spec", lambda s: s.out_of_spec_rate,
           lambda s: f"{percent(s.out_of_spec_rate)} ({s.lots_out_of_spec})", numeric=True),
    Column("COA complete", lambda s: s.document_completeness,
           lambda s: percent(s.document_completeness), numeric=True),
    Column("Median COA days", lambda s: s.median_coa_days,
           lambda s: number(s.median_coa_days, 1), numeric=True),
    Column("COA late", lambda s: s.late_coa_rate,
           lambda s: f"{percent(s.late_coa_rate)} ({s.lots_coa_late})", numeric=True),
    Column("Held / rejected", lambda s: s.lots_held_or_rejected,
           lambda s: f"{s.lots_held} / {s.lots_rejected}", numeric=True),
    Column("Returns", lambda s: s.returns,
           lambda s: f"{s.returns} ({s.quality_returns} quality)", numeric=True),
    Column("Returned qty", lambda s: s.returned_qty, lambda s: number(s.returned_qty),
           numeric=True),
    Column("Main factors", _top),
)


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


class SupplierScorecardPanel(QWidget):
    dossier_requested = Signal(str)  # supplier code

    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__()
        self._session = session
        self._runner = runner
        self.scorecard: Scorecard | None = None
        self.loading = False

        today = dt.date.today()
        self.date_from = QDateEdit(_qdate(today - dt.timedelta(days=364)))
        self.date_from.setObjectName("scorecardFrom")
        self.date_to = QDateEdit(_qdate(today))
        self.date_to.setObjectName("scorecardTo")
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.late_days = QSpinBox()
        self.late_days.setObjectName("scorecardLateDays")
        self.late_days.setRange(0, 90)
        self.late_days.setValue(2)
        self.late_days.setSuffix(" days")
        self.late_days.setToolTip("A COA uploaded more than this many days after receipt is late")
        self.refresh_button = QPushButton("Show")
        self.refresh_button.setObjectName("scorecardRefresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.status = QLabel("")
        self.status.setObjectName("scorecardStatus")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Received from"))
        bar.addWidget(self.date_from)
        bar.addWidget(QLabel("to"))
        bar.addWidget(self.date_to)
        bar.addWidget(QLabel("COA late after"))
        bar.addWidget(self.late_days)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.status, 1)

        self.model = RowsModel(COLUMNS, self)
        self.table, self.proxy = sortable_view(self.model, "scorecardTable")
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._selected())

        self.supplier_title = QLabel("Select a supplier to see what drives its risk score")
        self.supplier_title.setObjectName("scorecardSupplierTitle")
        self.supplier_title.setStyleSheet("font-size: 12pt; font-weight: 600;")
        self.supplier_title.setWordWrap(True)
        self.factors = QTableWidget(0, 4)
        self.factors.setObjectName("scorecardFactors")
        self.factors.setHorizontalHeaderLabels(["Factor", "Points", "Weight", "Measured"])
        self.factors.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.factors.verticalHeader().setVisible(False)
        self.factors.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.factors.horizontalHeader().setStretchLastSection(True)
        formula = QLabel(
            "Risk 0–100 = sum of factor points; each factor earns weight × min(1, rate ÷ the "
            "rate that earns it in full): "
            + "; ".join(f"{r.label} {r.weight:g} (full at {100 * r.full_at:g}%)"
                        if r.key != "approval" else
                        f"{r.label} {r.weight:g} (conditional/pending half, "
                        "suspended/disqualified full)"
                        for r in RISK_RULES) + ".")
        formula.setObjectName("scorecardFormula")
        formula.setWordWrap(True)
        apply_message_role(formula, "muted")

        self.dossier_button = QPushButton("Supplier dossier…")
        self.dossier_button.setObjectName("supplierDossier")
        self.dossier_button.setToolTip("Approval history, documents and this scorecard as a PDF")
        self.dossier_button.setEnabled(False)
        self.dossier_button.clicked.connect(self._ask_dossier)
        title_row = QHBoxLayout()
        title_row.addWidget(self.supplier_title, 1)
        title_row.addWidget(self.dossier_button)
        detail = QWidget()
        d = QVBoxLayout(detail)
        d.addLayout(title_row)
        d.addWidget(self.factors, 1)
        d.addWidget(formula)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(detail)
        splitter.setSizes([500, 300])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        when_first_shown(self, self.refresh)

    def refresh(self) -> None:
        date_from, date_to = _pydate(self.date_from.date()), _pydate(self.date_to.date())
        if date_to < date_from:
            self.status.setText("The period ends before it starts.")
            return
        self.loading = True
        self.status.setText("Scoring suppliers…")
        self._runner.submit(analytics.scorecard, self._session, date_from, date_to,
                            self.late_days.value(), key=(self, "scorecard"),
                            on_result=self._loaded, on_error=self._failed)

    def _loaded(self, card: Scorecard) -> None:
        self.loading = False
        self.scorecard = card
        self.model.set_rows(card.suppliers)
        self.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
        self.table.resizeColumnsToContents()
        self.status.setText(
            f"{len(card.suppliers)} supplier(s) delivered between {card.date_from} and "
            f"{card.date_to}, {sum(s.lots_received for s in card.suppliers):,} lot(s)")
        self.show_factors(None)

    def _failed(self, exc: BaseException) -> None:
        self.loading = False
        self.status.setText(f"Could not score the suppliers: {exc}")

    def _selected(self) -> None:
        self.show_factors(selected_row(self.table, self.model))

    def select_supplier(self, code: str) -> bool:
        """Select a supplier by code (for keyboard users and tests)."""
        for row in range(self.proxy.rowCount()):
            if self.proxy.index(row, 1).data() == code:
                self.table.selectRow(row)
                return True
        return False

    @property
    def selected(self) -> SupplierScore | None:
        row = selected_row(self.table, self.model)
        return row if isinstance(row, SupplierScore) else None

    def _ask_dossier(self) -> None:
        score = self.selected
        if score is not None:
            self.dossier_requested.emit(score.code)

    def show_factors(self, score: SupplierScore | None) -> None:
        self.dossier_button.setEnabled(score is not None)
        if score is None:
            self.supplier_title.setText("Select a supplier to see what drives its risk score")
            self.factors.setRowCount(0)
            return
        self.supplier_title.setText(
            f"{score.name} ({score.code}, {score.approval_status}) — risk {score.risk:.1f} of 100 "
            f"over {score.lots_received} lot(s) received")
        ordered = sorted(score.factors, key=lambda f: (-f.points, f.key))
        self.factors.setRowCount(len(ordered))
        for r, f in enumerate(ordered):
            values = [f.label, f"{f.points:.1f}", f"{f.weight:g}", f.detail]
            for c, v in enumerate(values):
                item = QTableWidgetItem(v)
                if c in (1, 2):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.factors.setItem(r, c, item)
