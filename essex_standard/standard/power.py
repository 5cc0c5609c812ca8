"""Power and sample size for the decision rule: what an audit of this size can conclude.

Two questions reviewers ask first:

* **the smallest gap a criterion can detect** — the true gap beyond the margin that is found
  *not met* in 80% of audits (``power``), at the Holm step every comparison of the criterion
  must pass in the worst case (α/m, one-sided);
* **the number of people needed to conclude met** — per group, for a fair model (no true gap),
  so that the two one-sided tests at α show every one of the criterion's k comparisons inside
  the margin in 80% of audits (each comparison may fail with (1 − power)/k, each side with
  half that: a union bound, so the plan errs on the safe side).

Both use the normal approximation to the score tests the judge uses (:mod:`.score`), with the
variance at the assumed rate in both groups; ratios work on the log scale.  They are checked
against statsmodels' ``NormalIndPower`` and against simulation of the judge itself
(:func:`simulate`), which draws counts and applies exactly the rule of :mod:`.decide`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from . import score


@dataclass(frozen=True)
class GapPlan:
    """What a comparison of a group with the reference group can show."""

    statistic: str          # "difference" or "ratio"
    margin: float           # 0.10 for a difference, 0.8 (i.e. 0.8–1.25) for a ratio
    rate: float             # the assumed rate in both groups
    n_group: float          # the metric's denominator in the group
    n_reference: float      # ... in the reference group
    detectable: float       # true gap found not met with the given power (beyond margin)
    provable: float | None  # largest true gap still shown met with that power (None: none)
    needed_for_met: float | None  # denominator per group for met at no gap (None: never)


def _z(p: float) -> float:
    return float(stats.norm.isf(p))


def plan_gap(statistic: str, margin: float, rate: float, n_group: float, n_reference: float,
             alpha: float = 0.05, power: float = 0.8, comparisons: int = 1) -> GapPlan:
    """Plan one comparison.  For a ratio, gaps are ratios (``detectable`` > 1/margin).

    >>> p = plan_gap("difference", 0.10, 0.15, 1000, 1000)
    >>> round(p.detectable, 2), round(p.provable, 2), round(p.needed_for_met)
    (0.15, 0.06, 123)
    """
    if not 0 < rate < 1:
        raise ValueError(f"the assumed rate must be between 0 and 1, not {rate}")
    k = max(comparisons, 1)
    # Met needs every one of the k comparisons: each may fail with (1 − power)/k at most
    # (union bound), split between the two one-sided tests at no true gap.
    z_met = _z(alpha) + _z((1 - power) / (2 * k))
    z_side = _z(alpha) + _z((1 - power) / k)    # one side, true gap near that side's margin
    z_out = _z(alpha / k) + _z(1 - power)       # not met, at Holm's strictest step α/m
    if statistic == "ratio":
        unit_var, edge = (1 - rate) / rate, math.log(1 / margin if margin < 1 else margin)
    else:
        unit_var, edge = rate * (1 - rate), margin
    se = math.sqrt(unit_var * (1 / n_group + 1 / n_reference))
    # Beyond the margin the group's rate differs from the reference's, and so does its
    # variance: a few fixed-point steps find the gap whose own standard error it clears.
    detectable = edge + z_out * se
    for _ in range(20):
        if statistic == "ratio":
            q = min(rate * math.exp(detectable), 1 - 1e-9)
            var_group = (1 - q) / q
        else:
            q = min(rate + detectable, 1 - 1e-9)
            var_group = q * (1 - q)
        detectable = edge + z_out * math.sqrt(var_group / n_group + unit_var / n_reference)
    provable = edge - z_side * se
    room = edge * edge / (z_met * z_met * unit_var) - 1 / n_reference
    needed = 1 / room if room > 0 else None
    if statistic == "ratio":
        return GapPlan(statistic, margin, rate, n_group, n_reference, math.exp(detectable),
                       math.exp(provable) if provable > 0 else None, needed)
    return GapPlan(statistic, margin, rate, n_group, n_reference, detectable,
                   provable if provable > 0 else None, needed)


def people_needed_equal(statistic: str, margin: float, rate: float, alpha: float = 0.05,
                        power: float = 0.8) -> float:
    """Denominator per group for *met* at no true gap when both groups are the same size.

    >>> round(people_needed_equal("difference", 0.10, 0.15))
    218
    """
    z_met = _z(alpha) + _z((1 - power) / 2)
    if statistic == "ratio":
        unit_var, edge = (1 - rate) / rate, math.log(1 / margin if margin < 1 else margin)
    else:
        unit_var, edge = rate * (1 - rate), margin
    return 2 * unit_var * z_met * z_met / (edge * edge)


# --------------------------------------------------------------------------- simulation


@dataclass(frozen=True)
class Metric:
    """One metric of a simulated criterion: each group's denominator and true rate
    (the reference group first)."""

    sizes: tuple[int, ...]
    rates: tuple[float, ...]


def simulate(statistic: str, margin: float, metrics: list[Metric], reps: int,
             rng: np.random.Generator, alpha: float = 0.05, method: str = "holm"
             ) -> dict[str, float]:
    """Share of simulated audits in which one criterion is met / not met / undecided.

    Every comparison of every group with the reference, for every metric, forms the
    criterion's family, as in the judge.  Counts are drawn for all audits at once and the
    rule of :mod:`.decide` is applied to the arrays: *met* when every comparison's larger TOST
    p-value is at most α; *not met* when Holm's first step rejects (the smallest p-value of
    "beyond the margin" is at most α/m; any later step needs this one).
    """
    lo_m, hi_m = (margin, 1 / margin) if statistic == "ratio" else (-margin, margin)
    p_met, p_out = [], []
    for metric in metrics:
        n = np.array(metric.sizes)
        x = rng.binomial(n[None, :], np.array(metric.rates)[None, :], size=(reps, len(n)))
        x1, n1 = x[:, 1:], np.broadcast_to(n[1:], x[:, 1:].shape)
        x2, n2 = np.broadcast_to(x[:, :1], x1.shape), np.broadcast_to(n[:1], x1.shape)
        if statistic == "ratio":
            less, greater = score.p_less_ratio, score.p_greater_ratio
        else:
            less, greater = score.p_less_difference, score.p_greater_difference
        p_met.append(np.maximum(less(x1, n1, x2, n2, hi_m), greater(x1, n1, x2, n2, lo_m)))
        p_out.append(np.minimum(greater(x1, n1, x2, n2, hi_m), less(x1, n1, x2, n2, lo_m)))
    pm, po = np.concatenate(p_met, axis=1), np.concatenate(p_out, axis=1)
    pm, po = np.where(np.isnan(pm), 1.0, pm), np.where(np.isnan(po), 1.0, po)
    m = pm.shape[1]
    not_met = po.min(axis=1) <= alpha / m
    met = ~not_met & (pm <= alpha).all(axis=1)
    return {"met": float(met.mean()), "not met": float(not_met.mean()),
            "insufficient evidence": float((~met & ~not_met).mean())}


# --------------------------------------------------------------------------- the best possible


@dataclass(frozen=True)
class MetLimits:
    """Chance of *met* for a fair model, by test, for one rate compared between ``groups``
    groups of ``n`` (normal model of the differences; see :func:`met_limits`)."""

    tost: float        # the Standard's rule: every comparison's TOST at α (intersection–union)
    exact_size: float  # the same form with its critical value raised until the size is α
    k_exact: float     # that critical value (TOST's is z_α = 1.645)
    upper_bound: float  # no test with false reassurance ≤ α anywhere can do better


def met_limits(n: int, groups: int, rate: float, margin: float, alpha: float = 0.05,
               sims: int = 200_000, seed: int = 0) -> MetLimits:
    """How often *met* can be reached, at best, for a fair model (every group's rate equal).

    The differences ``d_j = p̂_j − p̂_ref`` (j = 1 … groups − 1) are normal with variance
    ``2v`` and covariance ``v`` (the shared reference group), ``v = rate(1 − rate)/n``.  The
    null hypothesis is that some ``|d_j| ≥ margin``; *met* must be concluded there in at most
    α of audits (false reassurance).  Three figures:

    * ``tost``: the Standard's rule (each ``|d̂_j| < margin − z_α σ``), an intersection–union
      test (Berger 1982), whose size is below α because it never uses that the other
      comparisons must also pass;
    * ``exact_size``: the best rule of that form whose size is exactly α under this model: the
      critical value ``k`` is lowered until, with one comparison at its margin and the others
      at 0 (the least favourable configuration), *met* is concluded in α of audits.  Its size
      holds only under the normal model with known variances: with estimated ones, or rates
      near 0 where the other comparisons pass surely, it errs up to ``Φ(−k)`` (8% for
      ``k`` = 1.40), which is why the Standard does not use it;
    * ``upper_bound``: the Neyman–Pearson power against the even mixture of the 2(groups − 1)
      null points "one comparison at ±margin, the others at 0": any test whose false
      reassurance is at most α at each of them is at most this powerful.

    >>> lim = met_limits(375, 4, 0.3, 0.10, sims=40_000)
    >>> 0.55 < lim.tost < 0.65 < 0.7 < lim.exact_size < 0.78 < 0.85 < lim.upper_bound < 0.93
    True
    """
    rng = np.random.default_rng(seed)
    k = groups - 1
    v = rate * (1 - rate) / n
    sd = math.sqrt(2 * v)

    def draw(shift: np.ndarray | None = None) -> np.ndarray:
        e = rng.standard_normal((sims, k + 1)) * math.sqrt(v)
        d = e[:, 1:] - e[:, :1]
        return d if shift is None else d + shift

    def met(d: np.ndarray, crit: float) -> float:
        return float((np.abs(d) < margin - crit * sd).all(axis=1).mean())

    fair = draw()
    at_margin = draw(np.r_[margin, np.zeros(k - 1)])
    tost = met(fair, _z(alpha))
    lo, hi = 0.0, _z(alpha)
    for _ in range(30):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if met(at_margin, mid) > alpha else (lo, mid)
    # Σ = v (I + 11ᵀ), so Σ⁻¹ = (I − 11ᵀ/k+1)/v: the log-likelihood ratio of a null point
    # μ = ±margin·e_j against 0 is (μᵀΣ⁻¹d − ½μᵀΣ⁻¹μ), in closed form.
    def log_mixture(d: np.ndarray) -> np.ndarray:
        total = d.sum(axis=1, keepdims=True)
        lin = margin * (d - total / (k + 1)) / v          # μ_jᵀΣ⁻¹d for +margin·e_j
        quad = 0.5 * margin * margin * (1 - 1 / (k + 1)) / v
        terms = np.concatenate([lin, -lin], axis=1) - quad
        top = terms.max(axis=1, keepdims=True)
        return top[:, 0] + np.log(np.exp(terms - top).mean(axis=1))
    which = rng.integers(0, 2 * k, sims)
    shifts = np.zeros((sims, k))
    shifts[np.arange(sims), which % k] = np.where(which < k, margin, -margin)
    critical = np.quantile(-log_mixture(draw() + shifts), 1 - alpha)
    bound = float((-log_mixture(fair) > critical).mean())
    return MetLimits(tost, met(fair, hi), hi, bound)
