"""Sampling by attributes (ANSI/ASQ Z1.4, ISO 2859-1, MIL-STD-105E single sampling): code
letters, plans and the switching between normal and tightened inspection, read from the
tables in the database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from app.db.server import ServerTarget
from app.workflows.session import login
from tests.conftest import DEMO_PASSWORDS


@pytest.fixture
def conn(owner_engine: Engine) -> Iterator[Connection]:
    with owner_engine.connect() as connection:
        yield connection


def _plan(conn: Connection, lot: int, level: str, aql: str,
          severity: str = "normal") -> tuple[str, int, int, int, bool]:
    row = conn.execute(text("SELECT * FROM quality.sampling_plan(:n, :l, CAST(:a AS numeric), :s)"),
                       {"n": lot, "l": level, "a": aql, "s": severity}).one()
    return (row.code, row.sample_size, row.accept, row.reject, row.full_inspection)


@pytest.mark.parametrize(("lot", "level", "code"), [
    (8, "II", "A"), (15, "II", "B"), (50, "II", "D"), (100, "II", "F"), (500, "II", "H"),
    (1000, "II", "J"), (3000, "II", "K"), (10_000, "II", "L"), (35_000, "II", "M"),
    (1_000_000, "II", "Q"), (5000, "I", "J"), (1000, "III", "K"), (100, "S-1", "B"),
    (100, "S-4", "D"), (1_000_000, "III", "R"),
])
def test_code_letters_are_table_one(conn: Connection, lot: int, level: str, code: str) -> None:
    found = conn.execute(text(
        "SELECT code FROM quality.sampling_code_letters WHERE level = :l AND :n >= lot_min "
        "AND :n <= coalesce(lot_max, :n)"), {"l": level, "n": lot}).scalar_one()
    assert found == code


@pytest.mark.parametrize(("lot", "aql", "plan"), [
    # the standard's normal plans (Table II-A) most often used by receiving inspection
    (1000, "2.5", ("J", 80, 5, 6)), (1000, "1.0", ("J", 80, 2, 3)), (1000, "4.0", ("J", 80, 7, 8)),
    (1000, "0.65", ("J", 80, 1, 2)), (1000, "6.5", ("J", 80, 10, 11)),
    (500, "4.0", ("H", 50, 5, 6)), (500, "1.5", ("H", 50, 2, 3)), (500, "2.5", ("H", 50, 3, 4)),
    (3000, "1.5", ("K", 125, 5, 6)), (3000, "2.5", ("K", 125, 7, 8)),
    (10_000, "1.0", ("L", 200, 5, 6)), (10_000, "2.5", ("L", 200, 10, 11)),
    # arrows: the first plan below (a larger sample) or above (a smaller one)
    (1000, "0.25", ("H", 50, 0, 1)), (1000, "0.40", ("K", 125, 1, 2)),
    (100, "1.0", ("E", 13, 0, 1)), (50, "2.5", ("C", 5, 0, 1)), (50, "4.0", ("E", 13, 1, 2)),
    (50, "6.5", ("D", 8, 1, 2)),
])
def test_normal_plans_are_table_two_a(conn: Connection, lot: int, aql: str,
                                      plan: tuple[str, int, int, int]) -> None:
    assert _plan(conn, lot, "II", aql) == (*plan, False)


@pytest.mark.parametrize(("aql", "plan"), [
    ("2.5", ("J", 80, 3, 4)), ("4.0", ("J", 80, 5, 6)), ("6.5", ("J", 80, 8, 9)),
    ("1.0", ("J", 80, 1, 2)),
])
def test_tightened_plans_are_table_two_b(conn: Connection, aql: str,
                                         plan: tuple[str, int, int, int]) -> None:
    assert _plan(conn, 1000, "II", aql, "tightened") == (*plan, False)


def test_a_sample_as_large_as_the_lot_means_every_unit(conn: Connection) -> None:
    _code, size, accept, reject, full = _plan(conn, 10, "II", "0.65")
    assert (size, full) == (10, True)  # the plan points to a sample of 20 from a lot of 10
    assert (accept, reject) == (0, 1)


@pytest.mark.parametrize(("lot", "level", "aql", "message"), [
    (1000, "II", "3.0", "AQL 3.0 is not one of the standard's"),
    (1000, "IV", "2.5", "inspection level IV is not one of"),
    (1, "II", "2.5", "at least 2 units"),
])
def test_bad_sampling_questions_are_named(conn: Connection, lot: int, level: str, aql: str,
                                          message: str) -> None:
    with pytest.raises(DBAPIError, match=message):
        _plan(conn, lot, level, aql)
    conn.rollback()


@pytest.mark.parametrize(("outcomes", "severity"), [
    ([], "normal"),
    ([True] * 20, "normal"),
    ([True, False, True, True, True, True, False], "normal"),  # 2 rejected, 6 lots apart
    ([True, False, True, True, True, False], "tightened"),  # 2 of the last 5
    ([True, False, True, True, False], "tightened"),  # 2 of 5 consecutive
    ([False, False], "tightened"),
    ([False, False, True, True, True, True], "tightened"),
    ([False, False, True, True, True, True, True], "normal"),  # 5 accepted on tightened
    ([False, False, True, False, True, True, True, True], "tightened"),  # the run starts again
    ([False, False] + [False, True] * 4 + [False], "discontinued"),  # 5 rejected on tightened
    ([False, False] + [False] * 5 + [True] * 10, "discontinued"),
])
def test_switching_rules(conn: Connection, outcomes: list[bool], severity: str) -> None:
    assert conn.execute(text("SELECT quality.sampling_severity(CAST(:o AS boolean[]))"),
                        {"o": outcomes}).scalar_one() == severity


def test_people_read_the_tables_but_cannot_change_them(db: ServerTarget) -> None:
    """An administrator who could lower a sample size would let more lots through unseen."""
    session = login(db, "adam.admin", DEMO_PASSWORDS["adam.admin"])
    try:
        with session.engine.connect() as conn:
            assert _plan(conn, 1000, "II", "2.5") == ("J", 80, 5, 6, False)
            for attack in ("UPDATE quality.sampling_plans SET accept = 20 WHERE code = 'J'",
                           "DELETE FROM quality.sampling_code_letters",
                           "INSERT INTO quality.sampling_sample_sizes VALUES ('normal', 'Z', 99, 1)"):
                with pytest.raises(DBAPIError, match="permission denied"):
                    conn.execute(text(attack))
                conn.rollback()
    finally:
        session.close()
