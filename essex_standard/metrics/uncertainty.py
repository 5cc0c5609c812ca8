"""Intervals and tests for proportions, their differences and ratios, and the cell bootstrap.

Closed forms are used wherever one exists, because they can be recomputed from
``results.json`` alone (the Standard re-derives intervals at a multiplicity-adjusted level
from the stored numerators and denominators):

* a rate: Wilson score interval (Wilson 1927), which behaves at 0 and 1 where the Wald
  interval collapses;
* a difference of two independent rates: Newcombe's hybrid score interval (Newcombe 1998,
  method 10), i.e. MOVER applied to Wilson limits;
* a ratio of two independent rates: MOVER-R (Donner & Zou 2012), built from the same Wilson
  limits; unlike the Katz log interval it is defined when a numerator is 0.

Everything else (average odds difference, Theil index, ...) is bootstrapped by resampling the
**cells** of the count table: drawing each group's four cells from a multinomial with that
group's size is exactly a stratified row bootstrap, at the cost of a few thousand numbers.
"""

from __future__ import annotations

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


def wilson(numerator, denominator, level: float = 0.95):
    """Wilson score interval for ``numerator / denominator`` (vectorised; NaN where den = 0).

    >>> [round(float(x), 4) for x in wilson(0, 10)]
    [0.0, 0.2775]
    """
    x = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    z = z_value(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        lo = np.where(x == 0, 0.0, centre - half)
        hi = np.where(x == n, 1.0, centre + half)
    lo = np.where(n > 0, np.clip(lo, 0.0, 1.0), np.nan)
    hi = np.where(n > 0, np.clip(hi, 0.0, 1.0), np.nan)
    return lo, hi


def newcombe_difference(x1, n1, x2, n2, level: float = 0.95):
    """Newcombe's hybrid score interval for ``x1/n1 - x2/n2`` (independent samples)."""
    p1 = np.asarray(x1, float) / np.asarray(n1, float)
    p2 = np.asarray(x2, float) / np.asarray(n2, float)
    l1, u1 = wilson(x1, n1, level)
    l2, u2 = wilson(x2, n2, level)
    d = p1 - p2
    lo = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return np.clip(lo, -1.0, 1.0), np.clip(hi, -1.0, 1.0)


def mover_ratio(x1, n1, x2, n2, level: float = 0.95):
    """MOVER-R interval (Donner & Zou 2012) for ``(x1/n1) / (x2/n2)``; NaN when x2 = 0."""
    x1, n1, x2, n2 = (np.asarray(v, float) for v in (x1, n1, x2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = x1 / n1, x2 / n2
        l1, u1 = wilson(x1, n1, level)
        l2, u2 = wilson(x2, n2, level)
        a = p1 * p2
        lo = (a - np.sqrt(np.maximum(a * a - l1 * u2 * (2 * p1 - l1) * (2 * p2 - u2), 0.0))) / (
            u2 * (2 * p2 - u2)
        )
        hi_den = l2 * (2 * p2 - l2)
        hi = (
            a + np.sqrt(np.maximum(a * a - u1 * l2 * (2 * p1 - u1) * (2 * p2 - l2), 0.0))
        ) / hi_den
        hi = np.where(hi_den > 0, hi, np.inf)
    valid = x2 > 0
    lo = np.where(valid, np.maximum(lo, 0.0), np.nan)
    hi = np.where(valid, hi, np.nan)
    return lo, hi


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


def multinomial_cells(counts: np.ndarray, replicates: int, rng: np.random.Generator) -> np.ndarray:
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
    rng: np.random.Generator,
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
