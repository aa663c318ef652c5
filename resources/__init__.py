"""The product's data files: the icon (SVG source and its PNGs, the Windows .ico), the palette as
named colour tokens, and the stylesheet. Nothing here imports Qt: `app/views/style.py` turns the
tokens into colours; `installer/` packages this folder (`lotproof.spec`, `build.py`)."""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent
ICONS = ROOT / "icons"
APP_ICON = ICONS / "lotproof.svg"  # the source of every PNG (installer/make_icons.py)
PALETTE = ROOT / "palette.toml"
STYLESHEET = ROOT / "styles" / "workstation.qss"

Value = str | list[str]


@functools.cache
def tokens() -> dict[str, Value]:
    """Every colour token, `group.name` -> one colour, [light, dark], or a list (a series)."""
    with PALETTE.open("rb") as f:
        data = tomllib.load(f)
    return {f"{group}.{name}": value for group, values in data.items()
            for name, value in values.items()}


def icon_png(size: int) -> Path:
    return ICONS / f"lotproof-{size}.png"
