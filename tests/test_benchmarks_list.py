"""`python -m benchmarks` (what `make bench` runs) lists the benchmarks and runs one by name."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _benchmarks(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "benchmarks", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_lists_each_benchmark_with_its_description() -> None:
    out = _benchmarks()
    assert out.returncode == 0, out.stderr
    names = {line.split()[0] for line in out.stdout.splitlines() if line.startswith("  ")
             and not line.startswith("   ")}
    assert {"lot_browser", "soak", "fuzz_documents", "trace_recall", "chart_speed"} <= names
    assert not names & {"timing", "extraction_common", "fuzz_sandbox", "fuzz_mutations"}
    assert "Lot browser speed on the demo data in use" in out.stdout
    assert "python -m benchmarks NAME" in out.stdout


def test_runs_one_by_name_and_refuses_an_unknown_one() -> None:
    out = _benchmarks("lot_browser", "--help")
    assert out.returncode == 0, out.stderr
    assert "--runs" in out.stdout
    unknown = _benchmarks("no_such_benchmark")
    assert unknown.returncode == 2
    assert "no benchmark 'no_such_benchmark'" in unknown.stderr and "lot_browser" in unknown.stderr
