"""How often each published interval covers the truth: exact enumeration and simulation.

Every interval ``results.json`` publishes has a function here that returns its coverage at
one setting, as ``Coverage(covered, below, above, undefined)``: the share of samples whose
interval contains the true value, lies wholly above it (``below``: the truth is below the
lower limit) or wholly below it, and the share where no interval is published.  Rates and
their differences and ratios are **enumerated exactly** over every possible count (no Monte
Carlo error); the rest are simulated on count tables, vectorised over the simulated audits,
so the fast versions in ``tests/test_coverage.py`` take seconds and ``benchmarks/coverage.py``
runs the full grid and writes ``docs/coverage.md``.

>>> round(rate_coverage(0.3, 200).covered, 3)
0.947
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from .logistic import calibration_intercept, calibration_slope, logit
from .performance import auc_score_interval
from .theil import between_all_groups_theil_index, theil_index, theil_interval
from .uncertainty import (
    average_odds_interval,
    bootstrap_statistic,
    bootstrap_stream,
    mover_difference,
    mover_ratio,
    mover_ratio_from_limits,
    newcombe_difference,
    score_difference,
    score_ratio,
    wilson,
    z_value,
)


@dataclass(frozen=True)
class Coverage:
    """Shares of samples: interval covers the truth, lies above it, lies below it; and the
    share with no interval (excluded from the other three, which sum to 1)."""

    covered: float
    below: float  # truth below the lower limit
    above: float  # truth above the upper limit
    undefined: float = 0.0


def _weighted(weights: np.ndarray, lo: np.ndarray, hi: np.ndarray, truth: float) -> Coverage:
    ok = np.isfinite(lo) & np.isfinite(hi)
    total = float(weights[ok].sum())
    if total == 0:
        return Coverage(float("nan"), float("nan"), float("nan"), 1.0)
    w = np.where(ok, weights, 0.0)
    below = float(w[truth < lo].sum()) / total
    above = float(w[truth > hi].sum()) / total
    return Coverage(1 - below - above, below, above, 1 - total / float(weights.sum()))


def _simulated(lo: np.ndarray, hi: np.ndarray, truth: float) -> Coverage:
    return _weighted(np.ones(len(lo)), np.asarray(lo, float), np.asarray(hi, float), truth)


# --------------------------------------------------------------------------- exact


def rate_coverage(p: float, n: int, level: float = 0.95) -> Coverage:
    """Exact coverage of the (modified) Wilson interval for a rate ``p`` with ``n`` people."""
    x = np.arange(n + 1)
    lo, hi = wilson(x, n, level)
    return _weighted(stats.binom.pmf(x, n, p), lo, hi, p)


def _pairs(p1: float, n1: int, p2: float, n2: int):
    x1, x2 = np.arange(n1 + 1), np.arange(n2 + 1)
    w = np.outer(stats.binom.pmf(x1, n1, p1), stats.binom.pmf(x2, n2, p2))
    keep = w > 1e-13  # outcomes that cannot matter at this precision
    a, b = np.nonzero(keep)
    return x1[a], x2[b], w[keep]


def difference_coverage(p1: float, n1: int, p2: float, n2: int, level: float = 0.95,
                        method: str = "score") -> Coverage:
    """Exact coverage of the published interval for ``p1 − p2`` (groups of ``n1`` and
    ``n2``): the inversion of the Standard's score test, or ``method="newcombe"`` for
    Newcombe's hybrid interval (published before, still used for drift)."""
    x1, x2, w = _pairs(p1, n1, p2, n2)
    interval = score_difference if method == "score" else newcombe_difference
    lo, hi = interval(x1, n1, x2, n2, level)
    return _weighted(w, lo, hi, p1 - p2)


def ratio_coverage(p1: float, n1: int, p2: float, n2: int, level: float = 0.95,
                   method: str = "score") -> Coverage:
    """Exact coverage of the published interval for ``p1 / p2`` (score test inversion, or
    ``method="mover"`` for MOVER-R); no interval when the reference count is 0."""
    x1, x2, w = _pairs(p1, n1, p2, n2)
    if method == "score":
        defined = x2 > 0
        lo, hi = np.full(len(x1), np.nan), np.full(len(x1), np.nan)
        lo[defined], hi[defined] = score_ratio(x1[defined], n1, x2[defined], n2, level)
    else:
        lo, hi = mover_ratio(x1, n1, x2, n2, level)
    return _weighted(w, lo, np.where(np.isnan(hi), np.nan, hi), p1 / p2)


# --------------------------------------------------------------------------- simulated


