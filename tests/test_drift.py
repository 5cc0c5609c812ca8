"""Drift: PSI by hand, agreement with scipy, unseen categories, vanished groups, BH q-values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

import essex_standard
from essex_standard.bin_tables import UNSEEN_BIN, numeric_histogram
from essex_standard.errors import ConfigError, DataError
from essex_standard.metrics.drift import compare, parse_options, psi
from essex_standard.result import validate


def _frame(rng: np.random.Generator, n: int, shift: float, groups: list[str],
           categories: list[str]) -> pd.DataFrame:
    df = pd.DataFrame({
        "x": rng.normal(shift, 1, n).round(3),
        "count": rng.poisson(1 + shift, n),
        "kind": rng.choice(categories, n),
        "group": rng.choice(groups, n),
        "date": pd.to_datetime("2024-01-01")
        + pd.to_timedelta(rng.integers(0, 360, n), unit="D"),
    })
    df["score"] = 1 / (1 + np.exp(-(df["x"] - 0.5)))
    df["y"] = (rng.random(n) < df["score"]).astype(int)
    df.loc[df.index[:20], "count"] = np.nan  # some missing values
    return df


@pytest.fixture(scope="module")
def drift_doc(tmp_path_factory):
    """Reference: groups A, B, C; current: A and B only, shifted, with an unseen category."""
    folder = tmp_path_factory.mktemp("drift")
    rng = np.random.default_rng(7)
    ref = _frame(rng, 6_000, 0.0, ["A", "B", "C"], ["red", "blue"])
    cur = _frame(rng, 4_000, 0.5, ["A", "B"], ["red", "blue", "green"])
    ref.to_csv(folder / "ref.csv", index=False)
    cur.to_csv(folder / "cur.csv", index=False)
    cfg = {
        "data": {"path": "cur.csv", "reference": "ref.csv", "y_true": "y", "y_score": "score",
                 "threshold": 0.5, "score_range": [0, 1], "time": "date"},
        "protected": [{"column": "group"}],
        "drift": {"features": ["x", "count", "kind"]},
        "bootstrap": 0,
    }
    (folder / "audit.yaml").write_text(yaml.safe_dump(cfg))
    doc = essex_standard.audit(folder / "audit.yaml").doc
    return doc, ref, cur


def test_psi_of_a_shifted_normal_matches_the_hand_computation(drift_doc):
    doc, ref, cur = drift_doc
    edges = np.unique(np.quantile(ref.x, np.linspace(0, 1, 11)[1:-1], method="inverted_cdf"))
    r = np.bincount(np.searchsorted(edges, ref.x, side="left"), minlength=len(edges) + 1)
    c = np.bincount(np.searchsorted(edges, cur.x, side="left"), minlength=len(edges) + 1)
    pr, pc = r / r.sum(), c / c.sum()
    by_hand = float(np.sum((pc - pr) * np.log(pc / pr)))
    entry = doc["drift"]["features"]["x"]
    assert entry["psi"] == pytest.approx(by_hand, abs=1e-12)
    assert entry["psi"] > 0.2  # a half-SD shift is a large PSI
    # Measurement labels nothing; the judge reads the PSI against the Standard's limit (R3).
    assert "verdict" not in entry
    assert doc["standard"]["drift"]["features"]["x"] == (
        "beyond" if entry["psi"] > 0.25 else "within")


def test_psi_of_two_known_histograms():
    # Σ (c - r) ln(c / r) with shares (0.5, 0.5) → (0.4, 0.6)
    assert psi(np.array([50, 50]), np.array([40, 60])) == pytest.approx(
        0.1 * np.log(0.5 / 0.4) + 0.1 * np.log(0.6 / 0.5))
    assert psi(np.array([10, 20, 30]), np.array([1, 2, 3])) == pytest.approx(0.0)


def test_psi_empty_bin_rules_against_a_hand_computation():
    """A bin empty in the reference: half a person (0.5/n) or Evidently's 0.0001 share."""
    ref, cur = np.array([100, 0, 0]), np.array([90, 10, 0])  # the third bin is empty on both
    # half_count: reference shares (1, 0.5/100); the bin empty on both sides is left out.
    by_hand = (0.9 - 1.0) * np.log(0.9 / 1.0) + (0.1 - 0.005) * np.log(0.1 / 0.005)
    assert psi(ref, cur) == pytest.approx(by_hand, rel=1e-12)
    assert psi(ref, cur, "half_count") == pytest.approx(by_hand, rel=1e-12)
    # epsilon (Evidently's get_binned_data): the empty share becomes 0.0001, not renormalised.
    by_hand_eps = (0.9 - 1.0) * np.log(0.9 / 1.0) + (0.1 - 1e-4) * np.log(0.1 / 1e-4)
    assert psi(ref, cur, "epsilon") == pytest.approx(by_hand_eps, rel=1e-12)
    # Evidently: when the smallest non-zero share is at most 0.0001, the fill is it / 10^6.
    big = np.array([99_995, 5, 0])
    small_share = 5 / 100_000
    fill = small_share / 1e6
    shares_c = np.array([0.5, 0.25, 0.25])
    shares_r = np.array([0.99995, small_share, fill])
    expected = float(np.sum((shares_c - shares_r) * np.log(shares_c / shares_r)))
    assert psi(big, np.array([2, 1, 1]), "epsilon") == pytest.approx(expected, rel=1e-12)


