"""The Nonconformance tab: open NCRs and CAPAs (overdue first, then by owner and state), the
selected record in full, and the steps its status machine allows the person now. The buttons
come from `quality.qm_transitions`; the database checks every step again."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.db.queries.nonconformance import BoardRow, CapaDetail, NcrDetail
from app.views.analytics.table import Column, RowsModel, selected_row, sortable_view
from app.views.messages import describe
from app.views.nonconformance.fields_dialog import Field, FieldsDialog
from app.views.signing_dialog import SigningDialog
from app.views.style import apply_message_role
from app.views.tasks import TaskRunner
from app.workflows import nonconformance as nc
from app.workflows import qm_reports
from app.workflows.nonconformance import Record
from app.workflows.session import UserSession

DECIDING = ("lotproof_inspector", "lotproof_approver", "lotproof_compliance")
MANAGING = ("lotproof_approver", "lotproof_compliance")


def _words(value: str | None) -> str:
    return "—" if not value else value.replace("_", " ")


def _e(value: object) -> str:
    return html.escape("—" if value in (None, "") else str(value))


def ncr_html(n: NcrDetail) -> str:
    lots = "".join(f"<li>{_e(x.lot_code)} — {_e(_words(x.status))}"
                   + (f": held ({_e(x.hold_reason)})" if x.hold_reason else "") + "</li>"
                   for x in n.lots) or "<li>none named</li>"
    detail = ""
    if n.root_cause_detail and "whys" in n.root_cause_detail:
        detail = "<ol>" + "".join(f"<li>Why? {_e(w)}</li>" for w in n.root_cause_detail["whys"]) + "</ol>"
    elif n.root_cause_detail and "categories" in n.root_cause_detail:
        detail = "<ul>" + "".join(f"<li><b>{_e(k)}</b>: {_e(v)}</li>"
                                  for k, v in n.root_cause_detail["categories"].items()) + "</ul>"
    capas = "".join(f"<li>{_e(c.number)} {_e(c.title)} — {_e(c.status)}, owner {_e(c.owner_name)}</li>"
                    for c in n.capas) or "<li>none</li>"
    scars = "".join(f"<li>{_e(s.number)} to {_e(s.supplier)} — {_e(s.status)}, answer due "
                    f"{s.response_due}" + (f"; answered {s.responded_on}: {_e(s.response)}"
                                           if s.response else "") + "</li>"
                    for s in n.scars) or "<li>none</li>"
    closed = (f"<p>Closed by {_e(n.closed_by)} on {n.closed_at:%Y-%m-%d %H:%M %Z}</p>"
              if n.closed_at else "")
    return (f"<h3>{_e(n.number)} — {_e(n.title)}</h3>"
            f"<p><b>{_e(n.status)}</b> · {_e(n.severity)} · from {_e(_words(n.source))}"
            f"{' ' + _e(n.source_ref) if n.source_ref else ''} · opened by {_e(n.opened_by_name)} "
            f"on {n.opened_at:%Y-%m-%d}</p>"
            f"<p>Item: {_e(n.item)} · Supplier: {_e(n.supplier)}</p>"
            f"<h4>Found</h4><p>{_e(n.found)}</p>"
            f"<h4>Lots and containment</h4><ul>{lots}</ul><p>{_e(n.containment)}</p>"
            f"<h4>Investigation ({_e(_words(n.root_cause_method))})</h4><p>{_e(n.root_cause)}</p>{detail}"
            f"<h4>Disposition</h4><p>{_e(_words(n.disposition))}"
            f"{': ' + _e(n.disposition_note) if n.disposition_note else ''}</p>"
            f"<h4>CAPA</h4><ul>{capas}</ul><h4>Supplier corrective action</h4><ul>{scars}</ul>{closed}")


def capa_html(c: CapaDetail, today: dt.date) -> str:
    rows = "".join(
        f"<tr><td>{_e(a.kind)}</td><td>{_e(a.description)}</td><td>{_e(a.owner_name)}</td>"
        f"<td>{a.due_date}{' <b>overdue</b>' if a.done_at is None and a.due_date < today else ''}</td>"
        f"<td>{'done ' + f'{a.done_at:%Y-%m-%d}: ' + _e(a.done_note) if a.done_at else 'open'}</td></tr>"
        for a in c.actions) or "<tr><td colspan='5'>no actions yet</td></tr>"
    check = ("not checked yet" if c.effective is None else
             f"{'effective' if c.effective else 'NOT effective'} — {_e(c.effectiveness_evidence)} "
             f"({_e(c.checked_by)}, {c.checked_at:%Y-%m-%d})" if c.checked_at else "")
    return (f"<h3>{_e(c.number)} — {_e(c.title)}</h3>"
            f"<p><b>{_e(c.status)}</b> · owner {_e(c.owner_name)}"
            f"{f' · NCR-{c.ncr_id:05d}' if c.ncr_id else ''}</p>"
            f"<h4>Actions</h4><table border='1' cellpadding='3' cellspacing='0'>"
            f"<tr><th>Kind</th><th>Action</th><th>Owner</th><th>Due</th><th>Done</th></tr>{rows}</table>"
            f"<h4>Effectiveness check (due {c.effectiveness_due})</h4>"
            f"<p>Criteria: {_e(c.effectiveness_criteria)}</p><p>{check}</p>")


class NonconformanceBoard(QWidget):
    count_changed = Signal(int)
    open_lot = Signal(str)

    def __init__(self, session: UserSession, runner: TaskRunner) -> None:
        super().__init__()
        self._session = session
        self._runner = runner
        self.record: Record | None = None
        self.model = RowsModel([
            Column("", lambda r: "overdue" if r.overdue else "",
                   colour=lambda r: "error" if r.overdue else None),
            Column("Number", lambda r: r.number),
            Column("State", lambda r: _words(r.status)),
            Column("Owner", lambda r: r.owner_name or r.owner),
            Column("Due", lambda r: r.due, text=lambda r: str(r.due) if r.due else "—"),
            Column("Severity", lambda r: r.severity or "—"),
            Column("Supplier", lambda r: r.supplier or "—"),
            Column("Lots", lambda r: ", ".join(r.lots)),
            Column("Title", lambda r: r.title),
        ], self)
        self.view, self.proxy = sortable_view(self.model, "qmBoard")
        self.view.selectionModel().selectionChanged.connect(self._selected)
        self.include_closed = QCheckBox("Show closed")
        self.include_closed.toggled.connect(self.refresh)
        self.new_button = QPushButton("New NCR…")
        self.new_button.setObjectName("newNcr")
        self.new_button.clicked.connect(self.new_ncr)
        self.new_button.setVisible(session.person.role in DECIDING)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        capa_log = QPushButton("CAPA log PDF…")
        capa_log.setObjectName("capaLogPdf")
        capa_log.clicked.connect(lambda: self.capa_log())
        self.detail = QTextBrowser()
        self.detail.setObjectName("qmDetail")
        self.step_bar = QHBoxLayout()
        self.message = QLabel("")
        self.message.setObjectName("qmMessage")
        self.message.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(QLabel("Nonconformance and CAPA — overdue first"))
        top.addStretch(1)
        top.addWidget(self.include_closed)
        top.addWidget(self.new_button)
        top.addWidget(capa_log)
        top.addWidget(refresh)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.detail, 1)
        right_layout.addLayout(self.step_bar)
        right_layout.addWidget(self.message)
        split = QSplitter()
        split.addWidget(self.view)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        self.refresh()

    # ------------------------------------------------------------ list and selection
    def refresh(self) -> None:
        self._runner.submit(nc.board, self._session, self.include_closed.isChecked(),
                            on_result=self._listed, on_error=self._say_error,
                            key=("qm-board", id(self)))

    def _listed(self, rows: list[BoardRow]) -> None:
        chosen = self.record
        self.model.set_rows(rows)
        self.view.resizeColumnsToContents()
        self.count_changed.emit(sum(1 for r in rows if r.overdue))
        if chosen is not None:
            self.select(chosen.kind, (chosen.ncr or chosen.capa).id)  # type: ignore[union-attr]

    def select(self, kind: str, record_id: int) -> None:
        """Selects a record on the board (when it is listed) and shows it."""
        for row in range(self.model.rowCount()):
            r = self.model.row_at(row)
            if r is not None and (r.kind, r.id) == (kind, record_id):
                self.view.selectRow(self.proxy.mapFromSource(self.model.index(row, 0)).row())
                break
        self.load(kind, record_id)

    def _selected(self) -> None:
        row = selected_row(self.view, self.model)
        if row is not None and (self.record is None or (self.record.kind, self._record_id())
                                != (row.kind, row.id)):
            self.load(row.kind, row.id)

    def _record_id(self) -> int:
        assert self.record is not None
        found = self.record.ncr or self.record.capa
        assert found is not None
        return found.id

    def load(self, kind: str, record_id: int) -> None:
        self._runner.submit(nc.record, self._session, kind, record_id, on_result=self._show,
                            on_error=self._say_error, key=("qm-record", id(self)))

    def _show(self, record: Record) -> None:
        self.record = record
        today = dt.date.today()
        self.detail.setHtml(ncr_html(record.ncr) if record.ncr else
                            capa_html(record.capa, today) if record.capa else "")
        self._build_actions(record)

    # ------------------------------------------------------------ the steps on offer
    def _build_actions(self, record: Record) -> None:
        while self.step_bar.count():
            item = self.step_bar.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        role = self._session.person.role
        seen: set[str] = set()
        for move in record.moves:
            if role not in move.roles or move.label in seen:
                continue
            seen.add(move.label)
            self._button(f"{move.label}…", lambda _c=False, a=move.action: self.step(a),
                         f"{record.kind}_{move.action}")
        if record.ncr is not None and record.ncr.status != "cancelled" and role in MANAGING:
            self._button("Open CAPA…", lambda: self.step("open_capa"), "ncr_open_capa")
            if record.ncr.supplier:
                self._button("Request SCAR…", lambda: self.step("open_scar"), "ncr_open_scar")
            for scar_id, scar_moves in record.scar_moves.items():
                for move in scar_moves:
                    if role in move.roles and move.action != "cancel":
                        self._button(f"SCAR-{scar_id:05d}: {move.label}…",
                                     lambda _c=False, a=move.action, s=scar_id: self.scar_step(a, s),
                                     f"scar_{move.action}")
        if record.ncr is not None:
            self._button("NCR report PDF…", lambda: self.ncr_report(), "ncrReportPdf")
            if record.ncr.scars:
                self._button("SCAR letter PDF…", lambda: self.scar_letter(), "scarLetterPdf")
        self.step_bar.addStretch(1)

    def _button(self, label: str, slot: Callable[..., None], name: str) -> None:
        button = QPushButton(label)
        button.setObjectName(name)
        button.clicked.connect(slot)
        self.step_bar.addWidget(button)

    def _ask(self, title: str, fields: list[Field]) -> dict[str, Any] | None:
        dialog = FieldsDialog(title, fields, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.values()

    def _owner_field(self, key: str = "owner", label: str = "Owner") -> Field:
        assert self.record is not None
        return Field(key, label, "choice", tuple((shown, name) for name, shown in self.record.owners))

    def step(self, action: str) -> None:
        record = self.record
        if record is None:
            return
        s = self._session
        n, c = record.ncr, record.capa
        work: Callable[[], Any] | None = None
        if n is not None:
            if action == "record_containment":
                v = self._ask(f"Containment — {n.number}", [
                    Field("containment", "Containment done", "multiline"),
                    Field("lots", "More lots (codes, comma-separated)", required=False)])
                if v:
                    lots = [x.strip() for x in v["lots"].split(",") if x.strip()]
                    work = lambda: nc.record_containment(s, n.id, v["containment"], lots)  # noqa: E731
            elif action == "record_investigation":
                v = self._ask(f"Investigation — {n.number}", [
                    Field("method", "Method", "choice", tuple((m.replace("_", " "), m) for m in nc.METHODS)),
                    Field("root_cause", "Root cause", "multiline"),
                    Field("detail", "5 whys: one why per line · fishbone: 'Category: cause' per line",
                          "multiline", required=False)])
                if v:
                    work = lambda: nc.record_investigation(  # noqa: E731
                        s, n.id, v["method"], v["root_cause"], investigation_detail(v["method"], v["detail"]))
            elif action == "record_disposition":
                v = self._ask(f"Disposition — {n.number}", [
                    Field("disposition", "Disposition of the material", "choice",
                          tuple((d.replace("_", " "), d) for d in nc.NCR_DISPOSITIONS)),
                    Field("note", "Reason", "multiline")])
                if v:
                    work = lambda: nc.record_disposition(s, n.id, v["disposition"], v["note"])  # noqa: E731
            elif action == "cancel":
                v = self._ask(f"Cancel {n.number}", [Field("reason", "Reason", "multiline")])
                if v:
                    work = lambda: nc.cancel_ncr(s, n.id, v["reason"])  # noqa: E731
            elif action == "close":
                self._sign(f"close {n.number}", "Closed", [
                    ("NCR", f"{n.number} — {n.title}"), ("Root cause", n.root_cause or "—"),
                    ("Disposition", _words(n.disposition))],
                    lambda cred: nc.close_ncr(s, cred, n.id))
            elif action == "open_capa":
                v = self._ask(f"CAPA for {n.number}", [
                    Field("title", "Title"), self._owner_field(),
                    Field("criteria", "How effectiveness is judged", "multiline"),
                    Field("due", "Effectiveness check due", "date", default_days=90)])
                if v:
                    work = lambda: nc.open_capa(s, n.id, v["title"], v["owner"], v["criteria"], v["due"])  # noqa: E731
            elif action == "open_scar":
                v = self._ask(f"SCAR for {n.number}", [
                    Field("request", "What the supplier is asked", "multiline"),
                    Field("due", "Answer due", "date", default_days=30)])
                if v:
                    work = lambda: nc.open_scar(s, n.id, v["request"], v["due"])  # noqa: E731
        elif c is not None:
            if action == "add_action":
                v = self._ask(f"Action for {c.number}", [
                    Field("kind", "Kind", "choice", (("corrective", "corrective"), ("preventive", "preventive"))),
                    Field("description", "Action", "multiline"), self._owner_field(),
                    Field("due", "Due", "date")])
                if v:
                    work = lambda: nc.add_action(s, c.id, v["kind"], v["description"], v["owner"], v["due"])  # noqa: E731
            elif action == "complete_action":
                open_actions = tuple((a.description, a.id) for a in c.actions if a.done_at is None)
                v = self._ask(f"Action done — {c.number}", [
                    Field("action", "Action", "choice", open_actions),
                    Field("note", "What was done", "multiline")])
                if v:
                    work = lambda: nc.complete_action(s, v["action"], v["note"])  # noqa: E731
            elif action in ("check_effectiveness", "check_ineffective"):
                v = self._ask(f"Effectiveness check — {c.number}", [
                    Field("effective", "Were the actions effective?", "choice",
                          (("Yes, effective", True), ("No, not effective", False))),
                    Field("evidence", "Evidence", "multiline")])
                if v:
                    work = lambda: nc.record_effectiveness(s, c.id, v["effective"], v["evidence"])  # noqa: E731
            elif action == "cancel":
                v = self._ask(f"Cancel {c.number}", [Field("reason", "Reason", "multiline")])
                if v:
                    work = lambda: nc.cancel_capa(s, c.id, v["reason"])  # noqa: E731
            elif action == "close":
                self._sign(f"close {c.number}", "Closed after effectiveness check", [
                    ("CAPA", f"{c.number} — {c.title}"),
                    ("Effectiveness", c.effectiveness_evidence or "—")],
                    lambda cred: nc.close_capa(s, cred, c.id))
        if work is not None:
            self._run(work)

    def scar_step(self, action: str, scar_id: int) -> None:
        s = self._session
        work: Callable[[], Any] | None = None
        if action == "send":
            work = lambda: nc.send_scar(s, scar_id)  # noqa: E731
        elif action == "record_response":
            v = self._ask(f"Answer to SCAR-{scar_id:05d}", [
                Field("response", "What the supplier answered", "multiline"),
                Field("on", "Answered on", "date", default_days=0)])
            if v:
                work = lambda: nc.record_scar_response(s, scar_id, v["response"], v["on"])  # noqa: E731
        elif action in ("accept", "ask_again"):
            accepted = action == "accept"
            fields = [Field("note", "Why the answer is " + ("accepted" if accepted else "not accepted"),
                            "multiline")]
            if not accepted:
                fields.append(Field("due", "New answer due", "date"))
            v = self._ask(f"SCAR-{scar_id:05d}", fields)
            if v:
                work = lambda: nc.judge_scar_response(s, scar_id, accepted, v["note"], v.get("due"))  # noqa: E731
        if work is not None:
            self._run(work)

    def _run(self, work: Callable[[], Any]) -> None:
        self._say("muted", "Saving…")
        self._runner.submit(work, on_result=lambda _r: self._done("Saved."),
                            on_error=self._say_error)

    def _sign(self, title: str, meaning: str, lines: list[tuple[str, str]],
              perform: Callable[[Any], Any]) -> None:
        dialog = SigningDialog(self._session, self._runner, title=title, meaning=meaning,
                               record_lines=lines, perform=perform, parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._done(f"Signed: {title}.")

    def _done(self, text: str) -> None:
        self._say("ok", text)
        self.refresh()
        if self.record is not None:
            self.load(self.record.kind, self._record_id())

    def new_ncr(self) -> None:
        v = self._ask("New nonconformance report", [
            Field("source", "Comes from", "choice", tuple((x.replace("_", " "), x) for x in nc.SOURCES)),
            Field("severity", "Severity", "choice", tuple((x, x) for x in nc.SEVERITIES)),
            Field("title", "Title"), Field("found", "What was found", "multiline"),
            Field("lots", "Lots (codes, comma-separated)"),
            Field("ref", "Reference (complaint, RMA, event)", required=False)])
        if not v:
            return
        lots = [x.strip() for x in v["lots"].split(",") if x.strip()]
        self._say("muted", "Opening the NCR…")
        self._runner.submit(
            nc.open_ncr, self._session, source=v["source"], severity=v["severity"], title=v["title"],
            found=v["found"], lots=lots, source_ref=v["ref"] or None,
            on_result=self._opened, on_error=self._say_error)

    def _opened(self, ncr_id: int) -> None:
        self._say("ok", f"NCR-{ncr_id:05d} opened.")
        self.refresh()
        self.load("ncr", ncr_id)

    # ------------------------------------------------------------ printed records
    def ncr_report(self, path: Path | None = None) -> None:
        if self.record is None or self.record.ncr is None:
            return
        n = self.record.ncr
        self.save_pdf(f"{n.number} report", lambda: qm_reports.ncr_report_pdf(self._session, n.id),
                      f"{n.number}.pdf", path)

    def capa_log(self, path: Path | None = None) -> None:
        closed = self.include_closed.isChecked()
        self.save_pdf("CAPA log", lambda: qm_reports.capa_log_pdf(self._session, closed),
                      f"capa-log-{dt.date.today()}.pdf", path)

    def scar_letter(self, path: Path | None = None, scar_number: str | None = None) -> None:
        """The letter for the NCR's SCAR; with more than one, the person picks which."""
        if self.record is None or self.record.ncr is None or not self.record.ncr.scars:
            return
        scars = {s.number: s for s in self.record.ncr.scars}
        if scar_number is None and len(scars) > 1:
            scar_number, ok = QInputDialog.getItem(self, "SCAR letter", "Which request?",
                                                   list(scars), 0, False)
            if not ok:
                return
        scar = scars[scar_number] if scar_number else next(iter(scars.values()))
        self.save_pdf(f"{scar.number} letter",
                      lambda: qm_reports.scar_letter_pdf(self._session, scar.id),
                      f"{scar.number}-letter.pdf", path)

    def save_pdf(self, what: str, produce: Callable[[], bytes], suggested: str,
                 path: Path | None = None) -> None:
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, f"Save {what}", suggested, "PDF (*.pdf)")
            if not chosen:
                return
            path = Path(chosen)
        target = path
        self._say("muted", f"Writing the {what}…")
        self._runner.submit(produce, on_result=lambda data: self._written(target, data),
                            on_error=self._say_error)

    def _written(self, path: Path, data: bytes) -> None:
        try:
            path.write_bytes(data)
        except OSError as exc:
            QMessageBox.warning(self, "Not saved", f"{path} cannot be written: {exc.strerror or exc}")
            return
        self._say("ok", f"Saved {path}")

    def _say(self, role: str, text: str) -> None:
        self.message.setText(text)
        apply_message_role(self.message, role)

    def _say_error(self, exc: BaseException) -> None:
        self._say("error", describe(exc))


def investigation_detail(method: str, text: str) -> dict[str, Any] | None:
    """The method's working as typed: one why per line, or 'Category: cause' per line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if method == "5_whys":
        return {"whys": lines}
    if method == "fishbone":
        categories: dict[str, str] = {}
        for line in lines:
            key, _, cause = line.partition(":")
            if cause.strip():
                categories[key.strip().capitalize()] = cause.strip()
        return {"categories": categories}
    return {"notes": lines} if lines else None
