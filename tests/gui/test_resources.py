"""resources/ holds the icon, the palette as named tokens and the stylesheet; the views take
every colour from a token."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtGui import QColor

import resources
from app.db import lot_status
from app.views import style

VIEWS = Path(__file__).resolve().parents[2] / "app" / "views"
COLOUR_LITERAL = re.compile(r"#[0-9a-fA-F]{6}\b|QColor\(\"[a-z]+\"\)|mkPen\(\"[a-z]\"|Qt\.GlobalColor")


def test_every_token_is_a_colour_and_every_status_has_one() -> None:
    for name, value in resources.tokens().items():
        for one in [value] if isinstance(value, str) else value:
            assert QColor(one).isValid(), f"{name}: {one!r}"
    for status in lot_status.STATUSES:
        assert f"status.{status}" in resources.tokens()
    assert style.status_colour("hold").name() == "#c53030"


def test_the_stylesheet_names_only_tokens_that_exist() -> None:
    sheet = style.stylesheet()

    assert not re.search(r"\{[a-z_]+\.[a-z_]+\}", sheet)  # every token was filled in
    assert "#a0aec0" in sheet  # the drop hint's border


def test_no_widget_spells_a_colour() -> None:
    found = [f"{p.relative_to(VIEWS)}:{n}" for p in VIEWS.rglob("*.py") if p.name != "style.py"
             for n, line in enumerate(p.read_text().splitlines(), 1)
             if COLOUR_LITERAL.search(line)]
    assert found == []


def test_the_icon_files_are_there() -> None:
    assert resources.APP_ICON.read_text().lstrip().startswith("<")
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        assert resources.icon_png(size).is_file()
    assert (resources.ICONS / "lotproof.ico").is_file()
    assert style.ICON_PATH == resources.APP_ICON
