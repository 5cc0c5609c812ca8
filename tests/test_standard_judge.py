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
from essex_standard.standard.intervals import Difference, band_verdict, decision_p_value
from essex_standard.standard.judge import Judged, adjust, overall_verdict

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
        assert g["adjusted_level"] >= 0.95  # never narrower than the audit's 95% interval
        assert hi - lo >= g["ci"][1] - g["ci"][0] - 1e-12
    # Holm: the first comparison in the step-down is judged at the Bonferroni level.
    family = doc["standard"]["multiplicity"]["family_size"]
    levels = [g["adjusted_level"] for c in doc["standard"]["criteria"] if c["kind"] == "measured"
              for g in c["evidence"]["groups"] if g["adjusted_level"] is not None]
    assert len(levels) == family
    assert max(levels) == pytest.approx(1 - 0.05 / family)
    assert min(levels) == pytest.approx(0.95)


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


def test_small_groups_are_listed_not_assessable_never_passed():
    # C has 20 people; D has 40 people but only 5 with the outcome (FNR's denominator).
    doc = audit_counts({"A": REF, "B": (780, 220, 320, 680), "C": (8, 2, 3, 7),
                        "D": (28, 7, 2, 3)})
    f2 = criterion(doc, "F2")
    blocked = {(b["group"], b["metric"]): b["why"] for b in f2["evidence"]["not_assessable"]}
    assert "only 20 people in the group; at least 30 are needed" in \
        blocked[("C", "false_positive_rate")]
    assert "only 5 people with the outcome" in blocked[("D", "false_negative_rate")]
    assert ("D", "false_positive_rate") not in blocked  # 35 without the outcome: enough
    judged = {(g["group"], g["metric"]) for g in f2["evidence"]["groups"]}
    assert ("C", "false_positive_rate") not in judged
    assert "could not be assessed" in f2["reason"]
    f4 = criterion(doc, "F4")
    assert f4["verdict"] == "not met"  # C is too small to assess at all


def test_only_small_groups_gives_insufficient_evidence():
    doc = audit_counts({"A": (8, 2, 3, 7), "B": (9, 1, 2, 8)})
    f2 = criterion(doc, "F2")
    assert f2["verdict"] == "insufficient evidence"
    assert f2["evidence"]["groups"] == []
    assert "No comparison had enough evidence" in f2["reason"]


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
    # Native American (n = 18) is listed, not judged.
    assert any(b["group"] == "Native American" for b in f2["evidence"]["not_assessable"])
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


def test_decision_p_value_matches_the_interval_at_that_level():
    est = Difference(300, 1000, 200, 1000)  # +0.10 against a band of ±0.05
    def decide(level):
        return band_verdict(est.interval(level), "within", 0.05, (-0.05, 0.05))
    p = decision_p_value(decide)
    assert 0 < p < 0.05
    assert decide(1 - p * 1.01) == "not met"
    assert decide(1 - p * 0.99) is None


def test_holm_is_never_stricter_than_bonferroni():
    standard = load_standard()
    f2 = standard.criterion("F2")
    rng = np.random.default_rng(1)
    from essex_standard.standard.intervals import Difference as D
    from essex_standard.standard.units import Unit

    def family():
        out = []
        for x in rng.integers(100, 400, size=30):
            u = Unit("false_positive_rate", "g", "B", None, None, 1000, 1000,
                     D(int(x), 1000, 200, 1000))
            out.append(Judged(u, f2))
        return out
    fam = family()
    holm = [Judged(j.unit, j.criterion) for j in fam]
    adjust(fam, 0.95, "bonferroni")
    adjust(holm, 0.95, "holm")
    decided_b = sum(j.verdict != "insufficient evidence" for j in fam)
    decided_h = sum(j.verdict != "insufficient evidence" for j in holm)
    assert decided_h >= decided_b
    for b, h in zip(fam, holm, strict=True):
        if b.verdict != "insufficient evidence":
            assert h.verdict == b.verdict


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
