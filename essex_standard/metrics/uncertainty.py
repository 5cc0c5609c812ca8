"""Intervals and tests for proportions, their differences and ratios, and the cell bootstrap.

Closed forms are used wherever one exists, because they can be recomputed from
``results.json`` alone (the Standard re-derives intervals at a multiplicity-adjusted level
from the stored numerators and denominators):

* a rate: Wilson score interval (Wilson 1927), which behaves at 0 and 1 where the Wald
  interval collapses, with Brown, Cai & DasGupta's (2001) modification at 1–3 events;
* a difference or ratio of two independent rates between groups: the inversion of the
  Standard's own score test (:func:`score_difference`, :func:`score_ratio`), so that the
  published interval agrees with the verdict; Newcombe's hybrid score interval (Newcombe
  1998, method 10: MOVER applied to Wilson limits) and MOVER-R (Donner & Zou 2012) remain
  for drift and as references;
* the average odds difference: MOVER over the four Wilson limits involved.

The Theil index of everyone audited is bootstrapped by resampling the
**cells** of the count table: drawing each group's four cells from a multinomial with that
group's size is exactly a stratified row bootstrap, at the cost of a few thousand numbers.

The bootstrap draws come from :func:`bootstrap_stream`, numpy's *legacy* ``RandomState``
driven by a ``PCG64`` bit generator.  numpy freezes both (NEP 19: a bit generator's raw
stream, and every ``RandomState`` method, give the same values for the same seed in every
numpy version, up to roundoff), whereas ``Generator`` methods such as ``multinomial`` may
change their algorithm in any minor release — which moved 295 published figures by up to
0.03 between numpy 2.4 and 2.5.  ``tests/test_coverage_bootstrap.py`` pins known counts for a
fixed seed: that test is the stability promise.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from functools import lru_cache

import numpy as np


@lru_cache(maxsize=256)
def z_value(level: float) -> float:
    """Two-sided normal quantile for a confidence level, e.g. 1.96 for 0.95.

    Cached: an audit asks for the same few levels thousands of times.  A miss (the Standard
    asks for many adjusted levels) calls ``special.ndtri`` directly: the very function behind
    ``stats.norm.ppf``, bit for bit, without its ~0.3 ms of argument checking per call.

    >>> from scipy import stats
    >>> z_value(0.95) == float(stats.norm.ppf(0.975))
    True
    """
    from scipy import special  # not at the top: importing the pipeline stays light

    return float(special.ndtri(0.5 + level / 2))


@lru_cache(maxsize=64)
def _poisson_lower(level: float) -> np.ndarray:
    """``½·χ²(1 − level; 2k)`` for k = 0..3: the one-sided Poisson lower limit of k events."""
    from scipy import stats

    return np.array([0.0, *(float(stats.gamma.ppf(1 - level, k)) for k in (1, 2, 3))])


def wilson(numerator, denominator, level: float = 0.95):
    """Wilson score interval for ``numerator / denominator``, with Brown, Cai & DasGupta's
    (2001) modification at 1–3 events (vectorised; NaN where den = 0).

    The plain Wilson interval covers only about 84% when the true rate is near ``0.2 / n``
    (its lower limit for 1 or 2 events is too high).  Brown, Cai & DasGupta replace the lower
    limit for ``x = 1 … x*`` events (``x* = 2`` when ``n ≤ 50``, else 3) by the Poisson
    limit ``½·χ²(1 − level; 2x) / n``, and the upper limit symmetrically for ``n − x``; the
    smallest coverage over all rates then rises to about 92–93% (exact enumeration in
    ``tests/test_coverage.py``).

    >>> [round(float(x), 4) for x in wilson(0, 10)]
    [0.0, 0.2775]
    >>> [round(float(x), 5) for x in wilson(1, 60)]
    [0.00085, 0.08855]
    """
    if np.ndim(numerator) == 0 and np.ndim(denominator) == 0:
        return _wilson_scalar(float(numerator), float(denominator), level)
    x = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    z = z_value(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        lo = np.where(x == 0, 0.0, centre - half)
        hi = np.where(x == n, 1.0, centre + half)
        few = np.where(n <= 50, 2, 3)
        table = _poisson_lower(level)  # ½χ²(1 − level; 2k) for k = 0..3
        lo = np.where((x >= 1) & (x <= few), table[np.clip(x, 0, 3).astype(int)] / n, lo)
        k = np.clip(n - x, 0, 3).astype(int)
        hi = np.where((n - x >= 1) & (n - x <= few), 1 - table[k] / n, hi)
    lo = np.where(n > 0, np.clip(lo, 0.0, 1.0), np.nan)
    hi = np.where(n > 0, np.clip(hi, 0.0, 1.0), np.nan)
    return lo, hi


def _wilson_scalar(x: float, n: float, level: float) -> tuple[np.float64, np.float64]:
    """:func:`wilson` for one rate, the same operations in the same order without arrays.

    An audit asks for hundreds of single intervals, and numpy's per-call overhead on 0-d
    arrays was most of their cost; ``tests/test_coverage.py`` checks both paths agree bit
    for bit.
    """
    if not n > 0:
        return np.float64(np.nan), np.float64(np.nan)
    z = z_value(level)
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    lo = 0.0 if x == 0 else centre - half
    hi = 1.0 if x == n else centre + half
    few = 2 if n <= 50 else 3
    if 1 <= x <= few:
        lo = float(_poisson_lower(level)[int(min(max(x, 0), 3))]) / n
    if 1 <= n - x <= few:
        hi = 1 - float(_poisson_lower(level)[int(min(max(n - x, 0), 3))]) / n
    return np.float64(min(max(lo, 0.0), 1.0)), np.float64(min(max(hi, 0.0), 1.0))


def mover_difference(p1, l1, u1, p2, l2, u2):
    """MOVER interval for ``p1 − p2`` from each estimate's own limits (Zou & Donner 2008).

    Independent estimates: ``[d − √((p1 − l1)² + (u2 − p2)²), d + √((u1 − p1)² + (p2 − l2)²)]``.
    With Wilson limits this is Newcombe's method 10; with Newcombe's AUC score limits it is the
    AUC difference interval.
    """
    d = p1 - p2
    lo = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    return lo, d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def mover_ratio_from_limits(p1, l1, u1, p2, l2, u2):
    """MOVER-R interval for ``p1 / p2`` from each estimate's limits (Donner & Zou 2012).

    Needs ``p2 > 0``; the upper limit is infinite when ``l2 = 0``.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        a = p1 * p2
        lo = (a - np.sqrt(np.maximum(a * a - l1 * u2 * (2 * p1 - l1) * (2 * p2 - u2), 0.0))) / (
            u2 * (2 * p2 - u2)
        )
        hi_den = l2 * (2 * p2 - l2)
        hi = (
            a + np.sqrt(np.maximum(a * a - u1 * l2 * (2 * p1 - u1) * (2 * p2 - l2), 0.0))
        ) / hi_den
        hi = np.where(hi_den > 0, hi, np.inf)
    return np.maximum(lo, 0.0), hi


