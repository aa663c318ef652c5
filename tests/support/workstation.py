"""A Lotproof process started the way a user starts it, on a data directory of its own, and the
PostgreSQL server it runs there."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil


def lotproof_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LOTPROOF_DATA_DIR=str(data_dir), **extra)
    for name in ("LOTPROOF_DATABASE_URL", "PYTEST_CURRENT_TEST"):
        env.pop(name, None)
    return env


def start(data_dir: Path, *args: str, **extra_env: str) -> tuple[subprocess.Popen[bytes], Path]:
    """`python -m app ARGS` in the background; returns the process and the file of its stderr."""
    stderr = data_dir / "stderr.txt"
    with stderr.open("wb") as err:
        process = subprocess.Popen([sys.executable, "-m", "app", *args],
                                   env=lotproof_env(data_dir, **extra_env),
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    return process, stderr


def wait_for_text(process: subprocess.Popen[bytes], stderr: Path, text: str,
                  timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        said = stderr.read_text(errors="replace")
        if text in said:
            return
        if process.poll() is not None:
            raise AssertionError(f"exited {process.returncode} before {text!r}:\n{said[-3000:]}")
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"no {text!r} after {timeout} s:\n{stderr.read_text()[-3000:]}")


def postmasters(data_dir: Path) -> list[psutil.Process]:
    """The PostgreSQL servers (postmasters, not their backends) running on this data directory."""
    pgdata = str((data_dir / "db" / "pgdata").resolve())
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = process.info["cmdline"] or []
        if process.info["name"] == "postgres" and "-D" in cmdline and pgdata in cmdline:
            found.append(process)
    return found


def gone(process: psutil.Process) -> bool:
    """Ended (a zombie is: its parent, often the container's init, has yet to reap it)."""
    try:
        return bool(process.status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


def wait_until_no_server(data_dir: Path, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while postmasters(data_dir):
        if time.monotonic() > deadline:
            running = [p.pid for p in postmasters(data_dir)]
            raise AssertionError(f"PostgreSQL still runs on {data_dir} after {timeout} s: "
                                 f"pid {running}")
        time.sleep(0.1)


def stop_servers(data_dir: Path) -> None:
    """Clean-up after a failed test: no server outlives it."""
    for process in postmasters(data_dir):
        process.terminate()
    psutil.wait_procs(postmasters(data_dir), timeout=10)
