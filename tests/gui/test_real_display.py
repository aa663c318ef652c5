"""The workstation on a real X display, not only Qt's offscreen platform: Qt's X11 (xcb) plugin
loads every library it needs, and the smoke test opens the main window on an Xvfb screen."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import PySide6
import pytest

from tests.support.ci import skip_unless_ci

QT = Path(PySide6.__file__).parent / "Qt"
XCB_PLUGIN = QT / "plugins" / "platforms" / "libqxcb.so"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="Qt's xcb platform is Linux's")


def test_the_qt_xcb_plugin_finds_every_library() -> None:
    assert XCB_PLUGIN.is_file(), XCB_PLUGIN
    ldd = shutil.which("ldd")
    if ldd is None:
        skip_unless_ci("ldd not found")
    out = subprocess.run([ldd, str(XCB_PLUGIN)], capture_output=True, text=True, check=True)
    missing = sorted({line.split()[0] for line in out.stdout.splitlines() if "not found" in line})
    assert not missing, (f"Qt's X11 platform plugin cannot load without {', '.join(missing)}; "
                         "run `sh installer/system-deps.sh` (make deps)")


@pytest.fixture
def x_display() -> Iterator[str]:
    """A new Xvfb screen on a free display number (Xvfb picks it and writes it to a pipe)."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        skip_unless_ci("Xvfb is not installed (Debian/Ubuntu package xvfb; make deps installs it)")
    read_end, write_end = os.pipe()
    server = subprocess.Popen([xvfb, "-displayfd", str(write_end), "-screen", "0", "1600x1000x24",
                               "-nolisten", "tcp"], pass_fds=(write_end,),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.close(write_end)
    try:
        with os.fdopen(read_end) as pipe:
            number = pipe.readline().strip()
        if not number:
            server.kill()
            pytest.fail(f"Xvfb did not start: {server.communicate(timeout=10)[1].decode()}")
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.slow
def test_the_smoke_test_opens_the_main_window_on_an_x_display(x_display: str,
                                                              tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", DISPLAY=x_display,
               LOTPROOF_DATA_DIR=str(tmp_path))
    for name in ("LOTPROOF_DATABASE_URL", "PYTEST_CURRENT_TEST", "WAYLAND_DISPLAY"):
        env.pop(name, None)
    out = subprocess.run([sys.executable, "-m", "app", "--smoke-test", "--no-demo"], env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "smoke test: main window opened and closed" in out.stderr