def newcombe_difference(x1, n1, x2, n2, level: float = 0.95):
    """Newcombe's hybrid score interval for ``x1/n1 - x2/n2`` (independent samples)."""
    p1 = np.asarray(x1, float) / np.asarray(n1, float)
    p2 = np.asarray(x2, float) / np.asarray(n2, float)
    l1, u1 = wilson(x1, n1, level)
    l2, u2 = wilson(x2, n2, level)
    lo, hi = mover_difference(p1, l1, u1, p2, l2, u2)
    return np.clip(lo, -1.0, 1.0), np.clip(hi, -1.0, 1.0)


def score_difference(x1, n1, x2, n2, level=0.95):
    """The Standard's interval for ``x1/n1 − x2/n2``: the inversion of its skewness- and
    continuity-corrected Miettinen–Nurminen score test (:mod:`essex_standard.standard.score`),
    for every comparison at once.  Its lower limit is above a margin exactly when the
    Standard's one-sided test rejects at ``(1 − level)/2``, so the interval a reader sees
    agrees with the verdict, and each tail errs at most 1.25× its nominal rate at the
    Standard's levels (Newcombe's errs up to 4×).

    >>> [round(float(v), 4) for v in score_difference(56, 70, 48, 80)]
    [0.0465, 0.3462]
    """
    from ..standard import score  # the judge's own test; imported where used (import time)

    return score.interval_difference(x1, n1, x2, n2, level)


