"""Stored intervals recomputed at other levels, for a whole batch at once.

The arithmetic of :class:`.intervals.Rescaled` on arrays: every statistic the judge reads
from a stored interval (ROC AUC, calibration errors, slopes, drift figures...) gets its
interval at the adjusted level and its one-sided p-values against the margin in a fixed
number of numpy calls, however many comparisons a criterion makes (issue 13).  An ECE's
upper limit is one vectorised search over all of them
(:func:`essex_standard.metrics.calibration_error.ece_upper_limit`).

``Rescaled._interval`` and ``Rescaled._p`` keep the same rule written for one statistic;
``tests/test_decision_rule_speed.py`` checks both give the same numbers on a randomised set.

>>> f = Fields.of([(0.8, 0.7, 0.9, 0.95, None, None, None, None, None)])
>>> lo, hi = interval(f, np.array([0.99]))
>>> round(float(lo[0]), 4), round(float(hi[0]), 4)
(0.6686, 0.9314)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from ..metrics.calibration_error import ece_p_below, ece_upper_limit

_NAN = float("nan")


@dataclass(frozen=True)
class Fields:
    """The fields of a batch of ``Rescaled`` estimators as arrays (NaN where absent)."""

    value: np.ndarray
    low: np.ndarray
    high: np.ndarray
    stored_level: np.ndarray
    bound_lo: np.ndarray
    bound_hi: np.ndarray
    null: np.ndarray
    p_value: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    model: np.ndarray  # (k, 3): sum_w_sd, root_sum_w2_var, sum_w3_sd3

    @property
    def has_bounds(self) -> np.ndarray:
        return ~np.isnan(self.bound_lo)

    @property
    def has_null(self) -> np.ndarray:
        return ~np.isnan(self.null)

    @property
    def has_p(self) -> np.ndarray:
        return ~np.isnan(self.p_value)

    @property
    def has_noise(self) -> np.ndarray:
        return ~np.isnan(self.mean)

    @property
    def has_model(self) -> np.ndarray:
        return ~np.isnan(self.model[:, 0])

    @classmethod
    def of(cls, rows: list[tuple]) -> Fields:
        """From ``(value, low, high, stored_level, bounds, null_value, p_value, noise,
        upper_model)`` tuples (``None`` where absent)."""
        def col(get) -> np.ndarray:
            return np.array([_NAN if (v := get(r)) is None else v for r in rows], float)
        bounds = [r[4] for r in rows]
        noise = [r[7] for r in rows]
        model = [r[8] for r in rows]
        return cls(
            col(lambda r: r[0]), col(lambda r: r[1]), col(lambda r: r[2]),
            col(lambda r: r[3]),
            np.array([_NAN if b is None else b[0] for b in bounds], float),
            np.array([_NAN if b is None else b[1] for b in bounds], float),
            col(lambda r: r[5]), col(lambda r: r[6]),
            np.array([_NAN if n is None else n[0] for n in noise], float),
            np.array([_NAN if n is None else n[1] for n in noise], float),
            np.array([(_NAN,) * 3 if m is None else m for m in model], float).reshape(-1, 3),
        )


def _z(level: np.ndarray) -> np.ndarray:
    return special.ndtri(0.5 + np.asarray(level, float) / 2)


def _gamma_shape_scale(mean: np.ndarray, sd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ok = (sd > 0) & (mean > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        shape = np.where(ok, (mean / np.where(ok, sd, 1.0)) ** 2, 1.0)
        scale = np.where(ok, sd * sd / np.where(ok, mean, 1.0), 1.0)
    return shape, scale


def noise_quantiles(mean: np.ndarray, sd: np.ndarray, q: np.ndarray) -> np.ndarray:
    """:func:`.intervals.noise_quantile` for arrays (a gamma with the noise's moments)."""
    shape, scale = _gamma_shape_scale(mean, sd)
    ok = (sd > 0) & (mean > 0)
    return np.where(ok, stats.gamma.ppf(q, shape, scale=scale), np.maximum(mean, 0.0))


def normal_p(distance: np.ndarray, se: np.ndarray) -> np.ndarray:
    """One-sided normal p-values (``distance`` beyond the margin, positive: far side)."""
    ok = (se > 0) & np.isfinite(se)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = special.ndtr(-(distance / np.where(ok, se, 1.0)))
    return np.where(ok, p, np.where(distance > 0, 0.0, 1.0))


def interval(f: Fields, level: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided intervals at ``level`` (one per estimator)."""
    level = np.broadcast_to(np.asarray(level, float), f.value.shape)
    scale = _z(level) / _z(f.stored_level)
    lo = f.value - (f.value - f.low) * scale
    hi = f.value + (f.high - f.value) * scale
    model = f.has_model
    if model.any():
        m = f.model[model]
        hi = hi.copy()
        hi[model] = ece_upper_limit(f.value[model], m[:, 0], m[:, 1], m[:, 2], level[model])
    noisy = f.has_noise & f.has_null
    if noisy.any():
        q = noise_quantiles(f.mean, f.sd, (1 + level) / 2)
        lo = np.where(noisy, np.maximum(f.null, f.value - q), lo)
    coherent = ~noisy & f.has_null & f.has_p & (f.p_value > 1 - level)
    lo = np.where(coherent, np.minimum(lo, f.null), lo)
    bounded = f.has_bounds
    lo = np.where(bounded, np.maximum(lo, f.bound_lo), lo)
    hi = np.where(bounded, np.minimum(hi, f.bound_hi), hi)
    return np.minimum(lo, hi), hi


def p_value(f: Fields, t: np.ndarray, greater: bool) -> np.ndarray:
    """One-sided p-values for ``H1: θ > t`` (``greater``) or ``θ < t``."""
    t = np.asarray(t, float)
    z = _z(f.stored_level)
    if not greater:
        p = normal_p(t - f.value, (f.high - f.value) / z)
        model = f.has_model
        if model.any():
            m = f.model[model]
            p = p.copy()
            p[model] = ece_p_below(f.value[model], m[:, 0], m[:, 1], m[:, 2], t[model])
        return np.where(f.has_bounds & (f.bound_hi < t), 0.0, p)
    p_normal = normal_p(f.value - t, (f.value - f.low) / z)
    noise = f.has_noise
    # a null value above the margin: the lower limit never goes below it (noise), or only
    # together with the normal limit (a stored p-value)
    above_null = np.where(noise, 0.0, p_normal)
    shape, scale = _gamma_shape_scale(f.mean, f.sd)
    degenerate = (f.sd <= 0) | (f.mean <= 0)
    p_noise = np.where(degenerate,
                       np.where(f.value - np.maximum(f.mean, 0.0) > t, 0.0, 1.0),
                       stats.gamma.sf(f.value - t, shape, scale=scale))
    p_plain = np.where(f.has_null & f.has_p, np.maximum(p_normal, f.p_value / 2), p_normal)
    p = np.where(noise & f.has_null, p_noise, p_plain)
    p = np.where(f.has_null & (f.null > t), above_null, p)
    return np.where(f.has_bounds & (f.bound_lo > t), 0.0, p)
