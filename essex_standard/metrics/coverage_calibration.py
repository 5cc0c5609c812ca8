"""How often the published ECE interval covers the true ECE: a simulation on bin tables.

Each simulated audit draws ``n`` scores uniform on [0.1, 0.9] and outcomes from a true risk
``risk(score)``, cuts the sorted scores into equal-mass bins, and builds the same cells the
audit builds (``bin_tables.CalibrationTable``: counts, Σp and Σ(y − p)² per bin and outcome).
The interval is the published one (:func:`.calibration_error.ece_interval`, with perfectly
calibrated redraws for its lower limit, as the audit does).  The truth is the ECE of the true
risk in the sample's own bins, ``Σ_b |Σ(risk − p)| / n`` — what the interval is for, given the
scores.  Everything is vectorised over audits, so thousands take about a second.

>>> c = ece_coverage_tables(200, shift(0.05), sims=400, replicates=200)
>>> 0.9 < c.covered <= 1.0
True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .calibration_error import ece_from_cells, ece_interval, noise_model
from .coverage import Coverage

Risk = Callable[[np.ndarray], np.ndarray]


def shift(delta: float) -> Risk:
    """True risk ``score + delta``: every bin off by ``delta``, so the true ECE is ``|delta|``
    (the least favourable spread for the upper limit)."""
    return lambda p: np.clip(p + delta, 0.0, 1.0)


def logistic(intercept: float = 0.0, slope: float = 1.0) -> Risk:
    """True risk ``expit(intercept + slope·logit(score))``: over- or under-confident scores
    (slope ≠ 1), whose bins are off by different amounts and in both directions."""
    def risk(p: np.ndarray) -> np.ndarray:
        x = np.log(p / (1 - p))
        return 1 / (1 + np.exp(-(intercept + slope * x)))
    return risk


def one_bin(delta: float, bins: int = 10) -> Risk:
    """Calibrated except the top tenth of scores, whose risk is ``delta`` higher: all the error
    in one bin (the least favourable spread for the lower limit)."""
    cut = 0.1 + 0.8 * (1 - 1 / bins)
    return lambda p: np.clip(np.where(p > cut, p + delta, p), 0.0, 1.0)


def simulated_tables(n: int, risk: Risk, sims: int, bins: int = 10, seed: int = 11
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(counts, sum_p, sum_sq, truth)``: cells ``(sims, bins, 2)`` as ``bin_tables`` builds
    them, and each audit's true ECE in its own bins."""
    rng = np.random.default_rng(seed)
    p = np.sort(rng.uniform(0.1, 0.9, (sims, n)), axis=1)
    r = risk(p)
    y = rng.random((sims, n)) < r
    starts = np.linspace(0, n, bins + 1).round().astype(int)[:-1]

    def per_bin(values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values, starts, axis=1)

    counts = np.stack([per_bin((~y).astype(float)), per_bin(y.astype(float))], axis=-1)
    sum_p = np.stack([per_bin(np.where(y, 0.0, p)), per_bin(np.where(y, p, 0.0))], axis=-1)
    sum_sq = np.stack([per_bin(np.where(y, 0.0, p * p)), per_bin(np.where(y, (1 - p) ** 2,
                                                                          0.0))], axis=-1)
    truth = np.abs(per_bin(r - p)).sum(axis=1) / n
    return counts.astype(np.int64), sum_p, sum_sq, truth


def ece_limits_of_tables(counts: np.ndarray, sum_p: np.ndarray, sum_sq: np.ndarray,
                         level: float = 0.95, replicates: int = 200, seed: int = 12
                         ) -> tuple[np.ndarray, np.ndarray]:
    """The published interval of every table in a batch (redraws under perfect calibration
    as in ``calibration._bootstrap``: each bin's positives Binomial(n_b, mean predicted_b))."""
    value = ece_from_cells(counts, sum_p)
    a, b, t3 = noise_model(counts, sum_p, sum_sq)
    null = None
    if replicates:
        rng = np.random.default_rng(seed)
        n_b = counts.sum(axis=-1)
        expected = np.clip(sum_p.sum(axis=-1) / np.maximum(n_b, 1), 0, 1)
        pos = rng.binomial(n_b, expected, size=(replicates, *n_b.shape))
        gap = np.abs(pos - sum_p.sum(axis=-1))
        null = gap.sum(axis=-1) / n_b.sum(axis=-1)
    low, high, _ = ece_interval(value, a, b, t3, null, level)
    return low, high


def ece_coverage_tables(n: int, risk: Risk, sims: int = 2000, replicates: int = 200,
                        level: float = 0.95, bins: int = 10, seed: int = 11) -> Coverage:
    """Simulated coverage of the published ECE interval (see the module docstring)."""
    counts, sum_p, sum_sq, truth = simulated_tables(n, risk, sims, bins, seed)
    low, high = ece_limits_of_tables(counts, sum_p, sum_sq, level, replicates, seed + 1)
    below = truth < low
    above = truth > high
    return Coverage(float(1 - below.mean() - above.mean()), float(below.mean()),
                    float(above.mean()))


def ece_upper_error(n: int, risk: Risk, level: float, sims: int = 2000, bins: int = 10,
                    seed: int = 11) -> float:
    """Share of audits whose upper limit at ``level`` lies below the true ECE (the error of
    "shown to be at most the threshold"; nominal ``(1 − level)/2``)."""
    counts, sum_p, sum_sq, truth = simulated_tables(n, risk, sims, bins, seed)
    _, high = ece_limits_of_tables(counts, sum_p, sum_sq, level, 0)
    return float(np.mean(truth > high))


__all__ = ["ece_coverage_tables", "ece_upper_error", "logistic", "one_bin", "shift",
           "simulated_tables"]
