"""Intervals at any confidence level, recomputed from what ``results.json`` stores.

The Standard decides verdicts with intervals wider than the audit's 95% ones (adjusted for
the number of comparisons), so it needs each interval at an arbitrary level.  Rates and their
differences and ratios are recomputed exactly from their stored counts (Wilson, Newcombe,
MOVER-R: the same methods the audit used).  Any other statistic (ROC AUC, a bootstrapped
calibration error...) is rescaled from its stored interval: each side's distance from the
estimate is multiplied by ``z(level) / z(stored level)``, exact for DeLong's normal interval
and a normal approximation otherwise.  A stored statistic that declares a test of a null value
(``null_value`` and a one-sided ``p_value``, e.g. an ECE with its test of perfect calibration)
keeps its interval coherent with that test: at any level whose α is below the p-value, the
lower limit is the null value.  A statistic that also records the mean and standard deviation
of its value under noise alone (``chance_level``, ``chance_sd``: an ECE is at least its
estimate minus the error noise alone gives) gets its lower limit from that noise distribution
at every level, because a resampled p-value cannot go below 1/(replicates + 1), far above the
α of an adjusted level.  Either way ``gate results.json`` needs no data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

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
    """An interval stored at ``stored_level``, stretched or shrunk to another level.

    ``null_value`` and ``p_value``: the statistic's own one-sided test of ``null_value``
    against larger values (e.g. ECE = 0, perfect calibration).  At a level ``1 − α`` with
    ``α < p_value`` the test does not reject, so the lower limit is the null value: no
    interval may exclude a value its own test cannot rule out.

    >>> est = Rescaled(0.09, 0.06, 0.12, 0.95, (0.0, 1.0), null_value=0.0, p_value=0.02)
    >>> [round(x, 3) for x in est.interval(0.95)], [round(x, 3) for x in est.interval(0.99)]
    ([0.06, 0.12], [0.0, 0.129])
    """

    value: float
    low: float
    high: float
    stored_level: float
    bounds: tuple[float, float] | None = None
    null_value: float | None = None
    p_value: float | None = None
    #: (mean, sd) of the statistic under noise alone (``chance_level``, ``chance_sd``).
    noise: tuple[float, float] | None = None
    method: str = "stored interval rescaled by the ratio of normal quantiles"

    def interval(self, level: float) -> Interval | None:
        scale = z_value(level) / z_value(self.stored_level)
        lo = self.value - (self.value - self.low) * scale
        hi = self.value + (self.high - self.value) * scale
        if self.noise is not None and self.null_value is not None:
            lo = max(self.null_value, self.value - noise_quantile(*self.noise, (1 + level) / 2))
        elif self.null_value is not None and self.p_value is not None \
                and self.p_value > 1 - level:
            lo = min(lo, self.null_value)
        if self.bounds is not None:  # a stretched interval must stay where the statistic can be
            lo, hi = max(lo, self.bounds[0]), min(hi, self.bounds[1])
        return (min(lo, hi), hi)


def noise_quantile(mean: float, sd: float, q: float) -> float:
    """Quantile ``q`` of a statistic's noise-only distribution, from its mean and standard
    deviation: a gamma distribution with those moments (noise-only calibration errors are
    positive and skewed to the right; the gamma's tail is heavier than the normal's, so the
    lower limit it gives errs towards "not shown").

    >>> round(noise_quantile(0.04, 0.01, 0.5), 4), round(noise_quantile(0.04, 0.01, 0.9995), 4)
    (0.0392, 0.0812)
    """
    if sd <= 0 or mean <= 0:
        return max(mean, 0.0)
    shape, scale = (mean / sd) ** 2, sd * sd / mean
    return float(stats.gamma.ppf(q, shape, scale=scale))


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