def test_half_count_psi_depends_on_n_and_epsilon_does_not_when_shares_are_equal():
    """The same shares at ten times the rows: half_count's filled share shrinks, epsilon's
    stays — the documented reason to offer both."""
    small = psi(np.array([100, 0]), np.array([90, 10]))
    large = psi(np.array([1000, 0]), np.array([900, 100]))
    assert large > small
    assert psi(np.array([100, 0]), np.array([90, 10]), "epsilon") == pytest.approx(
        psi(np.array([1000, 0]), np.array([900, 100]), "epsilon"), rel=1e-12)
    # Without empty bins the two rules agree exactly.
    assert psi(np.array([50, 50]), np.array([40, 60]), "epsilon") == pytest.approx(
        psi(np.array([50, 50]), np.array([40, 60])), rel=1e-15)


def test_psi_empty_bin_is_a_drift_setting(drift_doc):
    assert drift_doc[0]["drift"]["settings"]["psi_empty_bin"]["rule"] == "half_count"
    assert parse_options(None).psi_empty_bin == "half_count"
    assert parse_options({"psi_empty_bin": "epsilon"}).psi_empty_bin == "epsilon"
    with pytest.raises(ConfigError, match=r"drift\.psi_empty_bin.*half_count.*epsilon"):
        parse_options({"psi_empty_bin": "zero"}, "audit.yaml")


def test_ks_and_wasserstein_agree_with_scipy_when_the_values_are_few(drift_doc):
    doc, ref, cur = drift_doc
    r, c = ref["count"].dropna(), cur["count"].dropna()
    entry = doc["drift"]["features"]["count"]
    assert entry["exact"] is True
    assert entry["ks_statistic"] == pytest.approx(stats.ks_2samp(r, c).statistic, abs=1e-12)
    assert entry["wasserstein_normalised"] == pytest.approx(
        stats.wasserstein_distance(r, c) / np.std(r, ddof=1), abs=1e-12)


def test_continuous_features_use_a_fine_grid_close_to_scipy():
    rng = np.random.default_rng(8)
    ref, cur = rng.normal(0, 1, 20_000), rng.normal(0.3, 1.2, 10_000)
    zeros_r, zeros_c = np.zeros(len(ref), int), np.zeros(len(cur), int)
    h = numeric_histogram("x", ref, cur, zeros_r, zeros_c, 1, 10)
    out = compare(h, h.reference[0], h.current[0], float(np.std(ref, ddof=1)))
    assert out["exact"] is False
    assert out["ks_statistic"] == pytest.approx(stats.ks_2samp(ref, cur).statistic, abs=2e-3)
    assert out["wasserstein_normalised"] == pytest.approx(
        stats.wasserstein_distance(ref, cur) / np.std(ref, ddof=1), rel=0.02)


