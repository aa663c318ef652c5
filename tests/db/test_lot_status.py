"""`app.db.lot_status` is the one Python definition of a lot's statuses and dispositions; the
database enforces them. These tests keep the two equal: the CHECK constraint on quality.lots, the
status machine (quality.lot_status_transitions) and quality.propose_disposition."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, text

from app.db import lot_status
from app.db.engine import make_engine
from app.db.lot_status import STATUSES as LOT_STATUSES
from app.db.server import ServerTarget


@pytest.fixture(scope="module")
def conn(shared_db: ServerTarget) -> Iterator[Connection]:
    engine = make_engine(shared_db.admin_url)
    with engine.connect() as c:
        yield c
    engine.dispose()


def _quoted(sql: str) -> list[str]:
    return re.findall(r"'([a-z_]+)'", sql)


def test_the_check_constraint_allows_exactly_the_statuses(conn: Connection) -> None:
    definition = conn.execute(text(
        "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
        "WHERE n.nspname = 'quality' AND t.relname = 'lot_state' "
        "AND c.conname = 'ck_lot_state_status'"
    )).scalar_one()
    assert _quoted(definition) == list(lot_status.STATUSES)
    assert LOT_STATUSES == lot_status.STATUSES  # the model declares the same constraint


def test_the_status_machine_moves_only_between_these_statuses(conn: Connection) -> None:
    moves = conn.execute(text(
        "SELECT action, from_status, to_status FROM quality.lot_status_transitions")).all()
    named = {s for _a, f, t in moves for s in (f, t)}
    # use_as_is is a disposition that makes the lot available again: no move ends in it
    assert named | {lot_status.USE_AS_IS} == set(lot_status.STATUSES)
    disposed = {t for a, f, t in moves if a == "disposition"}
    assert {f for a, f, _t in moves if a == "disposition"} == {lot_status.REJECTED}
    assert disposed == {lot_status.disposition_target(d) for d in lot_status.DISPOSITIONS}


def test_propose_disposition_accepts_exactly_the_dispositions(conn: Connection) -> None:
    source = conn.execute(text(
        "SELECT pg_get_functiondef('quality.propose_disposition(text,text,text,text,text)'"
        "::regprocedure)")).scalar_one()
    listed = re.search(r"p_disposition NOT IN \(([^)]*)\)", source)
    assert listed is not None
    assert _quoted(listed.group(1)) == list(lot_status.DISPOSITIONS)
    assert "WHEN 'use_as_is' THEN 'available'" in source  # disposition_target's one exception


def test_groups_are_made_of_statuses() -> None:
    for group in (lot_status.SALEABLE, lot_status.AFTER_REJECTION, lot_status.DISPOSITIONS):
        assert set(group) <= set(lot_status.STATUSES)
    with pytest.raises(ValueError):
        lot_status.disposition_target("available")
