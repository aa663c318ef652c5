"""The load-and-fault harness in brief (issue: shared database): six workstations for 40 s on a
copy of the seeded test database, the workstations' connections killed from the server, and a
workstation process SIGKILLed inside a signature; then nothing is lost, doubled or half-done.

The full run (50 workstations, 10 minutes, server restart too) is `python -m benchmarks.soak`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.db.server import ServerTarget
from benchmarks.soak.config import Fault, SoakConfig
from benchmarks.soak.report import render
from benchmarks.soak.run import run_soak


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_short_soak_loses_nothing(db: ServerTarget, tmp_path: Path) -> None:
    config = SoakConfig(workstations=6, minutes=40 / 60, processes=1, think_seconds=0.6,
                        erp_interval=0.4, data_dir=tmp_path / "soak", settle_seconds=3.0,
                        faults=[Fault(12, "terminate"), Fault(22, "kill_sign")])
    result = run_soak(config, target=db, say=lambda _line: None)
    report = render(result)
    assert all(f.done for f in result.faults), report
    for checks in result.checks:
        assert checks.ok, report
    actions = {e[2] for e in result.events if e[4] == "ok"}
    assert {"browse", "search", "trace", "hold", "ingest", "erp_receive", "erp_ship"} <= actions, report
    final = result.checks[-1]
    assert any("killed before commit: not committed" in k for k in final.unknown), report
    assert result.ok
