"""One soak run, start to finish: server, roles, workstation processes, ERP, faults, checks."""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.db.engine import make_engine
from app.db.server import ServerTarget, connect, libpq_url
from benchmarks.soak.checks import Baseline, Check, CheckReport, baseline, run_checks
from benchmarks.soak.config import SharedData, SoakConfig, WorkerConfig, WorkstationSpec
from benchmarks.soak.database import create_workstations, shared_data, start_seeded_server
from benchmarks.soak.erp import ErpSimulator
from benchmarks.soak.faults import FaultRecord, FaultRunner
from benchmarks.soak.ledger import read_ledgers
from benchmarks.soak.monitor import ServerSamples, sample_server
from benchmarks.soak.processes import WorkerProcess
from benchmarks.soak.stats import Event, Recorder, load_events

VICTIM_FAULTS = ("kill_ingest", "kill_sign")


@dataclass
class SoakResult:
    config: SoakConfig
    specs: list[WorkstationSpec]
    seconds: float
    events: list[Event]
    faults: list[FaultRecord]
    checks: list[CheckReport]
    erp: dict[str, int]
    server: ServerSamples
    setup_seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.checks) and all(f.done for f in self.faults)


class _Run:
    """The state of one run while it goes."""

    def __init__(self, config: SoakConfig, target: ServerTarget, run_dir: Path) -> None:
        self.config = config
        self.target = target
        self.run_dir = run_dir
        for sub in ("ledgers", "stats", "files", "workers"):
            (run_dir / sub).mkdir(parents=True, exist_ok=True)
        self.owner = make_engine(target.admin_url, application_name="soak harness")
        self.prefix = f"ws{secrets.token_hex(2)}"
        self.processes: list[WorkerProcess] = []
        self.paused: set[str] = set()
        self._spawned = 0

    def worker_config(self, specs: list[WorkstationSpec], shared: SharedData, origin: float,
                      *, victim: bool) -> tuple[Path, str]:
        self._spawned += 1
        incarnation = f"p{self._spawned}"
        url = libpq_url(self.target.admin_url.set(username=None, password=None),
                        show_password=False)
        config = WorkerConfig(url, str(self.run_dir), origin, self.config.seconds,
                              self.config.think_seconds, self.config.seed + self._spawned, specs,
                              shared, incarnation, victim)
        path = self.run_dir / "workers" / f"worker-{self._spawned}.json"
        config.save(path)
        return path, incarnation

    def spawn(self, specs: list[WorkstationSpec], shared: SharedData, origin: float, *,
              victim: bool = False) -> WorkerProcess:
        path, incarnation = self.worker_config(specs, shared, origin, victim=victim)
        proc = WorkerProcess(path, incarnation, [s.name for s in specs])
        self.processes.append(proc)
        return proc

    def live(self) -> set[str]:
        return {p.incarnation for p in self.processes if p.alive}

    def check(self, label: str, base: Baseline, erp: ErpSimulator, final: bool) -> CheckReport:
        entries = read_ledgers(self.run_dir / "ledgers")
        not_refused = sum(v for k, v in erp.counts.counts.items() if "NOT REFUSED" in k)
        return run_checks(self.owner, entries, base, label, live=self.live(),
                          paused=self.paused, final=final, erp_not_refused=not_refused)


def run_soak(config: SoakConfig, target: ServerTarget | None = None,
             say: Callable[[str], None] = print) -> SoakResult:
    """Run the whole soak. With `target` (a seeded database) it uses that instead of starting
    its own server; the restart fault then is not possible."""
    started_setup = time.monotonic()
    run_dir = config.data_dir or Path(tempfile.mkdtemp(prefix="lotproof-soak-"))
    own_server = target is None
    if target is None:
        say(f"starting a throwaway server in {run_dir} and seeding the small demo ...")
        target = start_seeded_server(run_dir / "db", keep=config.data_dir is not None)
    run = _Run(config, target, run_dir)
    if config.extra_sql is not None:
        with connect(target.admin_url, autocommit=True) as conn:
            conn.execute(config.extra_sql.read_text())  # type: ignore[arg-type]
    try:
        return _load_and_faults(run, config, started_setup, say)
    finally:
        for proc in run.processes:
            if proc.alive:
                proc.stop(timeout=30)
        run.owner.dispose()
        if own_server:
            target.stop()
            if config.data_dir is None:
                shutil.rmtree(run_dir, ignore_errors=True)


