"""Group fairness for one protected attribute (or intersection), from its count tables.

For every group: each rate with its numerator, denominator and Wilson interval; ROC AUC with
Newcombe's method 5 interval when there is a score.  Against the reference group: the
difference and the ratio of every rate, with the intervals that invert the Standard's own
score tests (corrected Miettinen–Nurminen) and a two-proportion test, and of AUC (MOVER from
the AUC limits).  Summaries: fairlearn's max−min statistics and AIF360's reference-vs-rest
statistics, plus the Theil indices.  Every interval is shown to cover in
``tests/test_coverage.py``; statistics for which no interval can cover (max−min, the
between-groups Theil index) carry none, with a note.

A metric that is undefined (a zero denominator) is ``None`` with the reason, never NaN.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..groups import Grouping
from ..tables import ConfusionTable, ScoreTable, confusion_table, score_table
from .disparities import (
    _ci,
    _num,
    rate_disparities,
    rate_disparity,
)
from .performance import AUCEstimate, auc_from_counts, auc_interval, auc_score_interval
from .rates import RATE_METRICS, RATES, RateMetric
from .theil import (
    BETWEEN_THEIL_NOTE,
    NO_BENEFIT,
    between_all_groups_theil_index,
    theil_entry,
)
from .uncertainty import (
    average_odds_interval,
    bootstrap_stream,
    mover_difference,
    mover_ratio_from_limits,
    wilson,
)

AUC_METHOD = "Newcombe (2006) method 5 score interval"

AUC_DIFFERENCE_METHOD = (
    "MOVER from each group's Newcombe method 5 limits; p-value from the DeLong variances"
)

AOD_METHOD = "MOVER from the Wilson limits of the four rates (closed form)"

MAX_MIN_NOTE = (
    "No interval: the bootstrap interval of a max−min statistic is biased away from zero and "
    "almost never covers it, even when all groups are equal. See each group's difference and "
    "ratio against the reference group, which carry intervals."
)


def rate_entry(metric: RateMetric, x: int, n: int, level: float) -> dict[str, Any]:
    """One rate with its counts and Wilson interval; ``None`` with a reason if undefined."""
    entry: dict[str, Any] = {"value": None, "ci": None, "numerator": int(x), "denominator": int(n)}
    if n == 0:
        entry["reason"] = f"undefined: {metric.undefined_when} (denominator is 0)"
        return entry
    lo, hi = wilson(x, n, level)
    entry["value"] = x / n
    entry["ci"] = _ci(float(lo), float(hi))
    return entry


def auc_entry(est: AUCEstimate, level: float) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "value": est.value,
        "ci": None,
        "positives": est.positives,
        "negatives": est.negatives,
        "method": AUC_METHOD,
    }
    if est.value is None:
        entry["reason"] = f"undefined: {est.reason}"
    else:
        ci = auc_interval(est, level)
        entry["ci"] = _ci(*ci) if ci else None
    return entry


def auc_disparity(est: AUCEstimate, ref: AUCEstimate, level: float) -> dict[str, Any]:
    """AUC difference and ratio between two independent groups.

    Both intervals are MOVER (Zou & Donner 2008; Donner & Zou 2012) built from each group's
    Newcombe method 5 limits — the construction Newcombe's interval uses for two rates — so
    they inherit its small-sample behaviour (a Wald interval on the DeLong variances covered
    about 88% with 15 and 20 positives).  The p-value is DeLong's z-test.
    """
    out: dict[str, Any] = {
        "difference": {"value": None, "ci": None, "p_value": None},
        "ratio": {"value": None, "ci": None},
    }
    if est.value is None or ref.value is None:
        out["reason"] = "undefined: ROC AUC is undefined for this group or the reference group"
        return out
    a, r = est.value, ref.value
    la, ua = (float(v) for v in auc_score_interval(a, est.positives, est.negatives, level))
    lr, ur = (float(v) for v in auc_score_interval(r, ref.positives, ref.negatives, level))
    diff = a - r
    se = float(np.sqrt(est.variance + ref.variance))
    from scipy import stats

    p_value = float(2 * stats.norm.sf(abs(diff) / se)) if se > 0 else 1.0
    lo, hi = mover_difference(a, la, ua, r, lr, ur)
    out["difference"] = {
        "value": diff,
        "ci": [max(-1.0, float(lo)), min(1.0, float(hi))],
        "p_value": p_value,
        "method": AUC_DIFFERENCE_METHOD,
    }
    if r == 0:
        out["ratio"]["reason"] = "undefined: the reference group's ROC AUC is 0"
    else:
        rlo, rhi = mover_ratio_from_limits(a, la, ua, r, lr, ur)
        out["ratio"] = {"value": a / r, "ci": _ci(float(rlo), float(rhi)),
                        "method": "MOVER-R from each group's Newcombe method 5 limits"}
        if out["ratio"]["ci"] is None:
            out["ratio"]["ci_reason"] = ("no upper limit: the reference group's AUC interval "
                                         "reaches 0")
    return out


# --------------------------------------------------------------------------- summaries


def _reference_vs_rest(tables: np.ndarray, ref: int) -> tuple[np.ndarray, np.ndarray]:
    """(privileged, unprivileged) tables as AIF360 sees them: reference vs everyone else."""
    priv = tables[..., ref, :, :]
    unpriv = tables.sum(axis=-3) - priv
    return priv, unpriv


def average_odds_difference(tables: np.ndarray, ref: int) -> np.ndarray:
    priv, unpriv = _reference_vs_rest(tables, ref)
    tpr, fpr = RATES["true_positive_rate"], RATES["false_positive_rate"]
    return 0.5 * ((fpr.values(unpriv) - fpr.values(priv)) + (tpr.values(unpriv) - tpr.values(priv)))


def _max_min(values: np.ndarray, labels: tuple[str, ...], kind: str) -> dict[str, Any]:
    defined = [i for i, v in enumerate(values) if np.isfinite(v)]
    if len(defined) < 2:
        return {
            "value": None,
            "ci": None,
            "reason": "undefined: fewer than two groups have a value",
        }
    vals = values[defined]
    hi_i = defined[int(np.argmax(vals))]
    lo_i = defined[int(np.argmin(vals))]
    hi, lo = values[hi_i], values[lo_i]
    if kind == "difference":
        value: float | None = float(hi - lo)
    else:
        value = float(lo / hi) if hi > 0 else None
    out: dict[str, Any] = {
        "value": value,
        "ci": None,
        "ci_note": MAX_MIN_NOTE,
        "lowest_group": labels[lo_i],
        "highest_group": labels[hi_i],
    }
    excluded = [labels[i] for i in range(len(values)) if i not in defined]
    if excluded:
        out["excluded_groups"] = excluded
    if value is None:
        out["reason"] = "undefined: the highest group's rate is 0"
    return out


def _summary_pairs(counts: np.ndarray, ref: int, has_labels: bool
                   ) -> list[tuple[int, int, int, int]]:
    """The (x, n, x_ref, n_ref) pairs :func:`summarise` compares (everyone else against the
    reference group: selection rate, and the true positive rate when outcomes are given)."""
    priv, unpriv = _reference_vs_rest(counts, ref)
    names = ("selection_rate", "true_positive_rate") if has_labels else ("selection_rate",)
    return [(*(int(v) for v in RATES[m].counts(unpriv)), *(int(v) for v in RATES[m].counts(priv)))
            for m in names]


def _pair_entry(
    kind: str, metric: RateMetric, priv: np.ndarray, unpriv: np.ndarray, level: float,
    solved: dict[tuple[int, int, int, int], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    xp, np_ = (int(v) for v in metric.counts(priv))
    xu, nu = (int(v) for v in metric.counts(unpriv))
    key = (xu, nu, xp, np_)
    pair = solved[key] if solved and key in solved else rate_disparity(*key, level)
    entry = dict(pair["ratio"] if kind == "ratio" else pair["difference"])
    if "reason" in pair and entry.get("value") is None:
        entry["reason"] = pair["reason"]
    return entry


def summarise(
    counts: np.ndarray,
    grouping: Grouping,
    has_labels: bool,
    level: float,
    overall_theil: dict[str, Any] | None,
    solved: dict[tuple[int, int, int, int], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Attribute-level summaries matching fairlearn and AIF360 definitions.

    Every interval here is a closed form; the only bootstrapped figure, the Theil index of
    everyone audited, is computed once in :func:`measure_overall` and passed in.  ``solved``:
    the pairs of :func:`_summary_pairs` already computed (with the groups' own, in one
    search by :func:`measure_grouping`).
    """
    labels, ref = grouping.labels, grouping.reference
    sr = RATES["selection_rate"].values(counts)
    summary: dict[str, Any] = {
        "demographic_parity_difference": _max_min(sr, labels, "difference"),
        "demographic_parity_ratio": _max_min(sr, labels, "ratio"),
    }
    priv, unpriv = _reference_vs_rest(counts, ref)
    no_rest = int(unpriv.sum()) == 0
    selection = RATES["selection_rate"]
    summary["disparate_impact"] = _pair_entry("ratio", selection, priv, unpriv, level, solved)
    summary["statistical_parity_difference"] = _pair_entry(
        "difference", selection, priv, unpriv, level, solved
    )
    no_labels = {"value": None, "ci": None, "reason": "not measured: outcomes (y_true) not given"}
    if not has_labels:
        for key in (
            "equalized_odds_difference",
            "equalized_odds_ratio",
            "equal_opportunity_difference",
            "average_odds_difference",
            "theil_index",
            "between_all_groups_theil_index",
        ):
            summary[key] = dict(no_labels)
        return summary

    tpr = RATES["true_positive_rate"].values(counts)
    fpr = RATES["false_positive_rate"].values(counts)
    tpr_d, fpr_d = _max_min(tpr, labels, "difference"), _max_min(fpr, labels, "difference")
    tpr_r, fpr_r = _max_min(tpr, labels, "ratio"), _max_min(fpr, labels, "ratio")
    summary["equalized_odds_difference"] = _combine(tpr_d, fpr_d, max, "difference")
    summary["equalized_odds_ratio"] = _combine(tpr_r, fpr_r, min, "ratio")
    summary["equal_opportunity_difference"] = _pair_entry(
        "difference", RATES["true_positive_rate"], priv, unpriv, level, solved
    )
    summary["average_odds_difference"] = average_odds_entry(priv, unpriv, no_rest, level)
    summary["theil_index"] = overall_theil
    value = _num(float(between_all_groups_theil_index(counts)))
    between: dict[str, Any] = {"value": value, "ci": None, "ci_note": BETWEEN_THEIL_NOTE}
    if value is None:
        between["reason"] = NO_BENEFIT
    summary["between_all_groups_theil_index"] = between
    return summary


