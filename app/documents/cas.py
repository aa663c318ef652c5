"""CAS registry numbers: find them and check their check digit."""

from __future__ import annotations

import re

CAS_PATTERN = re.compile(r"(?<![\d-])(\d{2,7})-(\d{2})-(\d)(?![\d-])")


def cas_is_valid(cas: str) -> bool:
    m = CAS_PATTERN.fullmatch(cas.strip())
    if m is None:
        return False
    digits = (m.group(1) + m.group(2))[::-1]
    total = sum((i + 1) * int(d) for i, d in enumerate(digits))
    return total % 10 == int(m.group(3))


def find_cas(text: str) -> list[tuple[str, int, int]]:
    """Valid CAS numbers in ``text`` with their spans."""
    out = []
    for m in CAS_PATTERN.finditer(text):
        cas = m.group(0)
        if cas_is_valid(cas):
            out.append((cas, m.start(), m.end()))
    return out
