from __future__ import annotations

import pytest

from app.documents.specs import normalise_unit, parse_result, parse_spec, stated_pass


@pytest.mark.parametrize(
    ("text", "low", "high", "unit", "expected"),
    [
        ("<= 12.0 %", None, 12.0, "%", None),
        ("2.0 - 3.5", 2.0, 3.5, None, None),
        ("98.0 – 102.0 %", 98.0, 102.0, "%", None),
        ("NMT 10 ppm", None, 10.0, "ppm", None),
        ("< 0.5", None, 0.5, None, None),
        ("Max 1000 cfu/g", None, 1000.0, "cfu/g", None),
        ("Min 95 %", 95.0, None, "%", None),
        ("NLT 98.0%", 98.0, None, "%", None),
        ("Min 3.5 / Max 4.5", 3.5, 4.5, None, None),
        ("0.45 - 0.65 g/ml", 0.45, 0.65, "g/ml", None),
        ("Negative/25g", None, None, None, "Negative/25g"),
        ("Conforms", None, None, None, "Conforms"),
        ("10,000", None, None, None, None),
        ("NMT.0.1 %", None, 0.1, "%", None),  # OCR puts a dot after the word
        ("< .5", None, 0.5, None, None),
    ],
)
def test_parse_spec(
    text: str, low: float | None, high: float | None, unit: str | None, expected: str | None
) -> None:
    spec = parse_spec(text)
    assert (spec.min, spec.max, spec.unit, spec.expected) == (low, high, unit, expected)


def test_bare_number_in_a_limit_column_is_a_maximum() -> None:
    assert parse_spec("10,000", bare_number="max").max == 10000.0
    assert parse_spec("< 0.5").max_inclusive is False
    assert parse_spec("<= 0.5").max_inclusive is True


@pytest.mark.parametrize(
    ("text", "value", "unit", "qualifier", "word"),
    [
        ("0.23 ppm", 0.23, "ppm", None, None),
        ("<10 cfu/g", 10.0, "cfu/g", "<", None),
        ("ND", None, None, None, "ND"),
        ("<LOQ", None, None, None, "<LOQ"),
        ("Pass", None, None, None, "Pass"),
        ("Not Detected", None, None, None, "Not Detected"),
        ("1.00E+04", 10000.0, None, None, None),
        ("99.6 %", 99.6, "%", None, None),
        ("0.4144 aw", 0.4144, "aw", None, None),
    ],
)
def test_parse_result(
    text: str, value: float | None, unit: str | None, qualifier: str | None, word: str | None
) -> None:
    result = parse_result(text)
    assert (result.value, result.unit, result.qualifier, result.word) == (value, unit, qualifier, word)


def test_stated_pass() -> None:
    assert stated_pass("Pass") is True
    assert stated_pass("Complies") is True
    assert stated_pass("FAIL") is False
    assert stated_pass("Does not comply") is False
    assert stated_pass("99.1") is None


@pytest.mark.parametrize(("cell", "unit", "how"), [
    ("ppm", "ppm", "known"), ("mg / kg", "mg/kg", "known"), ("cfu/g", "cfu/g", "known"),
    ("ppm_", "ppm", "repaired"), ("%..", "%", "repaired"), ("'ppb", "ppb", "repaired"),
    ("pH_1", "pH_1", "unknown"), ("Xq", "Xq", "unknown"), ("", None, "known"),
])
def test_units_are_read_against_the_vocabulary(cell: str, unit: str | None, how: str) -> None:
    assert normalise_unit(cell) == (unit, how)