def average_odds_entry(
    priv: np.ndarray, unpriv: np.ndarray, no_rest: bool, level: float
) -> dict[str, Any]:
    """AIF360's average odds difference (unprivileged − privileged) with its MOVER interval."""
    entry: dict[str, Any] = {"value": None, "ci": None, "method": AOD_METHOD}
    if no_rest:
        entry["reason"] = "undefined: everyone is in the reference group"
        return entry
    tp_u, fn_u, fp_u, tn_u = (int(unpriv[1, 1]), int(unpriv[1, 0]), int(unpriv[0, 1]),
                              int(unpriv[0, 0]))
    tp_p, fn_p, fp_p, tn_p = (int(priv[1, 1]), int(priv[1, 0]), int(priv[0, 1]), int(priv[0, 0]))
    if 0 in (tp_u + fn_u, fp_u + tn_u, tp_p + fn_p, fp_p + tn_p):
        entry["reason"] = "undefined: a true or false positive rate is undefined for a side"
        return entry
    entry["value"] = float(average_odds_difference(np.stack([priv, unpriv]), 0))
    lo, hi = average_odds_interval(tp_u, tp_u + fn_u, fp_u, fp_u + tn_u,
                                   tp_p, tp_p + fn_p, fp_p, fp_p + tn_p, level)
    entry["ci"] = _ci(float(lo), float(hi))
    return entry


