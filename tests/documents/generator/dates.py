"""Print dates the ways suppliers do."""

from __future__ import annotations

import datetime as dt

STYLES = ("iso", "dotted", "us", "dmy_upper", "dmy_abbr", "long", "slash_iso")


def fmt(day: dt.date, style: str) -> str:
    if style == "iso":
        return day.isoformat()
    if style == "slash_iso":
        return day.strftime("%Y/%m/%d")
    if style == "dotted":
        return day.strftime("%d.%m.%Y")
    if style == "us":
        return day.strftime("%m/%d/%Y")
    if style == "dmy_upper":
        return day.strftime("%d %b %Y").upper()
    if style == "dmy_abbr":
        return day.strftime("%d-%b-%y")
    if style == "long":
        return day.strftime("%B %d, %Y")
    if style == "month_year":
        return day.strftime("%B %Y")
    raise ValueError(style)
