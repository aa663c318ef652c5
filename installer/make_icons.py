"""Render resources/icons/lotproof.svg to the PNG sizes desktops ask for (and a Windows .ico).

    QT_QPA_PLATFORM=offscreen python installer/make_icons.py

The SVG is the source (the workstation uses it at run time too); the PNGs are committed beside it
so a build needs no renderer.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

HERE = Path(__file__).resolve().parents[1] / "resources" / "icons"
SOURCE = HERE / "lotproof.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication(sys.argv)
    shutil.copyfile(SOURCE, HERE / "lotproof.svg")
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        print(f"cannot read {SOURCE}", file=sys.stderr)
        return 1
    for size in SIZES:
        render(renderer, size).save(str(HERE / f"lotproof-{size}.png"))
    render(renderer, 256).save(str(HERE / "lotproof.ico"))
    print(f"wrote {len(SIZES)} PNGs and lotproof.ico to {HERE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