def average_odds_coverage(cells_unpriv, n_unpriv: int, cells_priv, n_priv: int,
                          sims: int = 20_000, level: float = 0.95, seed: int = 1) -> Coverage:
    """Simulated coverage of the MOVER average odds difference; ``cells`` are the 2×2 cell
    probabilities ``[y_true, y_pred]`` of each side."""
    cu, cp = np.asarray(cells_unpriv, float), np.asarray(cells_priv, float)

    def rates(c):
        return c[1, 1] / c[1].sum(), c[0, 1] / c[0].sum()

    tu, fu = rates(cu)
    tp, fp = rates(cp)
    truth = 0.5 * ((tu - tp) + (fu - fp))
    rng = np.random.default_rng(seed)
    u = rng.multinomial(n_unpriv, cu.ravel(), sims)  # columns: TN, FP, FN, TP
    p = rng.multinomial(n_priv, cp.ravel(), sims)
    with np.errstate(divide="ignore", invalid="ignore"):
        lo, hi = average_odds_interval(u[:, 3], u[:, 2] + u[:, 3], u[:, 1], u[:, 0] + u[:, 1],
                                       p[:, 3], p[:, 2] + p[:, 3], p[:, 1], p[:, 0] + p[:, 1],
                                       level)
    return _simulated(lo, hi, truth)


def _binormal(auc: float, levels: int = 200) -> tuple[np.ndarray, np.ndarray, float]:
    """Score-level probabilities of positives and negatives for a binormal model with the
    given AUC (equal variances), on ``levels`` score bins; and the exact AUC of the binned
    scores (ties count one half), the truth the intervals should cover."""
    d = np.sqrt(2) * stats.norm.ppf(auc)
    edges = np.r_[-np.inf, np.linspace(-4, d + 4, levels - 1), np.inf]
    pos, neg = np.diff(stats.norm.cdf(edges, loc=d)), np.diff(stats.norm.cdf(edges))
    truth = float((pos * (np.cumsum(neg) - neg + 0.5 * neg)).sum())
    return pos, neg, truth