def score_ratio(x1, n1, x2, n2, level=0.95):
    """The same for ``(x1/n1) / (x2/n2)`` (score test of the ratio, Miettinen & Nurminen
    1985, with the same corrections); 0 as lower limit when ``x1`` is 0, infinite upper
    limit when ``x2`` is 0."""
    from ..standard import score

    return score.interval_ratio(x1, n1, x2, n2, level)


def score_intervals(x1, n1, x2, n2, level=0.95):
    """:func:`score_difference` and :func:`score_ratio` of the same pairs in one root search:
    ``(difference_lo, difference_hi, ratio_lo, ratio_hi)``, the ratio NaN where ``x2`` is 0."""
    from ..standard import score

    return score.interval_both(x1, n1, x2, n2, level)


def mover_ratio(x1, n1, x2, n2, level: float = 0.95):
    """MOVER-R interval (Donner & Zou 2012) for ``(x1/n1) / (x2/n2)``; NaN when x2 = 0."""
    x1, n1, x2, n2 = (np.asarray(v, float) for v in (x1, n1, x2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, level)
    l2, u2 = wilson(x2, n2, level)
    lo, hi = mover_ratio_from_limits(p1, l1, u1, p2, l2, u2)
    valid = x2 > 0
    return np.where(valid, lo, np.nan), np.where(valid, hi, np.nan)


def average_odds_interval(tp_u, pos_u, fp_u, neg_u, tp_p, pos_p, fp_p, neg_p,
                          level: float = 0.95):
    """MOVER interval for the average odds difference ``½[(TPR_u − TPR_p) + (FPR_u − FPR_p)]``.

    The four rates come from four disjoint sets of people (positives and negatives of each
    side), so they are independent given those counts; MOVER adds the Wilson distances of all
    four (Zou & Donner 2008), exactly as Newcombe's interval does for two.  Unlike the
    percentile bootstrap it replaced, it covers at 95% when a side is small and its rates are
    low (bootstrap: 82% with 60 people against 5,000).  Returns ``(lo, hi)``; NaN where a rate
    is undefined.

    >>> [round(float(v), 4) for v in average_odds_interval(8, 10, 2, 40, 80, 100, 10, 400)]
    [-0.1476, 0.1224]
    """
    parts = []
    for x1, n1, x0, n0 in ((tp_u, pos_u, tp_p, pos_p), (fp_u, neg_u, fp_p, neg_p)):
        x1, n1, x0, n0 = (np.asarray(v, float) for v in (x1, n1, x0, n0))
        with np.errstate(divide="ignore", invalid="ignore"):
            p1, p0 = x1 / n1, x0 / n0
        l1, u1 = wilson(x1, n1, level)
        l0, u0 = wilson(x0, n0, level)
        parts.append((p1 - p0, (p1 - l1) ** 2 + (u0 - p0) ** 2, (u1 - p1) ** 2 + (p0 - l0) ** 2))
    d = parts[0][0] + parts[1][0]
    lo = 0.5 * (d - np.sqrt(parts[0][1] + parts[1][1]))
    hi = 0.5 * (d + np.sqrt(parts[0][2] + parts[1][2]))
    return np.clip(lo, -1.0, 1.0), np.clip(hi, -1.0, 1.0)


def two_proportion_p_value(x1, n1, x2, n2):
    """Two-sided p-value of the pooled two-proportion z-test (H0: equal rates).

    When the pooled rate is 0 or 1 both observed rates are equal, and the p-value is 1.
    """
    from scipy import stats

    x1, n1, x2, n2 = (np.asarray(v, float) for v in (x1, n1, x2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (x1 + x2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (x1 / n1 - x2 / n2) / se
        p = 2 * stats.norm.sf(np.abs(z))
    p = np.where(se > 0, p, 1.0)
    return np.where((n1 > 0) & (n2 > 0), p, np.nan)


#: Anything with numpy's ``multinomial`` and ``binomial`` methods.  The audit always passes a
#: :func:`bootstrap_stream`; tests may pass a ``Generator``.
Stream = np.random.RandomState | np.random.Generator


def bootstrap_stream(seed: int, name: str) -> np.random.RandomState:
    """The random stream for one named part of an audit (an attribute, ``(overall)``, ...).

    Seeded from ``seed`` and the name, so adding an attribute changes no other attribute's
    intervals.  ``SeedSequence`` and ``PCG64`` are fixed algorithms and ``RandomState``'s
    methods are frozen by numpy's compatibility policy, so the same seed gives the same
    replicates under every numpy version (a ``Generator`` does not promise this).

    >>> bootstrap_stream(0, "sex").multinomial(100, [0.2, 0.3, 0.5]).tolist()
    [23, 25, 52]
    """
    seq = np.random.SeedSequence([seed, zlib.crc32(name.encode())])
    return np.random.RandomState(np.random.PCG64(seq))


def multinomial_cells(counts: np.ndarray, replicates: int, rng: Stream) -> np.ndarray:
    """Resample a ``(G, ...)`` count table ``replicates`` times, group sizes held fixed.

    Each group's cells are drawn from a multinomial with the group's observed size and cell
    proportions — the stratified bootstrap, done on counts instead of rows.
    Returns an array of shape ``(replicates, G, ...)``.
    """
    shape = counts.shape
    flat = counts.reshape(shape[0], -1).astype(np.int64)
    sizes = flat.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        probs = np.where(sizes[:, None] > 0, flat / np.maximum(sizes[:, None], 1), 0.0)
    draws = np.zeros((replicates, *flat.shape), dtype=np.int64)
    for g in range(flat.shape[0]):
        if sizes[g] > 0:
            draws[:, g, :] = rng.multinomial(sizes[g], probs[g], size=replicates)
    return draws.reshape(replicates, *shape)


def percentile_interval(
    replicates: np.ndarray, level: float = 0.95, max_undefined: float = 0.05
) -> tuple[tuple[float, float] | None, str | None]:
    """Percentile interval of bootstrap replicates, or ``None`` with a reason.

    Replicates in which the statistic is undefined (NaN) are not silently dropped beyond a
    small share: if more than ``max_undefined`` of them are undefined, the interval would be
    conditional on an unrepresentative subset, so none is given.
    """
    values = np.asarray(replicates, float)
    finite = values[np.isfinite(values)]
    share_bad = 1 - len(finite) / max(len(values), 1)
    if len(values) == 0:
        return None, "no bootstrap replicates were drawn (bootstrap: 0)"
    if share_bad > max_undefined:
        return None, (
            f"the statistic is undefined in {share_bad:.0%} of bootstrap replicates "
            "(too few people in a group), so no interval is given"
        )
    alpha = (1 - level) / 2
    lo, hi = np.quantile(finite, [alpha, 1 - alpha])
    return (float(lo), float(hi)), None


def bootstrap_statistic(
    counts: np.ndarray,
    statistic: Callable[[np.ndarray], np.ndarray],
    replicates: int,
    rng: Stream,
    level: float = 0.95,
) -> tuple[tuple[float, float] | None, str | None]:
    """Bootstrap interval of ``statistic(counts)`` by resampling cells.

    ``statistic`` must accept a batch of tables with a leading replicate axis.
    """
    if replicates == 0:
        return None, "bootstrap is switched off (bootstrap: 0)"
    draws = multinomial_cells(counts, replicates, rng)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = statistic(draws)
    return percentile_interval(values, level)
