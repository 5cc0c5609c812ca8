"""Our group metrics and summaries agree with fairlearn's MetricFrame to 1e-9.

fairlearn is an independent implementation that works row by row; we derive everything from
count tables.  Agreement on the real COMPAS data and on randomised synthetic data with edge
cases is the evidence that the tables and the formulas are right.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equalized_odds_difference,
    equalized_odds_ratio,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_negative_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score, precision_score, roc_auc_score

import essex_standard

TOL = 1e-9


def _npv(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return ((y_true == 0) & (y_pred == 0)).sum() / (y_pred == 0).sum()


def _for(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return ((y_true == 1) & (y_pred == 0)).sum() / (y_pred == 0).sum()


def _fdr(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return ((y_true == 0) & (y_pred == 1)).sum() / (y_pred == 1).sum()


FAIRLEARN_METRICS = {
    "selection_rate": selection_rate,
    "base_rate": lambda y_true, y_pred: float(np.mean(y_true)),
    "true_positive_rate": true_positive_rate,
    "false_positive_rate": false_positive_rate,
    "false_negative_rate": false_negative_rate,
    "true_negative_rate": true_negative_rate,
    "positive_predictive_value": lambda t, p: precision_score(t, p, zero_division=np.nan),
    "negative_predictive_value": _npv,
    "false_discovery_rate": _fdr,
    "false_omission_rate": _for,
    "accuracy": accuracy_score,
}


def _metric_frame(df: pd.DataFrame, y_true: str, y_pred: str, sensitive) -> MetricFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return MetricFrame(
            metrics=FAIRLEARN_METRICS,
            y_true=df[y_true],
            y_pred=df[y_pred],
            sensitive_features=sensitive,
        )


def _assert_groups_match(ours: pd.DataFrame, theirs: pd.DataFrame, result_groups) -> int:
    """Compare every defined metric; where ours is undefined, check a reason is given."""
    compared = 0
    for group in theirs.index:
        key = " & ".join(group) if isinstance(group, tuple) else str(group)
        for metric in FAIRLEARN_METRICS:
            ours_value = ours.loc[key, metric]
            entry = result_groups[key]["metrics"][metric]
            if entry["value"] is None:
                assert entry["denominator"] == 0 and entry["reason"].startswith("undefined")
                continue
            assert ours_value == pytest.approx(theirs.loc[group, metric], abs=TOL), (key, metric)
            compared += 1
    return compared


@pytest.mark.parametrize("attribute", ["race", "sex", "age_cat"])
def test_compas_group_metrics_match_fairlearn(compas_result, compas_df, attribute):
    mf = _metric_frame(compas_df, "two_year_recid", "y_pred", compas_df[attribute])
    ours = compas_result.fairness[attribute]
    compared = _assert_groups_match(ours.by_group, mf.by_group, ours.groups)
    assert compared == len(mf.by_group) * len(FAIRLEARN_METRICS)
    assert list(ours.by_group["n"]) == [
        int(x) for x in compas_df[attribute].value_counts().sort_index()
    ]


@pytest.mark.slow
def test_compas_intersection_matches_fairlearn(compas_result, compas_df):
    mf = _metric_frame(compas_df, "two_year_recid", "y_pred", compas_df[["race", "sex"]])
    ours = compas_result.fairness["race & sex"]
    assert _assert_groups_match(ours.by_group, mf.by_group, ours.groups) > 100


@pytest.mark.parametrize("attribute", ["race", "sex", "age_cat"])
def test_compas_summaries_match_fairlearn(compas_result, compas_df, attribute):
    args = (compas_df["two_year_recid"], compas_df["y_pred"])
    sf = compas_df[attribute]
    summary = compas_result.fairness[attribute].summary
    expected = {
        "demographic_parity_difference": demographic_parity_difference(
            *args, sensitive_features=sf
        ),
        "demographic_parity_ratio": demographic_parity_ratio(*args, sensitive_features=sf),
        "equalized_odds_difference": equalized_odds_difference(*args, sensitive_features=sf),
        "equalized_odds_ratio": equalized_odds_ratio(*args, sensitive_features=sf),
    }
    for name, value in expected.items():
        assert summary[name]["value"] == pytest.approx(value, abs=TOL), name
        assert summary[name]["ci"] is None and "biased" in summary[name]["ci_note"]


def test_compas_roc_auc_matches_sklearn(compas_result, compas_df):
    race = compas_result.fairness["race"]
    for group, frame in compas_df.groupby("race"):
        expected = roc_auc_score(frame["two_year_recid"], frame["decile_score"])
        assert race.groups[group]["metrics"]["roc_auc"]["value"] == pytest.approx(expected, abs=TOL)
    overall = roc_auc_score(compas_df["two_year_recid"], compas_df["decile_score"])
    assert compas_result.overall["metrics"]["roc_auc"]["value"] == pytest.approx(overall, abs=TOL)


def test_compas_propublica_figures(compas_result):
    """ProPublica's published false positive rates at 'Medium or High' (decile >= 5)."""
    race = compas_result.fairness["race"].by_group
    assert race.loc["African-American", "false_positive_rate"] == pytest.approx(805 / 1795)
    assert race.loc["Caucasian", "false_positive_rate"] == pytest.approx(349 / 1488)


