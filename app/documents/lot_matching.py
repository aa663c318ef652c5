"""Match a lot code read from a document or label against the lot codes on record.

Suppliers and people write the same lot differently: case, spaces, dashes, slashes, a
leading "#" or "LOT", and OCR or typists confuse O/0, I/1/L, S/5, B/8, Z/2.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

MatchKind = Literal["exact", "normalised", "confusable"]

_PREFIX = re.compile(
    r"^(?:lot|batch|charge)(?:\s*(?:no\.?|number|#|:)|\s+|(?=[#:]))\s*[:#]?\s*(?=\w)", re.I
)
_SEPARATORS = re.compile(r"[\s\-_./\\#:]+")
_CONFUSABLE = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "S": "5",
                             "B": "8", "Z": "2", "G": "6"})


def normalise_lot(code: str, *, strip_prefix: bool = True) -> str:
    """Upper case without separators: " lot# ab-12 3" -> "AB123"."""
    text = code.strip()
    if strip_prefix:
        text = _PREFIX.sub("", text)
    return _SEPARATORS.sub("", text).upper()


def confusable_key(code: str) -> str:
    """A key equal for codes that differ only by look-alike characters (O/0, I/1, ...)."""
    return normalise_lot(code).translate(_CONFUSABLE)


@dataclass(frozen=True, slots=True)
class LotMatch:
    candidate: str
    kind: MatchKind
    score: float  # 1.0 exact, 0.9 normalised, 0.7 - 0.1 per look-alike substitution


def _substitutions(a: str, b: str) -> int:
    return sum(1 for x, y in zip(a, b, strict=False) if x != y)


def rank_lots(query: str, candidates: Iterable[str]) -> list[LotMatch]:
    """Candidates that match ``query``, best first: exact, then normalised, then look-alike."""
    matches: list[LotMatch] = []
    q_norm = normalise_lot(query)
    q_key = confusable_key(query)
    if not q_norm:
        return []
    for candidate in candidates:
        if candidate == query:
            matches.append(LotMatch(candidate, "exact", 1.0))
            continue
        c_norm = normalise_lot(candidate)
        if c_norm == q_norm:
            matches.append(LotMatch(candidate, "normalised", 0.9))
        elif confusable_key(candidate) == q_key and len(c_norm) == len(q_norm):
            score = max(0.1, 0.7 - 0.1 * (_substitutions(c_norm, q_norm) - 1))
            matches.append(LotMatch(candidate, "confusable", score))
    matches.sort(key=lambda m: (-m.score, m.candidate))
    return matches


def best_lot(query: str, candidates: Iterable[str]) -> LotMatch | None:
    ranked = rank_lots(query, candidates)
    return ranked[0] if ranked else None
