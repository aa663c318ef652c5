"""Print dates the ways suppliers do.

Month names are written out in English here: `strftime("%b")` follows the process's LC_TIME
locale (Qt sets it from the environment when a QApplication starts), so on a German desktop the
generated documents would say "Mai" and the tests would depend on the machine's language."""

from __future__ import annotations

import datetime as dt

STYLES = ("iso", "dotted", "us", "dmy_upper", "dmy_abbr", "long", "slash_iso")

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def fmt(day: dt.date, style: str) -> str:
    month = MONTHS[day.month - 1]
    if style == "iso":
        return day.isoformat()
    if style == "slash_iso":
        return f"{day:%Y/%m/%d}"
    if style == "dotted":
        return f"{day:%d.%m.%Y}"
    if style == "us":
        return f"{day:%m/%d/%Y}"
    if style == "dmy_upper":
        return f"{day:%d} {month[:3].upper()} {day:%Y}"
    if style == "dmy_abbr":
        return f"{day:%d}-{month[:3]}-{day:%y}"
    if style == "long":
        return f"{month} {day:%d}, {day:%Y}"
    if style == "month_year":
        return f"{month} {day:%Y}"
    raise ValueError(style)
