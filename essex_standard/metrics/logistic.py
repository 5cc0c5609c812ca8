"""Logistic recalibration (calibration intercept and slope) fitted on score-level counts.

Rows that share a score level have the same covariate ``logit(p)``, so a binomial GLM on the
``(level, positives, negatives)`` cells is the row-level logistic regression exactly — same
estimates, same standard errors — at the cost of one pass to count the cells.  Newton-Raphson
with step halving; a fit that does not converge (e.g. separation) is reported as undefined.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

#: Scores are clipped to [EPS, 1 - EPS] before taking logits: a score of exactly 0 or 1 has an
#: infinite logit, and any score closer to the boundary than this carries no usable difference.
EPS = 1e-6


def logit(p: np.ndarray) -> np.ndarray:
    """``log(p / (1 - p))`` after clipping to ``[EPS, 1 - EPS]``."""
    q = np.clip(np.asarray(p, float), EPS, 1 - EPS)
    return np.log(q) - np.log1p(-q)


@dataclass(frozen=True)
class LogisticFit:
    """Estimates and standard errors; ``reason`` is set (and the rest empty) when undefined."""

    params: np.ndarray
    se: np.ndarray
    reason: str | None = None


def _loglik(eta: np.ndarray, pos: np.ndarray, n: np.ndarray) -> float:
    return float(np.sum(pos * eta - n * np.logaddexp(0.0, eta)))


def _information(design: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``Xᵀ diag(w) X`` column pair by column pair (no n × k temporary)."""
    k = design.shape[1]
    out = np.empty((k, k))
    for i in range(k):
        wi = w * design[:, i]
        for j in range(i, k):
            out[i, j] = out[j, i] = float(wi @ design[:, j])
    return out


def fit_binomial(
    design: np.ndarray,
    offset: np.ndarray,
    pos: np.ndarray,
    n: np.ndarray,
    start: np.ndarray,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> LogisticFit:
    """Maximum likelihood for ``logit P(y=1) = design @ beta + offset`` on binomial cells.

    The log-likelihood is concave, so full Newton steps converge from a sensible start; the
    likelihood is checked (and a step halved) only for large steps, which keeps each
    iteration to a handful of passes over the cells.
    """
    beta = start.astype(float).copy()
    eta = design @ beta + offset
    for _ in range(max_iter):
        mu = expit(eta)
        grad = design.T @ (pos - n * mu)
        try:
            step = np.linalg.solve(_information(design, n * mu * (1 - mu)), grad)
        except np.linalg.LinAlgError:
            return LogisticFit(np.array([]), np.array([]), "the fit is singular")
        if np.max(np.abs(step)) > 0.5:
            ll, t = _loglik(eta, pos, n), 1.0
            while t > 1e-8 and _loglik(design @ (beta + t * step) + offset, pos, n) < ll - 1e-12:
                t /= 2
            step = t * step
        beta = beta + step
        eta = design @ beta + offset
        if np.max(np.abs(step)) < tol:
            break
    else:
        return LogisticFit(np.array([]), np.array([]), "the fit did not converge (separation?)")
    mu = expit(eta)
    try:
        cov = np.linalg.inv(_information(design, n * mu * (1 - mu)))
    except np.linalg.LinAlgError:
        return LogisticFit(np.array([]), np.array([]), "the information matrix is singular")
    if not (np.all(np.isfinite(beta)) and np.all(np.diag(cov) > 0)):
        return LogisticFit(np.array([]), np.array([]), "the fit did not converge (separation?)")
    return LogisticFit(beta, np.sqrt(np.diag(cov)))


def calibration_intercept(score: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> LogisticFit:
    """``a`` in ``logit P(y=1) = a + logit(p)``: 0 when the mean risk is right.

    >>> f = calibration_intercept(np.array([.2, .5]), np.array([20, 50]), np.array([80, 50]))
    >>> round(float(f.params[0]), 6)
    0.0
    """
    n = pos + neg
    if pos.sum() == 0 or neg.sum() == 0:
        return LogisticFit(np.array([]), np.array([]), "everyone in the group has the same outcome")
    design = np.ones((len(score), 1))
    return fit_binomial(design, logit(score), pos, n, np.zeros(1))


def calibration_slope(score: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> LogisticFit:
    """``(a, b)`` in ``logit P(y=1) = a + b·logit(p)``: ``b`` = 1 when the spread of risk is right,
    below 1 when predictions are too extreme (over-fitting), above 1 when too modest."""
    n = pos + neg
    if pos.sum() == 0 or neg.sum() == 0:
        return LogisticFit(np.array([]), np.array([]), "everyone in the group has the same outcome")
    x = logit(score)
    if len(np.unique(x)) < 2:
        return LogisticFit(np.array([]), np.array([]), "every score in the group is the same")
    design = np.column_stack([np.ones(len(x)), x])
    return fit_binomial(design, np.zeros(len(x)), pos, n, np.array([0.0, 1.0]))
