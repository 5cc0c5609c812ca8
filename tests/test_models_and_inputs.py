"""Model loading is safe by default, and every prediction route gives the same audit."""

from __future__ import annotations

import shutil
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import yaml

import essex_standard
from essex_standard.errors import ConfigError, DataError, ModelLoadError

ROOT = Path(__file__).resolve().parent.parent
CSC = ROOT / "examples" / "childrens-social-care"


@pytest.fixture(scope="module")
def csc_copy(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("csc")
    shutil.copytree(CSC / "data", dest / "data")
    shutil.copy(CSC / "model.skops", dest / "model.skops")
    return dest


def _config(folder: Path, **estimator) -> Path:
    cfg = yaml.safe_load((CSC / "audit.yaml").read_text())
    cfg.pop("attestations", None)
    cfg["estimator"].update(estimator)
    path = folder / f"audit-{len(list(folder.glob('audit-*.yaml')))}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.mark.slow
def test_skops_model_matches_its_stored_predictions(csc_result):
    """Auditing the model and auditing its exported scores give the same fairness figures."""
    from_table = essex_standard.audit(CSC / "audit-predictions.yaml")
    a = csc_result.fairness["ethnicity"].by_group
    b = from_table.fairness["ethnicity"].by_group
    # Stored scores are rounded to 4 decimals, so a few people near the cut-off may differ.
    assert (a["selection_rate"] - b["selection_rate"]).abs().max() < 0.01
    assert list(a.index) == list(b.index)
    assert csc_result.doc["inputs"][1]["role"] == "model"


@pytest.mark.slow
def test_pickle_is_refused_unless_trusted(csc_copy):
    import skops.io as sio

    model = sio.load(csc_copy / "model.skops", trusted=[])
    joblib.dump(model, csc_copy / "model.joblib")
    with pytest.raises(ModelLoadError, match=r"refusing to load a \.joblib file"):
        essex_standard.audit(_config(csc_copy, path="model.joblib"))
    from essex_standard.errors import EssexStandardWarning

    with pytest.warns(EssexStandardWarning, match="was unpickled"):
        trusted = essex_standard.audit(_config(csc_copy, path="model.joblib", trusted=True))
    assert trusted.doc["data"]["predictions"]["model_format"] == "pickle"


def test_skops_with_untrusted_types_is_refused(csc_copy):
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    class Custom(LogisticRegression):
        pass

    globals()["Custom"] = Custom  # picklable by reference for skops
    Custom.__module__ = __name__
    df = pd.read_csv(csc_copy / "data" / "current.csv")
    model = Custom(max_iter=200).fit(
        df[["prior_referrals", "deprivation_decile"]], df["re_referred_12m"]
    )
    sio.dump(model, csc_copy / "custom.skops")
    cfg = _config(csc_copy, path="custom.skops", features=["prior_referrals", "deprivation_decile"])
    with pytest.raises(ModelLoadError, match="not trusted by default") as exc:
        essex_standard.audit(cfg)
    assert "trusted_types" in str(exc.value)


@pytest.mark.slow
def test_onnx_model_gives_the_same_audit_as_sklearn(csc_copy):
    pytest.importorskip("onnxruntime")
    skl2onnx = pytest.importorskip("skl2onnx")
    from sklearn.linear_model import LogisticRegression

    df = pd.read_csv(csc_copy / "data" / "current.csv")
    features = ["prior_referrals", "deprivation_decile"]
    model = LogisticRegression(max_iter=500).fit(df[features].astype(float), df["re_referred_12m"])
    from skl2onnx.common.data_types import FloatTensorType

    onx = skl2onnx.convert_sklearn(
        model, initial_types=[("X", FloatTensorType([None, 2]))], options={"zipmap": False}
    )
    (csc_copy / "m.onnx").write_bytes(onx.SerializeToString())
    result = essex_standard.audit(_config(csc_copy, path="m.onnx", features=features))
    expected = model.predict_proba(df[features].astype(float))[:, 1]
    flagged = int((expected >= 0.3).sum())
    # float32 inference may move a person sitting exactly on the cut-off; allow one or two.
    assert abs(result.doc["data"]["predictions"]["flagged"] - flagged) <= 2


def test_unknown_model_format(csc_copy):
    (csc_copy / "m.h5").write_bytes(b"x")
    with pytest.raises(ModelLoadError, match="unknown model format"):
        essex_standard.audit(_config(csc_copy, path="m.h5"))


def test_parquet_input_gives_identical_results(tmp_path, compas_result):
    pytest.importorskip("pyarrow")
    compas = ROOT / "examples" / "compas"
    df = pd.read_csv(compas / "data" / "compas-two-years.csv")
    (tmp_path / "data").mkdir()
    df.to_parquet(tmp_path / "data" / "c.parquet")
    cfg = yaml.safe_load((compas / "audit.yaml").read_text())
    cfg["data"]["path"] = "data/c.parquet"
    (tmp_path / "audit.yaml").write_text(yaml.safe_dump(cfg))
    result = essex_standard.audit(tmp_path / "audit.yaml")
    assert result.doc["fairness"] == compas_result.doc["fairness"]


# --------------------------------------------------------------------------- audit_frame


def _frame(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "y": rng.integers(0, 2, n),
            "s": rng.random(n),
            "sex": rng.choice(["F", "M"], n),
            "eth": rng.choice(["A", "B", None], n, p=[0.6, 0.35, 0.05]),
        }
    )


