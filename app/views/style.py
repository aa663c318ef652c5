"""Colours and labels the views share."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from app.db import lot_status

STATUS_COLOURS = {
    "quarantine": "#b7791f",
    "available": "#2f855a",
    "hold": "#c53030",
    "rejected": "#822727",
    "expired": "#718096",
    "use_as_is": "#2b6cb0",
    "rework": "#6b46c1",
    "repack": "#6b46c1",
    "return_to_vendor": "#975a16",
    "scrap": "#4a5568",
}


status_label = lot_status.label


def status_colour(status: str) -> QColor:
    return QColor(STATUS_COLOURS.get(status, "#2d3748"))


# --- Theme: light and dark, following the system -------------------------------------------

ICON_PATH = Path(__file__).with_name("icons") / "lotproof.svg"

# Text colours by meaning, readable on the light and on the dark palette.
MESSAGE_COLOURS = {
    "error": ("#c53030", "#feb2b2"),
    "ok": ("#276749", "#9ae6b4"),
    "warning": ("#975a16", "#fbd38d"),
}


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
    role = QPalette.ColorRole
    colours = {
        role.Window: ("#f5f6f8", "#1f2329"), role.WindowText: ("#1a202c", "#e2e8f0"),
        role.Base: ("#ffffff", "#16191e"), role.AlternateBase: ("#f0f3f6", "#22272e"),
        role.Text: ("#1a202c", "#e2e8f0"), role.PlaceholderText: ("#718096", "#8a94a6"),
        role.Button: ("#eceff3", "#2a3038"), role.ButtonText: ("#1a202c", "#e2e8f0"),
        role.ToolTipBase: ("#ffffe8", "#2d3748"), role.ToolTipText: ("#1a202c", "#e2e8f0"),
        role.Highlight: ("#1d5c63", "#2c7a7b"), role.HighlightedText: ("#ffffff", "#ffffff"),
        role.Link: ("#1d5c63", "#81e6d9"), role.BrightText: ("#c53030", "#feb2b2"),
        role.Mid: ("#c3cad3", "#4a5260"), role.Dark: ("#a0aab6", "#111418"),
        role.Light: ("#ffffff", "#353c46"), role.Midlight: ("#e2e6eb", "#2f353e"),
        role.Shadow: ("#6b7280", "#000000"),
    }
    palette = QPalette()
    for colour_role, (light, dark_value) in colours.items():
        palette.setColor(colour_role, QColor(dark_value if dark else light))
    disabled = QColor("#5c6470" if dark else "#a0aab6")
    for colour_role in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, colour_role, disabled)
    return palette


def apply_theme(app: QApplication) -> None:
    """One consistent look on every platform (Fusion), light or dark as the system is, and
    following the system when it switches. Sizes come from fonts and layouts, never pixels, so
    the windows stay sharp and proportioned at any scale factor (Qt 6 scales by itself)."""
    app.setStyle("Fusion")
    app.setWindowIcon(QIcon(str(ICON_PATH)))
    app.setPalette(_palette(is_dark()))
    hints = QGuiApplication.styleHints()
    if hasattr(hints, "colorSchemeChanged"):
        hints.colorSchemeChanged.connect(lambda _scheme: app.setPalette(_palette(is_dark())))


def message_colour(role: str) -> QColor:
    if role == "muted":
        return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
    light, dark = MESSAGE_COLOURS.get(role, MESSAGE_COLOURS["error"])
    return QColor(dark if is_dark() else light)


def apply_message_role(label: QWidget, role: str) -> None:
    """Colour a label's text by meaning (`error`, `ok`, `warning`, `muted`)."""
    label.setProperty("messageRole", role)
    label.setStyleSheet(f"color: {message_colour(role).name()};")
