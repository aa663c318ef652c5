"""Parse COA specifications ("<= 12.0 %", "2.0 - 3.5", "NMT 10 ppm", "Negative/25g") and
results ("0.23 ppm", "<LOQ", "ND", "Pass") into numbers, units and words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from app.documents import rules

_NUMBER = r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s?[eE]\s?[-+]?\d+)?|[-+]?\.\d+"
_UNIT = (
    r"%\s?\(?w/w\)?|%\s?w/w|%\s?w/v|%|‰|ppm|ppb|ppt|mg/kg|mg/g|mg/l|mg/ml|mg/unit|mg/serving|"
    r"µg/g|μg/g|ug/g|µg/kg|μg/kg|ug/kg|µg/ml|ng/g|g/100\s?g|g/cc|g/ml|g/cm3|g/l|g|mg|kg|"
    r"cfu/g|cfu/ml|cfu/25\s?g|cfu/10\s?g|mpn/g|aw|iu/g|iu|°c|°f|mpa\.?s|cp|cps|ntu|"
    r"meq/kg|mgkoh/g|mg\s?koh/g|ph|mesh|µm|μm|nm|mm|s|min|h|units?/g|ratio"
)
_NUMBER_RE = re.compile(_NUMBER)
_UNIT_RE = re.compile(rf"^\s*({_UNIT})(?![a-z])", re.IGNORECASE)

# after a word ("NMT.", "Max:") dots are punctuation; after a sign, ".5" is a number
_MAX_WORDS = re.compile(
    r"^(?:(?:nmt|n\.m\.t|max(?:imum)?|not\s+more\s+than|up\s+to|below|less\s+than)[\s:.]*|"
    r"(?:<=|=<|≤|⩽|≦|<\s*=|<)[\s:]*)",
    re.IGNORECASE,
)
_MIN_WORDS = re.compile(
    r"^(?:(?:nlt|n\.l\.t|min(?:imum)?|not\s+less\s+than|at\s+least|above|more\s+than)[\s:.]*|"
    r"(?:>=|=>|≥|⩾|≧|>\s*=|>)[\s:]*)",
    re.IGNORECASE,
)
_RANGE = re.compile(
    rf"^(?P<lo>{_NUMBER})\s*(?P<u1>{_UNIT})?\s*(?:-|–|—|~|to|bis|\.\.)\s*(?P<hi>{_NUMBER})\s*"
    rf"(?P<u2>{_UNIT})?",
    re.IGNORECASE,
)
_MIN_MAX = re.compile(
    rf"min(?:imum)?\.?\s*:?\s*(?P<lo>{_NUMBER})\s*(?P<u1>{_UNIT})?\s*[/,;]?\s*(?:and\s+)?"
    rf"max(?:imum)?\.?\s*:?\s*(?P<hi>{_NUMBER})\s*(?P<u2>{_UNIT})?",
    re.IGNORECASE,
)

_NOT_DETECTED = re.compile(
    r"^(?:nd|n\.d\.?|not\s+detected|none\s+detected|bdl|blq|bql|<\s*loq|<\s*lloq|<\s*lod|"
    r"<\s*mdl|<\s*rl|absent|negative|neg\.?|not\s+found|nil)\b",
    re.IGNORECASE,
)
_PASS_WORDS = re.compile(
    r"^(?:pass(?:ed|es)?|conforms?|complies|compliant|meets(?:\s+spec(?:ification)?s?)?|"
    r"within\s+spec(?:ification)?s?|ok|acceptable|accepted|satisfactory|yes|✓|✔)$",
    re.IGNORECASE,
)
_FAIL_WORDS = re.compile(
    r"^(?:fail(?:ed|s)?|does\s+not\s+(?:conform|comply|meet.*)|non[-\s]?conform(?:ing|s)?|"
    r"out\s+of\s+spec(?:ification)?|oos|not\s+compliant|rejected|no|✗|✘)$",
    re.IGNORECASE,
)


def to_number(text: str) -> float | None:
    cleaned = text.replace(",", "").replace(" ", "")
    try:
        return float(cleaned)
    except ValueError:
        return None


def _unit(text: str | None) -> str | None:
    if not text:
        return None
    return re.sub(r"\s+", "", text)


_UNIT_FULL = re.compile(rf"^(?:{_UNIT})$", re.IGNORECASE)
_UNIT_JUNK = re.compile(r"^[\s_.,;:'`~|]+|[\s_.,;:'`~|]+$")


def normalise_unit(text: str) -> tuple[str | None, str]:
    """A unit cell against the unit vocabulary: (the unit, how it was read), where how is
    'known' (as written), 'repaired' (known once stray punctuation is taken off: OCR's "ppm_",
    "%..") or 'unknown' (kept as written, for a person to check)."""
    compact = _unit(text)
    if not compact:
        return None, "known"
    if _UNIT_FULL.match(compact) or not rules.enabled("unit_vocabulary"):
        return compact, "known"
    cleaned = _UNIT_JUNK.sub("", compact)
    if cleaned and _UNIT_FULL.match(cleaned):
        return cleaned, "repaired"
    return compact, "unknown"


@dataclass(frozen=True, slots=True)
class Spec:
    text: str
    min: float | None = None
    max: float | None = None
    min_inclusive: bool = True
    max_inclusive: bool = True
    unit: str | None = None
    expected: str | None = None  # a word spec: "Conforms", "Negative/25g", "White powder"


def parse_spec(text: str, *, bare_number: Literal["max", "min", "none"] = "none") -> Spec:
    """Parse a specification cell. ``bare_number`` says what a lone number means (from the
    column header: an "Action limit" or "Max" column holds maxima)."""
    raw = " ".join(text.split())
    if not raw:
        return Spec(text="")
    m = _MIN_MAX.search(raw)
    if m:
        return Spec(
            raw,
            min=to_number(m["lo"]),
            max=to_number(m["hi"]),
            unit=_unit(m["u2"] or m["u1"]),
        )
    m = _RANGE.match(raw)
    if m:
        lo, hi = to_number(m["lo"]), to_number(m["hi"])
        if lo is not None and hi is not None and lo <= hi:
            return Spec(raw, min=lo, max=hi, unit=_unit(m["u2"] or m["u1"]))
    for words, side in ((_MAX_WORDS, "max"), (_MIN_WORDS, "min")):
        m = words.match(raw)
        if not m:
            continue
        rest = raw[m.end() :]
        number = _NUMBER_RE.match(rest)
        if not number:
            continue
        value = to_number(number.group(0))
        unit_match = _UNIT_RE.match(rest[number.end() :])
        unit = _unit(unit_match.group(1)) if unit_match else None
        strict = raw.lstrip().startswith(("<", ">")) and not raw.lstrip().startswith(("<=", ">="))
        if side == "max":
            return Spec(raw, max=value, max_inclusive=not strict, unit=unit)
        return Spec(raw, min=value, min_inclusive=not strict, unit=unit)
    number = _NUMBER_RE.fullmatch(raw.split(" ")[0]) if raw[:1].isdigit() or raw[:1] == "." else None
    if number:
        rest = raw[len(raw.split(" ")[0]) :]
        unit_match = _UNIT_RE.match(rest)
        value = to_number(number.group(0))
        unit = _unit(unit_match.group(1)) if unit_match else None
        if bare_number == "max":
            return Spec(raw, max=value, unit=unit)
        if bare_number == "min":
            return Spec(raw, min=value, unit=unit)
        return Spec(raw, unit=unit)
    return Spec(raw, expected=raw)


@dataclass(frozen=True, slots=True)
class ResultValue:
    text: str
    value: float | None = None
    unit: str | None = None
    qualifier: str | None = None  # "<" or ">" when the result is a bound ("<10")
    word: str | None = None  # "ND", "<LOQ", "Pass", "Conforms", "Negative"


def parse_result(text: str) -> ResultValue:
    raw = " ".join(text.split())
    if not raw:
        return ResultValue(text="")
    if _NOT_DETECTED.match(raw) or _PASS_WORDS.match(raw) or _FAIL_WORDS.match(raw):
        return ResultValue(raw, word=raw)
    qualifier = None
    rest = raw
    m = re.match(r"^(<=|>=|≤|≥|<|>)\s*", rest)
    if m:
        qualifier = {"≤": "<", "<=": "<", "≥": ">", ">=": ">"}.get(m.group(1), m.group(1))
        rest = rest[m.end() :]
    number = _NUMBER_RE.match(rest)
    if not number:
        return ResultValue(raw, word=raw)
    unit_match = _UNIT_RE.match(rest[number.end() :])
    return ResultValue(
        raw,
        value=to_number(number.group(0)),
        unit=_unit(unit_match.group(1)) if unit_match else None,
        qualifier=qualifier,
    )


def stated_pass(text: str) -> bool | None:
    """Pass/fail as the document states it, or None when it does not say."""
    word = " ".join(text.split()).strip(" .")
    if _PASS_WORDS.match(word):
        return True
    if _FAIL_WORDS.match(word):
        return False
    return None
