"""Running from the packaged application (PyInstaller): where the bundle keeps Tesseract, and
the build it was made from. Nothing here imports Qt; everything is a no-op when not frozen."""

from __future__ import annotations

import os
import sys
from pathlib import Path

BUILD_FILE = "BUILD"  # written by installer/lotproof.spec: the git commit the bundle was built from


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def bundle_dir() -> Path | None:
    """The folder holding the bundled libraries and data (`_internal` of a onedir build)."""
    if not is_frozen():
        return None
    return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))


def build_id() -> str:
    """The git commit baked in at build time; `dev` when running from a checkout."""
    bundle = bundle_dir()
    if bundle is not None and (bundle / BUILD_FILE).is_file():
        return (bundle / BUILD_FILE).read_text().strip() or "unknown"
    return "dev"


def tesseract_paths(bundle: Path) -> tuple[Path, Path] | None:
    """The bundled Tesseract command and its tessdata folder, if the build included them."""
    folder = bundle / "tesseract"
    command = folder / ("tesseract.exe" if sys.platform == "win32" else "tesseract")
    tessdata = folder / "tessdata"
    if command.is_file() and tessdata.is_dir():
        return command, tessdata
    return None


def configure() -> None:
    """Point pytesseract at the bundled Tesseract (a system one is used when none is bundled)."""
    bundle = bundle_dir()
    if bundle is None:
        return
    found = tesseract_paths(bundle)
    if found is None:
        return
    command, tessdata = found
    os.environ["TESSDATA_PREFIX"] = str(tessdata)
    import pytesseract

    pytesseract.pytesseract.tesseract_cmd = str(command)
