"""Calibration overall and within every group: does a predicted 70% mean 70% for everyone?

All of it comes from two count tables per protected attribute (``bin_tables.py``): the
``group × equal-mass score bin × outcome`` table with sums of the score (reliability table,
expected and maximum calibration error, Brier score, calibration-in-the-large) and the
``group × score level × outcome`` table (logistic calibration intercept and slope, fitted
exactly on the cells).  ECE's interval is closed form from the bins' noise
(``calibration_error.py``); its test of perfect calibration and the ECE gap between groups
resample the cells of the first table within each group (no pass over rows).  MCE has no
interval (a maximum over noisy bins: none covers).

A score that is not a probability (e.g. a decile 1–10) gets a reliability table by score value
only: the other metrics compare a predicted probability with an observed rate, and have no
meaning for a score on another scale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from ..bin_tables import (
    CalibrationTable,
    LevelTable,
    calibration_table,
    group_order,
    level_table,
    levels_from_order,
)
from ..config import check_keys
from ..errors import ConfigError
from ..groups import Grouping
from ..tables import count, total, weigh
from .calibration_error import ECE_METHOD, ece_from_cells, error_entry, mce_from_cells, noise_model
from .fairness import child_rng
from .logistic import EPS, LogisticFit, calibration_intercept, calibration_slope, logit
from .uncertainty import multinomial_cells, wilson, z_value

OPTION_KEYS = ("bins", "max_score_levels")

#: The trade-off reported next to calibration and error-rate balance.
TRADEOFF_STATEMENT = (
    "When base rates differ between groups, a risk score cannot be calibrated within every "
    "group and also give every group the same false positive and false negative rates, unless "
    "it predicts perfectly (Kleinberg, Mullainathan & Raghavan 2017; Chouldechova 2017). The "
    "model owner has to choose which property to prioritise, and say why."
)

NOT_PROBABILITY = (
    "The score is not declared as a probability, so only a reliability table by score value "
    "is given. Expected and maximum calibration error, the Brier score and logistic "
    "calibration compare a predicted probability with an observed rate and mean nothing for a "
    "score on another scale. If the score is a probability, declare 'data.score_range: [0, 1]'."
)

NULL_TEST = (
    "consistency resampling (Bröcker & Smith 2007): outcomes redrawn from the scores, bins "
    "fixed; p_value is the share of redraws with an error at least as large, chance_level "
    "their mean"
)

ECE_GAP_METHOD = (
    "difference of ECE above chance (each group's ECE minus the mean ECE of perfectly "
    "calibrated redraws); percentile spread of the cell bootstrap of the difference"
)


@dataclass(frozen=True)
class CalibrationOptions:
    """``calibration:`` in audit.yaml.

    ``bins``: equal-mass bins per group (default 10). ``max_score_levels``: a non-probability
    score with at most this many distinct values is tabulated value by value (default 20).
    """

    bins: int = 10
    max_score_levels: int = 20


def parse_options(raw: Any, src: str = "the config") -> CalibrationOptions:
    """Validate the ``calibration`` section; every error names the key and the fix."""
    if raw is None:
        return CalibrationOptions()
    if not isinstance(raw, Mapping):
        raise ConfigError(
            f"{src}: 'calibration' must be a mapping, e.g. 'calibration: {{bins: 10}}'."
        )
    check_keys("calibration.", raw, OPTION_KEYS, src)
    out = {}
    for key, low in (("bins", 2), ("max_score_levels", 2)):
        if key in raw:
            value = raw[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError(
                    f"{src}: 'calibration.{key}' is {value!r}; give a whole number of at "
                    f"least {low}."
                )
            out[key] = value
    return CalibrationOptions(**out)


# --------------------------------------------------------------------------- statistics


def _undefined(reason: str) -> dict[str, Any]:
    return {"value": None, "ci": None, "reason": reason}


def _clt_entry(total: float, total_sq: float, n: int, level: float) -> dict[str, Any]:
    """Mean of per-person values with a normal-theory interval, from sum and sum of squares."""
    mean = total / n
    var = max(total_sq / n - mean * mean, 0.0) * n / max(n - 1, 1)
    se = float(np.sqrt(var / n))
    z = z_value(level)
    return {"value": float(mean), "ci": [float(mean - z * se), float(mean + z * se)], "se": se}


def _fit_entry(fit: LogisticFit, index: int, level: float, method: str) -> dict[str, Any]:
    if fit.reason:
        return _undefined(f"undefined: {fit.reason}")
    z = z_value(level)
    value, se = float(fit.params[index]), float(fit.se[index])
    return {"value": value, "ci": [value - z * se, value + z * se], "se": se, "method": method}


def _difference(a: Mapping[str, Any], b: Mapping[str, Any], level: float) -> dict[str, Any]:
    """Difference of two independent estimates with standard errors (Wald)."""
    if a.get("value") is None or b.get("value") is None or "se" not in a or "se" not in b:
        return _undefined("undefined: the metric is undefined for this group or the reference")
    diff = a["value"] - b["value"]
    se = float(np.hypot(a["se"], b["se"]))
    z = z_value(level)
    p = float(2 * stats.norm.sf(abs(diff) / se)) if se > 0 else 1.0
    return {"value": diff, "ci": [diff - z * se, diff + z * se], "p_value": p}


# --------------------------------------------------------------------------- per group


def reliability_rows(table: CalibrationTable, g: int, level: float) -> list[dict[str, Any]]:
    """The reliability table of one group: one row per bin, with a Wilson interval."""
    edges = table.edges[g]
    rows: list[dict[str, Any]] = []
    if edges is None:
        return rows
    counts, sum_p = table.counts[g], table.sum_p[g]
    for b in range(table.n_bins):
        n = int(counts[b].sum())
        pos = int(counts[b, 1])
        row: dict[str, Any] = {
            "bin": b + 1,
            "lower": float(edges[b]),
            "upper": float(edges[b + 1]),
            "n": n,
            "positives": pos,
            "mean_predicted": None,
            "observed_rate": None,
            "ci": None,
        }
        if n == 0:
            row["reason"] = "empty bin: tied scores put everyone at this edge into another bin"
        else:
            lo, hi = wilson(pos, n, level)
            row.update(mean_predicted=float(sum_p[b].sum() / n), observed_rate=pos / n,
                       ci=[float(lo), float(hi)])
        rows.append(row)
    return rows


def _group_metrics(
    table: CalibrationTable,
    levels: LevelTable,
    g: int,
    reps: Mapping[str, np.ndarray],
    level: float,
) -> dict[str, Any]:
    counts, sum_p = table.counts[g], table.sum_p[g]
    n = int(counts.sum())
    if n == 0:
        reason = "undefined: nobody in this group"
        return {name: _undefined(reason) for name in METRIC_NAMES}
    metrics: dict[str, Any] = {}
    model = noise_model(counts, sum_p, table.sum_sq[g])
    metrics["expected_calibration_error"] = error_entry(
        float(ece_from_cells(counts, sum_p)), reps["ece_null"][:, g], level,
        model=(float(model[0]), float(model[1]), float(model[2])))
    metrics["maximum_calibration_error"] = error_entry(
        float(mce_from_cells(counts, sum_p)), reps["mce_null"][:, g], level)
    brier = _clt_entry(float(table.sum_sq[g].sum()), float(table.sum_quad[g].sum()), n, level)
    metrics["brier_score"] = {**brier, "method": "mean squared error, normal-theory interval"}
    pos = float(counts[:, 1].sum())
    predicted = float(sum_p.sum())
    # Σ(y − p)² is the Brier numerator; Σ(y − p) = positives − Σp.
    citl = _clt_entry(pos - predicted, float(table.sum_sq[g].sum()), n, level)
    metrics["calibration_in_the_large"] = {
        **citl,
        "observed_rate": pos / n,
        "mean_predicted": predicted / n,
        "method": "observed rate minus mean predicted risk, normal-theory interval",
    }
    score, lp, ln = levels.for_group(g)
    x = logit(score)  # once for both fits
    metrics["calibration_intercept"] = _fit_entry(
        calibration_intercept(score, lp, ln, x), 0, level,
        "logistic regression of y with logit(p) as offset; Wald interval")
    metrics["calibration_slope"] = _fit_entry(
        calibration_slope(score, lp, ln, x), 1, level,
        "logistic regression of y on logit(p); Wald interval")
    return metrics


METRIC_NAMES = (
    "expected_calibration_error",
    "maximum_calibration_error",
    "brier_score",
    "calibration_in_the_large",
    "calibration_intercept",
    "calibration_slope",
)


def _bootstrap(
    table: CalibrationTable, replicates: int, rng: np.random.RandomState
) -> dict[str, np.ndarray]:
    """ECE and MCE replicates, shape ``(replicates, G)``: cell resamples of ECE (``ece``, for
    the gap between groups) and draws under perfect calibration (``ece_null``, ``mce_null``).

    Each resampled cell keeps its observed mean score, so the predicted side of a bin moves
    only through the mix of its cells; the outcome side moves fully.  Under perfect
    calibration each bin's positives are Binomial(n_b, mean predicted_b) — slightly wider than
    the exact Poisson-binomial, so the test errs towards "consistent with calibration".
    """
    G = table.counts.shape[0]
    if replicates == 0:
        empty = np.empty((0, G))
        return {"ece": empty, "ece_null": empty, "mce_null": empty}
    draws = multinomial_cells(table.counts, replicates, rng)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_p = np.where(table.counts > 0, table.sum_p / np.maximum(table.counts, 1), 0.0)
        n_b = table.counts.sum(axis=-1)
        # the exactly summed scores: the draws below must not depend on the row order
        exact = table.sum_p if table.sum_p_exact is None else table.sum_p_exact
        expected = np.where(n_b > 0, exact.sum(axis=-1) / np.maximum(n_b, 1), 0.0)
    sum_p = draws * mean_p
    null_pos = rng.binomial(n_b, np.clip(expected, 0, 1), size=(replicates, *n_b.shape))
    null = np.stack([n_b - null_pos, null_pos], axis=-1)
    null_sum_p = np.broadcast_to(table.sum_p, null.shape)
    return {"ece": ece_from_cells(draws, sum_p),
            "ece_null": ece_from_cells(null, null_sum_p),
            "mce_null": mce_from_cells(null, null_sum_p)}


def _ece_gap(ece: float, ece_ref: float, reps: np.ndarray, reps_ref: np.ndarray,
             null: np.ndarray, null_ref: np.ndarray, level: float) -> dict[str, Any]:
    """Gap in ECE *above chance* between a group and the reference group.

    A small group shows a larger ECE from noise alone, so the raw difference of two ECEs is
    biased against small groups.  The gap compares each group's excess over its own chance
    level (the mean ECE of a perfectly calibrated model with its bins); the interval is the
    bootstrap spread of the difference, centred there.
    """
    if not (np.isfinite(ece) and np.isfinite(ece_ref)):
        return _undefined("undefined: a group is empty")
    if len(reps) == 0:
        return _undefined("not measured: the chance-corrected ECE gap needs the bootstrap "
                          "(bootstrap is 0)")
    value = (ece - float(null.mean())) - (ece_ref - float(null_ref.mean()))
    diff = reps - reps_ref
    diff = diff[np.isfinite(diff)]
    alpha = (1 - level) / 2
    lo, hi = np.quantile(diff, [alpha, 1 - alpha]) - diff.mean() + value
    return {"value": float(value), "ci": [float(lo), float(hi)], "raw_difference": ece - ece_ref,
            "method": ECE_GAP_METHOD}


def _gaps(group: Mapping[str, Any], ref: Mapping[str, Any], ece_gap: dict[str, Any],
          level: float) -> dict[str, Any]:
    out: dict[str, Any] = {"expected_calibration_error": ece_gap}
    for name in ("brier_score", "calibration_in_the_large", "calibration_intercept",
                 "calibration_slope"):
        out[name] = _difference(group[name], ref[name], level)
    return out


def measure_calibration_grouping(
    grouping: Grouping,
    y_score: np.ndarray,
    y_true: np.ndarray,
    *,
    options: CalibrationOptions,
    level: float,
    replicates: int,
    seed: int,
    min_group_size: int,
    score_order: np.ndarray | None = None,
    unique_levels: tuple[np.ndarray, np.ndarray] | None = None,
    weights: np.ndarray | None = None,
) -> dict[str, Any]:
    """Calibration of every group of one attribute, and each group's gap to the reference
    (``weights``: the rows' frequencies)."""
    codes, G = grouping.codes, grouping.n_groups
    if score_order is None:
        score_order = np.argsort(y_score, kind="stable")
    order = group_order(codes, score_order)
    table = calibration_table(codes, G, y_score, y_true, options.bins, order=order,
                              weights=weights)
    lv, idx = unique_levels if unique_levels is not None else levels_from_order(
        y_score, score_order)
    levels = level_table(codes, G, lv, idx, y_true, order=order, weights=weights)
    rng = child_rng(seed, "calibration:" + grouping.name)
    reps = _bootstrap(table, replicates, rng)
    ref = grouping.reference
    groups: dict[str, Any] = {}
    for g, label in enumerate(grouping.labels):
        n = int(table.counts[g].sum())
        groups[label] = {
            "n": n,
            "small": n < min_group_size,
            "metrics": _group_metrics(table, levels, g, reps, level),
            "reliability": reliability_rows(table, g, level),
        }
    ref_entry = groups[grouping.reference_label]
    ece = ece_from_cells(table.counts, table.sum_p)
    for g, label in enumerate(grouping.labels):
        if g == ref:
            groups[label]["is_reference"] = True
            continue
        ece_gap = _ece_gap(float(ece[g]), float(ece[ref]), reps["ece"][:, g],
                           reps["ece"][:, ref], reps["ece_null"][:, g], reps["ece_null"][:, ref],
                           level)
        groups[label]["gap_vs_reference"] = _gaps(
            groups[label]["metrics"], ref_entry["metrics"], ece_gap, level)
    return {
        "kind": "intersection" if len(grouping.columns) > 1 else "attribute",
        "columns": list(grouping.columns),
        "reference_group": grouping.reference_label,
        "groups": groups,
    }


# --------------------------------------------------------------------------- non-probability


def score_value_reliability(
    codes: np.ndarray, n_groups: int, y_score: np.ndarray, y_true: np.ndarray,
    options: CalibrationOptions, level: float, weights: np.ndarray | None = None,
) -> list[list[dict[str, Any]]]:
    """Observed rate by score value (few levels) or by equal-mass score bin (many levels)."""
    levels = np.unique(y_score)
    if len(levels) <= options.max_score_levels:
        idx = np.searchsorted(levels, y_score)
        key = (codes * len(levels) + idx) * 2 + y_true
        counts = count(key, n_groups * len(levels) * 2, weights).reshape(
            n_groups, len(levels), 2)
        out = []
        for g in range(n_groups):
            rows = []
            for i, s in enumerate(levels):
                n, pos = int(counts[g, i].sum()), int(counts[g, i, 1])
                row: dict[str, Any] = {"score": float(s), "n": n, "positives": pos,
                                       "observed_rate": None, "ci": None}
                if n:
                    lo, hi = wilson(pos, n, level)
                    row.update(observed_rate=pos / n, ci=[float(lo), float(hi)])
                else:
                    row["reason"] = "nobody in this group has this score"
                rows.append(row)
            out.append(rows)
        return out
    table = calibration_table(codes, n_groups, y_score, y_true, options.bins, weights=weights)
    out = []
    for g in range(n_groups):
        rows = reliability_rows(table, g, level)
        for row in rows:
            row["mean_score"] = row.pop("mean_predicted")
        out.append(rows)
    return out


def _non_probability(groupings: list[Grouping], y_score: np.ndarray, y_true: np.ndarray,
                     options: CalibrationOptions, level: float, min_n: int,
                     weights: np.ndarray | None = None) -> dict[str, Any]:
    zeros = np.zeros(len(y_score), dtype=np.int64)
    section: dict[str, Any] = {
        "available": True,
        "probability": False,
        "reason": NOT_PROBABILITY,
        "settings": {"bins": options.bins, "max_score_levels": options.max_score_levels},
        "overall": {"n": total(weights, len(y_score)), "reliability": score_value_reliability(
            zeros, 1, y_score, y_true, options, level, weights)[0]},
    }
    for g in groupings:
        rows = score_value_reliability(g.codes, g.n_groups, y_score, y_true, options, level,
                                       weights)
        counts = count(g.codes, g.n_groups, weights)
        section[g.name] = {
            "kind": "intersection" if len(g.columns) > 1 else "attribute",
            "columns": list(g.columns),
            "reference_group": g.reference_label,
            "groups": {
                label: {"n": int(counts[i]), "small": int(counts[i]) < min_n,
                        "reliability": rows[i]}
                for i, label in enumerate(g.labels)
            },
        }
    return section


# --------------------------------------------------------------------------- trade-off


def base_rate_contrast(grouping: Grouping, y_true: np.ndarray,
                       weights: np.ndarray | None = None) -> dict[str, Any]:
    """Whether base rates differ across the groups (chi-square test of homogeneity)."""
    pos = count(grouping.codes, grouping.n_groups, weigh(y_true, weights))
    n = count(grouping.codes, grouping.n_groups, weights)
    keep = n > 0
    rates = np.where(keep, pos / np.maximum(n, 1), np.nan)
    labels = [lab for lab, k in zip(grouping.labels, keep, strict=True) if k]
    r = rates[keep]
    table = np.vstack([pos[keep], n[keep] - pos[keep]])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        p_value = 1.0
    else:
        p_value = float(stats.chi2_contingency(table, correction=False)[1])
    return {
        "lowest_group": labels[int(np.argmin(r))],
        "lowest": float(r.min()),
        "highest_group": labels[int(np.argmax(r))],
        "highest": float(r.max()),
        "difference": float(r.max() - r.min()),
        "p_value": p_value,
        "differ": bool(p_value < 0.05),
    }


def tradeoff(groupings: list[Grouping], y_true: np.ndarray, priority: str | None,
             weights: np.ndarray | None = None) -> dict[str, Any]:
    """The Kleinberg–Chouldechova trade-off, evidence that it applies, and the owner's choice."""
    out: dict[str, Any] = {
        "statement": TRADEOFF_STATEMENT,
        "base_rates": {g.name: base_rate_contrast(g, y_true, weights) for g in groupings
                       if len(g.columns) == 1},
        "owner_priority": priority,
    }
    if not priority:
        out["owner_priority_reason"] = (
            "not recorded: state which the model owner prioritises (calibration within groups "
            "or error-rate balance) and why, in 'model.fairness_priority' in audit.yaml"
        )
    return out


# --------------------------------------------------------------------------- entry point


def measure_calibration(
    groupings: list[Grouping],
    y_score: np.ndarray | None,
    y_true: np.ndarray | None,
    *,
    probability: bool,
    options: CalibrationOptions,
    level: float,
    replicates: int,
    seed: int,
    min_group_size: int,
    priority: str | None = None,
    weights: np.ndarray | None = None,
) -> dict[str, Any]:
    """The ``calibration`` section of results.json (``available: false`` with a reason if not
    applicable)."""
    if y_true is None:
        return {"available": False, "reason": "not measured: calibration needs outcomes (y_true)"}
    if y_score is None:
        return {"available": False,
                "reason": "not measured: calibration needs a score (data.y_score or a model with "
                          "predict_proba), not only yes/no predictions"}
    if not probability:
        section = _non_probability(groupings, y_score, y_true, options, level, min_group_size,
                                   weights)
        section["tradeoff"] = tradeoff(groupings, y_true, priority, weights)
        return section
    score_order = np.argsort(y_score, kind="stable")
    common = dict(options=options, level=level, replicates=replicates, seed=seed,
                  min_group_size=min_group_size, score_order=score_order,
                  unique_levels=levels_from_order(y_score, score_order), weights=weights)
    overall_grouping = Grouping("(overall)", ("(overall)",), np.zeros(len(y_score), np.int64),
                                ("everyone",), 0, "largest")
    overall = measure_calibration_grouping(overall_grouping, y_score, y_true, **common)
    everyone = overall["groups"]["everyone"]
    section: dict[str, Any] = {
        "available": True,
        "probability": True,
        "settings": {
            "bins": options.bins,
            "binning": "equal-mass: quantiles of each group's own scores (scikit-learn's "
                       "calibration_curve strategy='quantile')",
            "logit_clip": EPS,
            "interval_methods": {
                "expected_calibration_error": ECE_METHOD,
                "maximum_calibration_error": "none (a maximum over noisy bins; see ci_note)",
                "reliability bin": "Wilson score",
                "brier_score": "normal theory (mean of squared errors)",
                "calibration_in_the_large": "normal theory (mean of y − p)",
                "calibration_intercept": "Wald, logistic regression on score-level counts",
                "calibration_slope": "Wald, logistic regression on score-level counts",
                "gap_vs_reference": "Wald for independent groups; ECE gap: " + ECE_GAP_METHOD,
            },
        },
        "overall": {"n": everyone["n"], "metrics": everyone["metrics"],
                    "reliability": everyone["reliability"]},
    }
    for g in groupings:
        section[g.name] = measure_calibration_grouping(g, y_score, y_true, **common)
    section["tradeoff"] = tradeoff(groupings, y_true, priority, weights)
    return section
