"""People are login roles: created by an administrator, logging in with their own password."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, text

from app.db.errors import LoginFailed
from app.db.server import ServerTarget
from app.db.users import create_user
from app.workflows.session import login, owner_session
from tests.conftest import DEMO_BY_ROLE, DEMO_PASSWORDS, unique_username


def test_demo_users_log_in_with_their_role(shared_db: ServerTarget) -> None:
    for role, username in DEMO_BY_ROLE.items():
        session = login(shared_db, username, DEMO_PASSWORDS[username])
        try:
            assert session.person.username == username
            assert session.person.role == f"lotproof_{role}"
            assert "(demo)" in session.person.printed_name
        finally:
            session.close()


def test_wrong_password_is_a_clear_error(shared_db: ServerTarget) -> None:
    with pytest.raises(LoginFailed, match=r"Wrong user name or password for ivy\.inspector"):
        login(shared_db, "ivy.inspector", "not-the-password")
    with pytest.raises(LoginFailed, match="Wrong user name or password"):
        login(shared_db, "nobody.here", "whatever-it-is")
    with pytest.raises(LoginFailed, match="Enter a user name and a password"):
        login(shared_db, "ivy.inspector", "")


def test_admin_creates_user_and_names_are_never_reused(db: ServerTarget) -> None:
    owner = owner_session(db)
    tess = unique_username("tess")
    try:
        person = create_user(owner.engine, tess, "  Tess Tester ", "approver",
                             "a-long-password")
        assert person.printed_name == "Tess Tester"
        session = login(db, tess, "a-long-password")
        assert session.person.role == "lotproof_approver"
        session.close()
        with pytest.raises(exc.DBAPIError, match="never reused"):
            create_user(owner.engine, tess, "Another Tess", "inspector", "x-long-password")
        with pytest.raises(ValueError, match="unknown role"):
            create_user(owner.engine, "bad.role", "Bad Role", "superhero", "x-long-password")
        with pytest.raises(ValueError, match="at least 8"):
            create_user(owner.engine, "short.pw", "Short", "inspector", "short")
    finally:
        owner.close()


def test_inspector_cannot_create_users_or_write_erp(shared_db: ServerTarget) -> None:
    session = login(shared_db, "ivy.inspector", DEMO_PASSWORDS["ivy.inspector"])
    try:
        with pytest.raises(exc.ProgrammingError, match="permission denied for function create_user"):
            create_user(session.engine, "sneaky.one", "Sneaky", "admin", "sneaky-password")
        with session.engine.begin() as conn, pytest.raises(exc.ProgrammingError,
                                                           match="permission denied"):
            conn.execute(text("UPDATE quality.lot_state SET status = 'available'"))
    finally:
        session.close()


def test_admin_role_member_can_create_users(db: ServerTarget) -> None:
    admin = login(db, "adam.admin", DEMO_PASSWORDS["adam.admin"])
    nina = unique_username("nina")
    try:
        create_user(admin.engine, nina, "Nina New", "inspector", "nina-password")
    finally:
        admin.close()
    session = login(db, nina, "nina-password")
    assert session.person.printed_name == "Nina New"
    session.close()
