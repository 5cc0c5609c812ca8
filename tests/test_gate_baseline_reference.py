"""A baseline whose reference group differs cannot be compared, and the gate says so."""

from __future__ import annotations

import numpy as np
import pandas as pd

import essex_standard
from essex_standard.gate import evaluate, junit_xml, report_text


def _result(sizes: dict[str, int], seed: int):
    rng = np.random.default_rng(seed)
    sex = np.repeat(list(sizes), list(sizes.values()))
    df = pd.DataFrame({"sex": sex, "y": rng.integers(0, 2, len(sex))})
    df["p"] = (rng.random(len(sex)) < 0.3).astype(int)
    # No declared reference: the largest group is used, so it flips when the mix flips.
    return essex_standard.audit_frame(df, y_true="y", y_pred="p", sensitive_features=["sex"],
                                      bootstrap=0)


def test_reference_change_fails_the_baseline_check():
    old = _result({"F": 3000, "M": 2000}, 1)
    new = _result({"F": 2000, "M": 3000}, 2)
    assert old.fairness["sex"].reference_group == "F"
    assert new.fairness["sex"].reference_group == "M"
    new.doc["standard"]["verdict"] = "met"  # isolate the baseline check from the verdict
    assert evaluate(new.doc).passed
    outcome = evaluate(new.doc, baseline=old.doc)
    assert outcome.baseline.reference_changes
    assert not outcome.passed
    text = report_text(outcome)
    assert "NOT COMPARABLE sex: the reference group changed from 'F' to 'M'" in text
    assert "Declare 'reference:'" in text
    assert 'name="baseline comparable"' in junit_xml(outcome)


def test_same_reference_is_comparable():
    old = _result({"F": 3000, "M": 2000}, 1)
    new = _result({"F": 3100, "M": 2000}, 2)
    outcome = evaluate(new.doc, allow_incomplete=True, baseline=old.doc)
    assert outcome.baseline.reference_changes == []
