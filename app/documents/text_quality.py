"""Decide whether a page's text layer can be trusted or the page must be OCR'd.

Garbled layers come from fonts without a usable ToUnicode map: pdfminer then yields
``(cid:123)`` tokens, U+FFFD, private-use code points, or a consistent letter substitution
("QRQ4{{PRS7T"). Real text, in any language, is mostly tokens that are either numbers or
runs of letters with vowels; substituted text is not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_CID = re.compile(r"\(cid:\d+\)")
_NUMBERISH = re.compile(r"^[<>≤≥±~+\-]?[\d.,:/%\-–()]+[a-zA-Zµμ%/]{0,4}$")
_LATIN_WORD = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿ]+(?:[-'’.][A-Za-zÀ-ÖØ-öø-ÿ]+)*$")
_VOWELS = set("aeiouyAEIOUYàáâäèéêëìíîïòóôöùúûüÀÁÂÄÈÉÊËÌÍÎÏÒÓÔÖÙÚÛÜ")
_CONSONANT_RUN = re.compile(r"[b-df-hj-np-tv-xzB-DF-HJ-NP-TV-XZ]{6,}")

MIN_WORDS = 8


def _is_plausible(token: str) -> bool:
    core = token.strip(".,;:!?()[]{}\"'*•·-–—_/|")
    if not core:
        return True
    if _NUMBERISH.match(core):
        return True
    if _LATIN_WORD.match(core):
        if len(core) <= 3:
            return True
        return any(ch in _VOWELS for ch in core) and not _CONSONANT_RUN.search(core)
    # non-Latin scripts (Korean, Chinese, Cyrillic, Greek): accept letter-only tokens
    if all(ch.isalpha() or ch in "-'’." for ch in core) and any(ord(ch) > 0x2FF for ch in core):
        return True
    # mixed alphanumerics are normal in codes (H225, UN1993, AB1200034, 12345_0009876)
    if any(0x80 <= ord(ch) <= 0x2FF for ch in core):
        return False  # accented letters outside a word-shaped token: a substituted font
    letters = sum(ch.isalpha() for ch in core)
    digits = sum(ch.isdigit() for ch in core)
    other = len(core) - letters - digits
    return other <= max(1, len(core) // 5) and letters + digits > 0


def text_layer_score(tokens: Sequence[str]) -> float:
    """Share of tokens that look like real text (0..1); 0 for obvious encoding failures."""
    if not tokens:
        return 0.0
    joined = " ".join(tokens)
    bad_chars = len(_CID.findall(joined)) + sum(
        1 for ch in joined if ch == "\ufffd" or 0xE000 <= ord(ch) <= 0xF8FF or 0x80 <= ord(ch) < 0xA0
    )
    if bad_chars > max(3, len(tokens) // 10):
        return 0.0
    plausible = sum(1 for token in tokens if _is_plausible(token))
    return plausible / len(tokens)


def is_usable(tokens: Sequence[str], threshold: float = 0.7) -> bool:
    if len(tokens) < MIN_WORDS:
        return False
    return text_layer_score(tokens) >= threshold
