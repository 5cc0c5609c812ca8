"""The decision rule, on real data (COMPAS, the synthetic CSC example) and on synthetic counts
built to sit exactly at, inside and outside thresholds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import essex_standard
from essex_standard.config import parse_config
from essex_standard.errors import ConfigError
from essex_standard.result import round_floats, validate
from essex_standard.standard import judge, load_standard, standard_for_config
from essex_standard.standard.decide import holm_levels
from essex_standard.standard.intervals import Difference, band_verdict, tail_p
from essex_standard.standard.judge import overall_verdict

ROOT = Path(__file__).resolve().parent.parent


def criterion(doc: dict, cid: str) -> dict:
    return next(c for c in doc["standard"]["criteria"] if c["id"] == cid)


def frame(groups: dict[str, tuple[int, int, int, int]]) -> pd.DataFrame:
    """Rows with exact confusion counts per group: (tn, fp, fn, tp)."""
    rows = []
    for g, (tn, fp, fn, tp) in groups.items():
        for y, p, k in ((0, 0, tn), (0, 1, fp), (1, 0, fn), (1, 1, tp)):
            rows += [{"g": g, "y": y, "p": p}] * k
    return pd.DataFrame(rows)


def audit_counts(groups: dict[str, tuple[int, int, int, int]], **kw) -> dict:
    df = frame(groups)
    return essex_standard.audit_frame(df, y_true="y", y_pred="p", sensitive_features=["g"],
                                      reference={"g": "A"}, bootstrap=0, **kw).doc


# Reference A: FPR 0.20, FNR 0.30, selection rate 0.45.
REF = (800, 200, 300, 700)


def test_error_rate_gap_inside_threshold_is_met():
    doc = audit_counts({"A": REF, "B": (780, 220, 320, 680)})  # FPR +0.02, FNR +0.02
    f2 = criterion(doc, "F2")
    assert f2["verdict"] == "met"
    assert {g["verdict"] for g in f2["evidence"]["groups"]} == {"met"}
    for g in f2["evidence"]["groups"]:
        lo, hi = g["adjusted_ci"]
        assert lo >= -0.10 and hi <= 0.10
        # Met: the 90% interval (two one-sided tests at 5%) is inside the margin, whatever
        # the number of comparisons (intersection-union test).
        assert g["adjusted_level"] == pytest.approx(0.90)
        assert g["p_met"] <= 0.05
    assert doc["standard"]["multiplicity"]["families"]["F2"] == 2


def test_error_rate_gap_outside_threshold_is_not_met():
    doc = audit_counts({"A": REF, "B": (600, 400, 300, 700)})  # FPR +0.20
    f2 = criterion(doc, "F2")
    assert f2["verdict"] == "not met"
    fpr = next(g for g in f2["evidence"]["groups"] if g["metric"] == "false_positive_rate")
    assert fpr["verdict"] == "not met" and fpr["adjusted_ci"][0] > 0.10
    assert "false positive rate difference, B vs A (g): +0.200" in f2["reason"]
    assert doc["standard"]["verdict"] == "not met"
    assert "F2" in doc["standard"]["missing"]


def test_error_rate_gap_exactly_at_threshold_is_insufficient_however_large():
    big = tuple(50 * v for v in REF)
    doc = audit_counts({"A": big, "B": (35000, 15000, 15000, 35000)})  # FPR +0.10 exactly
    f2 = criterion(doc, "F2")
    fpr = next(g for g in f2["evidence"]["groups"] if g["metric"] == "false_positive_rate")
    assert fpr["value"] == pytest.approx(0.10)
    assert fpr["verdict"] == "insufficient evidence"
    assert fpr["adjusted_ci"][0] < 0.10 < fpr["adjusted_ci"][1]
    assert f2["verdict"] == "insufficient evidence"


def test_small_groups_are_judged_from_their_own_intervals():
    # C has 20 people; D has 40 people but only 5 with the outcome (FNR's denominator).
    doc = audit_counts({"A": REF, "B": (780, 220, 320, 680), "C": (8, 2, 3, 7),
                        "D": (28, 7, 2, 3)})
    f2 = criterion(doc, "F2")
    assert f2["evidence"]["not_assessable"] == []
    judged = {(g["group"], g["metric"]): g for g in f2["evidence"]["groups"]}
    # Small groups are judged: their intervals are wide, so they stay undecided.
    assert judged[("C", "false_positive_rate")]["verdict"] == "insufficient evidence"
    assert judged[("D", "false_negative_rate")]["verdict"] == "insufficient evidence"
    assert f2["verdict"] == "insufficient evidence"
    assert "undecided" in f2["reason"]


def test_a_group_without_the_outcome_is_listed_and_blocks_met():
    doc = audit_counts({"A": REF, "B": (780, 220, 320, 680), "E": (300, 60, 0, 0)})
    f2 = criterion(doc, "F2")
    blocked = {(b["group"], b["metric"]): b["why"] for b in f2["evidence"]["not_assessable"]}
    assert "no people with the outcome in E" in blocked[("E", "false_negative_rate")]
    assert "does not exist" in blocked[("E", "false_negative_rate")]
    assert f2["verdict"] == "insufficient evidence"  # all judged comparisons met, one unseen
    assert "could not be judged" in f2["reason"]
    unseen = doc["standard"]["unexamined"]
    assert {"criterion": "F2", "severity": "required", "attribute": "g", "group": "E",
            "metric": "false_negative_rate", "why": blocked[("E", "false_negative_rate")]} \
        in unseen


def test_only_small_groups_gives_insufficient_evidence():
    doc = audit_counts({"A": (8, 2, 3, 7), "B": (9, 1, 2, 8)})
    f2 = criterion(doc, "F2")
    assert f2["verdict"] == "insufficient evidence"
    assert {g["verdict"] for g in f2["evidence"]["groups"]} == {"insufficient evidence"}


def test_four_fifths_rule_is_symmetric():
    # B selected at 1.5x the reference: the reference is then at 0.67x B's rate.
    doc = audit_counts({"A": (3000, 1000, 1000, 1000), "B": (1000, 1000, 1000, 1000)})
    f1 = criterion(doc, "F1")
    assert f1["verdict"] == "not met"
    assert f1["evidence"]["groups"][0]["value"] == pytest.approx(1.5)


def test_missing_metric_is_not_assessed_with_reason():
    doc = audit_counts({"A": REF, "B": REF})
    f3 = criterion(doc, "F3")  # calibration needs a score; none was given
    assert f3["verdict"] == "not assessed"
    assert "calibration" in f3["reason"]
    r1 = criterion(doc, "R1")
    assert r1["verdict"] == "not assessed" and "declared" in r1["reason"]


def test_standard_section_matches_schema_and_records_provenance():
    doc = audit_counts({"A": REF, "B": REF})
    validate(doc)
    s = doc["standard"]
    assert s["id"] == "essex-standard" and s["version"] == "1.0.0"
    assert len(s["sha256"]) == 64
    assert s["path"] == "checklists/essex-standard-v1.yaml"
    assert s["multiplicity"]["method"] == "Holm"
    assert s["multiplicity"]["family_size"] > 0


# --------------------------------------------------------------------------- real data


def test_compas_error_rate_gaps_are_not_met(compas_result):
    doc = compas_result.doc
    s = doc["standard"]
    assert s["verdict"] == "not met"
    f2 = criterion(doc, "F2")
    assert f2["verdict"] == "not met"
    aa = next(g for g in f2["evidence"]["groups"]
              if g["group"] == "African-American" and g["metric"] == "false_positive_rate")
    assert aa["verdict"] == "not met"
    assert aa["value"] == pytest.approx(805 / 1795 - 349 / 1488)
    assert aa["adjusted_ci"][0] > 0.10
    # Native American (n = 18) is judged from its own (wide) interval.
    na = [g for g in f2["evidence"]["groups"] if g["group"] == "Native American"]
    assert len(na) == 2 and all(g["adjusted_ci"] for g in na)
    # Both directions: Caucasian defendants are missed more often (FNR 0.48 vs 0.28).
    fnr = next(f for f in f2["evidence"]["findings"]
               if f["group"] == "African-American" and f["metric"] == "false_negative_rate")
    assert fnr["worse_off"] == "Caucasian" and fnr["reference_group"] == "Caucasian"
    assert fnr["reference_value"] > fnr["group_value"]
    assert fnr["sure"] == "not met"
    # No attestations: every attested criterion is not assessed.
    attested = [c for c in s["criteria"] if c["kind"] == "attested"]
    assert {c["verdict"] for c in attested} == {"not assessed"}
    assert {"F1", "F2", "F4"} <= set(s["missing"])


def test_csc_example_with_attestations(csc_result):
    s = csc_result.doc["standard"]
    assert s["verdict"] == "not met"
    assert s["attestations"]["path"] == "attestations.yaml"
    g4 = criterion(csc_result.doc, "G4")
    assert g4["verdict"] == "not met" and g4["evidence"]["answer"] == "no"
    assert criterion(csc_result.doc, "G1")["verdict"] == "met"
    assert criterion(csc_result.doc, "F2")["verdict"] == "not met"
    assert criterion(csc_result.doc, "F4")["verdict"] == "met"
    assert criterion(csc_result.doc, "T3")["verdict"] == "met"  # about 2% missing


def test_rejudging_from_results_json_alone_gives_the_same_section(compas_result):
    doc = json.loads(compas_result.to_json())
    again = judge({k: v for k, v in doc.items() if k != "standard"}, load_standard())
    # results.json keeps FLOAT_DIGITS significant digits, so compare at that precision.
    assert round_floats(again) == doc["standard"]


# --------------------------------------------------------------------------- overrides


def _cfg(tmp_path: Path, **sections) -> object:
    raw = {"data": {"path": "x.csv", "y_true": "y", "y_pred": "p"}, "protected": ["g"],
           **sections}
    return parse_config(raw, source="audit.yaml", base_dir=tmp_path)


def test_overrides_are_applied_and_recorded(tmp_path):
    cfg = _cfg(tmp_path, standard={"overrides": {"F2": {"threshold": 0.05},
                                                 "R1": {"threshold": 0.6}}})
    standard, att = standard_for_config(cfg)
    assert att is None
    assert standard.criterion("F2").measure.threshold == 0.05
    doc = audit_counts({"A": REF, "B": (780, 220, 320, 680)})
    s = judge(doc, standard)
    # The Standard's own thresholds are recorded beside the overrides (R1 has none by default).
    assert s["overrides"] == {"F2": {"threshold": 0.05, "standard_threshold": 0.1},
                              "R1": {"threshold": 0.6, "standard_threshold": None}}
    assert next(c for c in s["criteria"] if c["id"] == "F2")["evidence"]["threshold"] == 0.05


@pytest.mark.parametrize("overrides, message", [
    ({"F9": {"threshold": 0.1}}, "'standard.overrides.F9': essex-standard 1.0.0 has no criterion"),
    ({"G1": {"threshold": 0.1}}, "G1 is attested"),
    ({"F1": {"threshold": 1.2}}, "'standard.overrides.F1.threshold' is 1.2"),
    ({"F2": {"limit": 0.1}}, "'standard.overrides.F2' must be a mapping with 'threshold'"),
])
def test_bad_overrides_name_the_key(tmp_path, overrides, message):
    with pytest.raises(ConfigError, match=None) as err:
        standard_for_config(_cfg(tmp_path, standard={"overrides": overrides}))
    assert message in str(err.value)


def test_unknown_standard_key_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown key 'standard\.overides'.*'overrides'"):
        standard_for_config(_cfg(tmp_path, standard={"overides": {}}))


# --------------------------------------------------------------------------- mechanics


def test_band_verdict_edges():
    assert band_verdict((0.8, 0.9), ">=", 0.8, None) == "met"
    assert band_verdict((0.7, 0.79), ">=", 0.8, None) == "not met"
    assert band_verdict((0.7, 0.81), ">=", 0.8, None) is None
    assert band_verdict((0.81, 1.3), "within", 0.8, (0.8, 1.25)) is None
    assert band_verdict((1.3, 1.6), "within", 0.8, (0.8, 1.25)) == "not met"


def test_p_values_match_the_intervals_at_that_level():
    """p ≤ a exactly when the (1 − 2a) interval is beyond the margin: the closed-form
    p-value and the inverted interval agree."""
    est = Difference(300, 1000, 200, 1000)  # +0.10 against a band of ±0.05
    p = float(tail_p([est], np.array([0.05]), greater=True)[0])
    assert 0 < p < 0.05
    assert est.interval(1 - 2 * p * 1.01)[0] > 0.05
    assert est.interval(1 - 2 * p * 0.99)[0] < 0.05


def test_holm_is_never_stricter_than_bonferroni():
    rng = np.random.default_rng(1)
    for _ in range(20):
        p = rng.uniform(0, 0.01, size=30) ** rng.uniform(0.5, 2)
        holm, _ = holm_levels(p, 0.05, "holm")
        bonf, _ = holm_levels(p, 0.05, "bonferroni")
        assert (holm >= bonf).all()


def test_overall_verdict_rules():
    def c(cid, verdict, severity="required"):
        return {"id": cid, "verdict": verdict, "severity": severity}
    assert overall_verdict([c("A", "met"), c("B", "not met", "recommended")]) == ("met", [])
    assert overall_verdict([c("A", "met"), c("B", "not assessed")]) == ("incomplete", ["B"])
    assert overall_verdict([c("A", "not met"), c("B", "insufficient evidence")]) == \
        ("not met", ["A", "B"])


def test_path_matches_are_split_into_attribute_group_and_metric():
    """Wildcard-bound keys are not joined into one 'attribute' ('ethnicity.Other ...')."""
    from essex_standard.standard.units import extract

    std = load_standard(None)
    measures = {c.id: c.measure for c in std.criteria if c.id in ("R5", "R6", "R7")}
    stat = {"value": 0.15, "ci": [0.1, 0.2]}
    doc = {
        "settings": {"confidence_level": 0.95},
        "drift": {
            "by_group": {"ethnicity": {"groups": {
                "Other ethnic group": {"calibration_in_the_large": {"difference": stat}}}}},
            "group_mix": {"ethnicity": {"groups": {
                "Other ethnic group": {"share_change": {"value": 4.2, "ci": [3.4, 5.2]}}}}},
        },
        "over_time": {"trends": {"age_band": {"groups": {"0-4": {"metrics": {
            "false_positive_rate": {"widening": stat},
            "false_negative_rate": {"widening": stat}}}}}}},
    }
    got = {cid: [(u.attribute, u.group, u.metric) for u in extract(m, doc).units]
           for cid, m in measures.items()}
    assert got["R5"] == [("ethnicity", "Other ethnic group", "calibration_in_the_large")]
    assert got["R7"] == [("ethnicity", "Other ethnic group", "share_change")]
    assert sorted(got["R6"]) == [("age_band", "0-4", "false_negative_rate"),
                                 ("age_band", "0-4", "false_positive_rate")]
    section = judge(doc, std)
    r6 = criterion({"standard": section}, "R6")
    assert "false positive rate widening, 0-4 (age_band)" in r6["reason"]


def test_a_cached_standard_is_not_changed_by_an_audit_with_overrides(tmp_path):
    """The parsed Standard is cached per process; one audit's overrides must not leak."""
    before = load_standard().criterion("F2").measure.threshold
    cfg = _cfg(tmp_path, standard={"overrides": {"F2": {"threshold": 0.05}}})
    standard, _ = standard_for_config(cfg)
    assert standard.criterion("F2").measure.threshold == 0.05
    assert load_standard().criterion("F2").measure.threshold == before
    assert load_standard() is load_standard()  # parsed once
