"""Which population stability indices are beyond the Standard's limit: the judge's, not drift's.

``metrics/drift.py`` measures a PSI for every feature, for the score, for each protected
characteristic's mix and within every group; it labels none of them.  The Standard judges the
score's PSI with one criterion (R3 in the Essex Standard: ``path: drift.score.psi``,
``statistic: point``).  Every other PSI in the section is read against that same criterion's
threshold here, so that the technical report's drift tables can say "beyond the limit" only
when the verdict would: change R3's threshold and every label moves with it.  A Standard with
no criterion on a PSI labels nothing.

The PSI of everyone (features, score, each characteristic's mix) is read by value, as the
criterion reads the score's.  Within a group, a PSI from a handful of rows is mostly noise, so
it is *beyond* only when its Benjamini-Hochberg q-value is also below the Standard's
1 − ``confidence_level``; beyond the limit but not below it, it is *undecided*.

>>> doc = {"drift": {"available": True, "features": {"x": {"psi": 0.3}, "y": {"psi": 0.05}},
...        "score": {"psi": 0.01}, "group_mix": {}, "by_group": {}}}
>>> from .model import load_standard
>>> out = psi_labels(doc, load_standard())
>>> out["criterion"], out["threshold"], out["features"], out["score"]
('R3', 0.25, {'x': 'beyond', 'y': 'within'}, 'within')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .model import Criterion, Standard

BEYOND, WITHIN, UNDECIDED = "beyond", "within", "undecided"


def psi_criterion(standard: Standard) -> Criterion | None:
    """The criterion that judges a population stability index by its value, if any."""
    for c in standard.measured:
        m = c.measure
        if (m is not None and m.path and m.path.split(".")[-1] == "psi"
                and m.statistic == "point" and m.threshold is not None
                and m.comparison in ("<=", "<")):
            return c
    return None


def psi_labels(doc: Mapping[str, Any], standard: Standard) -> dict[str, Any] | None:
    """Every PSI of ``doc["drift"]`` labelled *beyond* or *within* the PSI criterion's limit
    (None for a PSI that could not be measured); None without drift or such a criterion."""
    dr = doc.get("drift") or {}
    c = psi_criterion(standard)
    if not dr.get("available") or c is None:
        return None
    m = c.measure
    assert m is not None and isinstance(m.threshold, float)
    t, strict = m.threshold, m.comparison == "<"
    alpha = 1 - standard.confidence_level

    def label(entry: Mapping[str, Any] | None) -> str | None:
        psi = (entry or {}).get("psi")
        if psi is None:
            return None
        beyond = psi >= t if strict else psi > t
        return BEYOND if beyond else WITHIN

    def in_group(entry: Mapping[str, Any] | None) -> str | None:
        first = label(entry)
        if first != BEYOND:
            return first
        q = (entry or {}).get("q_value")
        return BEYOND if q is not None and q < alpha else UNDECIDED

    def within(source: str) -> dict[str, Any]:
        return {attr: {group: {"features": {f: in_group(x) for f, x in
                                            (e.get("features") or {}).items()},
                               "score": in_group(e.get("score"))}
                       for group, e in (block.get("groups") or {}).items()}
                for attr, block in (dr.get(source) or {}).items()}

    return {
        "criterion": c.id, "threshold": t, "comparison": m.comparison, "alpha": alpha,
        "features": {f: label(e) for f, e in (dr.get("features") or {}).items()},
        "score": label(dr.get("score")),
        "group_mix": {attr: label(mix) for attr, mix in (dr.get("group_mix") or {}).items()},
        "by_group": within("by_group"),
        "by_intersection": within("by_intersection"),
        # A group's share of missing values that changed beyond chance at the Standard's level
        # (a fairness signal the reports highlight: chosen here, not by a renderer).
        "missingness": [
            {"attribute": attr, "group": group, "feature": f}
            for attr, m in (dr.get("missingness") or {}).items()
            for group, cols in (m.get("groups") or {}).items() for f, x in cols.items()
            if (x.get("difference") or {}).get("q_value") is not None
            and x["difference"]["q_value"] < alpha],
    }
