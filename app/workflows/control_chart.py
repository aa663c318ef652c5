"""Control chart arithmetic for COA results: control limits (mean ± 3σ) and the Western Electric
rules, on plain numbers (no Qt, no database).

The chart is an individuals chart: one value per lot, in the order the lots arrived. Sigma is the
sample standard deviation of the values by default; `moving_range` estimates it from the average
moving range (MR̄ / 1.128), which a shift in the process inflates less.

Western Electric rules (zones are multiples of sigma from the centre line):

1. one point beyond 3σ;
2. two of three consecutive points beyond 2σ on the same side;
3. four of five consecutive points beyond 1σ on the same side;
4. eight consecutive points on the same side of the centre line.

A rule is marked on the point that completes its pattern (as Minitab marks it), and only when that
point is itself part of the pattern (beyond the zone, on the same side): the mark lands where the
alarm would have been raised. A point may break several rules. "Beyond" is strict, and a point on
the centre line is on neither side.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

SigmaMethod = Literal["stdev", "moving_range"]

#: d2 for moving ranges of two points: E[|x_i - x_(i-1)|] = 1.128 σ.
D2_MOVING_RANGE = 1.128

RULES: dict[int, str] = {
    1: "one point beyond 3σ",
    2: "2 of 3 consecutive points beyond 2σ on the same side",
    3: "4 of 5 consecutive points beyond 1σ on the same side",
    4: "8 consecutive points on the same side of the centre line",
}

#: (rule, window length, points needed in the window, zone in sigmas)
_ZONE_RULES = ((1, 1, 1, 3.0), (2, 3, 2, 2.0), (3, 5, 4, 1.0))
_RUN_LENGTH = 8


@dataclass(frozen=True)
class ControlLimits:
    centre: float
    sigma: float
    n: int
    method: SigmaMethod = "stdev"

    @property
    def ucl(self) -> float:
        return self.centre + 3 * self.sigma

    @property
    def lcl(self) -> float:
        return self.centre - 3 * self.sigma

    def zone(self, k: float) -> tuple[float, float]:
        """The band centre ± k·sigma."""
        return self.centre - k * self.sigma, self.centre + k * self.sigma


def control_limits(values: Sequence[float], method: SigmaMethod = "stdev") -> ControlLimits | None:
    """Centre line and sigma of `values`; None when there are fewer than two values or they do
    not vary (no sigma to measure against)."""
    clean = [float(v) for v in values if math.isfinite(v)]
    if len(clean) < 2:
        return None
    centre = statistics.fmean(clean)
    if method == "stdev":
        sigma = statistics.stdev(clean)
    elif method == "moving_range":
        ranges = [abs(b - a) for a, b in itertools.pairwise(clean)]
        sigma = statistics.fmean(ranges) / D2_MOVING_RANGE
    else:
        raise ValueError(f"unknown sigma method {method!r}")
    if not (sigma > 0 and math.isfinite(sigma)):
        return None
    return ControlLimits(centre, sigma, len(clean), method)


def _side(z: float, k: float) -> int:
    """+1 beyond +k sigma, -1 beyond -k sigma, else 0."""
    return 1 if z > k else -1 if z < -k else 0


def western_electric(values: Sequence[float], centre: float,
                     sigma: float) -> list[frozenset[int]]:
    """For each value, the Western Electric rules (1-4) it breaks, given the centre line and
    sigma. With a sigma that is not positive, nothing is judged."""
    n = len(values)
    if not (sigma > 0 and math.isfinite(sigma)):
        return [frozenset()] * n
    z = [(float(v) - centre) / sigma for v in values]
    broken: list[set[int]] = [set() for _ in range(n)]
    for rule, window, needed, k in _ZONE_RULES:
        sides = [_side(v, k) for v in z]
        for i in range(n):
            side = sides[i]
            if side == 0:
                continue
            start = max(0, i - window + 1)
            if sum(1 for s in sides[start:i + 1] if s == side) >= needed:
                broken[i].add(rule)
    run, run_side = 0, 0
    for i, v in enumerate(z):
        side = _side(v, 0.0)
        run = run + 1 if side != 0 and side == run_side else (1 if side else 0)
        run_side = side
        if run >= _RUN_LENGTH:
            broken[i].add(4)
    return [frozenset(b) for b in broken]


def out_of_spec(value: float, spec_min: float | None, spec_max: float | None) -> bool:
    return (spec_min is not None and value < spec_min) or (spec_max is not None
                                                           and value > spec_max)


def describe(rules: frozenset[int]) -> list[str]:
    """Each broken rule in words, in rule order."""
    return [f"Western Electric rule {r}: {RULES[r]}" for r in sorted(rules)]