def _combine(a: dict[str, Any], b: dict[str, Any], pick, kind: str) -> dict[str, Any]:
    """fairlearn's equalized odds: the worse of the TPR and FPR statistics."""
    if a["value"] is None or b["value"] is None:
        return {
            "value": None,
            "ci": None,
            "reason": "undefined: the true or false positive rate gap is undefined",
        }
    chosen, metric = (
        (a, "true_positive_rate")
        if pick(a["value"], b["value"]) == a["value"]
        else (b, "false_positive_rate")
    )
    out = dict(chosen)
    out["driven_by"] = metric
    # A group whose TPR (no positives) or FPR (no negatives) is undefined is left out of that
    # rate's max − min; say so whichever rate decided (fairlearn would count the rate as 0).
    excluded = sorted(set(a.get("excluded_groups", [])) | set(b.get("excluded_groups", [])))
    if excluded:
        out["excluded_groups"] = excluded
    else:
        out.pop("excluded_groups", None)
    return out


# --------------------------------------------------------------------------- one attribute


def child_rng(seed: int, name: str) -> np.random.RandomState:
    """The bootstrap stream for one attribute (see :func:`.uncertainty.bootstrap_stream`)."""
    return bootstrap_stream(seed, name)


def measure_grouping(
    grouping: Grouping,
    y_pred: np.ndarray,
    y_true: np.ndarray | None,
    y_score: np.ndarray | None,
    *,
    level: float = 0.95,
    replicates: int = 1000,
    seed: int = 0,
    min_group_size: int = 30,
    overall_theil: dict[str, Any] | None = None,
    weights: np.ndarray | None = None,
) -> dict[str, Any]:
    """All group metrics, disparities and summaries for one grouping, as a JSON-ready dict.

    ``replicates`` and ``seed`` are accepted for a uniform signature but unused: every interval
    of a grouping is a closed form.  ``weights``: each row's frequency, when the rows are
    distinct rows with a count (see ``essex_standard.engines``).
    """
    table: ConfusionTable = confusion_table(grouping.codes, grouping.n_groups, y_pred, y_true,
                                            weights)
    counts = table.counts
    has_labels = table.has_labels
    metrics = [m for m in RATE_METRICS if has_labels or not m.needs_labels]
    scores: ScoreTable | None = None
    if y_score is not None and y_true is not None:
        scores = score_table(grouping.codes, grouping.n_groups, y_score, y_true, weights)
    aucs = (
        [auc_from_counts(*scores.for_group(g)) for g in range(grouping.n_groups)] if scores else []
    )

    ref = grouping.reference
    total = int(counts.sum())
    # every pair of the grouping (each group against the reference, and the summaries'
    # everyone else against it) in one root search
    pairs = {(g, m.name): tuple(int(v) for v in (*m.counts(counts[g]), *m.counts(counts[ref])))
             for g in range(grouping.n_groups) if g != ref for m in metrics}
    extra = _summary_pairs(counts, ref, has_labels)
    everything = rate_disparities([*pairs.values(), *extra], level)  # type: ignore[list-item]
    solved = dict(zip(pairs, everything, strict=False))
    summary_solved = dict(zip(extra, everything[len(pairs):], strict=True))
    groups: dict[str, Any] = {}
    for g, label in enumerate(grouping.labels):
        n = int(counts[g].sum())
        entry: dict[str, Any] = {
            "n": n,
            "share": n / total if total else None,
            "small": n < min_group_size,
            "metrics": {},
            "disparities": {},
        }
        for m in metrics:
            x, d = (int(v) for v in m.counts(counts[g]))
            entry["metrics"][m.name] = rate_entry(m, x, d, level)
            if g == ref:
                continue
            entry["disparities"][m.name] = solved[(g, m.name)]
        if aucs:
            entry["metrics"]["roc_auc"] = auc_entry(aucs[g], level)
            if g != ref:
                entry["disparities"]["roc_auc"] = auc_disparity(aucs[g], aucs[ref], level)
        if g == ref:
            entry["disparities"] = {}
            entry["is_reference"] = True
        groups[label] = entry

    section: dict[str, Any] = {
        "kind": "intersection" if len(grouping.columns) > 1 else "attribute",
        "columns": list(grouping.columns),
        "reference_group": grouping.reference_label,
        "reference_rule": grouping.reference_rule,
        "labels_available": has_labels,
        "groups": groups,
        "summary": summarise(counts, grouping, has_labels, level, overall_theil,
                             summary_solved),
    }
    return section


def measure_overall(
    y_pred: np.ndarray,
    y_true: np.ndarray | None,
    y_score: np.ndarray | None,
    *,
    level: float,
    replicates: int,
    seed: int,
    weights: np.ndarray | None = None,
) -> dict[str, Any]:
    """Whole-population metrics and the Theil index (bootstrapped over everyone)."""
    codes = np.zeros(len(y_pred), dtype=np.int64)
    table = confusion_table(codes, 1, y_pred, y_true, weights)
    metrics: dict[str, Any] = {}
    for m in RATE_METRICS:
        if m.needs_labels and not table.has_labels:
            continue
        x, d = (int(v) for v in m.counts(table.counts[0]))
        metrics[m.name] = rate_entry(m, x, d, level)
    out: dict[str, Any] = {"n": int(table.counts.sum()), "metrics": metrics}
    if y_score is not None and y_true is not None:
        st = score_table(codes, 1, y_score, y_true, weights)
        metrics["roc_auc"] = auc_entry(auc_from_counts(*st.for_group(0)), level)
    if table.has_labels:
        out["theil_index"] = theil_entry(table.counts[0], level)
    return out
