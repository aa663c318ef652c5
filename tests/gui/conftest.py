"""Fixtures the workstation's screen tests share: a task runner, and demo people logged in to the
module's seeded database (`shared_db`, which the tests only read)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from app.db.server import ServerTarget
from app.views.tasks import TaskRunner
from app.workflows.session import UserSession, login
from tests.conftest import DEMO_PASSWORDS


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    """The background work of one test's screens; waited for before the next test."""
    r = TaskRunner()
    yield r
    r.wait()


@pytest.fixture
def log_in(shared_db: ServerTarget) -> Iterator[Callable[[str], UserSession]]:
    """`log_in("ivy.inspector")`: a demo person's session on `shared_db`, closed afterwards."""
    sessions: list[UserSession] = []

    def open_session(username: str) -> UserSession:
        sessions.append(login(shared_db, username, DEMO_PASSWORDS[username]))
        return sessions[-1]

    yield open_session
    for s in sessions:
        s.close()


@pytest.fixture
def inspector(log_in: Callable[[str], UserSession]) -> UserSession:
    return log_in("ivy.inspector")


@pytest.fixture
def auditor(log_in: Callable[[str], UserSession]) -> UserSession:
    return log_in("aude.auditor")
