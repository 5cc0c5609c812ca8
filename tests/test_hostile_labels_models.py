"""Hostile labels, models and library calls: no guessing which value is positive, models
whose output is checked, and library errors that are ours (not AttributeError or
RecursionError)."""

from __future__ import annotations

import json
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from _hostile_support import ScriptedModel, base_config, frame, refused, write

import essex_standard
from essex_standard.errors import DataError, EssexStandardWarning

KW = {"y_score": "s", "threshold": 0.5, "sensitive_features": ["sex"], "bootstrap": 0}


def _audit(df: pd.DataFrame, **kw):
    return essex_standard.audit_frame(df, **{**KW, **kw})


@pytest.mark.parametrize("first", [True, False])
def test_boolean_outcomes_work_whichever_value_comes_first(first):
    df = frame(100)
    df["y"] = df["y"].astype(bool)
    df.loc[0, "y"] = first
    reference = _audit(df.assign(y=df["y"].astype(int)), y_true="y")
    assert _audit(df, y_true="y").doc["fairness"] == reference.doc["fairness"]


@pytest.mark.parametrize("pair", [("no", "yes"), ("No", "Yes"), ("FALSE", "TRUE"),
                                  ("false", "true"), ("0", "1"), ("0.0", "1.0")])
def test_obvious_text_pairs_need_no_positive_label(tmp_path, pair):
    df = frame(80)
    df["y"] = [pair[v] for v in df["y"]]
    write(tmp_path, data=df)
    text = essex_standard.audit(tmp_path / "audit.yaml")
    numeric = _audit(frame(80), y_true="y", sensitive_features=["sex", "eth"])
    assert text.doc["fairness"] == numeric.doc["fairness"]


@pytest.mark.parametrize("values", [(1, 2), ("A", "B"), ("re-referred", "not re-referred"),
                                    ("Y", "N"), (-1, 1)])
def test_unclear_pairs_are_not_guessed(tmp_path, capsys, values):
    df = frame(80)
    df["y"] = [values[v] for v in df["y"]]
    refused(capsys, tmp_path, write(tmp_path, data=df), "column 'y' (outcome)", "not obvious",
            "data.positive_label", "pos_label")


def test_an_unclear_pair_with_positive_label_is_fine(tmp_path):
    df = frame(80)
    df["y"] = df["y"] + 1
    write(tmp_path, base_config(positive_label=2), data=df)
    result = essex_standard.audit(tmp_path / "audit.yaml")
    assert result.overall["metrics"]["base_rate"]["value"] == pytest.approx(
        (df["y"] == 2).mean())


@pytest.mark.parametrize("label,needle", [(3, "neither is the positive label 3"),
                                          ("yes", "neither is the positive label 'yes'")])
def test_a_positive_label_that_is_not_there(tmp_path, capsys, label, needle):
    df = frame(80)
    df["y"] = df["y"] + 1
    refused(capsys, tmp_path, write(tmp_path, base_config(positive_label=label), data=df),
            needle)


@pytest.mark.parametrize("values,needle", [
    (["a", "b", "c"], "must be binary but has 3"),
    (["yes"], "every row of column 'y' (outcome) is 'yes'"),
])
def test_label_columns_that_are_not_two_clear_values(tmp_path, capsys, values, needle):
    df = frame(60)
    df["y"] = [values[i % len(values)] for i in range(60)]
    refused(capsys, tmp_path, write(tmp_path, data=df), needle)


def test_a_missing_outcome_names_its_row(tmp_path, capsys):
    text = "y,s,sex,eth\n" + "".join(f"{i % 2},0.5,F,A\n" for i in range(5)) + ",0.5,M,B\n"
    refused(capsys, tmp_path, write(tmp_path, data=text), "missing value", "row 7 of the file")


def test_text_outcome_with_zero_one_predictions():
    df = frame(100)
    df["income"] = np.where(df["y"] == 1, ">50K", "<=50K")
    df["pred"] = (df["s"] >= 0.5).astype(int)
    a = essex_standard.audit_frame(df, y_true="income", positive_label=">50K", y_pred="pred",
                                   sensitive_features=["sex"], bootstrap=0)
    b = essex_standard.audit_frame(df, y_true="y", y_pred="pred", sensitive_features=["sex"],
                                   bootstrap=0)
    assert a.doc["fairness"] == b.doc["fairness"]


def _model_case(tmp_path, model, **estimator):
    df = frame(60)
    df["income"] = np.where(df["y"] == 1, ">50K", "<=50K")
    joblib.dump(model, tmp_path / "m.joblib")
    cfg = {"data": {"path": "d.csv", "y_true": "income", "positive_label": ">50K"},
           "estimator": {"path": "m.joblib", "features": ["s"], "trusted": True, **estimator},
           "protected": ["sex"], "bootstrap": 0}
    return write(tmp_path, cfg, data=df)