def test_a_category_unseen_in_the_reference_gets_its_own_bin(drift_doc):
    doc, _, cur = drift_doc
    entry = doc["drift"]["features"]["kind"]
    unseen = next(b for b in entry["bins"] if b["bin"] == UNSEEN_BIN)
    assert unseen["reference"] == 0 and unseen["current"] == (cur.kind == "green").sum()
    assert np.isfinite(entry["psi"]) and entry["cramers_v"] > 0
    assert entry["wasserstein_normalised"] is None and "categories" in entry["wasserstein_reason"]


def test_a_group_that_vanished_from_the_audited_data_is_reported(drift_doc):
    doc, ref, _ = drift_doc
    c = doc["drift"]["by_group"]["group"]["groups"]["C"]
    assert c["status"].startswith("vanished") and c["n_current"] == 0
    assert c["n_reference"] == (ref.group == "C").sum()
    assert c["features"]["x"]["psi"] is None
    assert doc["standard"]["drift"]["by_group"]["group"]["C"]["features"]["x"] is None
    mix = doc["drift"]["group_mix"]["group"]["groups"]["C"]
    assert mix["current_share"] == 0 and mix["difference"]["q_value"] < 0.05


def test_benjamini_hochberg_covers_every_p_value_in_the_section(drift_doc):
    doc, _, _ = drift_doc
    found: list[tuple[float, float]] = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("p_value") is not None:
                found.append((node["p_value"], node["q_value"]))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc["drift"])
    p = np.array([f[0] for f in found])
    q = np.array([f[1] for f in found])
    assert len(found) == doc["drift"]["settings"]["multiple_testing"]["tests"]
    np.testing.assert_allclose(q, stats.false_discovery_control(p, method="bh"))
    assert np.all(q >= p - 1e-15)


def test_rates_missingness_and_score_drift_are_measured(drift_doc):
    doc, ref, cur = drift_doc
    d = doc["drift"]
    assert d["base_rate"]["difference"]["value"] == pytest.approx(cur.y.mean() - ref.y.mean())
    pred_ref = (ref.score >= 0.5).mean()
    assert d["predicted_rate"]["reference"]["value"] == pytest.approx(pred_ref)
    assert d["score"]["psi"] > 0.1
    a_missing = d["missingness"]["group"]["groups"]["A"]["count"]
    assert a_missing["reference"]["numerator"] == ref["count"][ref.group == "A"].isna().sum()
    assert "x" not in d["missingness"]["group"]["groups"]["A"]  # nothing missing: not listed
    assert d["by_group"]["group"]["groups"]["A"]["calibration_in_the_large"]["difference"][
        "value"] is not None
    validate(doc)
    assert {i["role"] for i in doc["inputs"]} == {"data", "reference"}


def test_no_reference_means_drift_is_not_available():
    from pathlib import Path

    from essex_standard.config import load_config
    from essex_standard.load import load_audit_data
    from essex_standard.metrics.drift import measure_drift

    here = Path(__file__).resolve().parent.parent / "examples" / "childrens-social-care"
    cfg = load_config(here / "audit-predictions.yaml")
    out = measure_drift(load_audit_data(cfg), cfg)
    assert out["available"] is False and set(out) == {"available", "reason"}
    assert "data.reference" in out["reason"]


def test_a_numeric_reference_column_with_text_in_the_audited_data_is_an_error(tmp_path):
    pd.DataFrame({"x": [1, 2, 3] * 20, "g": ["a", "b", "c"] * 20, "p": [0.2] * 60}).to_csv(
        tmp_path / "ref.csv", index=False)
    pd.DataFrame({"x": ["1", "two", "3"] * 20, "g": ["a", "b", "c"] * 20, "p": [0.2] * 60}).to_csv(
        tmp_path / "cur.csv", index=False)
    cfg = {"data": {"path": "cur.csv", "reference": "ref.csv", "y_score": "p", "threshold": 0.5},
           "protected": ["g"], "drift": {"features": ["x"]}, "bootstrap": 0}
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(cfg))
    with pytest.raises(DataError, match="'x' is numeric in the reference"):
        essex_standard.audit(tmp_path / "a.yaml")


@pytest.mark.parametrize("raw, words", [
    ({"psi_thresholds": [0.3, 0.1]}, "'drift.psi_thresholds'"),
    ({"features": "age"}, "'drift.features'"),
    ({"alpha": 2}, "'drift.alpha'"),
    ({"by_groups": True}, "unknown key 'drift.by_groups'"),
])
def test_bad_options_name_the_key(raw, words):
    with pytest.raises(ConfigError, match=words):
        parse_options(raw, "audit.yaml")