def _auc_of_tables(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    below = np.cumsum(neg, axis=1) - neg
    return (pos * (below + 0.5 * neg)).sum(axis=1) / (pos.sum(axis=1) * neg.sum(axis=1))


def auc_coverage(auc: float, positives: int, negatives: int, sims: int = 4000,
                 level: float = 0.95, seed: int = 2) -> Coverage:
    """Simulated coverage of Newcombe's method 5 interval (binormal scores, 200 levels)."""
    rng = np.random.default_rng(seed)
    pos_p, neg_p, truth = _binormal(auc)
    a = _auc_of_tables(rng.multinomial(positives, pos_p, sims),
                       rng.multinomial(negatives, neg_p, sims))
    lo, hi = auc_score_interval(a, positives, negatives, level)
    return _simulated(lo, hi, truth)


def auc_difference_coverage(group: tuple[float, int, int], reference: tuple[float, int, int],
                            sims: int = 4000, level: float = 0.95, seed: int = 3,
                            statistic: str = "difference") -> Coverage:
    """Simulated coverage of the MOVER AUC difference (or ratio) between two independent
    groups, each given as ``(auc, positives, negatives)``."""
    rng = np.random.default_rng(seed)
    est, lims, truths = [], [], []
    for auc, m, n in (group, reference):
        pos_p, neg_p, truth = _binormal(auc)
        a = _auc_of_tables(rng.multinomial(m, pos_p, sims), rng.multinomial(n, neg_p, sims))
        est.append(a)
        lims.append(auc_score_interval(a, m, n, level))
        truths.append(truth)
    (a1, a2), ((l1, u1), (l2, u2)) = est, lims
    if statistic == "ratio":
        lo, hi = mover_ratio_from_limits(a1, l1, u1, a2, l2, u2)
        return _simulated(lo, hi, truths[0] / truths[1])
    lo, hi = mover_difference(a1, l1, u1, a2, l2, u2)
    return _simulated(lo, hi, truths[0] - truths[1])


def theil_coverage(cells, n: int, sims: int = 20_000, level: float = 0.95,
                   seed: int = 4) -> Coverage:
    """Simulated coverage of the log-scale delta interval of the Theil index of everyone."""
    c = np.asarray(cells, float).reshape(2, 2)
    truth = float(theil_index(c[None]))
    rng = np.random.default_rng(seed)
    lo, hi = np.full(sims, np.nan), np.full(sims, np.nan)
    for i, counts in enumerate(rng.multinomial(n, c.ravel(), sims)):
        out = theil_interval(counts.reshape(2, 2), level)
        if out is not None:
            lo[i], hi[i] = out[1], out[2]
    return _simulated(lo, hi, truth)


def theil_bootstrap_coverage(cells, n: int, sims: int = 300, replicates: int = 400,
                             level: float = 0.95, seed: int = 4) -> Coverage:
    """Coverage of the percentile cell bootstrap the delta interval replaced (for the record)."""
    c = np.asarray(cells, float).reshape(1, 2, 2)
    truth = float(theil_index(c))
    rng = np.random.default_rng(seed)
    stream = bootstrap_stream(seed, "theil coverage")
    lo, hi = np.full(sims, np.nan), np.full(sims, np.nan)
    for i in range(sims):
        counts = rng.multinomial(n, c.ravel()).reshape(1, 2, 2)
        ci, _ = bootstrap_statistic(counts, theil_index, replicates, stream, level)
        if ci is not None:
            lo[i], hi[i] = ci
    return _simulated(lo, hi, truth)


def between_theil_bootstrap_coverage(cells, sizes, sims: int = 100, replicates: int = 200,
                                     seed: int = 5) -> Coverage:
    """Coverage of 0 by a percentile bootstrap of the between-groups Theil index when every
    group has the same cells: the reason no interval is published for it."""
    c = np.asarray(cells, float).ravel()
    rng = np.random.default_rng(seed)
    stream = bootstrap_stream(seed, "between theil coverage")
    lo, hi = np.full(sims, np.nan), np.full(sims, np.nan)
    for i in range(sims):
        counts = np.stack([rng.multinomial(s, c).reshape(2, 2) for s in sizes])
        ci, _ = bootstrap_statistic(counts, between_all_groups_theil_index, replicates, stream)
        if ci is not None:
            lo[i], hi[i] = ci
    return _simulated(lo, hi, 0.0)


# --------------------------------------------------------------------------- calibration


def _score_levels(levels: int = 20) -> np.ndarray:
    return (np.arange(levels) + 0.5) / levels * 0.9 + 0.05  # 0.0725 .. 0.9275


def calibration_fit_coverage(n: int, shift: float = 0.0, slope: float = 1.0,
                             sims: int = 1000, level: float = 0.95, seed: int = 6,
                             which: str = "slope") -> Coverage:
    """Simulated coverage of the Wald intervals of the calibration slope (``which='slope'``)
    or intercept (``'intercept'``): scores on 20 equally likely levels, true risk
    ``expit(shift + slope·logit(score))``; the truth is ``slope`` (or ``shift`` for the
    intercept model when ``slope`` is 1)."""
    s = _score_levels()
    x = logit(s)
    risk = 1 / (1 + np.exp(-(shift + slope * x)))
    rng = np.random.default_rng(seed)
    z = z_value(level)
    truth = slope if which == "slope" else shift
    lo, hi = np.full(sims, np.nan), np.full(sims, np.nan)
    for i in range(sims):
        n_l = rng.multinomial(n, np.full(len(s), 1 / len(s)))
        pos = rng.binomial(n_l, risk)
        fit = (calibration_slope if which == "slope" else calibration_intercept)(
            s, pos, n_l - pos, x)
        if fit.reason is None:
            k = 1 if which == "slope" else 0
            lo[i] = fit.params[k] - z * fit.se[k]
            hi[i] = fit.params[k] + z * fit.se[k]
    return _simulated(lo, hi, truth)


def ece_coverage(n: int, shift: float, sims: int = 200, replicates: int = 200,
                 level: float = 0.95, seed: int = 7, bins: int = 10) -> Coverage:
    """Simulated coverage of the ECE limits the Standard's two one-sided tests give at
    ``level`` (recomputed from what the entry stores; no ECE interval is published): scores
    uniform on [0.1, 0.9], true risk ``score + shift``, so with equal-mass bins the true ECE
    is ``|shift|``."""
    import pandas as pd

    from ..groups import make_grouping
    from ..standard.units import _estimator_for_value
    from .calibration import CalibrationOptions, measure_calibration_grouping

    rng = np.random.default_rng(seed)
    grouping = make_grouping("g", pd.Series(np.zeros(n, dtype=int)).astype(str))
    lo, hi = np.full(sims, np.nan), np.full(sims, np.nan)
    for i in range(sims):
        p = rng.uniform(0.1, 0.9, n)
        y = (rng.random(n) < p + shift).astype(np.int64)
        out = measure_calibration_grouping(
            grouping, p, y, options=CalibrationOptions(bins=bins), level=level,
            replicates=replicates, seed=i, min_group_size=30)
        entry = out["groups"]["0"]["metrics"]["expected_calibration_error"]
        est = _estimator_for_value(entry, level, False, "expected_calibration_error")
        ci = est.interval(level) if est is not None else None
        if ci is not None:
            lo[i], hi[i] = ci
    return _simulated(lo, hi, abs(shift))



def calibration_mean_coverage(n: int, which: str = "calibration_in_the_large",
                              shift: float = 0.02, sims: int = 20_000, level: float = 0.95,
                              seed: int = 8) -> Coverage:
    """Simulated coverage of the normal-theory intervals of calibration-in-the-large (mean of
    ``y − p``) and the Brier score (mean of ``(y − p)²``): scores on 20 equally likely levels,
    true risk ``score + shift``."""
    from .calibration import _clt_entry

    s = _score_levels()
    risk = np.clip(s + shift, 0, 1)
    if which == "calibration_in_the_large":
        truth = float(np.mean(risk - s))
    else:  # E[(y − p)²] = E[risk(1 − p)² + (1 − risk)p²]
        truth = float(np.mean(risk * (1 - s) ** 2 + (1 - risk) * s**2))
    rng = np.random.default_rng(seed)
    n_l = rng.multinomial(n, np.full(len(s), 1 / len(s)), sims)
    pos = rng.binomial(n_l, risk)
    neg = n_l - pos
    if which == "calibration_in_the_large":
        total = (pos * (1 - s) - neg * s).sum(axis=1)
        total_sq = (pos * (1 - s) ** 2 + neg * s**2).sum(axis=1)
    else:
        total = (pos * (1 - s) ** 2 + neg * s**2).sum(axis=1)
        total_sq = (pos * (1 - s) ** 4 + neg * s**4).sum(axis=1)
    lo, hi = np.empty(sims), np.empty(sims)
    for i in range(sims):
        ci = _clt_entry(float(total[i]), float(total_sq[i]), n, level)["ci"]
        lo[i], hi[i] = ci
    return _simulated(lo, hi, truth)


def calibration_gap_coverage(n_group: int, n_reference: int, which: str = "slope",
                             sims: int = 1000, level: float = 0.95, seed: int = 9) -> Coverage:
    """Simulated coverage of the Wald difference of calibration slopes (or intercepts)
    between a group and the reference group, both calibrated: true difference 0."""
    from .calibration import _difference

    s = _score_levels()
    x = logit(s)
    rng = np.random.default_rng(seed)
    fit = calibration_slope if which == "slope" else calibration_intercept
    k = 1 if which == "slope" else 0
    lo, hi = np.full(sims, np.nan), np.full(sims, np.nan)
    for i in range(sims):
        entries = []
        for n in (n_group, n_reference):
            n_l = rng.multinomial(n, np.full(len(s), 1 / len(s)))
            pos = rng.binomial(n_l, s)
            f = fit(s, pos, n_l - pos, x)
            entries.append({} if f.reason else {"value": float(f.params[k]),
                                                "se": float(f.se[k])})
        gap = _difference(entries[0], entries[1], level)
        if gap.get("ci"):
            lo[i], hi[i] = gap["ci"]
    return _simulated(lo, hi, 0.0)


def ece_gap_coverage(n_group: int, n_reference: int, sims: int = 150, replicates: int = 200,
                     level: float = 0.95, seed: int = 10) -> Coverage:
    """Simulated coverage of the chance-corrected ECE gap when both groups are perfectly
    calibrated (true gap 0: each group's error above its own chance level is 0)."""
    import pandas as pd

    from ..groups import make_grouping
    from .calibration import CalibrationOptions, measure_calibration_grouping

    rng = np.random.default_rng(seed)
    labels = np.r_[np.full(n_reference, "a"), np.full(n_group, "b")]
    grouping = make_grouping("g", pd.Series(labels), reference="a")
    lo, hi = np.full(sims, np.nan), np.full(sims, np.nan)
    for i in range(sims):
        p = rng.uniform(0.1, 0.9, len(labels))
        y = (rng.random(len(labels)) < p).astype(np.int64)
        out = measure_calibration_grouping(
            grouping, p, y, options=CalibrationOptions(), level=level, replicates=replicates,
            seed=i, min_group_size=30)
        ci = out["groups"]["b"]["gap_vs_reference"]["expected_calibration_error"]["ci"]
        if ci is not None:
            lo[i], hi[i] = ci
    return _simulated(lo, hi, 0.0)
