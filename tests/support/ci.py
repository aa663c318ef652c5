"""Tests that need something outside the project (a standards folder, Xvfb) skip without it on a
developer's machine, but fail in CI (`CI=true`, set by .ci/run and by CI services): there a
skip would hide that the check never ran."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def skip_unless_ci(reason: str) -> NoReturn:
    """Skip with `reason`, or fail with it when running in CI."""
    if in_ci():
        pytest.fail(f"{reason} — in CI (CI=true) this test must run, not skip", pytrace=False)
    pytest.skip(reason)
