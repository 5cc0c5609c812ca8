"""audit_frame() with a reference DataFrame, a time column and the monitoring sections: the same
calibration, drift and over-time results as the file route; and drift within intersections."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

import essex_standard
from essex_standard.errors import DataError


def _frame(rng: np.random.Generator, n: int, shift: float) -> pd.DataFrame:
    df = pd.DataFrame({
        "x": rng.normal(shift, 1, n).round(3),
        "kind": rng.choice(["red", "blue"], n),
        "group": rng.choice(["A", "B", "C"], n),
        "sex": rng.choice(["F", "M"], n),
        "date": (pd.Timestamp("2024-01-01")
                 + pd.to_timedelta(rng.integers(0, 360, n), unit="D")).strftime("%Y-%m-%d"),
    })
    df["score"] = (1 / (1 + np.exp(-(df["x"] - 0.5)))).round(4)
    df["y"] = (rng.random(n) < df["score"]).astype(int)
    return df


@pytest.fixture(scope="module")
def frames():
    rng = np.random.default_rng(11)
    return _frame(rng, 3_000, 0.0), _frame(rng, 2_000, 0.4)


SETTINGS = {"bootstrap": 100, "seed": 3, "calibration": {"bins": 5},
            "drift": {"features": ["x", "kind"]}, "over_time": {"window": "quarterly"}}


def test_audit_frame_measures_drift_calibration_and_fairness_over_time(frames):
    ref, cur = frames
    r = essex_standard.audit_frame(
        cur, y_true="y", y_score="score", threshold=0.5, score_range=[0, 1],
        sensitive_features=["group", "sex"], intersections=[["group", "sex"]],
        reference_df=ref, time="date", **SETTINGS)
    doc = r.doc
    assert doc["drift"]["available"] and doc["over_time"]["available"]
    assert doc["calibration"]["settings"]["bins"] == 5
    assert len(doc["calibration"]["overall"]["reliability"]) == 5
    assert doc["drift"]["reference"]["rows"] == 3_000
    assert doc["standard"]["drift"]["features"]["x"] == (
        "beyond" if doc["drift"]["features"]["x"]["psi"] > 0.25 else "within")
    assert [w["label"] for w in doc["over_time"]["windows"]] == ["2024Q1", "2024Q2", "2024Q3",
                                                                  "2024Q4"]
    # Drift within the intersection, as its own Benjamini-Hochberg family.
    inter = doc["drift"]["by_intersection"]["group & sex"]["groups"]
    assert set(inter) == {f"{g} & {s}" for g in "ABC" for s in "FM"}
    assert inter["A & F"]["n_current"] == int(((cur.group == "A") & (cur.sex == "F")).sum())
    assert doc["drift"]["settings"]["intersections"]["tests"] > 0
    assert "group & sex" not in doc["drift"]["by_group"]


def test_audit_frame_matches_the_file_route(frames, tmp_path):
    ref, cur = frames
    ref.to_csv(tmp_path / "ref.csv", index=False)
    cur.to_csv(tmp_path / "cur.csv", index=False)
    cfg = {"data": {"path": "cur.csv", "reference": "ref.csv", "y_true": "y",
                    "y_score": "score", "threshold": 0.5, "score_range": [0, 1], "time": "date"},
           "protected": [{"column": "group"}, {"column": "sex"}], **SETTINGS}
    (tmp_path / "audit.yaml").write_text(yaml.safe_dump(cfg))
    from_file = essex_standard.audit(tmp_path / "audit.yaml").doc
    in_memory = essex_standard.audit_frame(
        cur, y_true="y", y_score="score", threshold=0.5, score_range=[0, 1],
        sensitive_features=["group", "sex"], reference_df=ref, time="date", **SETTINGS).doc
    for key in ("calibration", "over_time"):
        assert json.dumps(in_memory[key], sort_keys=True) == json.dumps(from_file[key],
                                                                        sort_keys=True)
    a, b = dict(in_memory["drift"]), dict(from_file["drift"])
    assert a.pop("reference") == {**b.pop("reference")}
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_a_reference_frame_without_a_drift_column_names_it(frames):
    ref, cur = frames
    with pytest.raises(DataError, match="'kind'"):
        essex_standard.audit_frame(cur, y_true="y", y_score="score", threshold=0.5,
                                   sensitive_features=["group"], time="date",
                                   reference_df=ref.drop(columns="kind"), **SETTINGS)


def test_without_a_reference_frame_drift_says_how_to_get_it(frames):
    _, cur = frames
    doc = essex_standard.audit_frame(cur, y_true="y", y_score="score", threshold=0.5,
                                     sensitive_features=["group"], bootstrap=0).doc
    assert not doc["drift"]["available"] and "reference_df" in doc["drift"]["reason"]
    assert not doc["over_time"]["available"]
