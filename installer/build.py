"""Build the self-contained application folder with PyInstaller, and on Linux the tarball.

    python installer/build.py [--no-smoke-test]

1. Tesseract (binary, libraries, eng + osd data) into build/tesseract (bundle_tesseract.py);
2. the git commit into build/BUILD (shown in Help > About);
3. PyInstaller (installer/lotproof.spec) into dist/lotproof/;
4. Linux: the desktop entry, icons and install.sh into dist/lotproof/, then
   dist/lotproof-<version>-linux-<machine>.tar.gz;
5. the smoke test on the built program (offscreen): it must exit 0.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import __version__  # noqa: E402
from installer.bundle_tesseract import bundle  # noqa: E402

BUILD = ROOT / "build"
DIST = ROOT / "dist"
APP_DIR = DIST / "lotproof"


def git_build_id() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, text=True,
                                capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "app", "installer"],
                           cwd=ROOT).returncode != 0
    return f"{commit}{'+local changes' if dirty else ''}"


def pyinstaller() -> None:
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
                    "--log-level", "WARN", "--distpath", str(DIST),
                    "--workpath", str(BUILD / "pyinstaller"),
                    str(ROOT / "installer" / "lotproof.spec")], cwd=ROOT, check=True)


def add_desktop_files() -> None:
    share = APP_DIR / "share"
    (share / "icons").mkdir(parents=True, exist_ok=True)
    for icon in (ROOT / "resources" / "icons").iterdir():
        if icon.suffix in (".png", ".svg"):
            shutil.copy2(icon, share / "icons")
    shutil.copy2(ROOT / "installer" / "linux" / "lotproof.desktop", share)
    shutil.copy2(ROOT / "installer" / "linux" / "install.sh", APP_DIR)


def tarball() -> Path:
    name = f"lotproof-{__version__}-linux-{platform.machine()}.tar.gz"
    path = DIST / name
    with tarfile.open(path, "w:gz", compresslevel=6) as tar:
        tar.add(APP_DIR, arcname="lotproof")
    return path


def smoke_test() -> None:
    program = APP_DIR / ("lotproof-cli.exe" if sys.platform == "win32" else "lotproof")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("LOTPROOF_DATABASE_URL", None)
    started = time.perf_counter()
    result = subprocess.run([str(program), "--smoke-test", "--no-demo"], env=env)
    if result.returncode != 0:
        raise SystemExit(f"the built program failed its smoke test (exit {result.returncode})")
    print(f"build: smoke test passed in {time.perf_counter() - started:.1f} s")


def size(path: Path) -> str:
    total = path.stat().st_size if path.is_file() else sum(
        f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())
    return f"{total / 2**20:.0f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-smoke-test", action="store_true")
    args = parser.parse_args()
    BUILD.mkdir(exist_ok=True)
    shutil.rmtree(APP_DIR, ignore_errors=True)
    bundle(BUILD / "tesseract")
    (BUILD / "BUILD").write_text(git_build_id() + "\n")
    pyinstaller()
    print(f"build: {APP_DIR} ({size(APP_DIR)})")
    if sys.platform == "linux":
        add_desktop_files()
        archive = tarball()
        print(f"build: {archive} ({size(archive)})")
    if not args.no_smoke_test:
        smoke_test()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
