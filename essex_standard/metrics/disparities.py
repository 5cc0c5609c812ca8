"""Differences and ratios of rates against a reference group, for many pairs at once.

The intervals invert the Standard's own corrected Miettinen–Nurminen score tests
(:mod:`essex_standard.standard.score`), so an interval ``results.json`` publishes agrees with
the verdict; every pair of a grouping (or of a time window) is solved in one vectorised root
search.  The p-value is the pooled two-proportion z-test of equal rates.

>>> out = rate_disparities([(30, 100, 20, 100), (0, 50, 0, 80)], 0.95)
>>> [round(v, 3) for v in out[0]["difference"]["ci"]], out[1]["ratio"]["reason"]
([-0.026, 0.224], "undefined: the reference group's rate is 0")
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .uncertainty import score_intervals, two_proportion_p_value

__all__ = ["DIFFERENCE_METHOD", "RATIO_METHOD", "rate_disparities", "rate_disparity"]


def _num(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def _ci(lo: float, hi: float) -> list[float] | None:
    if lo is None or hi is None or not (np.isfinite(lo) and np.isfinite(hi)):
        return None
    return [float(lo), float(hi)]


DIFFERENCE_METHOD = ("inversion of the Miettinen-Nurminen score test, skewness and continuity "
                     "corrected (the Standard's test)")
RATIO_METHOD = DIFFERENCE_METHOD


def rate_disparities(pairs: list[tuple[int, int, int, int]], level: float
                     ) -> list[dict[str, Any]]:
    """Difference and ratio of many rates against their reference ``(x, n, x_ref, n_ref)``.

    The intervals invert the Standard's own score tests (:func:`.uncertainty.score_difference`,
    :func:`.uncertainty.score_ratio`), so a published 95% interval wholly beyond a margin
    means the Standard's one-sided test rejects at 2.5%.  Every pair of a grouping is solved
    in one vectorised search.
    """
    k = len(pairs)
    if k == 0:
        return []
    x, n, xr, nr = (np.array(v, dtype=float) for v in zip(*pairs, strict=True))
    ok = (n > 0) & (nr > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p, pr = x / n, xr / nr
    d_lo, d_hi = np.full(k, np.nan), np.full(k, np.nan)
    r_lo, r_hi = np.full(k, np.nan), np.full(k, np.nan)
    has_ratio = ok & (xr > 0)
    if ok.any():  # one root search for both intervals of every pair
        d_lo[ok], d_hi[ok], r_lo[ok], r_hi[ok] = score_intervals(x[ok], n[ok], xr[ok], nr[ok],
                                                                 level)
    p_values = two_proportion_p_value(x, n, xr, nr) if ok.any() else np.full(k, np.nan)
    out: list[dict[str, Any]] = []
    for i in range(k):
        entry: dict[str, Any] = {
            "difference": {"value": None, "ci": None, "p_value": None},
            "ratio": {"value": None, "ci": None},
        }
        if not ok[i]:
            entry["reason"] = ("undefined: the rate is undefined for this group or the "
                               "reference group")
            out.append(entry)
            continue
        entry["difference"] = {"value": float(p[i] - pr[i]), "ci": _ci(d_lo[i], d_hi[i]),
                               "p_value": _num(float(p_values[i])),
                               "method": DIFFERENCE_METHOD}
        if has_ratio[i]:
            entry["ratio"] = {"value": float(p[i] / pr[i]), "ci": _ci(r_lo[i], r_hi[i]),
                              "method": RATIO_METHOD}
        else:
            entry["ratio"]["reason"] = "undefined: the reference group's rate is 0"
        out.append(entry)
    return out


def rate_disparity(x: int, n: int, xr: int, nr: int, level: float) -> dict[str, Any]:
    """Difference and ratio of a group's rate against the reference group's
    (:func:`rate_disparities` for one pair)."""
    return rate_disparities([(x, n, xr, nr)], level)[0]
