"""After each fault and at the end: does the database agree with what the workstations saw?

- every decision a workstation saw committed is in the database exactly once, every refused one
  is not, and one cut off mid-call is there at most once (how each resolved is reported);
- no lot was moved twice from the same state (two people never both won);
- every decision carries its one signature; no document is half-stored;
- the audit chain verifies; every lot's stock equals the sum of its movements.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, text

from app.db import audit_chain
from benchmarks.soak.ledger import COMMITTED, FAILED, UNKNOWN, Entry

TOKEN = re.compile(r"\[soak:([^\]]+)\]")
STOCK_MISMATCHES = """
    WITH moved AS (
        SELECT lot_id, location_id, sum(q) AS qty FROM (
            SELECT lot_id, to_location_id AS location_id, qty AS q FROM erp.movements
            WHERE to_location_id IS NOT NULL
            UNION ALL
            SELECT lot_id, from_location_id, -qty FROM erp.movements
            WHERE from_location_id IS NOT NULL) m
        GROUP BY lot_id, location_id)
    SELECT count(*) FROM moved FULL JOIN erp.stock s USING (lot_id, location_id)
    WHERE abs(coalesce(moved.qty, 0) - coalesce(s.qty, 0)) > 0.001
"""


@dataclass(frozen=True)
class Baseline:
    """Where the run's rows start: ids above these were made during the run."""

    decision_id: int
    document_id: int


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class CheckReport:
    label: str
    checks: list[Check] = field(default_factory=list)
    unknown: Counter[str] = field(default_factory=Counter)  # "decision: committed" -> n

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


def baseline(owner: Engine) -> Baseline:
    with owner.connect() as conn:
        d = conn.execute(text("SELECT coalesce(max(id), 0) FROM quality.lot_decisions")).scalar_one()
        f = conn.execute(text("SELECT coalesce(max(id), 0) FROM quality.documents")).scalar_one()
    return Baseline(int(d), int(f))


def settled(entries: dict[str, Entry], live: set[str], final: bool,
            paused: set[str]) -> dict[str, Entry]:
    """The calls whose outcome is fixed: answered ones, and those cut off by a killed process
    (outcome unknown). A call still in flight in a live process is left for a later check."""
    out = {}
    for token, e in entries.items():
        if e.outcome is None:
            if e.incarnation in live and not final and token not in paused:
                continue
            e.outcome, e.error = UNKNOWN, e.error or "process killed"
        out[token] = e
    return out


def run_checks(owner: Engine, entries: dict[str, Entry], base: Baseline, label: str, *,
               live: set[str], paused: set[str], final: bool,
               erp_not_refused: int = 0) -> CheckReport:
    """`entries` must be read before this is called (the database snapshot is taken after);
    `live` names the incarnations of workstations still running."""
    report = CheckReport(label)
    fixed = settled(entries, live, final, paused)
    with owner.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            _decisions(conn, entries, fixed, base, paused, report)
            _documents(conn, entries, fixed, base, paused, report, final)
            chain = audit_chain.verify(conn)
            report.checks.append(Check(
                "audit chain verifies", chain.ok,
                f"{chain.rows:,} rows" + ("" if chain.ok else f"; {chain.problem}")))
            bad = conn.execute(text(STOCK_MISMATCHES)).scalar_one()
            negative = conn.execute(text("SELECT count(*) FROM erp.stock WHERE qty < 0")).scalar_one()
            report.checks.append(Check(
                "every lot's stock equals the sum of its movements", bad == 0 and negative == 0,
                f"{bad} mismatched stock rows, {negative} negative"))
    report.checks.append(Check("the ERP guard refused every unchecked shipment of a lot not "
                               "available", erp_not_refused == 0,
                               f"{erp_not_refused} shipped anyway"))
    return report


def _resolve(report: CheckReport, kind: str, entries: list[Entry], sent: set[str],
             found: Counter[str], paused: set[str]) -> list[str]:
    problems = []
    counts: Counter[str] = Counter()
    for e in entries:
        n = found.get(e.token, 0)
        counts[e.outcome or "?"] += 1
        if e.outcome == COMMITTED and n != 1:
            problems.append(f"{e.token} committed but found {n} times")
        elif e.outcome == FAILED and n != 0:
            problems.append(f"{e.token} refused ({e.error}) but found {n} times")
        elif e.outcome == UNKNOWN:
            if n > 1 or (e.token in paused and n != 0):
                problems.append(f"{e.token} cut off ({e.error}) but found {n} times")
            how = "killed before commit" if e.token in paused else e.error
            report.unknown[f"{kind} {e.action}, {how}: {'committed' if n else 'not committed'}"] += 1
    strangers = [t for t in found if t not in sent]
    if strangers:
        problems.append(f"{len(strangers)} in the database that no workstation sent: "
                        f"{strangers[:3]}")
    summary = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
    return [summary, *problems]


