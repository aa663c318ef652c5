"""Reviewing a document: the page beside what was read from it. Selecting a value highlights
where it came from; low-confidence values stand out; each is confirmed or corrected (with a
reason); then the document is verified. Lot numbers that match several lots offer the choice."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.views.documents.page_view import PageSource, PageView
from app.views.style import apply_message_role, colour
from app.views.tasks import TaskRunner
from app.workflows import documents
from app.workflows.documents import DocumentReview, FieldRow, LotCandidate, ResultLine
from app.workflows.session import UserSession

LOW_CONFIDENCE = 0.9  # the extractor gives 0.9 and above only when the evidence supports it
WEAK = colour("document.weak_value")


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _parse(text: str, like: Any) -> Any:
    """A corrected value in the shape of the original: lists stay lists."""
    if isinstance(like, list):
        return [part.strip() for part in text.split(",") if part.strip()]
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    return parsed if isinstance(parsed, int | float) and not isinstance(like, str) else text


class CorrectionDialog(QDialog):
    def __init__(self, label: str, current: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Correct {label}")
        self.value = QLineEdit(current)
        self.value.setObjectName("correctionValue")
        self.reason = QLineEdit()
        self.reason.setObjectName("correctionReason")
        self.reason.setPlaceholderText("Why the value read was wrong")
        self.error = QLabel("")
        apply_message_role(self.error, "error")
        form = QFormLayout()
        form.addRow("Correct value:", self.value)
        form.addRow("Reason:", self.reason)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _check(self) -> None:
        if not self.reason.text().strip():
            self.error.setText("A correction needs a reason.")
        else:
            self.accept()


class DocumentReviewDialog(QDialog):
    changed = Signal(int)  # document id

    def __init__(self, session: UserSession, runner: TaskRunner, document_id: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Document {document_id}")
        self.resize(1400, 900)
        self._session = session
        self._runner = runner
        self.document_id = document_id
        self.review: DocumentReview | None = None
        self._source: PageSource | None = None
        self._page = 0
        self._editable = session.person.may("review_document")

        self.page_view = PageView()
        scroll = QScrollArea()
        scroll.setWidget(self.page_view)
        scroll.setWidgetResizable(True)
        self.page_label = QLabel("")
        previous = QPushButton("◀")
        previous.clicked.connect(lambda: self.show_page(self._page - 1))
        following = QPushButton("▶")
        following.clicked.connect(lambda: self.show_page(self._page + 1))
        pager = QHBoxLayout()
        pager.addWidget(previous)
        pager.addWidget(self.page_label)
        pager.addWidget(following)
        pager.addStretch(1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addLayout(pager)
        left_layout.addWidget(scroll, 1)

        self.heading = QLabel("Loading…")
        self.heading.setObjectName("documentHeading")
        self.heading.setWordWrap(True)
        self.fields = self._table(["Field", "Value", "Confidence", "Read by", "State"], "fields")
        self.results = self._table(["Test", "Specification", "Result", "Unit", "Stated",
                                    "State"], "results")
        self.confirm_button = QPushButton("Confirm")
        self.confirm_button.setObjectName("confirmButton")
        self.confirm_button.clicked.connect(self.confirm_selected)
        self.correct_button = QPushButton("Correct…")
        self.correct_button.setObjectName("correctButton")
        self.correct_button.clicked.connect(self.correct_selected)
        self.verify_button = QPushButton("Verify document")
        self.verify_button.setObjectName("verifyButton")
        self.verify_button.clicked.connect(self.verify)
        for button in (self.confirm_button, self.correct_button, self.verify_button):
            button.setVisible(self._editable)
        self.candidates = QListWidget()
        self.candidates.setObjectName("lotCandidates")
        self.link_button = QPushButton("Link to the selected lot")
        self.link_button.setObjectName("linkButton")
        self.link_button.clicked.connect(self.link_selected)
        self.link_button.setVisible(self._editable)
        self.message = QLabel("")
        self.message.setObjectName("reviewMessage")
        self.message.setWordWrap(True)

        actions = QHBoxLayout()
        actions.addWidget(self.confirm_button)
        actions.addWidget(self.correct_button)
        actions.addStretch(1)
        actions.addWidget(self.verify_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.heading)
        right_layout.addWidget(QLabel("Values read (select one to see where it came from):"))
        right_layout.addWidget(self.fields, 3)
        right_layout.addWidget(QLabel("Results:"))
        right_layout.addWidget(self.results, 3)
        right_layout.addLayout(actions)
        right_layout.addWidget(QLabel("Lots this lot number may mean:"))
        right_layout.addWidget(self.candidates, 1)
        right_layout.addWidget(self.link_button)
        right_layout.addWidget(self.message)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([760, 640])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.fields.itemSelectionChanged.connect(lambda: self._selected(self.fields))
        self.results.itemSelectionChanged.connect(lambda: self._selected(self.results))
        self.reload(with_content=True)

    def _table(self, headers: list[str], name: str) -> QTableWidget:
        t = QTableWidget(0, len(headers))
        t.setObjectName(name)
        t.setHorizontalHeaderLabels(headers)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        t.verticalHeader().setVisible(False)
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        t.horizontalHeader().setStretchLastSection(True)
        return t

    # ------------------------------------------------------------- loading
    def reload(self, *, with_content: bool = False) -> None:
        session, document_id = self._session, self.document_id

        def load() -> tuple[DocumentReview, bytes | None, list[LotCandidate]]:
            review = documents.review(session, document_id)
            content = documents.document_content(session, document_id) if with_content else None
            lot_number = review.summary.lot_number
            candidates = (documents.lot_candidates(session, lot_number)
                          if lot_number and review.summary.kind == "coa" else [])
            return review, content, candidates

        self._runner.submit(load, on_result=self._loaded,
                            on_error=lambda exc: self.message.setText(str(exc)))

    def _loaded(self, loaded: tuple[DocumentReview, bytes | None, list[LotCandidate]]) -> None:
        review, content, candidates = loaded
        self.review = review
        s = review.summary
        if content is not None:
            self._source = PageSource(content, review.mime_type)
            self.show_page(1)
        links = ", ".join(review.links) or "not linked yet"
        self.heading.setText(
            f"<b>{s.file_name}</b> — {s.kind.upper()} ({(review.kind_confidence or 0):.0%}), "
            f"{s.status}, {s.page_count} page(s)<br>SHA-256 {review.sha256[:16]}…<br>"
            f"Linked to: {links}")
        self._fill_fields(review.fields)
        self._fill_results(review.results)
        self.candidates.clear()
        for c in candidates:
            item = QListWidgetItem(f"{c.lot_code} — supplier lot {c.supplier_lot_code or '—'} "
                                   f"({c.match}), {c.item}, {c.status}")
            item.setData(Qt.ItemDataRole.UserRole, c.lot_code)
            self.candidates.addItem(item)
        editable = s.status == "new" and self._editable
        for button in (self.confirm_button, self.correct_button, self.verify_button):
            button.setEnabled(editable)
        self.link_button.setVisible(self._session.person.may("link_document"))

    def _fill_fields(self, rows: list[FieldRow]) -> None:
        self.fields.setRowCount(len(rows))
        for r, f in enumerate(rows):
            state = ("corrected by " + (f.corrected_by or "") if f.corrected_by
                     else "confirmed by " + f.confirmed_by if f.confirmed_by else "to check")
            values = [f.name.replace("_", " "), _shown(f.current), f"{f.confidence:.0%}",
                      f.method or "", state]
            for c, v in enumerate(values):
                item = QTableWidgetItem(v)
                if f.confidence < LOW_CONFIDENCE and not f.confirmed_by:
                    item.setBackground(WEAK)
                if f.doubt:
                    item.setToolTip(f"Check: {f.doubt}")
                self.fields.setItem(r, c, item)

    def _fill_results(self, rows: list[ResultLine]) -> None:
        self.results.setRowCount(len(rows))
        for r, row in enumerate(rows):
            state = ("corrected" if row.corrected_by else
                     "confirmed" if row.confirmed_by else "to check")
            stated = "" if row.stated_pass is None else ("pass" if row.stated_pass else "FAIL")
            values = [row.test, row.specification or "", row.shown_result,
                      row.unit or "", stated, state]
            for c, v in enumerate(values):
                item = QTableWidgetItem(v)
                if (row.confidence or 0) < LOW_CONFIDENCE and not row.confirmed_by:
                    item.setBackground(WEAK)
                if row.doubt:
                    item.setToolTip(f"Check: {row.doubt}")
                self.results.setItem(r, c, item)

    # ------------------------------------------------------------- pages and highlights
    def show_page(self, number: int) -> None:
        if self._source is None or not 1 <= number <= self._source.page_count:
            return
        self._page = number
        width = self._page_width(number)
        self.page_view.show_page(self._source.render(number), width)
        self.page_label.setText(f"Page {number} of {self._source.page_count}")

    def _page_width(self, number: int) -> float:
        if self.review is not None:
            for page in self.review.pages:
                if int(page.get("number", 0)) == number:
                    return float(page.get("width") or 612.0)
        return 612.0

    def _selected(self, table: QTableWidget) -> None:
        item = self._current(table)
        if item is None:
            return
        other = self.results if table is self.fields else self.fields
        other.blockSignals(True)
        other.clearSelection()
        other.blockSignals(False)
        if item.page and item.page != self._page:
            self.show_page(item.page)
        self.page_view.highlight(item.bbox, weak=(item.confidence or 0) < LOW_CONFIDENCE)

    def _current(self, table: QTableWidget) -> FieldRow | ResultLine | None:
        rows = table.selectionModel().selectedRows()
        if not rows or self.review is None:
            return None
        source: list[Any] = self.review.fields if table is self.fields else self.review.results
        return source[rows[0].row()]  # type: ignore[no-any-return]

    def select_field(self, name: str) -> bool:
        if self.review is None:
            return False
        for row, f in enumerate(self.review.fields):
            if f.name == name:
                self.fields.selectRow(row)
                return True
        return False

    # ------------------------------------------------------------- actions
    def _run(self, fn: Any, *args: Any) -> None:
        self.message.setText("Saving…")
        self._runner.submit(fn, self._session, *args, on_result=self._done,
                            on_error=lambda exc: self.message.setText(str(exc)))

    def _done(self, _value: object) -> None:
        self.message.setText("Saved.")
        self.changed.emit(self.document_id)
        self.reload()

    def confirm_selected(self) -> None:
        field = self._current(self.fields)
        if isinstance(field, FieldRow):
            self._run(documents.confirm_field, field.id)
            return
        result = self._current(self.results)
        if isinstance(result, ResultLine):
            self._run(documents.confirm_result, result.id)

    def confirm_all(self) -> None:
        """Confirm every value still to check (after the person has looked at each)."""
        if self.review is None:
            return
        session = self._session
        fields = [f.id for f in self.review.fields if not f.confirmed_by]
        results = [r.id for r in self.review.results if not r.confirmed_by]

        def run(_session: UserSession) -> None:
            for f in fields:
                documents.confirm_field(session, f)
            for r in results:
                documents.confirm_result(session, r)

        self._run(run)

    def correct_selected(self) -> None:
        field = self._current(self.fields)
        if isinstance(field, FieldRow):
            dialog = CorrectionDialog(field.name.replace("_", " "), _shown(field.current), self)
            if dialog.exec() == QDialog.DialogCode.Accepted:
                self._run(documents.correct_field, field.id,
                          _parse(dialog.value.text().strip(), field.value),
                          dialog.reason.text().strip())
            return
        result = self._current(self.results)
        if isinstance(result, ResultLine):
            current = _shown(result.value) if result.value is not None else (result.result_text
                                                                              or "")
            dialog = CorrectionDialog(result.test, current, self)
            if dialog.exec() == QDialog.DialogCode.Accepted:
                text = dialog.value.text().strip()
                try:
                    value: float | None = float(text)
                except ValueError:
                    value = None
                self._run(documents.correct_result, result.id, value, result.unit, text,
                          dialog.reason.text().strip())

    def verify(self) -> None:
        self._run(documents.verify, self.document_id)

    def link_selected(self) -> None:
        item = self.candidates.currentItem()
        if item is not None:
            self._run(documents.link, self.document_id, item.data(Qt.ItemDataRole.UserRole))