def test_text_outcome_with_a_zero_one_model(tmp_path):
    from sklearn.linear_model import LogisticRegression

    df = frame(60)
    model = LogisticRegression().fit(df[["s"]], df["y"])
    config = _model_case(tmp_path, model)
    with pytest.warns(EssexStandardWarning, match="unpickled.*ran any code"):
        result = essex_standard.audit(config)
    assert result.doc["data"]["predictions"]["model_format"] == "pickle"
    assert result.overall["metrics"]["base_rate"]["value"] == pytest.approx(df["y"].mean())


@pytest.mark.parametrize("mode,needles", [
    ("nan", ("probability for row 5", "nan", "outside [0, 1]")),
    ("five", ("probability for row 4", "5.0")),
    ("short_proba", ("predict_proba() returned 59 value(s)", "60 rows")),
    ("short_predict", ("predict() returned 59 value(s)", "one per row")),
    ("three_columns", ("shape (60, 3)", "two columns")),
])
def test_a_broken_model_is_an_error_not_an_audit(tmp_path, capsys, mode, needles):
    config = _model_case(tmp_path, ScriptedModel(mode))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EssexStandardWarning)
        refused(capsys, tmp_path, config, "m.joblib", *needles)


@pytest.mark.parametrize("classes,extra,needle", [
    ((1, 2), {}, "'estimator.positive_class' to it"),
    ((0, 1), {"positive_class": "yes"}, "'estimator.positive_class' is 'yes'"),
    ((0, 1, 2), {}, "3 classes"),
])
def test_model_classes_are_not_guessed(tmp_path, capsys, classes, extra, needle):
    model = ScriptedModel("ok")
    model.classes_ = np.array(classes)
    config = _model_case(tmp_path, model, **extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EssexStandardWarning)
        refused(capsys, tmp_path, config, needle)


def test_positive_class_picks_the_models_class(tmp_path):
    model = ScriptedModel("ok", classes=(1, 2))
    config = _model_case(tmp_path, model, positive_class=2)
    with pytest.warns(EssexStandardWarning):
        result = essex_standard.audit(config)
    assert result.doc["data"]["predictions"]["flagged"] == 30


def test_the_cli_prints_the_pickle_warning(tmp_path, capsys):
    from essex_standard.cli import main

    config = _model_case(tmp_path, ScriptedModel("nan"))
    with pytest.raises(SystemExit):
        main(["audit", str(config), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert "warning: " in err and "was unpickled" in err


@pytest.mark.parametrize("df,needle", [
    ([{"y": 1}], "'df' is a list, not a dataframe"),
    ({"y": [1, 0]}, "'df' is a dict, not a dataframe"),
    (np.zeros((4, 3)), "'df' is a ndarray, not a dataframe"),
])
def test_audit_frame_given_something_else(df, needle):
    with pytest.raises(DataError, match=needle):
        essex_standard.audit_frame(df, y_true="y", **KW)


def test_audit_frame_with_duplicate_column_names():
    df = frame(40)
    df = pd.concat([df, df[["s"]]], axis=1)
    with pytest.raises(DataError, match="'s' appears more than once"):
        essex_standard.audit_frame(df, y_true="y", **KW)


def test_audit_frame_missing_column_and_bad_types():
    with pytest.raises(DataError, match="no column 'nope'"):
        essex_standard.audit_frame(frame(40), y_true="nope", **KW)
    # A list that is not column names is taken as values, one per row (fairlearn's idiom).
    with pytest.raises(DataError, match="'sensitive_features' has 1 values but the DataFrame"):
        essex_standard.audit_frame(frame(40), y_true="y", **{**KW, "sensitive_features": [1]})


@pytest.mark.parametrize("text,needle", [
    ("[" * 100_000 + "]" * 100_000, "nested"),
    ('{"a": ' * 200 + "1" + "}" * 200, "nested"),
    ('{"schema_version": "' + "x" * 100_000 + '"}', "does not match"),
    ("{not json", "not a valid results.json"),
])
def test_report_on_hostile_json(tmp_path, capsys, text, needle):
    path = tmp_path / "results.json"
    path.write_text(text)
    err = refused(capsys, tmp_path, path, needle, command="report")
    assert "RecursionError" not in err


def test_report_on_a_valid_results_file_round_trip(tmp_path):
    result = _audit(frame(80), y_true="y")
    path = result.write(tmp_path / "results.json")
    again = essex_standard.AuditResult.load(path)
    assert json.loads(again.to_json())["data"]["missing"]["columns"]["sex"] == 0
