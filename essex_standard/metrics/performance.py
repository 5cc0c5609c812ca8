"""Discrimination: ROC AUC per group from the score table, with score-type intervals.

AUC is the probability that a randomly chosen person with the outcome scores higher than one
without it (ties count one half).  From the counts of positives and negatives at each score
level it is exact.  DeLong's variance (DeLong, DeLong & Clarke-Pearson 1988) is kept for the
p-value of a difference, but the interval is Newcombe's (2006) method 5: a score interval, the
set of AUC values θ with ``(AUC − θ)² ≤ z²·V(θ)`` for the Hanley–McNeil variance ``V(θ)``
with both group sizes replaced by their mean.  Like Wilson's interval for a rate it takes the
variance at the value tested, not at the estimate, so it stays honest in small groups and near
1, where the DeLong (Wald) interval covered 79% at 15 positives and an AUC of 0.95.  It is a
closed form of (AUC, positives, negatives), so it can be recomputed at any level from
``results.json``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .uncertainty import z_value


@dataclass(frozen=True)
class AUCEstimate:
    value: float | None
    variance: float | None
    positives: int
    negatives: int
    reason: str | None = None


def auc_from_counts(positives: np.ndarray, negatives: np.ndarray) -> AUCEstimate:
    """AUC and DeLong variance from counts per score level (levels in ascending order).

    >>> auc_from_counts(np.array([0, 1]), np.array([1, 0])).value
    1.0
    """
    pos = np.asarray(positives, float)
    neg = np.asarray(negatives, float)
    n_pos, n_neg = int(pos.sum()), int(neg.sum())
    if n_pos == 0 or n_neg == 0:
        missing = "with the outcome" if n_pos == 0 else "without the outcome"
        return AUCEstimate(None, None, n_pos, n_neg, f"no one in the group was {missing}")
    neg_below = np.cumsum(neg) - neg
    pos_above = pos[::-1].cumsum()[::-1] - pos
    v10 = (neg_below + 0.5 * neg) / n_neg  # per positive at each level
    v01 = (pos_above + 0.5 * pos) / n_pos  # per negative at each level
    auc = float((pos * v10).sum() / n_pos)
    var = 0.0
    if n_pos > 1:
        var += float((pos * (v10 - auc) ** 2).sum() / (n_pos - 1)) / n_pos
    if n_neg > 1:
        var += float((neg * (v01 - auc) ** 2).sum() / (n_neg - 1)) / n_neg
    return AUCEstimate(auc, var, n_pos, n_neg)


def newcombe_auc_variance(theta, positives, negatives):
    """Hanley–McNeil variance of the AUC at ``theta``, with Newcombe's (2006) ``N = (m + n)/2``.

    ``θ(1 − θ)/(mn) · [(2N − 1) − 3(N − 1)/((2 − θ)(1 + θ))]``: the exponential-model terms
    ``Q1 = θ/(2 − θ)``, ``Q2 = 2θ²/(1 + θ)`` of Hanley & McNeil (1982), with the sizes of both
    sides set to their mean, which Newcombe found to cover better in unbalanced samples.
    """
    t = np.asarray(theta, float)
    m, n = np.asarray(positives, float), np.asarray(negatives, float)
    big_n = (m + n) / 2
    return t * (1 - t) / (m * n) * ((2 * big_n - 1) - 3 * (big_n - 1) / ((2 - t) * (1 + t)))


def auc_score_interval(auc, positives, negatives, level: float = 0.95):
    """Newcombe's (2006) method 5 interval for ROC AUC (vectorised).

    The limits solve ``(AUC − θ)² = z²·V(θ)`` on each side of the estimate (bisection: the
    left side is monotone in θ on each side).  Defined at AUC = 0 and 1, where a Wald interval
    collapses to a point.

    >>> [round(float(v), 4) for v in auc_score_interval(0.95, 15, 100)]
    [0.8413, 0.9843]
    >>> [round(float(v), 4) for v in auc_score_interval(1.0, 15, 15)]
    [0.8648, 1.0]
    """
    a = np.asarray(auc, float)
    z2 = z_value(level) ** 2

    def outside(theta):  # True where theta lies outside the interval
        return (a - theta) ** 2 > z2 * newcombe_auc_variance(theta, positives, negatives)

    lo_a, lo_b = np.zeros_like(a), a.copy()  # lower limit in [0, AUC]
    hi_a, hi_b = a.copy(), np.ones_like(a)  # upper limit in [AUC, 1]
    for _ in range(52):  # bisection to double precision
        mid = (lo_a + lo_b) / 2
        out = outside(mid)
        lo_a, lo_b = np.where(out, mid, lo_a), np.where(out, lo_b, mid)
        mid = (hi_a + hi_b) / 2
        out = outside(mid)
        hi_a, hi_b = np.where(out, hi_a, mid), np.where(out, mid, hi_b)
    lo = np.where(a <= 0, 0.0, (lo_a + lo_b) / 2)
    hi = np.where(a >= 1, 1.0, (hi_a + hi_b) / 2)
    return lo, hi


def auc_interval(est: AUCEstimate, level: float = 0.95) -> tuple[float, float] | None:
    """Newcombe's method 5 score interval for one group's AUC (None when AUC is undefined)."""
    if est.value is None:
        return None
    lo, hi = auc_score_interval(est.value, est.positives, est.negatives, level)
    return float(lo), float(hi)
