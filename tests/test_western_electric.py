"""Control limits and the Western Electric rules, on hand-made series that each break exactly one
rule (centre 0, sigma 1, so a value is its own distance in sigmas)."""

from __future__ import annotations

import math
import statistics

import pytest

from app.workflows.control_chart import (
    ControlLimits,
    control_limits,
    describe,
    out_of_spec,
    western_electric,
)


def flagged(values: list[float]) -> dict[int, set[int]]:
    """{index: rules} for the points that break any rule."""
    return {i: set(r) for i, r in enumerate(western_electric(values, 0.0, 1.0)) if r}


@pytest.mark.parametrize("sign", [1, -1])
def test_rule_1_one_point_beyond_three_sigma(sign: int) -> None:
    series = [0.5, -0.5, 3.5, -0.5, 0.5, -2.9]
    assert flagged([sign * v for v in series]) == {2: {1}}


@pytest.mark.parametrize("sign", [1, -1])
def test_rule_2_two_of_three_beyond_two_sigma_same_side(sign: int) -> None:
    series = [0.5, -0.5, 2.5, 0.3, 2.5, -0.5]
    assert flagged([sign * v for v in series]) == {4: {2}}


def test_rule_2_needs_the_same_side() -> None:
    assert flagged([0.5, 2.5, -2.5, 0.5, -0.5]) == {}


@pytest.mark.parametrize("sign", [1, -1])
def test_rule_3_four_of_five_beyond_one_sigma_same_side(sign: int) -> None:
    series = [-0.5, 1.5, 1.5, 0.5, 1.5, 1.5, -0.5]
    assert flagged([sign * v for v in series]) == {5: {3}}


@pytest.mark.parametrize("sign", [1, -1])
def test_rule_4_eight_in_a_row_on_one_side(sign: int) -> None:
    series = [-0.5] + [0.5] * 8 + [-0.5]
    assert flagged([sign * v for v in series]) == {8: {4}}
    longer = [-0.5] + [0.5] * 10
    assert flagged([sign * v for v in longer]) == {8: {4}, 9: {4}, 10: {4}}


def test_rule_4_run_is_broken_by_a_point_on_the_centre_line() -> None:
    assert flagged([0.5] * 4 + [0.0] + [0.5] * 4) == {}
    assert flagged([0.5] * 7 + [-0.1]) == {}


def test_a_marked_point_is_part_of_its_pattern() -> None:
    # Two points beyond 2 sigma, then one near the centre: the window ending at the third point
    # still holds two, but the third point is not beyond, so it is not marked.
    assert flagged([0.0, 2.5, 2.5, 0.1]) == {2: {2}}


def test_a_point_can_break_several_rules() -> None:
    series = [0.5, 0.5, 0.5, 1.5, 1.5, 1.5, 2.5, 3.5]
    assert flagged(series) == {6: {3}, 7: {1, 2, 3, 4}}


def test_no_sigma_judges_nothing() -> None:
    assert western_electric([1.0, 5.0, 9.0], 5.0, 0.0) == [frozenset()] * 3
    assert western_electric([], 0.0, 1.0) == []


def test_limits_are_mean_plus_minus_three_sample_sigma() -> None:
    values = [4.0, 5.0, 6.0, 5.5, 4.5, 5.0]
    limits = control_limits(values)
    assert limits is not None
    sigma = statistics.stdev(values)
    assert limits.centre == pytest.approx(5.0)
    assert limits.sigma == pytest.approx(sigma)
    assert (limits.lcl, limits.ucl) == pytest.approx((5.0 - 3 * sigma, 5.0 + 3 * sigma))
    assert limits.zone(2) == pytest.approx((5.0 - 2 * sigma, 5.0 + 2 * sigma))
    assert limits.n == 6


def test_limits_from_moving_range() -> None:
    limits = control_limits([1.0, 3.0, 2.0, 4.0], method="moving_range")
    assert limits is not None
    assert limits.sigma == pytest.approx((2 + 1 + 2) / 3 / 1.128)
    assert limits.method == "moving_range"


def test_limits_need_two_varying_values() -> None:
    assert control_limits([]) is None
    assert control_limits([3.0]) is None
    assert control_limits([3.0, 3.0, 3.0]) is None
    assert control_limits([1.0, math.nan, 2.0]) == control_limits([1.0, 2.0])
    with pytest.raises(ValueError):
        control_limits([1.0, 2.0], method="range")  # type: ignore[arg-type]


def test_limits_then_rules_on_data() -> None:
    # A stable process, then a single far outlier: rule 1 on the outlier alone.
    values = [10.0 + 0.1 * ((i * 7) % 5 - 2) for i in range(30)] + [13.0]
    limits = control_limits(values)
    assert isinstance(limits, ControlLimits)
    marks = western_electric(values, limits.centre, limits.sigma)
    assert [i for i, m in enumerate(marks) if m] == [30]
    assert 1 in marks[30]


def test_out_of_spec_and_words() -> None:
    assert out_of_spec(8.1, None, 8.0)
    assert not out_of_spec(8.0, None, 8.0)
    assert out_of_spec(0.9, 1.0, None)
    assert not out_of_spec(5.0, None, None)
    assert describe(frozenset({3, 1})) == [
        "Western Electric rule 1: one point beyond 3σ",
        "Western Electric rule 3: 4 of 5 consecutive points beyond 1σ on the same side"]
