"""Ending Lotproof from outside: `kill -TERM` (or a closed terminal's SIGHUP) stops the embedded
PostgreSQL server with it, and a server left behind by a killed process (kill -9) is taken over
and stopped by the next Lotproof, never left running twice or forever."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import workstation
from tests.support.workstation import postmasters, wait_for_text, wait_until_no_server

UP = "smoke test: opening the main window"
STAYS_OPEN = {"LOTPROOF_SMOKE_TEST": "600000"}  # the smoke test's window closes after 10 min


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    workstation.stop_servers(tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_closes_the_workstation_and_stops_its_server(data_dir: Path,
                                                              signum: int) -> None:
    process, stderr = workstation.start(data_dir, "--smoke-test", "--no-demo", **STAYS_OPEN)
    wait_for_text(process, stderr, UP)
    assert len(postmasters(data_dir)) == 1
    process.send_signal(signum)
    assert process.wait(timeout=30) == 128 + signum, stderr.read_text()[-3000:]
    wait_until_no_server(data_dir)
    assert "received: closing the workstation" in stderr.read_text()


@pytest.mark.slow
def test_sigterm_stops_a_command_and_its_server(data_dir: Path) -> None:
    process, stderr = workstation.start(data_dir, "db", "serve")
    wait_for_text(process, stderr, "serving")
    assert len(postmasters(data_dir)) == 1
    process.terminate()
    assert process.wait(timeout=30) == 128 + signal.SIGTERM, stderr.read_text()[-3000:]
    wait_until_no_server(data_dir)
    assert "Traceback" not in stderr.read_text()


@pytest.mark.slow
def test_the_server_of_a_killed_workstation_is_taken_over_and_stopped(data_dir: Path) -> None:
    process, stderr = workstation.start(data_dir, "--smoke-test", "--no-demo", **STAYS_OPEN)
    wait_for_text(process, stderr, UP)
    process.kill()  # kill -9: nothing of Lotproof runs to stop the server
    process.wait(timeout=10)
    left = postmasters(data_dir)
    assert len(left) == 1, "the killed workstation's server should still run"

    again = subprocess.run([sys.executable, "-m", "app", "--smoke-test", "--no-demo"],
                           env=workstation.lotproof_env(data_dir), capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"forgetting process {process.pid}" in again.stderr
    wait_until_no_server(data_dir)
    assert workstation.gone(left[0])
