"""The decision rule for one measured criterion: intersection–union for *met*, Holm for *not met*.

A criterion makes m comparisons (one per group and metric), each with an acceptable region
(the margin): ``[L, U]`` for ``within``/``between``, ``(−∞, t]`` for ``<=``, ``[t, ∞)`` for
``>=``.  With α = 1 − the Standard's ``confidence_level``:

* **met** — every comparison is shown inside its margin by two one-sided tests at level α
  (TOST, Schuirmann 1987), i.e. its two-sided (1 − 2α) interval lies inside the margin.  The
  criterion's claim "every comparison is inside" is an intersection of these claims, so by the
  intersection–union principle (Berger 1982) the chance of a false *met* stays below α with no
  adjustment for the number of comparisons.
* **not met** — some comparison is shown beyond its margin by a one-sided test, with Holm's
  step-down (Holm 1979) over the criterion's own m comparisons, so the chance of any false
  *not met* in the criterion stays below α.  (``multiplicity: bonferroni`` uses α/m for all.)
* otherwise **insufficient evidence**.

Each criterion is its own family: a criterion's verdict depends on its own comparisons only,
so a recommended criterion can never change a required one.  Every p-value is closed form
and computed for all comparisons at once (:func:`.intervals.tail_p`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .intervals import Exact, band_verdict, intervals, tail_p
from .model import Criterion, Measure
from .units import Unit

MET, NOT_MET, INSUFFICIENT = "met", "not met", "insufficient evidence"


@dataclass
class Judged:
    """A unit with its verdict and the interval that shows why."""

    unit: Unit
    criterion: Criterion
    #: two-sided level of ``interval``: 1 − 2α for *met*, 1 − 2α_k (Holm's step) otherwise.
    level: float | None = None
    interval: tuple[float, float] | None = None
    verdict: str | None = None
    #: one-sided p-value of "inside the margin" (the larger TOST p) and of "beyond it".
    p_met: float = 1.0
    p_out: float = 1.0


def margins(measure: Measure) -> tuple[float, float]:
    """The acceptable region ``[L, U]`` of a measure (infinite on an open side).

    >>> from essex_standard.standard.model import Measure
    >>> margins(Measure(("fpr",), "difference", "within", 0.1))
    (-0.1, 0.1)
    >>> margins(Measure(("ece",), "value", "<=", 0.05))
    (-inf, 0.05)
    """
    band = measure.band()
    if band is not None:
        return float(band[0]), float(band[1])
    t = float(measure.threshold) if isinstance(measure.threshold, (int, float)) else 0.0
    return (-math.inf, t) if measure.comparison in ("<=", "<") else (t, math.inf)


def p_values(units: list[Unit], measure: Measure) -> tuple[np.ndarray, np.ndarray]:
    """(p_met, p_out) of every unit: ``p_met`` ≤ a exactly when the (1 − 2a) interval lies
    inside the margin; ``p_out`` ≤ a exactly when it lies wholly beyond one side."""
    lo, hi = margins(measure)
    ests = [u.estimator for u in units]
    k = len(units)
    t_lo, t_hi = np.full(k, lo), np.full(k, hi)
    below_hi = tail_p(ests, t_hi, greater=False) if math.isfinite(hi) else np.zeros(k)
    above_lo = tail_p(ests, t_lo, greater=True) if math.isfinite(lo) else np.zeros(k)
    above_hi = tail_p(ests, t_hi, greater=True) if math.isfinite(hi) else np.ones(k)
    below_lo = tail_p(ests, t_lo, greater=False) if math.isfinite(lo) else np.ones(k)
    return np.maximum(below_hi, above_lo), np.minimum(above_hi, below_lo)


def holm_levels(p_out: np.ndarray, alpha: float, method: str) -> tuple[np.ndarray, np.ndarray]:
    """(rejected, α at which each was examined) for Holm's step-down (or Bonferroni).

    The k-th smallest p-value is compared with α/(m − k); from the first that fails, it and
    every later one are kept (examined at that failing level).

    >>> rej, a = holm_levels(np.array([0.001, 0.06, 0.02]), 0.05, "holm")
    >>> rej.tolist(), [round(float(x), 4) for x in a]
    ([True, False, True], [0.0167, 0.05, 0.025])
    """
    m = len(p_out)
    rejected, level = np.zeros(m, bool), np.full(m, alpha / max(m, 1))
    if m == 0 or method == "bonferroni":
        return p_out <= alpha / max(m, 1), level
    order = np.argsort(p_out, kind="stable")
    steps = alpha / (m - np.arange(m))
    passed = p_out[order] <= steps
    first_fail = int(np.argmin(passed)) if not passed.all() else m
    rejected[order[:first_fail]] = True
    level[order] = np.where(np.arange(m) < first_fail, steps, steps[min(first_fail, m - 1)])
    return rejected, level


def decide(judged: list[Judged], measure: Measure, alpha: float, method: str) -> int:
    """Give every comparison of one criterion its verdict, level and interval.

    Returns the size of the criterion's Holm family (comparisons with sampling uncertainty).
    Counts (``Exact``) are read off directly.  A comparison marked ``cannot_meet`` (noise
    alone reaches its threshold) can be *not met* but never *met*.
    """
    exact = [j for j in judged if isinstance(j.unit.estimator, Exact)]
    family = [j for j in judged if not isinstance(j.unit.estimator, Exact)]
    threshold = measure.threshold if isinstance(measure.threshold, float) else 0.0
    for j in exact:
        v = j.unit.value if j.unit.value is not None else math.nan
        j.verdict = band_verdict((v, v), measure.comparison, threshold,
                                 measure.band()) or INSUFFICIENT
        j.interval = (v, v)
    if not family:
        return 0
    p_met, p_out = p_values([j.unit for j in family], measure)
    rejected, examined = holm_levels(p_out, alpha, method)
    levels = np.empty(len(family))
    for i, j in enumerate(family):
        j.p_met, j.p_out = float(p_met[i]), float(p_out[i])
        if rejected[i]:
            j.verdict, levels[i] = NOT_MET, 1 - 2 * examined[i]
        elif p_met[i] <= alpha and j.unit.cannot_meet is None:
            j.verdict, levels[i] = MET, 1 - 2 * alpha
        else:
            j.verdict, levels[i] = INSUFFICIENT, 1 - 2 * examined[i]
    lo, hi = intervals([j.unit.estimator for j in family], levels)  # type: ignore[misc]
    for i, j in enumerate(family):
        j.level = float(levels[i])
        a, b = float(lo[i]), float(hi[i])
        j.interval = None if math.isnan(a) or math.isnan(b) else (a, b)
    return len(family)
