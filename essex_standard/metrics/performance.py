"""Discrimination: ROC AUC per group from the score table, with DeLong intervals.

AUC is the probability that a randomly chosen person with the outcome scores higher than one
without it (ties count one half).  From the counts of positives and negatives at each score
level it is exact, and DeLong's variance (DeLong, DeLong & Clarke-Pearson 1988) is a closed
form of the same counts, so no bootstrap pass over rows is needed.
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


def auc_interval(est: AUCEstimate, level: float = 0.95) -> tuple[float, float] | None:
    """Normal interval from the DeLong variance, clipped to [0, 1]."""
    if est.value is None or est.variance is None:
        return None
    half = z_value(level) * np.sqrt(est.variance)
    return max(0.0, est.value - half), min(1.0, est.value + half)
