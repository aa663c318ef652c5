from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.documents.dates import find_dates, infer_day_first, parse_date
from tests.documents.generator.dates import STYLES, fmt


@pytest.mark.parametrize(
    ("text", "iso", "month_only"),
    [
        ("2024-05-17", "2024-05-17", False),
        ("17.05.2024", "2024-05-17", False),
        ("05/17/2024", "2024-05-17", False),
        ("17 MAY 2024", "2024-05-17", False),
        ("May 2026", "2026-05-01", True),
        ("17-May-24", "2024-05-17", False),
        ("May 17, 2024", "2024-05-17", False),
        ("2018/10/02", "2018-10-02", False),
        ("09-April-2018", "2018-04-09", False),
        ("21 März 2017", "2017-03-21", False),
        ("13-Jul-2027", "2027-07-13", False),
        ("Exp: 11/04/2022", "2022-11-04", False),
        ("2019년 11월 12일", "2019-11-12", False),
        ("05/2026", "2026-05-01", True),
        ("DEC 19, 2021", "2021-12-19", False),
    ],
)
def test_supplier_formats(text: str, iso: str, month_only: bool) -> None:
    found = parse_date(text)
    assert found is not None
    assert found.iso == iso
    assert found.month_only is month_only


def test_keeps_original_text() -> None:
    found = parse_date("Best before: May 2026 (store cool)")
    assert found is not None and found.text == "May 2026"


def test_ambiguous_numeric_dates_follow_the_document() -> None:
    assert parse_date("05/06/2024").iso == "2024-05-06"  # type: ignore[union-attr]
    assert parse_date("05/06/2024", day_first=True).iso == "2024-06-05"  # type: ignore[union-attr]
    assert infer_day_first(["Received 25/06/2024", "Tested 05/07/2024"]) is True
    assert infer_day_first(["Received 06/25/2024"]) is False
    assert infer_day_first(["nothing here"]) is None


def test_rejects_impossible_dates_and_non_dates() -> None:
    assert parse_date("31.02.2024") is None
    assert parse_date("CAS 7732-18-5") is None
    assert find_dates("Version 6.2, page 1/13") == []


@given(st.dates(dt.date(1990, 1, 1), dt.date(2060, 12, 31)), st.sampled_from(STYLES))
def test_round_trip_every_generator_style(day: dt.date, style: str) -> None:
    text = fmt(day, style)
    found = parse_date(text)
    assert found is not None, text
    assert found.iso == day.isoformat(), text
