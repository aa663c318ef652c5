"""Is a document a certificate of analysis, a safety data sheet, or something else?"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["coa", "sds", "other"]

_SDS_CUES: tuple[tuple[str, float], ...] = (
    (r"safety\s+data\s+sheet", 4.0),
    (r"material\s+safety\s+data", 4.0),
    (r"\b(?:m?sds)\b", 1.5),
    (r"sicherheitsdatenblatt", 4.0),
    (r"fiche\s+de\s+donn[ée]es\s+de\s+s[ée]curit[ée]", 4.0),
    (r"물질\s*안전\s*보건\s*자료|안전\s*보건\s*자료", 4.0),
    (r"hazards?\s+identification|identification\s+of\s+the\s+hazards?|mögliche\s+gefahren", 2.0),
    (r"first[-\s]aid\s+measures|erste[-\s]hilfe", 2.0),
    (r"fire[-\s]?fighting\s+measures|brandbekämpfung", 2.0),
    (r"accidental\s+release", 1.5),
    (r"exposure\s+controls", 1.5),
    (r"transport\s+information", 1.5),
    (r"regulatory\s+information", 1.0),
    (r"signal\s+word", 1.5),
    (r"\bH[2-4]\d\d\b", 0.5),
    (r"\bP[1-5]\d\d\b", 0.3),
    (r"\bGHS0\d\b", 1.0),
)
_COA_CUES: tuple[tuple[str, float], ...] = (
    (r"certificate\s+of\s+analysis", 5.0),
    (r"certificate\s+of\s+(?:conformance|compliance|quality)", 3.0),
    (r"\bc\s?of\s?a\b|\bcoa\b", 2.0),
    (r"analytical\s+report|analysis\s+report|test\s+report|report\s+of\s+analysis", 2.5),
    (r"analysenzertifikat|prüfzeugnis", 4.0),
    (r"\b(?:batch|lot)\s*(?:no\.?|number|#|id)\b", 1.5),
    (r"\bspecifications?\b", 1.0),
    (r"\bresults?\b", 1.0),
    (r"\b(?:loq|lod|lloq)\b", 1.0),
    (r"\bcfu/g\b", 1.0),
    (r"\banaly(?:te|sis|tical)\b", 0.8),
    (r"\b(?:pass|passed|conforms|complies)\b", 0.8),
    (r"expiry|expiration|retest|best\s+before", 0.8),
    (r"\bpotency\b|cannabinoid|microbial|heavy\s+metals|pesticides", 0.8),
)


@dataclass(frozen=True, slots=True)
class Classification:
    kind: Kind
    confidence: float
    scores: dict[str, float]


def _score(text: str, cues: tuple[tuple[str, float], ...]) -> float:
    total = 0.0
    for pattern, weight in cues:
        hits = len(re.findall(pattern, text, re.IGNORECASE))
        # diminishing returns: a word repeated on every page is one cue, not twenty
        total += weight * math.log1p(min(hits, 50))
    return total


def classify(first_pages_text: str) -> Classification:
    """Classify from the text of the first pages (titles and section headings live there)."""
    sds = _score(first_pages_text, _SDS_CUES)
    coa = _score(first_pages_text, _COA_CUES)
    scores = {"sds": round(sds, 2), "coa": round(coa, 2)}
    best: Kind = "sds" if sds >= coa else "coa"
    top, other = max(sds, coa), min(sds, coa)
    if top < 3.0:
        return Classification("other", round(1.0 - top / 6.0, 2), scores)
    margin = top - other
    confidence = 1.0 / (1.0 + math.exp(-(margin - 1.0)))
    return Classification(best, round(min(confidence, 0.99), 2), scores)
