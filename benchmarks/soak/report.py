"""The run's report, in Markdown: load, latency per action, faults, checks."""

from __future__ import annotations

import math
import platform
from collections import Counter

from benchmarks.soak.run import SoakResult
from benchmarks.soak.stats import recovery_seconds, summarise

WRITES = ("hold", "release", "ingest", "erp_receive", "erp_ship")


def _ms(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def render(result: SoakResult) -> str:
    c = result.config
    roles = Counter(s.role for s in result.specs)
    events = result.events
    lines = [
        f"{c.workstations} workstations ({roles['inspector']} inspectors, {roles['approver']} "
        f"approvers, {roles['compliance']} compliance officers), each its own login role and "
        f"connections, in {c.processes} worker processes plus one process per kill fault; "
        f"think time {c.think_seconds:g} s (mean, exponential); simulated ERP every "
        f"{c.erp_interval:g} s. Load ran {result.seconds:.0f} s; setup (server, seed, roles) "
        f"{result.setup_seconds:.0f} s. Small demo data; {platform.node() or 'this machine'}.",
        "",
        "| action | ok | per second | p50 ms | p95 ms | p99 ms | max ms | errors by kind |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    total_ok = 0
    for s in summarise(events, result.seconds):
        total_ok += s.ok
        errors = ", ".join(f"{k} {v}" for k, v in s.errors.items()) or "—"
        lines.append(f"| {s.action} | {s.ok:,} | {s.per_second:.2f} | {_ms(s.p50_ms)} | "
                     f"{_ms(s.p95_ms)} | {_ms(s.p99_ms)} | {_ms(s.max_ms)} | {errors} |")
    lines += ["", f"All actions: {total_ok:,} successful, "
              f"{total_ok / result.seconds if result.seconds else 0:.1f} per second. "
              f"Server: up to {result.server.peak(1)} client connections (mean "
              f"{result.server.mean(1):.0f}), up to {result.server.peak(2)} sessions waiting "
              f"on a lock at one sample (mean {result.server.mean(2):.1f}), up to "
              f"{result.server.peak(3)} active at once.", ""]
    lines += ["ERP: " + ", ".join(f"{k} {v}" for k, v in sorted(result.erp.items())), ""]
    lines += ["| fault | at s | took s | what happened | everyone working again after | "
              "checks after it |", "| --- | --- | --- | --- | --- | --- |"]
    after = {r.label: r for r in result.checks}
    for f in result.faults:
        back = recovery_seconds(events, f.ended, f.workstations)
        report = after.get(f"after {f.fault.kind} at {f.fault.at:.0f} s")
        verdict = "—" if report is None else "pass" if report.ok else "FAIL"
        lines.append(f"| {f.fault.kind} | {f.started:.0f} | {f.ended - f.started:.1f} | "
                     f"{f.detail} | {'never' if back is None else f'{back:.1f} s'} | "
                     f"{verdict} |")
    lines += ["", "Checks:", ""]
    for report in result.checks:
        lines.append(f"- {report.label}: {'all pass' if report.ok else 'FAILED'}")
        for check in report.checks:
            if report is result.checks[-1] or not check.ok:
                lines.append(f"  - {'pass' if check.ok else 'FAIL'}: {check.name} "
                             f"({check.detail})")
    unknown: Counter[str] = Counter()
    for report in result.checks[-1:]:
        unknown.update(report.unknown)
    if unknown:
        lines += ["", "Calls cut off mid-way (outcome unknown to the workstation), as they "
                  "resolved:", ""]
        lines += [f"- {k}: {v}" for k, v in sorted(unknown.items())]
    lines += ["", f"Result: {'PASS' if result.ok else 'FAIL'}"]
    return "\n".join(lines) + "\n"
