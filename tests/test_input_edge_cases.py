"""Inputs a real user sends: other CSV dialects, one-valued labels, one-group attributes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

import essex_standard
from essex_standard.errors import DataError


def _frame(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    return pd.DataFrame({"outcome": rng.integers(0, 2, n), "risk": rng.random(n),
                         "sex": rng.choice(["F", "M"], n)})


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_csv_with_another_separator_is_read(tmp_path, sep):
    df = _frame()
    df.to_csv(tmp_path / "d.csv", sep=sep, index=False)
    cfg = {"data": {"path": "d.csv", "y_true": "outcome", "y_score": "risk", "threshold": 0.5},
           "protected": ["sex"], "bootstrap": 0}
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(cfg))
    result = essex_standard.audit(tmp_path / "a.yaml")
    expected = essex_standard.audit_frame(df, y_true="outcome", y_score="risk", threshold=0.5,
                                          sensitive_features=["sex"], bootstrap=0)
    assert result.doc["fairness"] == expected.doc["fairness"]


def test_a_label_column_of_only_yes_is_an_error_naming_the_fix():
    df = _frame().assign(outcome="yes")
    with pytest.raises(DataError, match=r"every row of column 'outcome'.*is 'yes'.*positive_label"):
        essex_standard.audit_frame(df, y_true="outcome", y_score="risk", threshold=0.5,
                                   sensitive_features=["sex"], bootstrap=0)
    ok = essex_standard.audit_frame(df.assign(outcome="no"), y_true="outcome", y_score="risk",
                                    threshold=0.5, sensitive_features=["sex"], bootstrap=0)
    assert ok.overall["metrics"]["base_rate"]["value"] == 0


def test_dataframe_errors_name_a_position_not_a_file_row():
    df = _frame()
    df.loc[4, "risk"] = None
    with pytest.raises(DataError, match="position 4 of the DataFrame") as exc:
        essex_standard.audit_frame(df, y_true="outcome", y_score="risk", threshold=0.5,
                                   sensitive_features=["sex"], bootstrap=0)
    assert "of the file" not in str(exc.value)


def test_one_group_attribute_is_noted():
    result = essex_standard.audit_frame(_frame().assign(region="North"), y_true="outcome",
                                        y_score="risk", threshold=0.5,
                                        sensitive_features=["sex", "region"], bootstrap=0)
    assert any("'region' has only one group ('North')" in note for note in result.doc["notes"])


def test_protected_label_is_kept_for_readers(tmp_path):
    df = _frame()
    df.to_csv(tmp_path / "d.csv", index=False)
    cfg = {"data": {"path": "d.csv", "y_true": "outcome", "y_score": "risk", "threshold": 0.5},
           "protected": [{"column": "sex", "label": "sex (as recorded)"}], "bootstrap": 0}
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(cfg))
    from essex_standard.render.facts import attribute_label

    doc = essex_standard.audit(tmp_path / "a.yaml").doc
    assert attribute_label(doc, "sex") == "sex (as recorded)"
