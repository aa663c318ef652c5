"""`skip_unless_ci`: a skip on a developer's machine, a failure in CI (CI=true)."""

from __future__ import annotations

import pytest

from tests.support.ci import skip_unless_ci


@pytest.mark.parametrize("value", ["true", "1", "True"])
def test_in_ci_it_fails(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match=r"in CI.*must run"):
        skip_unless_ci("the thing is missing")


@pytest.mark.parametrize("value", [None, "", "false"])
def test_elsewhere_it_skips(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.skip.Exception, match="the thing is missing"):
        skip_unless_ci("the thing is missing")
