"""Exception queue speed on the demo data in use (issue 6: on `medium`, rebuilding the whole queue
< 5 s, the inbox opens < 500 ms).

    LOTPROOF_DATA_DIR=... python -m benchmarks.exception_queue [--runs N]

Measures, against whatever database Lotproof is configured for:
- a cold rebuild: every open exception closed first (as if the queue were new), then
  `quality.refresh_exceptions()` finds and opens them all again, as a compliance officer;
- a warm rebuild: the same call when the queue is already up to date (what a scheduled refresh
  costs), and the per-lot refresh a decision runs in its own transaction;
- opening the inbox: the data the inbox loads (approvals + the role's exceptions) for each role,
  and the real InboxPanel widget until its tables are filled (offscreen);
- baseline: the same rebuild run one exception type at a time (one statement per rule, as a
  naive nightly job would), in the same run.
"""

from __future__ import annotations

import argparse
import os
import time

from sqlalchemy import Engine, text

from app.db.engine import make_engine
from app.db.server import open_server
from app.workflows import compliance, decisions
from app.workflows.session import UserSession, login
from benchmarks.timing import Timing, measure

ROLES = (("ivy.inspector", "demo-inspector"), ("arlo.approver", "demo-approver"),
         ("cora.compliance", "demo-compliance"))


def _close_all(owner: Engine) -> None:
    with owner.begin() as conn:
        conn.execute(text("SELECT quality._audit_context('benchmark.reset', NULL, NULL)"))
        conn.execute(text("UPDATE quality.exceptions SET closed_at = clock_timestamp(), "
                          "closed_by = current_user, close_reason = 'benchmark reset' "
                          "WHERE closed_at IS NULL"))


def _cold(owner: Engine, officer: UserSession, runs: int) -> Timing:
    samples = []
    for _ in range(runs):
        _close_all(owner)
        start = time.perf_counter()
        compliance.refresh_exceptions(officer)
        samples.append(time.perf_counter() - start)
    return Timing("full rebuild, cold (queue emptied first)", samples)


def _by_type(officer: UserSession, types: list[str]) -> None:
    for t in types:
        with officer.engine.begin() as conn:
            conn.execute(text("SELECT quality.refresh_exceptions(NULL, ARRAY[:t])"), {"t": t})


def _inbox_widget(session: UserSession) -> float:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.views.inbox import InboxPanel
    from app.views.tasks import TaskRunner

    app = QApplication.instance() or QApplication([])
    runner = TaskRunner()
    start = time.perf_counter()
    panel = InboxPanel(session, runner)
    panel.show()
    deadline = time.monotonic() + 30
    while panel.summary.text() == "Loading…" and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.001)
    elapsed = time.perf_counter() - start
    assert panel.summary.text().endswith(session.person.role_title), panel.summary.text()
    panel.close()
    panel.deleteLater()
    runner.wait()
    app.processEvents()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    target = open_server()
    owner = make_engine(target.admin_url)
    try:
        with owner.connect() as conn:
            lots = conn.execute(text("SELECT count(*) FROM quality.lots")).scalar_one()
            types = list(conn.execute(text("SELECT type FROM quality.exception_routes "
                                           "WHERE enabled ORDER BY type")).scalars())
        print(f"database: {lots:,} lots")
        officer = login(target, "cora.compliance", "demo-compliance")
        try:
            cold = _cold(owner, officer, args.runs)
            with owner.connect() as conn:
                opened = conn.execute(text(
                    "SELECT type, count(*) FROM quality.exceptions WHERE closed_at IS NULL "
                    "GROUP BY type ORDER BY type")).all()
            print("open exceptions after a rebuild: "
                  + ", ".join(f"{t} {n:,}" for t, n in opened))
            print(cold.line(5000))
            print(measure("full rebuild, warm (queue up to date)",
                          lambda: compliance.refresh_exceptions(officer), runs=args.runs).line(5000))
            _close_all(owner)
            baseline = Timing("baseline: one statement per exception type, cold", [])
            for _ in range(args.runs):
                _close_all(owner)
                start = time.perf_counter()
                _by_type(officer, types)
                baseline.runs.append(time.perf_counter() - start)
            print(baseline.line())
            print(f"ratio baseline / cold rebuild: {baseline.median_ms / cold.median_ms:.2f}")
            compliance.refresh_exceptions(officer)
            with owner.connect() as conn:
                some_lots = list(conn.execute(text(
                    "SELECT id FROM quality.lots ORDER BY random() LIMIT 50")).scalars())

            def one_lot() -> None:
                with officer.engine.begin() as conn:
                    for lot_id in some_lots[:10]:
                        conn.execute(text("SELECT quality.refresh_exceptions(ARRAY[:l]::bigint[])"),
                                     {"l": lot_id})
            per_lot = measure("per-lot refresh (as a decision runs it) x10", one_lot,
                              runs=args.runs)
            print(per_lot.line())
        finally:
            officer.close()

        for username, password in ROLES:
            session = login(target, username, password)
            try:
                count = len(compliance.exceptions(session))
                data = measure(f"inbox data, {username} ({count:,} exceptions)",
                               lambda s=session: (decisions.inbox(s), compliance.exceptions(s)),
                               runs=args.runs * 2)
                print(data.line(500))
                widget = Timing(f"inbox widget filled, {username}",
                                [_inbox_widget(session) for _ in range(args.runs)])
                print(widget.line(500))
            finally:
                session.close()
    finally:
        owner.dispose()
        target.stop()


if __name__ == "__main__":
    main()
