"""`lotproof run --smoke-test` from a checkout: a new embedded database in a temporary data
directory, the demo data, the demo administrator's log-in, the main window — exit 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_smoke_test_opens_the_main_window_and_exits_0(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LOTPROOF_DATA_DIR=str(tmp_path))
    env.pop("LOTPROOF_DATABASE_URL", None)
    env.pop("PYTEST_CURRENT_TEST", None)
    out = subprocess.run([sys.executable, "-m", "app", "--smoke-test"], env=env,
                         capture_output=True, text=True, timeout=400)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "smoke test: main window opened and closed" in out.stderr
    assert "smoke test: passed" in out.stderr
    log = tmp_path / "logs" / "lotproof.log"
    assert log.is_file() and "starting" in log.read_text()
