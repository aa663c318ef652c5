"""The document reader against broken files, for about 30 s (the long run is
`python -m benchmarks.fuzz_documents`): every case is read or refused with a DocumentError that
names the file and the problem, none runs past the per-file limit, and memory stays bounded."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.documents.limits import Limits
from benchmarks.fuzz_documents import MEMORY_BOUND_MB, Case, run_case
from benchmarks.fuzz_mutations import mutations_for, seed_files
from benchmarks.fuzz_sandbox import Sandbox

SEEDS = seed_files()
LIMIT_SECONDS = 10.0
BUDGET_SECONDS = 40.0  # a safety net: 40 cases take about 30 s
_clock: dict[str, float] = {}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(Limits(seconds=LIMIT_SECONDS), grace_seconds=10.0)  # a loaded CI machine
    yield box
    box.close()


@st.composite
def cases(draw: st.DrawFn) -> Case:
    seed_name = draw(st.sampled_from(sorted(SEEDS)))
    mutation = draw(st.sampled_from(mutations_for(seed_name)))
    name = draw(st.sampled_from([seed_name, seed_name, seed_name, "document.pdf", "scan.png"]))
    return Case(seed_name, mutation, draw(st.integers(0, 10**6)), draw(st.integers(1, 3)), name)


# Derandomized: the suite runs the same 40 cases every time (a CI run must not fail on a case
# it happened to draw); the open-ended search is `python -m benchmarks.fuzz_documents`.
@settings(max_examples=40, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much,
                                 HealthCheck.too_slow])
@given(case=cases())
def test_broken_documents_fail_cleanly(sandbox: Sandbox, case: Case) -> None:
    started = _clock.setdefault("start", time.monotonic())
    assume(time.monotonic() - started < BUDGET_SECONDS)  # the budget spent: no more cases
    result = run_case(sandbox, SEEDS, case)
    assert result.outcome in ("ok", "document_error"), f"{case.label()}: {result.message}"
    assert result.message
    assert result.seconds < LIMIT_SECONDS + 1, case.label()
    assert result.peak_mb < MEMORY_BOUND_MB, case.label()
