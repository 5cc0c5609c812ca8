"""Calibration: known answers, agreement with scikit-learn and statsmodels, awkward inputs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss

from essex_standard import audit_frame
from essex_standard.errors import ConfigError
from essex_standard.groups import make_grouping
from essex_standard.metrics.calibration import (
    CalibrationOptions,
    measure_calibration,
    measure_calibration_grouping,
    parse_options,
)
from essex_standard.metrics.logistic import EPS


def _measure(y_score, y_true, groups=None, replicates=400, bins=10, seed=0):
    groups = np.zeros(len(y_score), dtype=object) if groups is None else groups
    grouping = make_grouping("g", pd.Series(groups).astype(str))
    return measure_calibration_grouping(
        grouping, np.asarray(y_score, float), np.asarray(y_true, np.int64),
        options=CalibrationOptions(bins=bins), level=0.95, replicates=replicates, seed=seed,
        min_group_size=30)


@pytest.fixture(scope="module")
def calibrated():
    rng = np.random.default_rng(1)
    p = rng.uniform(0.02, 0.98, 20_000)
    y = (rng.random(len(p)) < p).astype(int)
    group = np.where(rng.random(len(p)) < 0.3, "B", "A")
    return p, y, group


def _ece_ci(ece: dict) -> tuple[float, float]:
    """No ECE interval is published (it cannot cover at 95% whatever the spread); the two
    one-sided tests the Standard inverts, at 95%, from the stored figures."""
    from essex_standard.standard.units import _estimator_for_value

    assert ece["ci"] is None and "no interval" in ece["ci_note"]
    est = _estimator_for_value(ece, 0.95, False, "expected_calibration_error")
    assert est is not None
    lo, hi = est.interval(0.95)
    return lo, hi


def test_perfect_calibration_gives_ece_near_zero_and_interval_covering_zero(calibrated):
    p, y, _ = calibrated
    out = _measure(p, y)["groups"]["0"]["metrics"]
    ece = out["expected_calibration_error"]
    assert ece["value"] < 0.02
    assert _ece_ci(ece)[0] <= 0.0 <= _ece_ci(ece)[1]
    assert abs(out["calibration_slope"]["value"] - 1) < 0.1
    lo, hi = out["calibration_intercept"]["ci"]
    assert lo <= 0 <= hi


def test_miscalibration_is_detected_with_an_interval_above_zero(calibrated):
    p, y, _ = calibrated
    skewed = np.clip(p * 0.6, 0, 1)  # predicts 60% of the real risk
    m = _measure(skewed, y)["groups"]["0"]["metrics"]
    assert _ece_ci(m["expected_calibration_error"])[0] > 0.1
    assert m["calibration_in_the_large"]["value"] == pytest.approx(y.mean() - skewed.mean())
    assert m["calibration_in_the_large"]["ci"][0] > 0


def test_ece_and_mce_match_a_row_level_implementation(calibrated):
    p, y, _ = calibrated
    p = p**1.3
    m = _measure(p, y, replicates=0)["groups"]["0"]["metrics"]
    edges = np.percentile(p, np.linspace(0, 100, 11))
    bins = np.searchsorted(edges[1:-1], p)
    gaps = [abs(y[bins == b].mean() - p[bins == b].mean()) for b in range(10)]
    sizes = [np.sum(bins == b) for b in range(10)]
    assert m["expected_calibration_error"]["value"] == pytest.approx(
        np.dot(gaps, sizes) / len(p), abs=1e-12)
    assert m["maximum_calibration_error"]["value"] == pytest.approx(max(gaps), abs=1e-12)
    # bootstrap: 0: the Standard's limits are still there (closed form from the bins' noise)
    # and hold the estimate; MCE never has one
    lo, hi = _ece_ci(m["expected_calibration_error"])
    assert lo <= m["expected_calibration_error"]["value"] <= hi
    assert m["maximum_calibration_error"]["ci"] is None
    assert "no interval" in m["maximum_calibration_error"]["ci_note"]


def test_reliability_table_matches_sklearn_calibration_curve_in_every_group(calibrated):
    p, y, group = calibrated
    out = _measure(p, y, group, replicates=0)
    for label in ("A", "B"):
        sel = group == label
        prob_true, prob_pred = calibration_curve(y[sel], p[sel], n_bins=10, strategy="quantile")
        rows = [r for r in out["groups"][label]["reliability"] if r["n"] > 0]
        np.testing.assert_allclose([r["observed_rate"] for r in rows], prob_true, atol=1e-12)
        np.testing.assert_allclose([r["mean_predicted"] for r in rows], prob_pred, atol=1e-12)
        brier = out["groups"][label]["metrics"]["brier_score"]["value"]
        assert brier == pytest.approx(brier_score_loss(y[sel], p[sel]), abs=1e-12)


def test_empty_bins_from_tied_scores_are_reported_not_dropped():
    rng = np.random.default_rng(2)
    p = np.where(rng.random(2_000) < 0.7, 0.1, rng.uniform(0.2, 0.9, 2_000))
    y = (rng.random(len(p)) < p).astype(int)
    rows = _measure(p, y, replicates=0)["groups"]["0"]["reliability"]
    empty = [r for r in rows if r["n"] == 0]
    assert empty and all(r["observed_rate"] is None and "empty bin" in r["reason"] for r in empty)
    prob_true, _ = calibration_curve(y, p, n_bins=10, strategy="quantile")
    assert [r["observed_rate"] for r in rows if r["n"]] == pytest.approx(prob_true.tolist())
    assert sum(r["n"] for r in rows) == len(p)


@pytest.mark.slow
def test_intercept_and_slope_agree_with_statsmodels_to_1e6(calibrated):
    sm = pytest.importorskip("statsmodels.api")
    p, y, group = calibrated
    p = np.round(p**1.2, 3)  # repeated levels: the fit on level counts must still be exact
    out = _measure(p, y, group, replicates=0)
    for label in ("A", "B"):
        sel = group == label
        x = np.log(np.clip(p[sel], EPS, 1 - EPS) / (1 - np.clip(p[sel], EPS, 1 - EPS)))
        offset = sm.GLM(y[sel], np.ones((sel.sum(), 1)), family=sm.families.Binomial(),
                        offset=x).fit()
        slope = sm.GLM(y[sel], sm.add_constant(x), family=sm.families.Binomial()).fit()
        m = out["groups"][label]["metrics"]
        assert m["calibration_intercept"]["value"] == pytest.approx(offset.params[0], abs=1e-6)
        assert m["calibration_intercept"]["se"] == pytest.approx(offset.bse[0], abs=1e-6)
        assert m["calibration_slope"]["value"] == pytest.approx(slope.params[1], abs=1e-6)
        assert m["calibration_slope"]["se"] == pytest.approx(slope.bse[1], abs=1e-6)


def test_gap_vs_reference_is_group_minus_reference(calibrated):
    p, y, group = calibrated
    out = _measure(p, y, group)
    a, b = (out["groups"][g]["metrics"] for g in ("A", "B"))
    gap = out["groups"]["B"]["gap_vs_reference"]
    assert out["reference_group"] == "A"
    for name in ("brier_score", "calibration_in_the_large", "calibration_slope"):
        assert gap[name]["value"] == pytest.approx(b[name]["value"] - a[name]["value"])
        assert 0 <= gap[name]["p_value"] <= 1
    ece_a, ece_b = a["expected_calibration_error"], b["expected_calibration_error"]
    ece_gap = gap["expected_calibration_error"]
    assert ece_gap["raw_difference"] == pytest.approx(ece_b["value"] - ece_a["value"])
    # Both groups are perfectly calibrated; B is smaller, so its raw ECE is larger by chance.
    # The gap is measured above each group's chance level, and its interval covers 0.
    assert ece_gap["value"] == pytest.approx(
        (ece_b["value"] - ece_b["chance_level"]) - (ece_a["value"] - ece_a["chance_level"]))
    assert ece_gap["ci"][0] <= 0 <= ece_gap["ci"][1]
    assert "gap_vs_reference" not in out["groups"]["A"]


def test_a_group_with_one_outcome_has_undefined_logistic_metrics_with_reasons():
    p = np.linspace(0.1, 0.9, 100)
    out = _measure(p, np.zeros(100, int), replicates=0)["groups"]["0"]["metrics"]
    assert out["calibration_slope"]["value"] is None
    assert "same outcome" in out["calibration_slope"]["reason"]
    assert out["expected_calibration_error"]["value"] == pytest.approx(p.mean())


def test_bootstrap_is_deterministic_for_a_seed(calibrated):
    p, y, group = calibrated
    first = json.dumps(_measure(p, y, group, seed=5), sort_keys=True)
    assert first == json.dumps(_measure(p, y, group, seed=5), sort_keys=True)
    assert first != json.dumps(_measure(p, y, group, seed=6), sort_keys=True)


def test_a_decile_score_gets_a_reliability_table_by_value_and_no_ece():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"score": rng.integers(1, 11, 3_000), "sex": rng.choice(["F", "M"], 3_000)})
    df["y"] = (rng.random(3_000) < df["score"] / 12).astype(int)
    doc = audit_frame(df, y_true="y", y_score="score", threshold=5, sensitive_features=["sex"],
                      score_range=[1, 10], bootstrap=0).doc
    cal = doc["calibration"]
    assert cal["probability"] is False and "score_range: [0, 1]" in cal["reason"]
    assert [r["score"] for r in cal["overall"]["reliability"]] == list(map(float, range(1, 11)))
    assert "metrics" not in cal["overall"]
    row = cal["sex"]["groups"]["F"]["reliability"][0]
    sel = (df["sex"] == "F") & (df["score"] == 1)
    assert row["n"] == sel.sum() and row["observed_rate"] == pytest.approx(df.y[sel].mean())


def test_declared_probability_scores_get_the_full_section_and_the_tradeoff():
    rng = np.random.default_rng(4)
    p = rng.uniform(0, 1, 2_000)
    df = pd.DataFrame({"p": p, "y": (rng.random(2_000) < p).astype(int),
                       "sex": rng.choice(["F", "M"], 2_000)})
    doc = audit_frame(df, y_true="y", y_score="p", threshold=0.5, sensitive_features=["sex"],
                      score_range=[0, 1], bootstrap=0,
                      model={"fairness_priority": "calibration within groups"}).doc
    cal = doc["calibration"]
    assert cal["probability"] is True
    assert set(cal["overall"]["metrics"]) >= {"expected_calibration_error", "brier_score",
                                              "calibration_slope", "calibration_intercept"}
    assert cal["tradeoff"]["owner_priority"] == "calibration within groups"
    assert "Kleinberg" in cal["tradeoff"]["statement"]
    assert set(cal["tradeoff"]["base_rates"]) == {"sex"}


def test_no_outcomes_or_no_score_means_not_available_with_a_reason():
    g = make_grouping("sex", pd.Series(["F", "M"] * 5))
    kw = dict(probability=True, options=CalibrationOptions(), level=0.95, replicates=0, seed=0,
              min_group_size=1)
    assert "outcomes" in measure_calibration([g], np.ones(10) / 2, None, **kw)["reason"]
    assert "score" in measure_calibration([g], None, np.ones(10, int), **kw)["reason"]


@pytest.mark.parametrize("raw, words", [
    ({"bins": 1}, "'calibration.bins'"),
    ({"bins": True}, "'calibration.bins'"),
    ({"binz": 10}, "unknown key 'calibration.binz'"),
    ([10], "'calibration' must be a mapping"),
])
def test_bad_options_name_the_key(raw, words):
    with pytest.raises(ConfigError, match=words.replace("[", r"\[")):
        parse_options(raw, "audit.yaml")


def test_the_interval_covers_zero_for_perfectly_calibrated_scores_at_the_stated_rate():
    covered = 0
    for seed in range(20):
        rng = np.random.default_rng(100 + seed)
        p = rng.uniform(0.05, 0.95, 1_500)
        y = (rng.random(len(p)) < p).astype(int)
        ece = _measure(p, y, replicates=200, seed=seed)["groups"]["0"]["metrics"][
            "expected_calibration_error"]
        covered += _ece_ci(ece)[0] == 0.0
        assert ece["chance_level"] > 0  # noise alone gives a positive plug-in ECE
    assert covered >= 17  # 95% intervals: 19 of 20 expected


def test_the_consistency_test_rejects_a_miscalibrated_score(calibrated):
    p, y, _ = calibrated
    ece = _measure(np.clip(p + 0.05, 0, 1), y)["groups"]["0"]["metrics"][
        "expected_calibration_error"]
    assert ece["p_value"] < 0.01 and _ece_ci(ece)[0] > 0


def test_separable_scores_stop_the_slope_fit_at_once_with_a_reason():
    """Perfectly separated outcomes give an infinite slope: reported, not iterated towards."""
    from essex_standard.metrics import logistic

    x = np.linspace(-3, 3, 200_001)
    pos = (x > 0.5).astype(int)
    calls = []
    original = logistic._fit_line
    logistic._fit_line = lambda *a, **k: calls.append(1) or original(*a, **k)
    try:
        fit = logistic.calibration_slope(1 / (1 + np.exp(-x)), pos, 1 - pos)
    finally:
        logistic._fit_line = original
    assert fit.reason and "separates the outcomes" in fit.reason
    assert calls == [], "no Newton iterations on separated data"
    # Quasi-complete: the groups meet at one tied score level.
    s = np.array([0.1, 0.3, 0.5, 0.7])
    fit = logistic.calibration_slope(s, np.array([0, 0, 2, 5]), np.array([4, 3, 1, 0]))
    assert fit.reason and "separates" in fit.reason
    # Overlapping outcomes still fit.
    fit = logistic.calibration_slope(s, np.array([1, 2, 2, 5]), np.array([4, 3, 1, 1]))
    assert fit.reason is None and fit.params.size == 2
