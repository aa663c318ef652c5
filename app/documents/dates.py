"""Find and normalise dates in the many formats suppliers print.

Numeric dates with slashes or dashes are ambiguous (05/06/2024); the month comes first
unless a part is over 12 or the caller says the document writes the day first (see
``infer_day_first``). Dotted dates (17.05.2024) are day-first, as everywhere they are used.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("january", "jan", "januar", "janv", "janvier", "enero", "ene"),
        ("february", "feb", "februar", "fev", "fevrier", "febrero"),
        ("march", "mar", "märz", "maerz", "marz", "mär", "mrz", "mars", "marzo"),
        ("april", "apr", "avril", "avr", "abril", "abr"),
        ("may", "mai", "mayo"),
        ("june", "jun", "juni", "juin", "junio"),
        ("july", "jul", "juli", "juil", "juillet", "julio"),
        ("august", "aug", "aout", "août", "agosto", "ago"),
        ("september", "sep", "sept", "septembre", "septiembre"),
        ("october", "oct", "oktober", "okt", "octobre", "octubre"),
        ("november", "nov", "novembre", "noviembre"),
        ("december", "dec", "dezember", "dez", "décembre", "decembre", "diciembre", "dic"),
    ),
    start=1,
):
    for _name in _names:
        _MONTHS[_name] = _number

_MONTH_NAME = r"(?P<mon>[A-Za-zÄäÖöÜüÉéû]{3,9})\.?"
_YEAR4 = r"(?P<year>(?:19|20)\d\d)"
_YEAR = r"(?P<year>(?:19|20)?\d\d)"
_DAY = r"(?P<day>[0-3]?\d)"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("ymd", r"(?<![\d.])(?P<year>(?:19|20)\d\d)\s?[-/.]\s?(?P<a>[01]?\d)\s?[-/.]\s?(?P<b>[0-3]?\d)(?![\d])"),
        ("korean", r"(?P<year>(?:19|20)\d\d)\s*년\s*(?P<a>[01]?\d)\s*월\s*(?P<b>[0-3]?\d)\s*일"),
        ("dotted", rf"(?<![\d.])(?P<a>[0-3]?\d)\.\s?(?P<b>[01]?\d)\.\s?{_YEAR}(?![\d.]\d)"),
        ("numeric", rf"(?<![\d/.-])(?P<a>[0-3]?\d)\s?(?P<sep>[/-])\s?(?P<b>[0-3]?\d)\s?(?P=sep)\s?{_YEAR}(?![\d/]|\.\d)"),
        ("d_mon_y", rf"(?<![\w]){_DAY}(?:st|nd|rd|th)?[\s\-/.]*{_MONTH_NAME}[\s\-/.,]*{_YEAR}(?!\d)"),
        ("mon_d_y", rf"(?<![\w]){_MONTH_NAME}[\s\-/.]*{_DAY}(?:st|nd|rd|th)?(?:,\s*|[\s\-/.]+){_YEAR}(?!\d)"),
        ("mon_y", rf"(?<![\w\d]){_MONTH_NAME}[\s\-/.,]*{_YEAR4}(?!\d)"),
        ("m_y", rf"(?<![\d/.-])(?P<a>[01]?\d)\s?[/.-]\s?{_YEAR4}(?![\d/.-])"),
        ("y_m", rf"(?<![\d/.-]){_YEAR4}\s?[/-]\s?(?P<a>[01]\d)(?![\d/.-])"),
    )
)


@dataclass(frozen=True, slots=True)
class FoundDate:
    iso: str  # YYYY-MM-DD; month-only dates use the first of the month
    text: str  # as printed
    start: int
    end: int
    month_only: bool = False


def _year(raw: str) -> int:
    value = int(raw)
    if value < 100:
        value += 2000 if value < 70 else 1900
    return value


def _make(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _month(name: str) -> int | None:
    return _MONTHS.get(name.lower().rstrip("."))


def _resolve(kind: str, m: re.Match[str], day_first: bool | None) -> tuple[str | None, bool]:
    groups = m.groupdict()
    if kind in ("ymd", "korean"):
        return _make(int(groups["year"]), int(groups["a"]), int(groups["b"])), False
    if kind == "dotted":
        return _make(_year(groups["year"]), int(groups["b"]), int(groups["a"])), False
    if kind == "numeric":
        a, b, year = int(groups["a"]), int(groups["b"]), _year(groups["year"])
        if a > 12 >= b:
            return _make(year, b, a), False
        if b > 12 >= a:
            return _make(year, a, b), False
        return (_make(year, b, a) if day_first else _make(year, a, b)), False
    if kind in ("d_mon_y", "mon_d_y"):
        month = _month(groups["mon"])
        if month is None:
            return None, False
        return _make(_year(groups["year"]), month, int(groups["day"])), False
    if kind == "mon_y":
        month = _month(groups["mon"])
        return (_make(int(groups["year"]), month, 1) if month else None), True
    if kind in ("m_y", "y_m"):
        month = int(groups["a"])
        return (_make(int(groups["year"]), month, 1) if 1 <= month <= 12 else None), True
    return None, False


def find_dates(text: str, *, day_first: bool | None = None) -> list[FoundDate]:
    """All dates in ``text``, left to right; overlapping matches keep the fuller one."""
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            iso, month_only = _resolve(kind, m, day_first)
            if iso is None:
                continue
            taken.append((m.start(), m.end()))
            found.append(FoundDate(iso, m.group(0).strip(), m.start(), m.end(), month_only))
    found.sort(key=lambda d: d.start)
    return found


def parse_date(text: str, *, day_first: bool | None = None) -> FoundDate | None:
    dates = find_dates(text, day_first=day_first)
    return dates[0] if dates else None


_NUMERIC = re.compile(r"(?<![\d/.-])([0-3]?\d)[/-]([0-3]?\d)[/-]((?:19|20)?\d\d)(?![\d/])")


def infer_day_first(texts: Iterable[str]) -> bool | None:
    """Whether a document writes numeric dates day-first, judged from unambiguous ones."""
    day_first = month_first = 0
    for text in texts:
        for a, b, _ in _NUMERIC.findall(text):
            if int(a) > 12 >= int(b):
                day_first += 1
            elif int(b) > 12 >= int(a):
                month_first += 1
    if day_first > month_first:
        return True
    if month_first > day_first:
        return False
    return None
