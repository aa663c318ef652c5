from __future__ import annotations

import datetime as dt

import pytest

from app.documents.gs1 import GS1Error, parse_gs1


def test_parentheses_form() -> None:
    data = parse_gs1("(01)09521234543213(10)ABC123(17)250531(11)240101(21)S123")
    assert data.gtin == "09521234543213"
    assert data.lot == "ABC123"
    assert data.expiry == dt.date(2025, 5, 31)
    assert data.production_date == dt.date(2024, 1, 1)
    assert data.serial == "S123"


def test_raw_scan_with_fnc1_and_symbology_identifier() -> None:
    data = parse_gs1("]C10109521234543213\x1d10LOT-7\x1d17260200")
    assert data.gtin == "09521234543213"
    assert data.lot == "LOT-7"
    assert data.expiry == dt.date(2026, 2, 28)  # day 00 means the last day of the month


@pytest.mark.parametrize("separator", ["<GS>", "{GS}", "^]"])
def test_keyboard_wedge_spellings_of_gs(separator: str) -> None:
    data = parse_gs1(f"0109521234543213{separator}10ABC{separator}21XYZ")
    assert (data.lot, data.serial) == ("ABC", "XYZ")


def test_sscc() -> None:
    assert parse_gs1("(00)106141411234567897").sscc == "106141411234567897"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("(01)09521234543214(10)X", "check digit"),
        ("(00)106141411234567890", "check digit"),
        ("(17)251341", "GS1"),
        ("hello world", "GS1"),
        ("", "empty"),
    ],
)
def test_invalid_input_raises_a_clear_error(raw: str, problem: str) -> None:
    with pytest.raises(GS1Error, match=problem):
        parse_gs1(raw)
