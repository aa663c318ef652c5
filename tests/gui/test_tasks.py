"""The task runner: one default error display, supersession by key, the Progress contract."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from app.db.errors import DecisionRefused
from app.logs import current_log_file
from app.progress import Cancelled, Progress
from app.views import messages
from app.views.tasks import TaskRunner


def _fail(error: BaseException) -> None:
    raise error


def test_a_failure_nobody_handles_is_shown(qtbot: QtBot, runner: TaskRunner) -> None:
    shown: list[tuple[str, str]] = []
    owner = messages.QObject()
    messages.bridge().subscribe(owner, lambda role, text: shown.append((role, text)))
    try:
        runner.submit(_fail, DecisionRefused("lot L is now hold"))
        qtbot.waitUntil(lambda: len(shown) == 1)
        assert shown[0] == ("error", "lot L is now hold")  # a database refusal: its message
        runner.submit(_fail, ZeroDivisionError("division by zero"))
        qtbot.waitUntil(lambda: len(shown) == 2)
        role, text = shown[1]
        assert role == "error" and "ZeroDivisionError" in text and "log" in text
        assert current_log_file() is None or str(current_log_file()) in text
        runner.submit(_fail, Cancelled("the work cancelled"))  # not a failure: not shown
        runner.submit(_fail, DecisionRefused("handled"), on_error=lambda _e: None)
        assert runner.wait()
        qtbot.wait(50)
        assert len(shown) == 2
    finally:
        messages.bridge().unsubscribe(owner)


def test_a_newer_task_with_the_same_key_supersedes_the_older(qtbot: QtBot,
                                                            runner: TaskRunner) -> None:
    release = threading.Event()
    seen: list[str] = []
    cancelled: list[bool] = []

    def slow(progress: Progress) -> str:
        release.wait(10)
        cancelled.append(progress.cancelled)
        return "old"

    runner.submit(slow, key=("screen", "query"), with_progress=True, on_result=seen.append)
    runner.submit(lambda: "new", key=("screen", "query"), on_result=seen.append)
    runner.submit(lambda: "other", key=("other screen", "query"), on_result=seen.append)
    qtbot.waitUntil(lambda: sorted(seen) == ["new", "other"])
    release.set()
    assert runner.wait()
    qtbot.wait(50)
    assert sorted(seen) == ["new", "other"]  # the older answer was dropped
    assert cancelled == [True]  # and its progress cancelled


def test_progress_reaches_the_ui_and_cancel_stops_the_work(qtbot: QtBot,
                                                          runner: TaskRunner) -> None:
    reports: list[tuple[int, int, str]] = []
    errors: list[BaseException] = []
    started = threading.Event()

    def work(progress: Progress) -> None:
        progress.report(1, 3, "pages")
        started.set()
        for _ in range(500):
            progress.check("the reading")
            threading.Event().wait(0.01)

    handle = runner.submit(work, with_progress=True, on_progress=lambda *r: reports.append(r),
                           on_error=errors.append)
    assert started.wait(10)
    handle.cancel()
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0], Cancelled) and str(errors[0]) == "the reading cancelled"
    assert reports == [(1, 3, "pages")]
