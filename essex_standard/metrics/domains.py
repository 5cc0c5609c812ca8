"""The natural range of each reported statistic.

When the Standard rescales a stored interval to a multiplicity-adjusted level (a normal
approximation), the stretched interval can leave the range the statistic can take — an
expected calibration error below 0, an AUC above 1.  Such an interval would be wrong, and
could even decide a verdict, so it is clipped to the statistic's range.

>>> domain("expected_calibration_error", "value")
(0.0, 1.0)
>>> domain("calibration_slope", "value") is None
True
"""

from __future__ import annotations

import math

from .rates import RATES

_UNIT_INTERVAL = (
    *RATES,
    "roc_auc",
    "expected_calibration_error",
    "maximum_calibration_error",
    "brier_score",
    "js_distance",
)
_NON_NEGATIVE = (
    "psi",
    "wasserstein_normalised",
    "ks_statistic",
    "theil_index",
    "between_all_groups_theil_index",
    "chi_square",
)


def domain(metric: str, statistic: str = "value") -> tuple[float, float] | None:
    """The range of ``statistic`` (value, difference or ratio) of ``metric``; None if unbounded."""
    if metric in _UNIT_INTERVAL:
        return {"value": (0.0, 1.0), "difference": (-1.0, 1.0), "ratio": (0.0, math.inf)}.get(
            statistic
        )
    if metric in _NON_NEGATIVE and statistic == "value":
        return (0.0, math.inf)
    return None