def test_without_outcomes_only_label_free_metrics_are_measured():
    result = essex_standard.audit_frame(
        _frame(), y_score="s", threshold=0.5, sensitive_features=["sex"], bootstrap=0
    )
    group = result.fairness["sex"].groups["F"]
    assert set(group["metrics"]) == {"selection_rate"}
    assert result.doc["data"]["labels_available"] is False
    assert any("Outcomes (y_true) were not given" in n for n in result.doc["notes"])
    assert (
        result.fairness["sex"]
        .summary["equalized_odds_difference"]["reason"]
        .startswith("not measured")
    )


@pytest.mark.parametrize("rule,expected", [({"top_percent": 10}, 40), ({"top_k": 25}, 25)])
def test_capacity_rules_flag_the_highest_scores(rule, expected):
    result = essex_standard.audit_frame(
        _frame(), y_true="y", y_score="s", threshold=rule, sensitive_features=["sex"], bootstrap=0
    )
    pred = result.doc["data"]["predictions"]
    assert pred["flagged"] == expected and pred["capacity"] == expected


def test_capacity_rule_flags_everyone_tied_at_the_cut_off():
    df = pd.DataFrame({"s": [0.9, 0.8, 0.8, 0.8, 0.1] * 10, "g": ["a", "b"] * 25})
    result = essex_standard.audit_frame(
        df, y_score="s", threshold={"top_k": 15}, sensitive_features=["g"], bootstrap=0
    )
    assert result.doc["data"]["predictions"]["flagged"] == 40  # 10 at 0.9 + all 30 at 0.8


def test_missing_protected_values_form_their_own_group():
    df = _frame()
    result = essex_standard.audit_frame(
        df,
        y_true="y",
        y_score="s",
        threshold=0.5,
        sensitive_features=["eth", "sex"],
        intersections=[["eth", "sex"]],
        bootstrap=0,
    )
    eth = result.fairness["eth"]
    assert eth.groups["(missing)"]["n"] == int(df["eth"].isna().sum())
    assert eth.reference_group == "A"  # the largest real group, never "(missing)"
    inter = result.fairness["eth & sex"]
    assert "(missing) & F" in inter.groups
    assert sum(g["n"] for g in inter.groups.values()) == len(df)


def test_declared_references_combine_for_intersections():
    result = essex_standard.audit_frame(
        _frame(),
        y_true="y",
        y_score="s",
        threshold=0.5,
        sensitive_features=["eth", "sex"],
        reference={"eth": "B", "sex": "F"},
        intersections=[["eth", "sex"]],
        bootstrap=0,
    )
    assert result.fairness["eth & sex"].reference_group == "B & F"
    assert result.fairness["eth & sex"].doc["reference_rule"] == "declared"


def test_positive_label_maps_text_outcomes():
    df = _frame()
    df["outcome"] = np.where(df["y"] == 1, "re-referred", "not re-referred")
    a = essex_standard.audit_frame(
        df,
        y_true="outcome",
        positive_label="re-referred",
        y_score="s",
        threshold=0.5,
        sensitive_features=["sex"],
        bootstrap=0,
    )
    b = essex_standard.audit_frame(
        df, y_true="y", y_score="s", threshold=0.5, sensitive_features=["sex"], bootstrap=0
    )
    assert a.doc["fairness"] == b.doc["fairness"]
    with pytest.raises(DataError, match=r"is not obvious.*data\.positive_label"):
        essex_standard.audit_frame(
            df,
            y_true="outcome",
            y_score="s",
            threshold=0.5,
            sensitive_features=["sex"],
            bootstrap=0,
        )


def test_missing_outcomes_and_scores_are_errors_naming_the_row():
    df = _frame()
    df.loc[7, "y"] = None
    with pytest.raises(
        DataError,
        match=r"column 'y' \(outcome\) has 1 missing value\(s\), first at position 7 of the",
    ):
        essex_standard.audit_frame(
            df, y_true="y", y_score="s", threshold=0.5, sensitive_features=["sex"], bootstrap=0
        )


def test_conflicting_prediction_settings_are_config_errors():
    with pytest.raises(ConfigError, match="both given"):
        essex_standard.audit_frame(
            _frame(), y_true="y", y_pred="y", threshold=0.5, sensitive_features=["sex"]
        )
    with pytest.raises(ConfigError, match=r"without 'data\.threshold'"):
        essex_standard.audit_frame(_frame(), y_true="y", y_score="s", sensitive_features=["sex"])


def test_model_with_text_classes_uses_the_positive_label(tmp_path):
    """A model whose classes are 'no'/'yes' flags 'yes' when positive_label says so."""
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    df = _frame(600)
    df["outcome"] = np.where(df["y"] == 1, "yes", "no")
    df["s"] = df["y"] * 0.5 + df["s"] * 0.8  # informative, so the model flags some people
    model = LogisticRegression().fit(df[["s"]], df["outcome"])
    sio.dump(model, tmp_path / "m.skops")
    df.to_csv(tmp_path / "d.csv", index=False)
    cfg = {
        "data": {"path": "d.csv", "y_true": "outcome", "positive_label": "yes"},
        "estimator": {"path": "m.skops", "features": ["s"]},
        "protected": ["sex"],
        "bootstrap": 0,
    }
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(cfg))
    result = essex_standard.audit(tmp_path / "a.yaml")
    expected = int((model.predict(df[["s"]]) == "yes").sum())
    assert 0 < expected < len(df)
    assert result.doc["data"]["predictions"]["flagged"] == expected
    assert result.doc["data"]["predictions"]["source"] == "estimator.predict"
