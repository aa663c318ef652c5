"""Parse scanned GS1-128 / GS1 DataMatrix data: GTIN, lot, expiry, production date, serial, SSCC.

Accepts the human-readable form with parentheses, "(01)09521234543213(10)ABC123", and raw
scanner output with FNC1 as ASCII GS (0x1D), optionally behind a symbology identifier
("]C1", "]d2", "]Q3"). Keyboard-wedge scanners that cannot send GS often send "<GS>",
"{GS}" or "^]", which are accepted too.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from biip import ParseError
from biip.gs1_messages import GS1Message

_SYMBOLOGY = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
_GS_SPELLINGS = ("<GS>", "{GS}", "[GS]", "<gs>", "{gs}", "^]", "\\x1d", "\\u001d", "␝")


class GS1Error(ValueError):
    """The scanned data is not a valid GS1 element string."""


@dataclass(frozen=True, slots=True)
class GS1Data:
    raw: str
    gtin: str | None = None
    lot: str | None = None
    expiry: dt.date | None = None
    production_date: dt.date | None = None
    serial: str | None = None
    sscc: str | None = None
    other: dict[str, str] = field(default_factory=dict)  # any other AI: value


def _clean(raw: str) -> str:
    text = raw.strip()
    for spelling in _GS_SPELLINGS:
        text = text.replace(spelling, "\x1d")
    text = _SYMBOLOGY.sub("", text)
    return text.strip("\x1d").strip()


def parse_gs1(raw: str) -> GS1Data:
    """Parse one scan; raises GS1Error naming the problem (bad check digit, unknown AI...)."""
    text = _clean(raw)
    if not text:
        raise GS1Error("empty barcode data")
    try:
        message = GS1Message.parse_hri(text) if text.startswith("(") else GS1Message.parse(text)
    except ParseError as exc:
        raise GS1Error(f"not valid GS1 data: {exc}") from exc
    values: dict[str, object] = {}
    other: dict[str, str] = {}
    for element in message.element_strings:
        ai = element.ai.ai
        if element.gtin_error:
            raise GS1Error(element.gtin_error)
        if element.sscc_error:
            raise GS1Error(element.sscc_error)
        if ai == "01":
            values["gtin"] = element.value
        elif ai == "10":
            values["lot"] = element.value
        elif ai == "17":
            values["expiry"] = _date(element.value, element.date, "expiry (17)")
        elif ai == "11":
            values["production_date"] = _date(element.value, element.date, "production date (11)")
        elif ai == "21":
            values["serial"] = element.value
        elif ai == "00":
            values["sscc"] = element.value
        else:
            other[ai] = element.value
    return GS1Data(raw=raw, other=other, **values)  # type: ignore[arg-type]


def _date(value: str, parsed: dt.date | None, what: str) -> dt.date:
    if parsed is not None:
        return parsed
    # GS1 allows day "00" meaning the last day of the month
    if len(value) == 6 and value.endswith("00"):
        year, month = 2000 + int(value[:2]), int(value[2:4])
        if 1 <= month <= 12:
            nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
            return nxt - dt.timedelta(days=1)
    raise GS1Error(f"invalid {what}: {value!r}")
