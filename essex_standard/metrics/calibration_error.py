"""Expected and maximum calibration error from bin tables, and the tests that judge ECE.

The plug-in ECE ``Σ_b w_b·|d̂_b|`` (``w_b`` the bin's share of people, ``d̂_b`` its observed
rate minus its mean predicted risk) is the figure the literature reports, so it stays the
published value.  It is biased upwards by noise: a bin's gap near 0 is folded by the absolute
value.  A percentile bootstrap of it does not centre on the truth (it covered 99.8%), and no
interval can cover at exactly the nominal rate whatever the truth, because the sampling
distribution of the plug-in ECE depends on how the error is spread over the bins, not only on
the ECE.  So each limit is built for the spread that is *least favourable to it*, which makes
it hold for every spread and exact at that one:

* **upper limit** — for a true ECE ``e`` the expected plug-in ECE is smallest when every bin's
  gap is proportional to its noise, ``|d_b| = c·σ_b`` (Jensen: the folded mean is convex in
  the gap); there the plug-in ECE is a sum of folded normals with closed-form mean and
  variance and skewness.  The upper limit is the largest ``e`` whose plug-in ECE has its
  lower ``(1 − level)/2`` quantile (a shifted gamma with those three moments) at or below
  the observed value: the inversion of a one-sided test, exact for an even spread (a
  constant shift of risk);
* **lower limit** — the estimate minus the upper quantile of the error noise alone gives
  (bin by bin ``|d̂_b| ≤ |d_b| + |noise_b|``), close to exact when the error sits in one bin.

A true ECE of 0 can err only in the lower tail, so a two-sided 95% interval built this way
covers about 97.5% there, about 98% at a constant shift and up to 99% where neither limit is
exact: outside the 93–97% every published interval must reach, and no construction can do
better for every spread.  So **no ECE interval is published** (``ci`` null with
:data:`ECE_NO_INTERVAL`); the two limits are the one-sided tests the Standard inverts at its
own levels (each errs at most its nominal rate, whatever the spread): its lower limit from
``chance_level``/``chance_sd``, its upper limit and the p-value of "below a threshold" from
the three numbers stored as ``noise_model``
(:class:`essex_standard.standard.intervals.Rescaled`).  :mod:`.coverage_calibration` and
``docs/coverage.md`` give the simulated coverage.

>>> hi = float(ece_upper_limit(0.05, 0.04, 0.015, 3e-6, 0.95))
>>> round(hi, 4), round(float(ece_p_below(0.05, 0.04, 0.015, 3e-6, hi)), 4)
(0.0759, 0.025)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special, stats

_SQRT_2_PI = float(np.sqrt(2 / np.pi))

ECE_METHOD = (
    "tests, no published interval: 'below a threshold' by the one-sided test of each true "
    "ECE at its least favourable spread over bins (every bin's gap proportional to its noise; "
    "folded-normal moments, shifted-gamma quantile; noise_model); 'above' by the estimate "
    "minus the upper quantile of the error of perfectly calibrated redraws (noise alone: "
    "chance_level, chance_sd, p_value)"
)

MCE_NO_INTERVAL = (
    "no interval: the maximum calibration error is the largest of the bins' gaps, and the "
    "largest of several noisy gaps lies above the largest true gap (with 10 bins, far above "
    "it in a small group), so no resampling interval covers the truth; the p-value tests "
    "perfect calibration instead (docs/calibration.md)"
)


ECE_NO_INTERVAL = (
    "no interval: how often any interval for the expected calibration error covers the true "
    "error depends on how the error is spread over the bins, not only on its size, so none "
    "covers at 95% whatever the spread (the best one, built for the least favourable spread, "
    "covers 97-99%). The error is judged with two one-sided tests instead: p_value tests "
    "perfect calibration (is the error more than noise alone gives?), and noise_model lets the "
    "Standard test whether it is below its threshold (docs/calibration.md)"
)


def ece_from_cells(counts: np.ndarray, sum_p: np.ndarray) -> np.ndarray:
    """Expected calibration error of ``(..., B, 2)`` tables: ``Σ_b |positives_b − Σp_b| / n``.

    That is ``Σ_b (n_b / n)·|observed_b − mean predicted_b|`` with equal-mass bins.
    """
    gap = np.abs(counts[..., 1] - sum_p.sum(axis=-1))
    n = counts.sum(axis=(-2, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, gap.sum(axis=-1) / np.where(n > 0, n, 1), np.nan)


def mce_from_cells(counts: np.ndarray, sum_p: np.ndarray) -> np.ndarray:
    """Maximum calibration error: the largest ``|observed_b − mean predicted_b|`` over bins."""
    n_b = counts.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.abs(counts[..., 1] - sum_p.sum(axis=-1)) / n_b
    gap = np.where(n_b > 0, gap, -np.inf)
    out = gap.max(axis=-1)
    return np.where(np.isfinite(out), out, np.nan)


def noise_model(counts: np.ndarray, sum_p: np.ndarray, sum_sq: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(Σ_b w_b·σ_b, √Σ_b w_b²·σ_b², Σ_b w_b³·σ_b³)`` of ``(..., B, 2)`` tables: the bins'
    noise, all the upper limit needs.

    ``σ_b² = Σ p(1 − p) / n_b²`` is the variance of a bin's observed rate if the scores are
    right (Poisson-binomial).  ``Σp²`` comes from the stored squared errors: ``Σ(y − p)²`` is
    ``Σp²`` for people without the outcome and ``n₁ − 2Σp + Σp²`` for those with it.
    """
    sum_p2 = sum_sq[..., 0] + sum_sq[..., 1] - counts[..., 1] + 2 * sum_p[..., 1]
    var_sum = np.maximum(sum_p.sum(axis=-1) - sum_p2, 0.0)  # Σ p(1 − p) per bin
    n_b = counts.sum(axis=-1)
    n = n_b.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        w_sd = np.where(n_b > 0, np.sqrt(var_sum) / np.maximum(n, 1), 0.0)  # w_b·σ_b
    return w_sd.sum(axis=-1), np.sqrt((w_sd * w_sd).sum(axis=-1)), (w_sd**3).sum(axis=-1)


