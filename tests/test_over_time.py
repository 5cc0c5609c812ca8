"""Fairness over time: windows, per-window figures, trends, and too little evidence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

import essex_standard
from essex_standard.errors import ConfigError, DataError
from essex_standard.metrics.over_time import make_windows, parse_options, weighted_trend


def _audit(tmp_path, df: pd.DataFrame, **over_time) -> dict:
    df.to_csv(tmp_path / "d.csv", index=False)
    cfg = {"data": {"path": "d.csv", "y_true": "y", "y_pred": "flag", "time": "date"},
           "protected": [{"column": "group", "reference": "A"}], "bootstrap": 0}
    if over_time:
        cfg["over_time"] = over_time
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(cfg))
    return essex_standard.audit(tmp_path / "a.yaml").doc


def _widening(seed: int = 0, n_per_month: int = 800) -> pd.DataFrame:
    """Group B's flag rate rises by 4 points a month against A's constant 20%."""
    rng = np.random.default_rng(seed)
    frames = []
    for month in range(1, 13):
        group = rng.choice(["A", "B"], n_per_month)
        rate = np.where(group == "A", 0.2, 0.2 + 0.04 * (month - 1))
        frames.append(pd.DataFrame({
            "date": f"2024-{month:02d}-15", "group": group,
            "flag": (rng.random(n_per_month) < rate).astype(int),
            "y": (rng.random(n_per_month) < 0.3).astype(int)}))
    return pd.concat(frames, ignore_index=True)


def test_monthly_windows_match_the_rates_of_each_month(tmp_path):
    df = _widening()
    ot = _audit(tmp_path, df)["over_time"]
    assert [w["label"] for w in ot["windows"]] == [f"2024-{m:02d}" for m in range(1, 13)]
    march = df[df.date == "2024-03-15"]
    w = ot["windows"][2]
    assert w["n"] == len(march) and w["start"] == "2024-03-01" and w["end"] == "2024-03-31"
    b = w["attributes"]["group"]["groups"]["B"]
    assert b["metrics"]["selection_rate"]["value"] == pytest.approx(
        march.flag[march.group == "B"].mean())
    a_rate = march.flag[march.group == "A"].mean()
    assert b["disparities"]["selection_rate"]["difference"]["value"] == pytest.approx(
        march.flag[march.group == "B"].mean() - a_rate)


def test_a_widening_gap_is_called_widening(tmp_path):
    trend = _audit(tmp_path, _widening())["over_time"]["trends"]["group"]
    sel = trend["groups"]["B"]["metrics"]["selection_rate"]
    assert sel["direction"] == "widening" and sel["value"] == pytest.approx(0.04, abs=0.01)
    assert trend["reference_group"] == "A"


def test_a_closing_gap_is_called_closing():
    t = weighted_trend([0.3, 0.2, 0.1, 0.05], [0.02] * 4, [0, 1, 2, 3], 0.95)
    assert t["direction"] == "closing" and t["value"] < 0
    flat = weighted_trend([0.1, 0.12, 0.09, 0.11], [0.05] * 4, [0, 1, 2, 3], 0.95)
    assert flat["direction"] == "no clear trend"


def test_small_windows_say_so_and_are_left_out_of_trends(tmp_path):
    df = _widening(n_per_month=50)
    doc = _audit(tmp_path, df, window="quarterly", min_window_size=40)
    ot = doc["over_time"]
    assert len(ot["windows"]) == 4 and ot["min_window_size"] == 40
    b = ot["windows"][0]["attributes"]["group"]["groups"]["B"]
    assert b["n"] >= 40 and not b["small"]
    doc = _audit(tmp_path, df, window="monthly", min_window_size=40)
    ot = doc["over_time"]
    small = [w for w in ot["windows"]
             if w["attributes"]["group"]["groups"]["B"]["small"]]
    assert small and "insufficient evidence" in small[0]["attributes"]["group"]["groups"]["B"][
        "reason"]
    tr = ot["trends"]["group"]["groups"]["B"]["metrics"]["selection_rate"]
    assert tr["value"] is None or tr["windows_used"] <= 12 - len(small)


def test_fixed_count_windows_hold_about_equal_rows():
    times = pd.Series(pd.to_datetime("2024-01-01") + pd.to_timedelta(np.arange(1000), "h"))
    w = make_windows(times, 4)
    assert np.bincount(w.codes).tolist() == [250, 250, 250, 250]
    assert w.starts[0] == "2024-01-01" and len(w.labels) == 4


def test_rows_without_a_date_are_counted_and_left_out(tmp_path):
    df = _widening()
    df.loc[:9, "date"] = ""
    ot = _audit(tmp_path, df)["over_time"]
    assert ot["rows_without_time"] == 10
    assert sum(w["n"] for w in ot["windows"]) == len(df) - 10


def test_a_value_that_is_not_a_date_is_an_error(tmp_path):
    df = _widening()
    df.loc[5, "date"] = "next Tuesday"
    with pytest.raises(DataError, match="'date' holds 'next Tuesday' at row 7"):
        _audit(tmp_path, df)


def test_no_time_column_means_not_available(csc_result):
    ot = csc_result.doc["over_time"]
    assert ot["available"] is True  # the example names referral_date
    from essex_standard.metrics.over_time import measure_over_time

    class Cfg:
        data = type("D", (), {"time": None})()

    assert measure_over_time(None, Cfg())["available"] is False


@pytest.mark.parametrize("raw, words", [
    ({"window": "weekly"}, "'over_time.window'"),
    ({"window": 1}, "'over_time.window'"),
    ({"metrics": ["accuracy_score"]}, "'over_time.metrics'"),
    ({"min_window_size": 0}, "'over_time.min_window_size'"),
    ({"windows": 3}, "unknown key 'over_time.windows'"),
])
def test_bad_options_name_the_key(raw, words):
    with pytest.raises(ConfigError, match=words):
        parse_options(raw, "audit.yaml")


def test_trends_follow_false_negative_rates_by_default_so_r6_judges_both(tmp_path):
    doc = _audit(tmp_path, _widening())
    assert "false_negative_rate" in doc["over_time"]["metrics"]
    trend = doc["over_time"]["trends"]["group"]["groups"]["B"]["metrics"]
    assert trend["false_negative_rate"]["value"] is not None
    r6 = next(c for c in doc["standard"]["criteria"] if c["id"] == "R6")
    assert {g["metric"] for g in r6["evidence"]["groups"]} == {
        "false_positive_rate", "false_negative_rate"}
    assert "unmatched" not in r6["evidence"]


def test_r6_says_when_an_alternative_it_names_matched_nothing(tmp_path):
    doc = _audit(tmp_path, _widening(), metrics=["selection_rate", "false_positive_rate"])
    r6 = next(c for c in doc["standard"]["criteria"] if c["id"] == "R6")
    assert {g["metric"] for g in r6["evidence"]["groups"]} == {
        "false_positive_rate"}
    assert len(r6["evidence"]["unmatched"]) == 1
    assert "'false_negative_rate'" in r6["evidence"]["unmatched"][0]
    assert "no figures for it: 'false_negative_rate'" in r6["reason"]


def _trend(p: float, value: float = 0.01, mean_gap: float = 0.05) -> dict:
    return {"value": value, "p_value": p, "mean_gap": mean_gap,
            "direction": "widening" if p < 0.05 and value * mean_gap > 0 else
            "closing" if p < 0.05 else "no clear trend"}


def test_trend_labels_are_adjusted_with_benjamini_hochberg_across_the_audit():
    from essex_standard.metrics.over_time import adjust_trends

    groups = {f"G{i}": {"metrics": {"false_positive_rate": _trend(0.3 + i / 100)}}
              for i in range(18)}
    groups["G18"] = {"metrics": {"false_positive_rate": _trend(0.03)}}  # nominal only
    groups["G19"] = {"metrics": {"false_positive_rate": _trend(1e-6, -0.01)}}  # real, closing
    trends = {"eth": {"reference_group": "R", "groups": groups}}
    assert adjust_trends(trends, 0.05) == 20
    nominal = groups["G18"]["metrics"]["false_positive_rate"]
    assert nominal["direction_unadjusted"] == "widening"
    assert nominal["direction"] == "no clear trend"
    assert nominal["q_value"] == pytest.approx(0.03 * 20 / 2)
    real = groups["G19"]["metrics"]["false_positive_rate"]
    assert real["direction"] == "closing" and real["q_value"] == pytest.approx(2e-5)


def test_the_audit_records_trend_q_values_and_the_family(tmp_path):
    ot = _audit(tmp_path, _widening())["over_time"]
    sel = ot["trends"]["group"]["groups"]["B"]["metrics"]["selection_rate"]
    assert sel["direction"] == "widening" and sel["q_value"] < 0.05
    fam = ot["trend_multiple_testing"]
    assert fam["method"] == "Benjamini-Hochberg" and fam["tests"] == 5
