"""Findings: for each comparison, which group is worse off, by how much, and how sure we are.

A gap has two sides.  A false positive rate difference of −0.20 for group B against the
reference A means A's people are wrongly flagged more often: A is the worse-off group, and the
finding names A (COMPAS: Caucasian defendants are missed 48 in 100 against 28 for
African-American).  For a selection rate, being flagged is neither good nor bad in itself, so
the finding names the group flagged more often.
"""

from __future__ import annotations

import math
from typing import Any

from .decide import INSUFFICIENT, MET, NOT_MET, Judged

#: Metrics for which a higher value harms the group (errors); the others in HIGHER_IS_BETTER
#: harm it when lower.  Anything else (selection rate, shares) has no harmful direction.
HIGHER_IS_WORSE = frozenset({"false_positive_rate", "false_negative_rate",
                             "false_discovery_rate", "false_omission_rate", "error_rate",
                             "expected_calibration_error"})
HIGHER_IS_BETTER = frozenset({"true_positive_rate", "true_negative_rate",
                              "positive_predictive_value", "negative_predictive_value",
                              "accuracy", "roc_auc", "balanced_accuracy"})

SURE = {MET: "met", NOT_MET: "not met", INSUFFICIENT: "undecided"}


def _rates(j: Judged) -> tuple[float | None, float | None]:
    est = j.unit.estimator
    x, n = getattr(est, "x", None), getattr(est, "n", None)
    xr, nr = getattr(est, "x_ref", None), getattr(est, "n_ref", None)
    group = x / n if x is not None and n else None
    ref = xr / nr if xr is not None and nr else None
    return group, ref


def direction(metric: str, statistic: str, value: float | None, group: str,
              reference: str | None) -> tuple[str | None, str]:
    """(the worse-off group, a short phrase) for a gap of ``value`` between ``group`` and
    ``reference``.

    >>> direction("false_negative_rate", "difference", -0.2, "African-American", "Caucasian")
    ('Caucasian', 'higher false negative rate')
    >>> direction("selection_rate", "ratio", 1.4, "B", "A")
    ('B', 'flagged more often')
    """
    if value is None or math.isnan(value) or reference is None:
        return None, "no gap measured"
    centre = 1.0 if statistic == "ratio" else 0.0
    if value == centre:
        return None, "no gap"
    group_higher = value > centre
    words = metric.replace("_", " ")
    if metric in HIGHER_IS_BETTER:
        return (reference if group_higher else group), f"lower {words}"
    if metric in HIGHER_IS_WORSE:
        return (group if group_higher else reference), f"higher {words}"
    if metric == "selection_rate":
        return (group if group_higher else reference), "flagged more often"
    return (group if group_higher else reference), f"higher {words}"


def worse_is_higher(metric: str) -> bool:
    """Whether the worse-off group is the one with the higher figure (an error rate, or the
    group flagged more often), rather than the lower (a rate where higher is better)."""
    return metric not in HIGHER_IS_BETTER


def could_be_none(statistic: str, interval: list[float] | None, worse: str | None,
                  group: str, higher: bool = True) -> bool:
    """Whether the gap's interval (group against reference) reaches "no gap" (0, or 1 for a
    ratio) on the side away from the worse-off group: the gap could be none, or even go the
    other way.  ``higher``: whether the worse-off group has the higher figure.

    >>> could_be_none("difference", [0.02, 0.2], "B", "B"), could_be_none("ratio", [0.7, 1.1],
    ...                                                                  "A", "B")
    (False, True)
    >>> could_be_none("difference", [-0.2, -0.02], "B", "B", higher=False)
    False
    """
    if interval is None or worse is None:
        return True
    centre = 1.0 if statistic == "ratio" else 0.0
    group_above = (worse == group) == higher  # the gap counts against the worse when > centre
    return interval[0] <= centre if group_above else interval[1] >= centre


def finding(j: Judged) -> dict[str, Any]:
    """One comparison as a finding for ``results.json``."""
    u = j.unit
    m = j.criterion.measure
    assert m is not None
    group_rate, ref_rate = _rates(j)
    if u.reference_group is None:
        worse, what = None, "compared with the threshold"
    else:
        worse, what = direction(u.metric, m.statistic, u.value, str(u.group), u.reference_group)
    interval = None if j.interval is None or not all(map(math.isfinite, j.interval)) \
        else [float(j.interval[0]), float(j.interval[1])]
    return {
        "attribute": u.attribute, "group": u.group, "reference_group": u.reference_group,
        "metric": u.metric, "statistic": m.statistic,
        "comparison": f"{u.group} vs {u.reference_group}" if u.reference_group else
        (u.group or "everyone"),
        "worse_off": worse, "direction": what,
        "group_value": group_rate if u.reference_group else u.value,
        "reference_value": ref_rate,
        "value": u.value if u.value is None or math.isfinite(u.value) else None,
        "interval": interval,
        "could_be_none": could_be_none(m.statistic, interval, worse, str(u.group),
                                       worse_is_higher(u.metric))
        if u.reference_group is not None else None,
        "worse_is_higher": worse_is_higher(u.metric),
        "level": j.level,
        "sure": SURE.get(j.verdict or INSUFFICIENT, "undecided"),
    }
