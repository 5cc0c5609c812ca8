"""Our AIF360-style summaries agree with AIF360's ClassificationMetric to 1e-9.

AIF360 compares a privileged group with everyone else; we use the reference group as the
privileged one, so the same numbers must come out.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd
import pytest

TOL = 1e-9

logging.getLogger().setLevel(logging.ERROR)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from aif360.datasets import BinaryLabelDataset
    from aif360.metrics import ClassificationMetric


def _aif_metric(df: pd.DataFrame, attribute: str, reference: str, y_true: str, y_pred: str):
    codes = {v: i for i, v in enumerate(sorted(df[attribute].unique()))}
    frame = pd.DataFrame(
        {
            "attr": df[attribute].map(codes).astype(float),
            "label": df[y_true].astype(float),
        }
    )
    truth = BinaryLabelDataset(
        df=frame,
        label_names=["label"],
        protected_attribute_names=["attr"],
        favorable_label=1.0,
        unfavorable_label=0.0,
    )
    predicted = truth.copy(deepcopy=True)
    predicted.labels = df[y_pred].to_numpy(dtype=float).reshape(-1, 1)
    privileged = [{"attr": codes[reference]}]
    unprivileged = [{"attr": c} for v, c in codes.items() if v != reference]
    return ClassificationMetric(
        truth, predicted, unprivileged_groups=unprivileged, privileged_groups=privileged
    )


@pytest.mark.parametrize("attribute", ["race", "sex", "age_cat"])
def test_compas_matches_aif360(compas_result, compas_df, attribute):
    section = compas_result.fairness[attribute]
    metric = _aif_metric(compas_df, attribute, section.reference_group, "two_year_recid", "y_pred")
    summary = section.summary
    assert summary["disparate_impact"]["value"] == pytest.approx(metric.disparate_impact(), abs=TOL)
    assert summary["statistical_parity_difference"]["value"] == pytest.approx(
        metric.statistical_parity_difference(), abs=TOL
    )
    assert summary["equal_opportunity_difference"]["value"] == pytest.approx(
        metric.equal_opportunity_difference(), abs=TOL
    )
    assert summary["average_odds_difference"]["value"] == pytest.approx(
        metric.average_odds_difference(), abs=TOL
    )
    assert summary["theil_index"]["value"] == pytest.approx(metric.theil_index(), abs=TOL)
    # Every interval on a reference-vs-rest pair contains its estimate.
    for key in (
        "disparate_impact",
        "statistical_parity_difference",
        "equal_opportunity_difference",
        "average_odds_difference",
        "theil_index",
    ):
        lo, hi = summary[key]["ci"]
        assert lo <= summary[key]["value"] <= hi, key


def test_compas_reference_group_rates_match_aif360(compas_result, compas_df):
    section = compas_result.fairness["race"]
    metric = _aif_metric(compas_df, "race", "Caucasian", "two_year_recid", "y_pred")
    ref = section.groups["Caucasian"]["metrics"]
    assert ref["true_positive_rate"]["value"] == pytest.approx(
        metric.true_positive_rate(privileged=True), abs=TOL
    )
    assert ref["false_positive_rate"]["value"] == pytest.approx(
        metric.false_positive_rate(privileged=True), abs=TOL
    )
    assert ref["positive_predictive_value"]["value"] == pytest.approx(
        metric.positive_predictive_value(privileged=True), abs=TOL
    )
    assert ref["accuracy"]["value"] == pytest.approx(metric.accuracy(privileged=True), abs=TOL)


@pytest.mark.parametrize("attribute,reference", [("race", "Caucasian"), ("sex", "Male")])
def test_between_all_groups_theil_matches_aif360(compas_result, compas_df, attribute, reference):
    """Ours is AIF360's between_all_groups_theil_index over every group (six for race)."""
    metric = _aif_metric(compas_df, attribute, reference, "two_year_recid", "y_pred")
    summary = compas_result.fairness[attribute].summary
    ours = summary["between_all_groups_theil_index"]["value"]
    assert ours == pytest.approx(metric.between_all_groups_theil_index(), abs=TOL)
    # A max/min-type statistic: no interval can cover its null value 0 (docs/metrics.md).
    assert summary["between_all_groups_theil_index"]["ci"] is None
    assert "never covers 0" in summary["between_all_groups_theil_index"]["ci_note"]


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_synthetic_matches_aif360(seed):
    import essex_standard

    rng = np.random.default_rng(seed)
    n = 2500
    df = pd.DataFrame(
        {
            "g": rng.choice(["p", "q", "r"], size=n, p=[0.6, 0.3, 0.1]),
            "y": (rng.random(n) < 0.35).astype(int),
        }
    )
    df["yhat"] = (rng.random(n) < np.where(df["g"] == "p", 0.3, 0.45)).astype(int)
    result = essex_standard.audit_frame(
        df,
        y_true="y",
        y_pred="yhat",
        sensitive_features=["g"],
        reference={"g": "p"},
        bootstrap=200,
        seed=seed,
    )
    metric = _aif_metric(df, "g", "p", "y", "yhat")
    s = result.fairness["g"].summary
    assert s["disparate_impact"]["value"] == pytest.approx(metric.disparate_impact(), abs=TOL)
    assert s["average_odds_difference"]["value"] == pytest.approx(
        metric.average_odds_difference(), abs=TOL
    )
    assert s["equal_opportunity_difference"]["value"] == pytest.approx(
        metric.equal_opportunity_difference(), abs=TOL
    )
    assert s["theil_index"]["value"] == pytest.approx(metric.theil_index(), abs=TOL)