def _folded(c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, variance and third central moment of ``|N(c, 1)|``."""
    tail = 1 - 2 * special.ndtr(-c)  # stats.norm.cdf without its per-call argument checks
    dens = _SQRT_2_PI * np.exp(-c * c / 2)
    mean = dens + c * tail
    var = np.maximum(c * c + 1 - mean * mean, 1e-12)
    third = (c * c + 2) * dens + (c**3 + 3 * c) * tail  # E|X|³
    return mean, var, third - 3 * mean * (c * c + 1) + 2 * mean**3


def _moments(e: np.ndarray, a: np.ndarray, b: np.ndarray, t3: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, variance and third cumulant of the plug-in ECE when the true ECE ``e`` is spread
    over the bins in proportion to their noise (``|d_b| = c·σ_b`` with ``c = e / a``): a sum
    of independent scaled folded normals."""
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(a > 0, e / np.where(a > 0, a, 1), 0.0)
    fm, fv, f3 = _folded(c)
    return fm * a, fv * b * b, f3 * t3


def _pearson3_cdf(x: np.ndarray, mean: np.ndarray, var: np.ndarray, k3: np.ndarray
                  ) -> np.ndarray:
    """CDF of the shifted gamma (Pearson type III) with this mean, variance and third
    cumulant: a sum of folded normals is skewed to the right, more so near 0, and a normal or
    two-moment gamma misplaces its lower tail (the upper limit erred 3–4.4% instead of 2.5%
    with the gamma)."""
    sd = np.sqrt(var)
    skew = np.maximum(k3 / np.maximum(sd**3, 1e-300), 0.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        shape = 4 / np.maximum(skew, 1e-2) ** 2
        scale = sd * np.maximum(skew, 1e-2) / 2
        # stats.gamma.cdf, computed by the function behind it: the upper limit's bisection
        # calls this thousands of times per audit, and the argument checks cost ~0.1 ms each.
        z = (x - (mean - shape * scale)) / scale
        g = np.where(scale > 0, np.where(z > 0, special.gammainc(shape, np.maximum(z, 0)), 0.0),
                     np.nan)
    return np.where(skew < 1e-2, special.ndtr((x - mean) / np.maximum(sd, 1e-300)), g)


def _pearson3_ppf(q: float, mean: np.ndarray, var: np.ndarray, k3: np.ndarray) -> np.ndarray:
    sd = np.sqrt(var)
    skew = np.maximum(k3 / np.maximum(sd**3, 1e-300), 1e-2)
    shape, scale = 4 / skew**2, sd * skew / 2
    return mean - shape * scale + stats.gamma.ppf(q, shape, scale=scale)


def ece_p_below(value: Any, a: Any, b: Any, t3: Any, t: Any) -> np.ndarray:
    """One-sided p-value of ``H1: true ECE < t``: the chance of a plug-in ECE at most ``value``
    when the true ECE is ``t``, at its least favourable spread (the test the upper limit
    inverts).  1 for ``t ≤ 0``: no ECE is below 0."""
    value, a, b, t3, t = (np.asarray(x, float) for x in (value, a, b, t3, t))
    mean, var, k3 = _moments(np.maximum(t, 0.0), a, b, t3)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = _pearson3_cdf(value, mean, var, k3)
    no_noise = np.where(value < t, 0.0, 1.0)
    return np.where(t <= 0, 1.0, np.where(a > 0, p, no_noise))


def ece_upper_limit(value: Any, a: Any, b: Any, t3: Any, level: Any, iterations: int = 48
                    ) -> np.ndarray:
    """Upper limit of the two-sided ``level`` interval of the true ECE (vectorised bisection
    on ``c``): the ``e`` at which :func:`ece_p_below` equals ``(1 − level)/2``; 0 when even a
    perfectly calibrated model would rarely show an ECE this small.  With no noise (``a`` 0)
    it is the estimate itself."""
    value, a, b, t3, level = np.broadcast_arrays(
        *(np.asarray(x, float) for x in (value, a, b, t3, level)))
    tail = (1 - level) / 2
    safe_a = np.where(a > 0, a, 1.0)

    def p_at(c: np.ndarray) -> np.ndarray:
        return ece_p_below(value, safe_a, b, t3, c * safe_a)

    lo, hi = np.zeros(value.shape), np.full(value.shape, 4.0)
    for _ in range(12):  # widen until the test rejects at hi
        hi = np.where(p_at(hi) > tail, hi * 2, hi)
    for _ in range(iterations):
        mid = (lo + hi) / 2
        big = p_at(mid) > tail
        lo, hi = np.where(big, mid, lo), np.where(big, hi, mid)
    out = (lo + hi) / 2 * safe_a
    out = np.where(p_at(np.zeros(value.shape) + 1e-9) <= tail, 0.0, out)
    return np.where(a > 0, out, value)


def ece_interval(value: Any, a: Any, b: Any, t3: Any, null: np.ndarray | None, level: float
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Lower and upper limits of the true ECE, and the consistency test's p-value, for a batch.

    ``a, b, t3``: the :func:`noise_model`.  ``null``: shape ``(replicates, ...)``, plug-in
    ECEs of perfectly calibrated redraws (or None: the noise-only quantile then comes from the
    folded-normal moments).  The lower limit is the estimate minus the upper
    ``(1 + level)/2`` noise quantile (bin by bin, ``|observed − predicted| ≤ true gap +
    noise``, so it holds whatever the true miscalibration), and 0 when the test does not
    reject perfect calibration at ``1 − level``.
    """
    value, a, b, t3 = (np.asarray(x, float) for x in (value, a, b, t3))
    high = ece_upper_limit(value, a, b, t3, level)
    q = 1 - (1 - level) / 2
    if null is not None and len(null):
        null = np.asarray(null, float)
        p_value = (1 + np.sum(null >= value - 1e-12, axis=0)) / (len(null) + 1)
        noise = np.quantile(null, q, axis=0)
        low = np.where(p_value > 1 - level, 0.0, np.maximum(0.0, value - noise))
    else:
        p_value = None
        low = ece_lower_from_moments(value, a, b, t3, level)
    return np.minimum(low, high), high, p_value


def ece_lower_from_moments(value: Any, a: Any, b: Any, t3: Any, level: Any) -> np.ndarray:
    """Lower limit without redraws (``bootstrap: 0``): the estimate minus the upper
    ``(1 + level)/2`` quantile of the noise-only error, from its folded-normal moments (closed
    form, no search)."""
    value, a, b, t3, level = (np.asarray(x, float) for x in (value, a, b, t3, level))
    mean, var, k3 = _moments(np.zeros(a.shape), a, b, t3)
    with np.errstate(divide="ignore", invalid="ignore"):
        noise = np.where(a > 0, _pearson3_ppf(1 - (1 - level) / 2, mean, var, k3), 0.0)
    return np.maximum(0.0, value - noise)


def error_entry(value: float, null: np.ndarray, level: float, *,
                model: tuple[float, float, float] | None = None) -> dict[str, Any]:
    """ECE (``model`` given: its :func:`noise_model`) or MCE, with the level expected from
    chance alone and a test of perfect calibration; neither publishes an interval.

    ``null_value`` (0), ``p_value``, ``chance_level`` and ``chance_sd`` declare the test of
    perfect calibration, and ``noise_model`` the test of "below a threshold" that
    :func:`ece_upper_limit` inverts: the Standard judges the ECE with those two one-sided
    tests at its own levels (:func:`ece_interval` at that level), which hold whatever the
    spread.  A two-sided 95% interval would cover 97–99% depending on the spread
    (``tests/test_coverage_calibration.py``), outside the 93–97% every published interval
    must reach, so none is published (:data:`ECE_NO_INTERVAL`).

    >>> e = error_entry(0.06, np.array([0.02, 0.03, 0.025]), 0.95, model=(0.03, 0.01, 1e-6))
    >>> e["ci"], sorted(e["noise_model"])
    (None, ['root_sum_w2_var', 'sum_w3_sd3', 'sum_w_sd'])
    """
    entry: dict[str, Any] = {"value": value, "ci": None}
    if len(null):
        p_value = float((1 + np.sum(null >= value - 1e-12)) / (len(null) + 1))
        entry.update(p_value=p_value, null_value=0.0, chance_level=float(np.mean(null)),
                     chance_sd=float(np.std(null, ddof=1)) if len(null) > 1 else 0.0)
    if model is None:
        entry["ci_note"] = MCE_NO_INTERVAL
        return entry
    entry["method"] = ECE_METHOD
    a, b, t3 = (float(x) for x in model)
    entry["noise_model"] = {"sum_w_sd": a, "root_sum_w2_var": b, "sum_w3_sd3": t3}
    entry["ci_note"] = ECE_NO_INTERVAL
    return entry