def _load_and_faults(run: _Run, config: SoakConfig, started_setup: float,
                     log: Callable[[str], None]) -> SoakResult:
    specs = create_workstations(run.owner, config.workstations, run.prefix)
    shared = shared_data(run.owner)
    base = baseline(run.owner)
    victims_needed = [k for k in VICTIM_FAULTS if any(f.kind == k for f in config.faults)]
    inspectors = [s for s in specs if s.role == "inspector"]
    victim_specs = dict(zip(victims_needed, inspectors, strict=False))
    ordinary = [s for s in specs if s not in victim_specs.values()]
    origin = time.time() + 3.0  # the processes import while the clock runs up to the start
    groups = max(1, min(config.processes, len(ordinary)))
    for g in range(groups):
        chunk = ordinary[g::groups]
        if chunk:
            run.spawn(chunk, shared, origin)
    victims = {kind: run.spawn([spec], shared, origin, victim=True)
               for kind, spec in victim_specs.items()}
    setup_seconds = time.monotonic() - started_setup
    log(f"{len(specs)} workstations ({', '.join(f'{n} {r}' for r, n in _roles(specs))}) in "
        f"{len(run.processes)} processes; load for {config.seconds:.0f} s")

    stop = threading.Event()
    erp_recorder = Recorder(run.run_dir / "stats" / "erp.json")
    erp_engine = make_engine(run.target.admin_url, application_name="soak erp")
    erp = ErpSimulator(erp_engine, erp_recorder, stop, origin=origin,
                       interval=config.erp_interval, seed=config.seed)
    samples = ServerSamples()
    time.sleep(max(0.0, origin - time.time()))
    threads = [threading.Thread(target=erp.run, name="erp", daemon=True),
               threading.Thread(target=sample_server, args=(run.owner, stop, origin, samples),
                                daemon=True)]
    for thread in threads:
        thread.start()

    def respawn(dead: WorkerProcess) -> WorkerProcess:
        spec = next(s for s in specs if s.name == dead.names[0])
        return run.spawn([spec], shared, origin, victim=True)

    runner = FaultRunner(run.target, run.owner, run.prefix, origin, victims, respawn,
                         {s.name for s in specs})
    records: list[FaultRecord] = []
    reports: list[CheckReport] = []
    for fault in config.faults:
        _sleep_until(origin + fault.at)
        log(f"[{time.time() - origin:6.1f} s] fault: {fault.kind}")
        record = runner.do(fault)
        records.append(record)
        if record.paused_token:
            run.paused.add(record.paused_token)
        log(f"          {record.detail}")
        _sleep_until(time.time() + config.settle_seconds)
        report = run.check(f"after {fault.kind} at {fault.at:.0f} s", base, erp, final=False)
        reports.append(report)
        log(f"          checks: {'pass' if report.ok else 'FAIL'}")
    _sleep_until(origin + config.seconds)
    log(f"[{time.time() - origin:6.1f} s] stopping")
    for proc in run.processes:
        if proc.alive:
            proc.stop(timeout=90)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    erp_recorder.save()
    erp_engine.dispose()
    elapsed = time.time() - origin
    final = run.check("at the end", base, erp, final=True)
    events = load_events(run.run_dir / "stats")
    unexpected = sorted({e[4] for e in events if e[4].startswith("other:")})
    final.checks.append(Check("no unexpected errors (anything but refusals, conflicts and the "
                              "faults' connection errors)", not unexpected,
                              ", ".join(unexpected) or "none"))
    reports.append(final)
    return SoakResult(config, specs, elapsed, events, records, reports,
                      dict(erp.counts.counts), samples, setup_seconds)


def _roles(specs: list[WorkstationSpec]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for s in specs:
        counts[s.role] = counts.get(s.role, 0) + 1
    return sorted(counts.items())


def _sleep_until(when: float) -> None:
    while (left := when - time.time()) > 0:
        time.sleep(min(left, 1.0))
