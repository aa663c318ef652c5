"""Colours and labels the views share."""

from __future__ import annotations

import os
import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QWidget

import resources
from app.db import lot_status


def colour_name(token: str) -> str:
    """The colour of a token of resources/palette.toml (`status.hold`, `message.error`) in
    the theme in use, as `#rrggbb`."""
    value = resources.tokens()[token]
    if isinstance(value, list):
        if len(value) != 2:
            raise ValueError(f"{token} is a series; use series({token!r})")
        return value[1] if is_dark() else value[0]
    return value


def colour(token: str) -> QColor:
    return QColor(colour_name(token))


def series(token: str) -> tuple[str, ...]:
    """A token that is a list of colours (`chart.series`)."""
    value = resources.tokens()[token]
    assert isinstance(value, list)
    return tuple(value)


status_label = lot_status.label


def status_colour(status: str) -> QColor:
    """A lot status's colour (every status of app/db/lot_status.py has a token)."""
    return colour(f"status.{status}" if status in lot_status.STATUSES else "status.unknown")


# --- Theme: light and dark, following the system -------------------------------------------

ICON_PATH = resources.APP_ICON

THEME_ENV = "LOTPROOF_THEME"  # `light` or `dark` overrides the system's choice


def is_dark() -> bool:
    """The system asks for a dark theme (Qt 6.5+ colour scheme), or the palette is dark."""
    forced = os.environ.get(THEME_ENV, "").strip().lower()
    if forced in ("light", "dark"):
        return forced == "dark"
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return False
    scheme = QGuiApplication.styleHints().colorScheme()
    if scheme != Qt.ColorScheme.Unknown:
        return scheme == Qt.ColorScheme.Dark
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def _palette(dark: bool) -> QPalette:
    palette = QPalette()
    for name, value in resources.tokens().items():
        group, _dot, role_name = name.partition(".")
        if group == "palette" and role_name != "Disabled" and isinstance(value, list):
            palette.setColor(getattr(QPalette.ColorRole, role_name),
                             QColor(value[1 if dark else 0]))
    disabled_value = resources.tokens()["palette.Disabled"]
    assert isinstance(disabled_value, list)
    disabled = QColor(disabled_value[1 if dark else 0])
    role = QPalette.ColorRole
    for colour_role in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, colour_role, disabled)
    return palette


def stylesheet() -> str:
    """resources/styles/workstation.qss with its {token} colours filled in for the theme."""
    return re.sub(r"\{([a-z_]+\.[a-z_]+)\}", lambda m: colour_name(m.group(1)),
                  resources.STYLESHEET.read_text())


def apply_theme(app: QApplication) -> None:
    """One consistent look on every platform (Fusion), light or dark as the system is, and
    following the system when it switches. Sizes come from fonts and layouts, never pixels, so
    the windows stay sharp and proportioned at any scale factor (Qt 6 scales by itself)."""
    app.setStyle("Fusion")
    app.setWindowIcon(QIcon(str(ICON_PATH)))
    _theme(app)
    hints = QGuiApplication.styleHints()
    if hasattr(hints, "colorSchemeChanged"):
        hints.colorSchemeChanged.connect(lambda _scheme: _theme(app))


def _theme(app: QApplication) -> None:
    app.setPalette(_palette(is_dark()))
    app.setStyleSheet(stylesheet())


def message_colour(role: str) -> QColor:
    if role == "muted":
        return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
    return colour(f"message.{role}" if f"message.{role}" in resources.tokens() else "message.error")


def apply_message_role(label: QWidget, role: str, *, weight: int | None = None) -> None:
    """Colour a label's text by meaning (`error`, `ok`, `warning`, `muted`, `live`)."""
    label.setProperty("messageRole", role)
    bold = f" font-weight: {weight};" if weight else ""
    label.setStyleSheet(f"color: {message_colour(role).name()};{bold}")
