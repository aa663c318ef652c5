"""What a person may do is read from the database at login (`app.db.capabilities`): the grants on
the quality functions and the roles the status machine names. These tests pin what each demo
role may do, and keep the map's signatures and role lists equal to the live database."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from app.db import capabilities
from app.db.engine import make_engine
from app.db.server import ServerTarget
from app.db.users import Person
from app.workflows import decisions
from app.workflows.session import UserSession, login
from tests.conftest import DEMO_BY_ROLE, DEMO_PASSWORDS

WORKS_LOTS = {"hold", "store_document", "link_document", "review_document", "close_exception",
              "record_quality_event", "inspect_return", "issue_certificate",
              "print_label", "request_relabel", "carry_out_relabel"}
DECIDES = WORKS_LOTS | {"release", "reject", "disposition", "approve_decision",
                        "approve_relabel"}
EXPECTED = {
    "inspector": WORKS_LOTS,
    "approver": DECIDES,
    "compliance": DECIDES | {
        "approve_override", "route_exceptions", "open_recall", "recall_hold",
        "complete_recall_report", "set_item_specs", "set_supplier_approval",
        "set_customer_requirements", "set_document_requirements", "verify_identity",
        "set_customer_spec", "set_item_equivalent"},
    # executes quality.hold_lot, but the status machine names no admin role for a hold
    "admin": {"add_user", "verify_identity"},
    "auditor": set(),  # executes no changing function
}


@pytest.fixture(scope="module")
def sessions(shared_db: ServerTarget) -> Iterator[dict[str, UserSession]]:
    found = {role: login(shared_db, username, DEMO_PASSWORDS[username])
             for role, username in DEMO_BY_ROLE.items()}
    yield found
    for s in found.values():
        s.close()


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_may_what_the_database_grants(sessions: dict[str, UserSession],
                                                role: str) -> None:
    person = sessions[role].person
    assert person.capabilities == EXPECTED[role]
    for action in capabilities.CAPABILITIES:
        assert person.may(action) == (action in EXPECTED[role])


def test_every_signature_names_a_function(shared_db: ServerTarget) -> None:
    engine = make_engine(shared_db.admin_url)
    with engine.connect() as conn:
        for action, c in capabilities.CAPABILITIES.items():
            if isinstance(c, capabilities.Executes):
                found = conn.execute(text("SELECT to_regprocedure(:s)"),
                                     {"s": c.signature}).scalar_one()
                assert found is not None, f"{action}: no function {c.signature}"
                if c.machine is not None:
                    assert conn.execute(text(
                        "SELECT count(*) FROM quality.lot_status_transitions WHERE action = :a"),
                        {"a": c.machine}).scalar_one() > 0, f"{action}: no move {c.machine}"
            else:
                assert conn.execute(text("SELECT count(*) FROM pg_roles WHERE rolname = :r"),
                                    {"r": c.role}).scalar_one() == 1
        source = conn.execute(text(
            "SELECT pg_get_functiondef(to_regprocedure(:s))"),
            {"s": capabilities.CAPABILITIES["route_exceptions"].signature}  # type: ignore[union-attr]
        ).scalar_one()
    engine.dispose()
    listed = re.search(r"p_owner_role NOT IN \(([^)]*)\)", source)
    assert listed is not None
    assert tuple(re.findall(r"'([a-z_]+)'", listed.group(1))) == capabilities.EXCEPTION_OWNERS


def test_an_unknown_action_is_a_mistake_not_a_refusal() -> None:
    with pytest.raises(KeyError):
        Person("x", "X", "lotproof_inspector").may("hold_lots")


def test_the_inbox_follows_capabilities(sessions: dict[str, UserSession]) -> None:
    """Second signatures: approvers see dispositions, only compliance sees release overrides;
    the auditor and the administrator have no inbox."""
    for role in ("auditor", "admin"):
        box = decisions.inbox(sessions[role])
        assert box.total == 0
    approver = decisions.inbox(sessions["approver"])
    assert all(d.action != "release" for d in approver.second_signatures)
    assert approver.awaiting_release or approver.holds
