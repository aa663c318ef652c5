"""The named reading rules that can be switched off, to measure what each is worth.

Every rule here is on in the product. ``benchmarks/extraction_loio.py`` switches them off one
at a time to see which documents each helps, and scores every issuer's documents with only the
rules that help some *other* issuer (leave-one-issuer-out): a rule written for one document
does not raise that figure. A rule reads ``enabled(name)``; ``disabled(names)`` switches rules
off for the current thread (a context variable, so parallel readers do not disturb each other).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

RULES: dict[str, str] = {
    "letter_spacing": "letter-spaced words ('C O C O N U T') joined before matching",
    "run_together": "words run together without spaces ('COCONUTWATER') split before matching",
    "label_values": "a value that is itself a label phrase ('Batch', 'Distributed by') is refused",
    "name_types": "a product name that is an address, a company, a regulation or a title is refused",
    "lot_whole": "a lot number is taken whole (spaced hyphens closed, a value cut mid-code refused)",
    "date_order": "dates checked against each other (made before it expires) and a plausible year",
    "unit_vocabulary": "result units read against a unit vocabulary; repaired or unknown ones doubted",
    "calibration": "confidence from the evidence (label strength, position, agreement, OCR)",
    "wrapped_values": "a value continued on the next line is joined",
    "prominent_name": "with no product label, the most prominent line near the top is the product",
    "name_after_code": "after a product code, the name beside it is taken ('PC-44 Malic Acid')",
    "wrapped_rows": "a test name wrapped over two lines of a results table is read whole",
    "stacked_headers": "column names printed over two or three lines are merged",
    "results_from_data": "the result column chosen by what its cells hold (numbers, not PASS)",
}

_disabled: ContextVar[frozenset[str]] = ContextVar("lotproof_rules_disabled", default=frozenset())


def enabled(name: str) -> bool:
    if name not in RULES:
        raise KeyError(f"unknown reading rule {name!r}")
    return name not in _disabled.get()


@contextmanager
def disabled(names: Iterable[str]) -> Iterator[None]:
    wanted = frozenset(names)
    unknown = wanted - RULES.keys()
    if unknown:
        raise KeyError(f"unknown reading rules: {', '.join(sorted(unknown))}")
    token = _disabled.set(_disabled.get() | wanted)
    try:
        yield
    finally:
        _disabled.reset(token)
