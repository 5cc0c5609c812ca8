"""Tests and intervals at any level, recomputed from what ``results.json`` stores.

The Standard decides verdicts with one-sided tests against each criterion's margin (at α for
*met*, at Holm's adjusted levels for *not met*; :mod:`.decide`), so it needs each statistic's
one-sided p-value against any margin and its interval at any level.  Every estimator class
answers for a whole batch at once (:func:`tail_p`, :func:`intervals`), in closed form:

* a rate: the score test, whose inversion is Wilson's interval;
* a difference or ratio of two independent rates: the skewness- and continuity-corrected
  Miettinen–Nurminen score test (:mod:`.score`), whose tails hold at the adjusted levels
  (Newcombe's hybrid interval is liberal there); the audit publishes its inversion at 95%,
  so the published interval is the judge's at that level;
* any other statistic (ROC AUC, a bootstrapped calibration error...): a normal test read off
  its stored interval: each side's standard error is its distance from the estimate divided
  by ``z(stored level)``, so the interval at another level is the stored one stretched by
  ``z(level) / z(stored level)``, exact for DeLong's normal interval and a normal
  approximation otherwise.

A stored statistic that declares a test of a null value (``null_value`` and a one-sided
``p_value``, e.g. an ECE with its test of perfect calibration) keeps its interval coherent with
that test: at any level whose α is below the p-value, the lower limit is the null value.  A
statistic that also records the mean and standard deviation of its value under noise alone
(``chance_level``, ``chance_sd``: an ECE is at least its estimate minus the error noise alone
gives) gets its lower limit from that noise distribution at every level, because a resampled
p-value cannot go below 1/(replicates + 1), far above the α of an adjusted level.  An ECE's
``noise_model`` gives its upper limit (and the p-value of "below a margin") from the test the
audit inverted, at every level: stretching would be wrong for it in small groups (its limits
are not symmetric in the normal quantile).  An ECE publishes no interval at all (none covers
it whatever the spread of the error); :mod:`.units` rebuilds its two tests from those stored
figures.  Either way ``gate results.json`` needs no data.  Stored intervals are answered for
a whole batch in array operations (:mod:`.rescaled`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..metrics.calibration_error import ece_p_below, ece_upper_limit
from ..metrics.uncertainty import z_value
from . import rescaled, score

Interval = tuple[float, float]


class Estimator:
    """An estimate whose interval at any level, and one-sided p-value against any margin, can
    be recomputed from ``results.json``.

    The judge works on whole batches (:func:`tail_p`, :func:`intervals`): each class turns a
    list of its estimators into arrays once and answers for all of them in closed form.
    """

    method: str = ""

    def interval(self, level: float) -> Interval | None:
        lo, hi = intervals([self], np.array([level]))
        return _pair(lo[0], hi[0])

    @classmethod
    def batch_p(cls, ests: list[Estimator], t: np.ndarray, greater: bool) -> np.ndarray:
        """One-sided p-values for ``H1: θ > t`` (``greater``) or ``θ < t``: the lower
        (upper) limit of the two-sided (1 − 2a) interval is beyond ``t`` exactly when
        ``a`` is at least the p-value."""
        raise NotImplementedError

    @classmethod
    def batch_interval(cls, ests: list[Estimator], level: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError


def _fields(ests: list, *names: str) -> list[np.ndarray]:
    return [np.array([getattr(e, k) for e in ests], dtype=float) for k in names]


@dataclass(frozen=True)
class Rate(Estimator):
    """A rate; its interval is Wilson's score interval, whose limits invert the score test."""

    x: int
    n: int
    method: str = "Wilson score"

    @classmethod
    def batch_p(cls, ests, t, greater):
        x, n = _fields(ests, "x", "n")
        tt = np.clip(t, 1e-12, 1 - 1e-12)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (x / n - tt) / np.sqrt(tt * (1 - tt) / n)
        p = stats.norm.sf(z) if greater else stats.norm.cdf(z)
        if greater:
            return np.where(t < 0, 0.0, np.where(t >= 1, 1.0, p))
        return np.where(t > 1, 0.0, np.where(t <= 0, 1.0, p))

    @classmethod
    def batch_interval(cls, ests, level):
        x, n = _fields(ests, "x", "n")
        z = stats.norm.isf((1 - np.asarray(level, float)) / 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = x / n
            centre = (p + z * z / (2 * n)) / (1 + z * z / n)
            half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
            lo = np.where(x == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
            hi = np.where(x == n, 1.0, np.clip(centre + half, 0.0, 1.0))
        return np.where(n > 0, lo, np.nan), np.where(n > 0, hi, np.nan)


@dataclass(frozen=True)
class Difference(Estimator):
    """``x/n − x_ref/n_ref``: the skewness- and continuity-corrected Miettinen–Nurminen score
    test and the interval that inverts it (:mod:`.score`)."""

    x: int
    n: int
    x_ref: int
    n_ref: int
    method: str = "Miettinen-Nurminen score, skewness and continuity corrected"

    @classmethod
    def batch_p(cls, ests, t, greater):
        c = _fields(ests, "x", "n", "x_ref", "n_ref")
        return (score.p_greater_difference if greater else score.p_less_difference)(*c, t)

    @classmethod
    def batch_interval(cls, ests, level):
        return score.interval_difference(*_fields(ests, "x", "n", "x_ref", "n_ref"), level)


@dataclass(frozen=True)
class Ratio(Estimator):
    """``(x/n) / (x_ref/n_ref)``, likewise (:mod:`.score`)."""

    x: int
    n: int
    x_ref: int
    n_ref: int
    method: str = "Miettinen-Nurminen score, skewness and continuity corrected"

    @classmethod
    def batch_p(cls, ests, t, greater):
        c = _fields(ests, "x", "n", "x_ref", "n_ref")
        return (score.p_greater_ratio if greater else score.p_less_ratio)(*c, t)

    @classmethod
    def batch_interval(cls, ests, level):
        return score.interval_ratio(*_fields(ests, "x", "n", "x_ref", "n_ref"), level)


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
    #: An ECE's ``noise_model`` (``sum_w_sd``, ``root_sum_w2_var``, ``sum_w3_sd3``): its upper
    #: limit and the p-value of "below a margin" come from the test the audit inverted, at
    #: any level (:mod:`essex_standard.metrics.calibration_error`), not from stretching.
    upper_model: tuple[float, float, float] | None = None
    method: str = "stored interval rescaled by the ratio of normal quantiles"

    def _se(self) -> tuple[float, float]:
        z = z_value(self.stored_level)
        return (self.value - self.low) / z, (self.high - self.value) / z

    def _interval(self, level: float) -> Interval:
        scale = z_value(level) / z_value(self.stored_level)
        lo = self.value - (self.value - self.low) * scale
        hi = self.value + (self.high - self.value) * scale
        if self.upper_model is not None:
            hi = float(ece_upper_limit(self.value, *self.upper_model, level))
        if self.noise is not None and self.null_value is not None:
            lo = max(self.null_value, self.value - noise_quantile(*self.noise, (1 + level) / 2))
        elif self.null_value is not None and self.p_value is not None \
                and self.p_value > 1 - level:
            lo = min(lo, self.null_value)
        if self.bounds is not None:  # a stretched interval must stay where the statistic can be
            lo, hi = max(lo, self.bounds[0]), min(hi, self.bounds[1])
        return (min(lo, hi), hi)

    def _p(self, t: float, greater: bool) -> float:
        se_lo, se_hi = self._se()
        if greater:
            if self.bounds is not None and self.bounds[0] > t:
                return 0.0
            if self.null_value is not None and self.null_value > t:
                # the lower limit never goes below the null value (noise), or only does so
                # together with the normal limit (a stored p-value)
                return 0.0 if self.noise is not None else _normal_p(self.value - t, se_lo)
            if self.noise is not None and self.null_value is not None:
                mean, sd = self.noise
                if sd <= 0 or mean <= 0:
                    return 0.0 if self.value - max(mean, 0.0) > t else 1.0
                shape, scale = (mean / sd) ** 2, sd * sd / mean
                return float(stats.gamma.sf(self.value - t, shape, scale=scale))
            p = _normal_p(self.value - t, se_lo)
            if self.null_value is not None and self.p_value is not None:
                p = max(p, self.p_value / 2)
            return p
        if self.bounds is not None and self.bounds[1] < t:
            return 0.0
        if self.upper_model is not None:
            return float(ece_p_below(self.value, *self.upper_model, t))
        return _normal_p(t - self.value, se_hi)

    def _row(self) -> tuple:
        return (self.value, self.low, self.high, self.stored_level, self.bounds,
                self.null_value, self.p_value, self.noise, self.upper_model)

    @classmethod
    def batch_p(cls, ests, t, greater):
        """All p-values in a fixed number of array operations (:mod:`.rescaled`); ``_p`` is
        the same rule for one estimator."""
        return rescaled.p_value(rescaled.Fields.of([e._row() for e in ests]), t, greater)

    @classmethod
    def batch_interval(cls, ests, level):
        return rescaled.interval(rescaled.Fields.of([e._row() for e in ests]), level)


def _normal_p(distance: float, se: float) -> float:
    """One-sided normal p-value that an estimate ``distance`` beyond a margin (positive: on
    the far side) got there by chance, given its standard error."""
    if se <= 0 or not math.isfinite(se):
        return 0.0 if distance > 0 else 1.0
    return float(stats.norm.sf(distance / se))


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

    @classmethod
    def batch_p(cls, ests, t, greater):
        v = np.array([e.value for e in ests], float)
        return np.where(v > t, 0.0, 1.0) if greater else np.where(v < t, 0.0, 1.0)

    @classmethod
    def batch_interval(cls, ests, level):
        v = np.array([e.value for e in ests], float)
        return v, v


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


# --------------------------------------------------------------------------- batches


def _by_class(ests: list[Estimator]) -> dict[type, list[int]]:
    out: dict[type, list[int]] = {}
    for i, e in enumerate(ests):
        out.setdefault(type(e), []).append(i)
    return out


def tail_p(ests: list[Estimator], t: np.ndarray, greater: bool) -> np.ndarray:
    """One-sided p-values of every estimator against its margin ``t`` (vectorised by class;
    an infinite margin gives 1 on its own side: nothing is beyond it).

    >>> ests = [Difference(25, 25, 30, 200), Difference(30, 200, 25, 200)]
    >>> [round(float(p), 4) for p in tail_p(ests, np.array([0.1, 0.1]), greater=True)]
    [0.0, 0.9806]
    """
    t = np.asarray(t, float)
    out = np.ones(len(ests))
    finite = np.isfinite(t)
    for cls, idx in _by_class(ests).items():
        keep = [i for i in idx if finite[i]]
        if keep:
            out[keep] = cls.batch_p([ests[i] for i in keep], t[keep], greater)
    return np.where(np.isnan(out), 1.0, out)


def intervals(ests: list[Estimator], level: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided intervals of every estimator, each at its own level."""
    level = np.broadcast_to(np.asarray(level, float), (len(ests),))
    lo, hi = np.full(len(ests), np.nan), np.full(len(ests), np.nan)
    for cls, idx in _by_class(ests).items():
        a, b = cls.batch_interval([ests[i] for i in idx], level[idx])
        lo[idx], hi[idx] = a, b
    return lo, hi
