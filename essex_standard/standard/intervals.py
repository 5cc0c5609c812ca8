"""Intervals at any confidence level, recomputed from what ``results.json`` stores.

The Standard decides verdicts with intervals wider than the audit's 95% ones (adjusted for
the number of comparisons), so it needs each interval at an arbitrary level.  Rates and their
differences and ratios are recomputed exactly from their stored counts (Wilson, Newcombe,
MOVER-R: the same methods the audit used).  Any other statistic (ROC AUC, a bootstrapped
calibration error...) is rescaled from its stored interval: each side's distance from the
estimate is multiplied by ``z(level) / z(stored level)``, exact for DeLong's normal interval
and a normal approximation otherwise.  Either way ``gate results.json`` needs no data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..metrics.uncertainty import mover_ratio, newcombe_difference, wilson, z_value

Interval = tuple[float, float]


class Estimator:
    """An estimate that can give its interval at any confidence level."""

    method: str = ""

    def interval(self, level: float) -> Interval | None:
        raise NotImplementedError


@dataclass(frozen=True)
class Rate(Estimator):
    x: int
    n: int
    method: str = "Wilson score"

    def interval(self, level: float) -> Interval | None:
        lo, hi = wilson(self.x, self.n, level)
        return _pair(lo, hi)


@dataclass(frozen=True)
class Difference(Estimator):
    x: int
    n: int
    x_ref: int
    n_ref: int
    method: str = "Newcombe hybrid score"

    def interval(self, level: float) -> Interval | None:
        lo, hi = newcombe_difference(self.x, self.n, self.x_ref, self.n_ref, level)
        return _pair(lo, hi)


@dataclass(frozen=True)
class Ratio(Estimator):
    x: int
    n: int
    x_ref: int
    n_ref: int
    method: str = "MOVER-R with Wilson limits"

    def interval(self, level: float) -> Interval | None:
        lo, hi = mover_ratio(self.x, self.n, self.x_ref, self.n_ref, level)
        return _pair(lo, hi)


@dataclass(frozen=True)
class Rescaled(Estimator):
    """An interval stored at ``stored_level``, stretched or shrunk to another level."""

    value: float
    low: float
    high: float
    stored_level: float
    bounds: tuple[float, float] | None = None
    method: str = "stored interval rescaled by the ratio of normal quantiles"

    def interval(self, level: float) -> Interval | None:
        scale = z_value(level) / z_value(self.stored_level)
        lo = self.value - (self.value - self.low) * scale
        hi = self.value + (self.high - self.value) * scale
        if self.bounds is not None:  # a stretched interval must stay where the statistic can be
            lo, hi = max(lo, self.bounds[0]), min(hi, self.bounds[1])
        return (lo, hi)


@dataclass(frozen=True)
class Exact(Estimator):
    """A count or other figure without sampling uncertainty."""

    value: float
    method: str = "exact (no sampling uncertainty)"

    def interval(self, level: float) -> Interval | None:
        return (self.value, self.value)


def _pair(lo: object, hi: object) -> Interval | None:
    a, b = float(lo), float(hi)  # type: ignore[arg-type]
    if not (math.isfinite(a) and math.isfinite(b)):
        # MOVER-R's upper limit is infinite when the reference rate's lower limit is 0.
        if math.isfinite(a) and b == math.inf:
            return (a, math.inf)
        return None
    return (a, b)


# --------------------------------------------------------------------------- comparisons


def band_verdict(interval: Interval, comparison: str, threshold: float,
                 band: Interval | None) -> str | None:
    """'met' when the whole interval is on the right side, 'not met' when wholly on the
    wrong side, None (undecided) otherwise.

    >>> band_verdict((0.02, 0.08), "within", 0.1, (-0.1, 0.1))
    'met'
    >>> band_verdict((0.12, 0.3), "within", 0.1, (-0.1, 0.1))
    'not met'
    >>> band_verdict((0.05, 0.2), "<=", 0.1, None) is None
    True
    """
    lo, hi = interval
    if math.isnan(lo) or math.isnan(hi):
        return None
    if band is not None:
        if band[0] <= lo and hi <= band[1]:
            return "met"
        if lo > band[1] or hi < band[0]:
            return "not met"
        return None
    rules = {
        ">=": (lo >= threshold, hi < threshold),
        ">": (lo > threshold, hi <= threshold),
        "<=": (hi <= threshold, lo > threshold),
        "<": (hi < threshold, lo >= threshold),
    }
    met, not_met = rules[comparison]
    return "met" if met else "not met" if not_met else None


def decision_p_value(decide, smallest: float = 1e-12) -> float:
    """The smallest α at which the (1 − α) interval still reaches a verdict.

    ``decide(level)`` returns the verdict (or None) of the interval at ``level``.  Intervals
    are nested in the level, so the answer is found by bisection on log α.  It orders the
    comparisons for Holm's step-down procedure; 1.0 means no interval decides (the estimate
    sits on the threshold).
    """
    if decide(1e-9) is None:
        return 1.0
    if decide(1 - smallest) is not None:
        return smallest
    # Invariant: the interval at level 1 − exp(lo) does not decide; at 1 − exp(hi) it does.
    lo, hi = math.log(smallest), math.log(1 - 1e-9)
    for _ in range(45):
        mid = (lo + hi) / 2
        if decide(1 - math.exp(mid)) is not None:
            hi = mid
        else:
            lo = mid
    return math.exp(hi)
