"""Copy the system's Tesseract, the shared libraries it needs and its English and orientation
data into build/tesseract, for the PyInstaller bundle (Linux and Windows).

Linux:   build/tesseract/{tesseract (launcher), bin/tesseract, lib/*.so*, tessdata/}
Windows: build/tesseract/{tesseract.exe, *.dll, tessdata/}
The C library itself (glibc) is never copied: the bundle runs on systems with the same or a
newer one than the build machine.

    python installer/bundle_tesseract.py [OUT]     exits 0 with a note when no Tesseract is found
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ("eng", "osd")  # English text, and page orientation (OSD)
GLIBC = re.compile(r"^(ld-linux.*|libc|libm|libdl|libpthread|librt|libresolv|libutil|"
                   r"libanl|libnsl|libmvec)\.so")
LAUNCHER = """#!/bin/sh
# Runs the bundled Tesseract with the libraries bundled beside it.
here="$(dirname "$(readlink -f "$0")")"
export TESSDATA_PREFIX="${TESSDATA_PREFIX:-$here/tessdata}"
LD_LIBRARY_PATH="$here/lib" exec "$here/bin/tesseract" "$@"
"""


def find_tesseract() -> Path | None:
    found = shutil.which("tesseract")
    if found:
        return Path(found).resolve()
    if sys.platform == "win32":
        for base in (os.environ.get("PROGRAMFILES", r"C:\Program Files"),
                     os.environ.get("PROGRAMFILES(X86)", r"C:\Program Files (x86)")):
            candidate = Path(base) / "Tesseract-OCR" / "tesseract.exe"
            if candidate.is_file():
                return candidate
    return None


def tessdata_dir(tesseract: Path) -> Path:
    """Where this Tesseract reads its language data (it says so in `--list-langs`)."""
    if os.environ.get("TESSDATA_PREFIX"):
        return Path(os.environ["TESSDATA_PREFIX"])
    out = subprocess.run([str(tesseract), "--list-langs"], capture_output=True, text=True)
    match = re.search(r'"(.+?)"', out.stdout + out.stderr)
    if match:
        return Path(match.group(1))
    return tesseract.parent / "tessdata"


def linux_libraries(binary: Path) -> list[Path]:
    out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True).stdout
    libraries = []
    for line in out.splitlines():
        parts = line.split("=>")
        if len(parts) != 2:
            continue
        path = parts[1].strip().split(" (")[0].strip()
        if path and path != "not found" and not GLIBC.match(Path(path).name):
            libraries.append(Path(path))
        elif path == "not found":
            raise SystemExit(f"tesseract needs {parts[0].strip()}, which is not installed")
    return libraries


def copy_data(source: Path, out: Path) -> None:
    data = out / "tessdata"
    data.mkdir(parents=True, exist_ok=True)
    for language in LANGUAGES:
        shutil.copy2(source / f"{language}.traineddata", data)
    for folder in ("configs", "tessconfigs"):  # `tsv` output (word boxes) is a config file
        if (source / folder).is_dir():
            shutil.copytree(source / folder, data / folder, dirs_exist_ok=True)


def bundle(out: Path) -> bool:
    tesseract = find_tesseract()
    if tesseract is None:
        print("bundle_tesseract: no Tesseract found; the bundle will use a system one if present")
        return False
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    if sys.platform == "win32":
        for item in tesseract.parent.iterdir():
            if item.suffix.lower() in (".exe", ".dll"):
                shutil.copy2(item, out)
    elif sys.platform == "linux":
        (out / "bin").mkdir()
        (out / "lib").mkdir()
        shutil.copy2(tesseract, out / "bin" / "tesseract")
        for library in linux_libraries(tesseract):
            shutil.copy2(library, out / "lib" / library.name)  # follows the symlink
        launcher = out / "tesseract"
        launcher.write_text(LAUNCHER)
        launcher.chmod(0o755)
    else:
        print("bundle_tesseract: on macOS install Tesseract with Homebrew (docs/packaging.md)")
        return False
    copy_data(tessdata_dir(tesseract), out)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"bundle_tesseract: {tesseract} with {len(list(out.rglob('*')))} files, "
          f"{size / 1e6:.0f} MB, into {out}")
    return True


if __name__ == "__main__":
    bundle(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "tesseract")
