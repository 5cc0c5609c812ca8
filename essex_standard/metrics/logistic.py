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


def _fit_line(x: np.ndarray, pos: np.ndarray, n: np.ndarray, start: tuple[float, float],
              slope: bool, max_iter: int = 100, tol: float = 1e-10) -> LogisticFit:
    """Maximum likelihood for the two calibration models on binomial cells, ``logit P = a + x``
    (``slope=False``) or ``logit P = a + b·x``: Newton-Raphson from ``start``, with vector
    operations on preallocated buffers and no design matrix.  The log-likelihood is concave,
    so full Newton steps converge from a sensible start; the likelihood is checked (and a step
    halved) only for large steps.

    The information matrix of the last Newton step is used for the standard errors: the step
    was below ``tol``, so the estimates moved by less than that since it was computed.
    """
    a, b = float(start[0]), float(start[1])
    eta, mu, w, r, buf = (np.empty_like(x) for _ in range(5))
    pos_total = float(pos.sum())

    def dot(u: np.ndarray, v: np.ndarray) -> float:
        # Not ``u @ v``: BLAS picks its kernel by CPU and the last bits of the sum then differ
        # between machines; numpy's own pairwise sum has one fixed order everywhere.
        np.multiply(u, v, out=buf)
        return float(buf.sum())

    sum_px = dot(pos, x) if slope else 0.0

    def fill(a: float, b: float) -> None:
        np.multiply(x, b, out=eta)
        np.add(eta, a, out=eta)
        expit(eta, out=mu)

    def loglik(a: float, b: float) -> float:
        np.multiply(x, b, out=r)
        np.add(r, a, out=r)
        ll = dot(pos, r)
        return ll - dot(n, np.logaddexp(0.0, r))

    info = np.zeros((2, 2))
    for _ in range(max_iter):
        fill(a, b if slope else 1.0)
        np.multiply(n, mu, out=r)  # expected positives per cell
        np.subtract(1.0, mu, out=w)
        w *= r  # n·mu·(1 − mu)
        g0 = pos_total - float(r.sum())
        i00 = float(w.sum())
        if slope:
            g1 = sum_px - dot(r, x)
            np.multiply(w, x, out=r)
            i01, i11 = float(r.sum()), dot(r, x)
            info = np.array([[i00, i01], [i01, i11]])
            det = i00 * i11 - i01 * i01
            if not det > 0:
                return LogisticFit(np.array([]), np.array([]), "the fit is singular")
            # The 2×2 solve in closed form, for the same reason as ``dot``.
            step = np.array([(i11 * g0 - i01 * g1) / det, (i00 * g1 - i01 * g0) / det])
        else:
            info = np.array([[i00]])
            if not i00 > 0:
                return LogisticFit(np.array([]), np.array([]), "the fit is singular")
            step = np.array([g0 / i00])
        if np.max(np.abs(step)) > 0.5:
            ll, t = loglik(a, b if slope else 1.0), 1.0
            while t > 1e-8 and loglik(a + t * step[0],
                                      b + t * step[1] if slope else 1.0) < ll - 1e-12:
                t /= 2
            step = t * step
        a += float(step[0])
        if slope:
            b += float(step[1])
        if np.max(np.abs(step)) < tol:
            break
    else:
        return LogisticFit(np.array([]), np.array([]), "the fit did not converge (separation?)")
    beta = np.array([a, b]) if slope else np.array([a])
    if slope:
        det = info[0, 0] * info[1, 1] - info[0, 1] ** 2
        if not det > 0:
            return LogisticFit(np.array([]), np.array([]), "the information matrix is singular")
        cov = np.array([[info[1, 1], -info[0, 1]], [-info[0, 1], info[0, 0]]]) / det
    else:
        cov = np.array([[1.0 / info[0, 0]]])
    if not (np.all(np.isfinite(beta)) and np.all(np.diag(cov) > 0)):
        return LogisticFit(np.array([]), np.array([]), "the fit did not converge (separation?)")
    return LogisticFit(beta, np.sqrt(np.diag(cov)))


def calibration_intercept(score: np.ndarray, pos: np.ndarray, neg: np.ndarray,
                          x: np.ndarray | None = None) -> LogisticFit:
    """``a`` in ``logit P(y=1) = a + logit(p)``: 0 when the mean risk is right.

    >>> f = calibration_intercept(np.array([.2, .5]), np.array([20, 50]), np.array([80, 50]))
    >>> round(float(f.params[0]), 6)
    0.0
    """
    n = pos + neg
    if pos.sum() == 0 or neg.sum() == 0:
        return LogisticFit(np.array([]), np.array([]), "everyone in the group has the same outcome")
    x = logit(score) if x is None else x
    return _fit_line(x, pos, n.astype(float), (0.0, 1.0), slope=False)


def calibration_slope(score: np.ndarray, pos: np.ndarray, neg: np.ndarray,
                      x: np.ndarray | None = None) -> LogisticFit:
    """``(a, b)`` in ``logit P(y=1) = a + b·logit(p)``: ``b`` = 1 when the spread of risk is right,
    below 1 when predictions are too extreme (over-fitting), above 1 when too modest.

    ``x``: ``logit(score)`` when already computed (it is shared with the intercept's fit)."""
    n = pos + neg
    if pos.sum() == 0 or neg.sum() == 0:
        return LogisticFit(np.array([]), np.array([]), "everyone in the group has the same outcome")
    if x is None:
        x = logit(score)
    if len(np.unique(x)) < 2:
        return LogisticFit(np.array([]), np.array([]), "every score in the group is the same")
    separated = separation(x, pos, neg)
    if separated:
        return LogisticFit(np.array([]), np.array([]), separated)
    return _fit_line(x, pos, n.astype(float), (0.0, 1.0), slope=True)


def separation(x: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> str | None:
    """Why the slope has no finite estimate, when the score separates the outcomes.

    With one covariate and an intercept, the maximum-likelihood slope is infinite exactly when
    some cut-off on the score puts everyone with the outcome on one side and everyone without
    it on the other (complete separation), or on one side and at the cut-off itself
    (quasi-complete separation; Albert & Anderson 1984).  Newton's method would then walk
    towards infinity until its iteration cap, which on millions of distinct scores takes
    minutes; one pass over the levels finds it instead.

    >>> x = np.array([-2.0, -1.0, 1.0, 2.0])
    >>> separation(x, np.array([0, 0, 3, 4]), np.array([5, 6, 0, 0]))[:32]
    'the score separates the outcomes'
    >>> separation(x, np.array([0, 1, 3, 4]), np.array([5, 6, 1, 0])) is None
    True
    """
    has_pos, has_neg = pos > 0, neg > 0
    lo_pos, hi_pos = x[has_pos].min(), x[has_pos].max()
    lo_neg, hi_neg = x[has_neg].min(), x[has_neg].max()
    if hi_neg <= lo_pos or hi_pos <= lo_neg:
        return ("the score separates the outcomes (everyone with the outcome scored at or beyond "
                "a cut-off that everyone without it is at or below), so the calibration slope is "
                "infinite and not estimated")
    return None
