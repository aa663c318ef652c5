"""A workstation process: `python -m benchmarks.soak.worker CONFIG.json`.

Runs its workstations as threads until the run's time is up or `stop` arrives on stdin. A victim
process (one workstation) also obeys `arm ingest` / `arm sign`: it stops inside its next ingest
or signature and says so on stdout, for the harness to kill it there.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy.engine import make_url

from app.db.server import DRIVER, ServerTarget
from benchmarks.soak.config import WorkerConfig
from benchmarks.soak.ledger import LedgerWriter
from benchmarks.soak.pause import PauseControl
from benchmarks.soak.stats import Recorder
from benchmarks.soak.workstation import Workstation


def target_of(url: str) -> ServerTarget:
    return ServerTarget(admin_url=make_url(url).set(drivername=DRIVER))


def run_workstations(config: WorkerConfig, stop: threading.Event, recorder: Recorder,
                     pause: PauseControl | None, tag: str) -> list[threading.Thread]:
    """Start one thread per workstation; returns them running."""
    run_dir = Path(config.run_dir)
    target = target_of(config.url)
    files = Path(tempfile.mkdtemp(prefix=f"soak-{tag}-", dir=run_dir / "files"))
    threads = []
    for n, spec in enumerate(config.workstations):
        ledger = LedgerWriter(run_dir / "ledgers" / f"{spec.name}.jsonl", spec.name,
                              config.incarnation, config.started_at)
        ws = Workstation(spec, target, config.shared, recorder, ledger, stop,
                         origin=config.started_at, think_seconds=config.think_seconds,
                         seed=config.seed * 1000 + n + os.getpid(), files=files, pause=pause)
        thread = threading.Thread(target=_run_closing, args=(ws, ledger), name=spec.name,
                                  daemon=True)
        thread.start()
        threads.append(thread)
    return threads


def _run_closing(ws: Workstation, ledger: LedgerWriter) -> None:
    try:
        ws.run()
    finally:
        ledger.close()


def _commands(stop: threading.Event, pause: PauseControl | None) -> None:
    for line in sys.stdin:
        word = line.split()
        if word[:1] == ["stop"]:
            break
        if word[:1] == ["arm"] and pause is not None and len(word) == 2:
            pause.arm(word[1])
    stop.set()


def main() -> None:
    config = WorkerConfig.load(Path(sys.argv[1]))
    tag = Path(sys.argv[1]).stem
    stop = threading.Event()
    recorder = Recorder(Path(config.run_dir) / "stats" / f"{tag}.json")
    pause = PauseControl() if config.victim else None
    if pause is not None:
        pause.watch_signing()
    threading.Thread(target=_commands, args=(stop, pause), daemon=True).start()
    threads = run_workstations(config, stop, recorder, pause, tag)
    print(json.dumps({"event": "started", "pid": os.getpid()}), flush=True)
    end = config.started_at + config.seconds
    while not stop.is_set() and time.time() < end:
        stop.wait(min(5.0, max(0.0, end - time.time())))
        recorder.save()
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    recorder.save()
    print(json.dumps({"event": "finished"}), flush=True)


if __name__ == "__main__":
    main()