def _decisions(conn: Connection, entries: dict[str, Entry], fixed: dict[str, Entry],
               base: Baseline, paused: set[str], report: CheckReport) -> None:
    rows = conn.execute(text("""
        SELECT d.id, d.lot_id, d.from_status, d.to_status, d.state, d.reason,
               (SELECT count(*) FROM quality.signatures s
                WHERE s.record_type = 'lot_decision' AND s.record_id = d.id) AS signatures,
               l.status
        FROM quality.lot_decisions d JOIN quality.lots l ON l.id = d.lot_id
        WHERE d.id > :base ORDER BY d.id"""), {"base": base.decision_id}).all()
    found: Counter[str] = Counter()
    unsigned = 0
    for row in rows:
        match = TOKEN.search(row.reason or "")
        if match:
            found[match.group(1)] += 1
            unsigned += row.signatures != 1
    mine = [e for e in fixed.values() if e.kind == "decision"]
    sent = {t for t, e in entries.items() if e.kind == "decision"}
    summary, *problems = _resolve(report, "decision", mine, sent, found, paused)
    report.checks.append(Check("no decision lost or applied twice", not problems,
                               "; ".join([summary, *problems[:5]])))
    report.checks.append(Check("every decision has exactly one signature", unsigned == 0,
                               f"{sum(found.values())} decisions, {unsigned} without one"))
    report.checks.append(_double_wins(rows))


def _double_wins(rows: list) -> Check:  # type: ignore[type-arg]
    """Each lot's decisions of the run follow on from each other: a decision starts from the
    status the previous one left, and the lot is now where the last one put it."""
    last: dict[int, tuple[int, str, str]] = {}
    problems = []
    for row in rows:
        if row.state != "done":
            continue
        prev = last.get(row.lot_id)
        if prev is not None and prev[1] != row.from_status:
            problems.append(f"decision {row.id} moved lot {row.lot_id} from {row.from_status}, "
                            f"but decision {prev[0]} had left it {prev[1]}")
        last[row.lot_id] = (row.id, row.to_status, row.status)
    for lot, (decision, to_status, now) in last.items():
        if now != to_status:
            problems.append(f"lot {lot} is {now}, but its last decision {decision} made it "
                            f"{to_status}")
    return Check("no two decisions won from the same state", not problems,
                 "; ".join([f"{len(last)} lots decided", *problems[:5]]))


def _documents(conn: Connection, entries: dict[str, Entry], fixed: dict[str, Entry],
               base: Baseline, paused: set[str], report: CheckReport, final: bool) -> None:
    rows = conn.execute(text("""
        SELECT d.id, d.sha256, d.kind,
               length(d.content) = d.size_bytes AND encode(sha256(d.content), 'hex') = d.sha256
                   AS content_ok,
               (SELECT count(*) FROM quality.extracted_fields f WHERE f.document_id = d.id)
                   = (SELECT count(*) FROM jsonb_object_keys(coalesce(d.extraction -> 'fields',
                                                                      '{}'::jsonb))) AS fields_ok,
               (SELECT count(*) FROM quality.coa_results r WHERE r.document_id = d.id)
                   = CASE WHEN d.kind = 'coa' THEN jsonb_array_length(
                         coalesce(d.extraction -> 'results', '[]'::jsonb)) ELSE 0 END AS results_ok,
               EXISTS (SELECT 1 FROM quality.document_links k WHERE k.document_id = d.id) AS linked
        FROM quality.documents d WHERE d.id > :base"""), {"base": base.document_id}).all()
    by_sha = {e.sha256: e.token for e in entries.values() if e.kind == "document" and e.sha256}
    found: Counter[str] = Counter()
    half = []
    for row in rows:
        token = by_sha.get(row.sha256, f"unknown document {row.id}")
        found[token] += 1
        if not (row.content_ok and row.fields_ok and row.results_ok and row.linked):
            half.append(f"document {row.id} ({token}): content {row.content_ok}, fields "
                        f"{row.fields_ok}, results {row.results_ok}, linked {row.linked}")
    mine = [e for e in fixed.values() if e.kind == "document"]
    sent = {t for t, e in entries.items() if e.kind == "document"}
    summary, *problems = _resolve(report, "document", mine, sent, found, paused)
    report.checks.append(Check("no document lost or stored twice", not problems,
                               "; ".join([summary, *problems[:5]])))
    report.checks.append(Check("no document half-stored (content, fields, results, lot link)",
                               not half, "; ".join([f"{len(rows)} documents stored in the run",
                                                    *half[:5]])))
    if final:
        seen = sum(1 for e in mine if e.outcome == COMMITTED)
        unknown_there = sum(1 for e in mine if e.outcome == UNKNOWN and found.get(e.token))
        report.checks.append(Check(
            "documents in the database = committed as the workstations saw it (+ cut-off calls "
            "that did commit)", len(rows) == seen + unknown_there,
            f"{len(rows)} in the database, {seen} seen committed, {unknown_there} cut off but "
            "committed"))