def test_the_bundled_example_has_every_section_at_its_documented_path(csc_result):
    doc = csc_result.doc
    cal = doc["calibration"]["ethnicity"]["groups"]["White"]["metrics"]
    assert cal["expected_calibration_error"]["value"] < 0.03
    assert doc["calibration"]["overall"]["metrics"]["calibration_slope"]["ci"] is not None
    d = doc["drift"]
    assert d["reference"]["rows"] == 20_000 and d["score"]["psi"] < 0.01
    assert set(doc["standard"]["drift"]["features"].values()) == {"within"}
    assert [w["label"] for w in doc["over_time"]["windows"]] == [
        "2024Q1", "2024Q2", "2024Q3", "2024Q4"]
    assert any(i["role"] == "reference" for i in doc["inputs"])


def test_each_groups_share_change_has_an_interval_and_an_adjusted_verdict(drift_doc):
    from essex_standard.metrics.uncertainty import mover_ratio

    doc, ref, cur = drift_doc
    mix = doc["drift"]["group_mix"]["group"]["groups"]
    a = mix["A"]["share_change"]
    n_a_ref, n_a_cur = int((ref.group == "A").sum()), int((cur.group == "A").sum())
    assert (a["numerator"], a["denominator"]) == (n_a_cur, len(cur))
    assert (a["reference_numerator"], a["reference_denominator"]) == (n_a_ref, len(ref))
    assert a["value"] == pytest.approx((n_a_cur / len(cur)) / (n_a_ref / len(ref)))
    assert a["ci"] == pytest.approx([float(v) for v in mover_ratio(n_a_cur, len(cur), n_a_ref,
                                                                   len(ref))])
    # Measurement labels nothing: the judge (R7) decides. C vanished (share ratio 0): a shift.
    # A and B went from a third to a half (ratio ≈ 1.5, on the line): not decided either way.
    assert all("verdict" not in g["share_change"] for g in mix.values())
    r7 = next(c for c in doc["standard"]["criteria"] if c["id"] == "R7")
    assert r7["verdict"] == "not met"
    verdicts = {g["group"]: g["verdict"] for g in r7["evidence"]["groups"]}
    assert verdicts == {"A": "insufficient evidence", "B": "insufficient evidence",
                        "C": "not met"}


def test_the_training_period_example_has_no_share_shift(csc_result):
    d = csc_result.doc["drift"]
    assert all("verdict" not in g["share_change"] for mix in d["group_mix"].values()
               for g in mix["groups"].values())
    r7 = next(c for c in csc_result.doc["standard"]["criteria"] if c["id"] == "R7")
    assert r7["verdict"] == "met"


@pytest.mark.slow
def test_the_drifted_example_flags_the_other_ethnic_groups_share():
    from pathlib import Path

    later = Path(__file__).resolve().parent.parent / "examples" / "childrens-social-care"
    doc = essex_standard.audit(later / "audit-later.yaml").doc
    d = doc["drift"]
    other = d["group_mix"]["ethnicity"]["groups"]["Other ethnic group"]
    assert other["share_change"]["value"] == pytest.approx(4.2, abs=0.1)
    # The PSI of the whole mix is within R3's limit though one group's share quadrupled.
    assert doc["standard"]["drift"]["group_mix"]["ethnicity"] == "within"
    r7 = next(c for c in doc["standard"]["criteria"] if c["id"] == "R7")
    assert r7["verdict"] == "not met"
    bad = [g for g in r7["evidence"]["groups"] if g["verdict"] == "not met"]
    assert [(g["attribute"], g["group"]) for g in bad] == [("ethnicity", "Other ethnic group")]
    assert bad[0]["adjusted_ci"][0] > 1.5
    assert bad[0]["interval_method"].startswith("Miettinen-Nurminen")
    f3 = next(c for c in doc["standard"]["criteria"] if c["id"] == "F3")
    assert f3["verdict"] == "not met"  # ECE 0.138 for that group, far beyond noise
