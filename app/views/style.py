"""Colours and labels the views share."""

from __future__ import annotations

from PySide6.QtGui import QColor

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


def status_label(status: str) -> str:
    return status.replace("_", " ").capitalize()


def status_colour(status: str) -> QColor:
    return QColor(STATUS_COLOURS.get(status, "#2d3748"))