# --------------------------------------------------------------------------- synthetic


def _synthetic(seed: int, n: int = 3000) -> pd.DataFrame:
    """Random data with deliberate edge cases.

    Group 'nopos' has no positives (TPR/FNR undefined), 'one' has a single person, 'allflag'
    is always flagged (NPV/FOR undefined), and a missing value forms '(missing)'.
    """
    rng = np.random.default_rng(seed)
    groups = rng.choice(["a", "b", "c", None], size=n, p=[0.5, 0.3, 0.18, 0.02])
    score = rng.beta(2, 5, size=n)
    y_true = (rng.random(n) < np.where(groups == "b", 0.4, 0.25)).astype(int)
    frame = pd.DataFrame({"group": groups, "y_true": y_true, "score": score})
    extra = pd.DataFrame(
        {
            "group": ["nopos"] * 15 + ["one"] + ["allflag"] * 12,
            "y_true": [0] * 15 + [1] + [0, 1] * 6,
            "score": list(rng.random(15)) + [0.9] + [0.99] * 12,
        }
    )
    frame = pd.concat([frame, extra], ignore_index=True)
    frame["y_pred"] = (frame["score"] >= 0.3).astype(int)
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_synthetic_with_edge_cases_matches_fairlearn(seed):
    df = _synthetic(seed)
    result = essex_standard.audit_frame(
        df,
        y_true="y_true",
        y_pred="y_pred",
        y_score="score",
        sensitive_features=["group"],
        bootstrap=0,
    )
    sf = df["group"].fillna("(missing)")
    mf = _metric_frame(df, "y_true", "y_pred", sf)
    ours = result.fairness["group"]
    _assert_groups_match(ours.by_group, mf.by_group, ours.groups)
    groups = ours.groups
    assert groups["nopos"]["metrics"]["true_positive_rate"]["value"] is None
    assert (
        "no one in the group had the outcome"
        in groups["nopos"]["metrics"]["true_positive_rate"]["reason"]
    )
    assert groups["nopos"]["metrics"]["roc_auc"]["value"] is None
    assert groups["one"]["n"] == 1 and groups["one"]["small"] is True
    assert groups["allflag"]["metrics"]["negative_predictive_value"]["value"] is None
    assert "(missing)" in groups and groups["(missing)"]["n"] == int(df["group"].isna().sum())
    # The summary skips undefined groups and says so, like a careful analyst would.
    eod = ours.summary["equalized_odds_difference"]
    assert eod["value"] is not None


def test_single_class_labels_do_not_produce_nan():
    df = pd.DataFrame({"y": [0] * 60, "p": [0, 1] * 30, "g": ["x", "y", "y"] * 20})
    result = essex_standard.audit_frame(
        df, y_true="y", y_pred="p", sensitive_features=["g"], bootstrap=200
    )
    text = result.to_json()
    assert "NaN" not in text and "Infinity" not in text
    tpr = result.fairness["g"].groups["x"]["metrics"]["true_positive_rate"]
    assert tpr["value"] is None and tpr["denominator"] == 0
    mf = _metric_frame(df, "y", "p", df["g"])
    assert result.fairness["g"].by_group.loc["y", "false_positive_rate"] == pytest.approx(
        mf.by_group.loc["y", "false_positive_rate"]
    )


def test_equalized_odds_leaves_out_a_group_with_no_positives_where_fairlearn_counts_zero():
    """Deliberate difference (docs/metrics.md): fairlearn gives a group with no positives a TPR
    of 0; we leave that group out of the TPR gap (it has no TPR), keep its FPR, and say so."""
    rng = np.random.default_rng(0)
    n = 4000
    g = rng.choice(["A", "B"], n)
    y = (rng.random(n) < 0.3).astype(int)
    p = np.where(y == 1, rng.random(n) < 0.8, rng.random(n) < 0.1).astype(int)
    c_pred = (rng.random(40) < 0.1).astype(int)
    df = pd.DataFrame({"g": np.r_[g, ["C"] * 40], "y": np.r_[y, np.zeros(40, int)],
                       "p": np.r_[p, c_pred]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = equalized_odds_difference(df.y, df.p, sensitive_features=df.g)
        two = df[df.g != "C"]
        tpr = MetricFrame(metrics=true_positive_rate, y_true=two.y, y_pred=two.p,
                          sensitive_features=two.g).difference()
        fpr = MetricFrame(metrics=false_positive_rate, y_true=df.y, y_pred=df.p,
                          sensitive_features=df.g).difference()
    ours = essex_standard.audit_frame(df, y_true="y", y_pred="p", sensitive_features=["g"])
    entry = ours.fairness["g"].summary["equalized_odds_difference"]
    assert theirs > 0.7  # the best group's TPR minus an invented 0
    assert entry["value"] == pytest.approx(max(tpr, fpr), abs=1e-12)
    assert entry["excluded_groups"] == ["C"]
