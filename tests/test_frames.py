"""audit_frame() takes what users hold: pandas, polars and pyarrow tables, and (as fairlearn's
MetricFrame does) arrays, lists and Series for y_true, y_pred, y_score and sensitive_features.
Every route gives the result of the pandas-with-column-names route; mistakes are named without
printing the data."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

import essex_standard
from essex_standard.errors import ConfigError, DataError, EssexStandardError

pl = pytest.importorskip("polars")
pa = pytest.importorskip("pyarrow")

#: Closed-form intervals keep these tests quick; one test below bootstraps.
SETTINGS = {"bootstrap": 0, "seed": 5, "threshold": 0.5, "score_range": [0, 1]}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(8)
    n = 500
    df = pd.DataFrame({
        "race": rng.choice(["African-American", "Caucasian", "Hispanic"], n, p=[.5, .35, .15]),
        "sex": rng.choice(["Female", "Male"], n),
        "date": (pd.Timestamp("2024-01-01")
                 + pd.to_timedelta(rng.integers(0, 360, n), unit="D")).strftime("%Y-%m-%d"),
    })
    df["score"] = rng.beta(2, 3, n).round(4)
    df["outcome"] = (rng.random(n) < df["score"]).astype(int)
    return df


@pytest.fixture(scope="module")
def expected(frame) -> dict:
    return _doc(essex_standard.audit_frame(
        frame, y_true="outcome", y_score="score", sensitive_features=["race", "sex"],
        intersections=[["race", "sex"]], **SETTINGS))


def _doc(result) -> dict:
    return json.loads(result.to_json())


def assert_close(a, b, where="$"):
    """Equal documents, floats to a relative 1e-9 (never byte for byte)."""
    if isinstance(a, float) or isinstance(b, float):
        assert isinstance(a, (int, float)) and isinstance(b, (int, float)), where
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), f"{where}: {a} != {b}"
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for k in a:
            assert_close(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_close(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def _same_result(got: dict, expected: dict) -> None:
    # The recorded config names the inputs as given; everything measured must be identical.
    for key in ("overall", "fairness", "standard", "data", "notes", "settings"):
        assert_close(got[key], expected[key], key)


@pytest.mark.parametrize("kind", ["polars", "pyarrow", "polars-lazy"])
def test_polars_and_pyarrow_tables_give_the_pandas_result(frame, expected, kind):
    table = {"polars": lambda: pl.from_pandas(frame),
             "pyarrow": lambda: pa.Table.from_pandas(frame),
             "polars-lazy": lambda: pl.from_pandas(frame).lazy()}[kind]()
    got = _doc(essex_standard.audit_frame(
        table, y_true="outcome", y_score="score", sensitive_features=["race", "sex"],
        intersections=[["race", "sex"]], **SETTINGS))
    _same_result(got, expected)
    assert got["config"] == expected["config"]


def test_bootstrapped_intervals_agree_across_routes(frame):
    settings = {**SETTINGS, "bootstrap": 100}
    want = _doc(essex_standard.audit_frame(frame, y_true="outcome", y_score="score",
                                           sensitive_features=["sex"], **settings))
    got = _doc(essex_standard.audit_frame(pl.from_pandas(frame), y_true=frame["outcome"],
                                          y_score=pa.chunked_array([frame["score"]]),
                                          sensitive_features=frame[["sex"]], **settings))
    for key in ("overall", "fairness", "standard"):  # the unnamed score is called 'y_score'
        assert_close(got[key], want[key], key)


def test_a_polars_frame_converts_column_by_column_to_the_same_values(frame):
    from essex_standard.frames import to_pandas

    converted = to_pandas(pl.from_pandas(frame))
    assert list(converted.columns) == list(frame.columns)
    assert converted["outcome"].tolist() == frame["outcome"].tolist()
    assert converted["race"].tolist() == frame["race"].tolist()


@pytest.mark.parametrize("form", ["pandas Series", "numpy", "list", "polars Series",
                                  "pyarrow ChunkedArray"])
def test_arrays_and_series_give_the_pandas_result(frame, expected, form):
    def conv(col):
        s = frame[col]
        return {"pandas Series": lambda: s, "numpy": lambda: s.to_numpy(),
                "list": lambda: s.tolist(), "polars Series": lambda: pl.Series(col, s.tolist()),
                "pyarrow ChunkedArray": lambda: pa.chunked_array([s.tolist()])}[form]()

    got = _doc(essex_standard.audit_frame(
        y_true=conv("outcome"), y_score=conv("score"),
        sensitive_features=[conv("race"), conv("sex")], **SETTINGS))
    assert_close(got["overall"], expected["overall"], "overall")
    named = form in ("pandas Series", "polars Series")
    names = ["race", "sex"] if named else ["sensitive_feature_0", "sensitive_feature_1"]
    assert list(got["fairness"]) == names
    for mine, theirs in zip(names, ["race", "sex"], strict=True):
        a = {k: v for k, v in got["fairness"][mine].items() if k != "columns"}
        b = {k: v for k, v in expected["fairness"][theirs].items() if k != "columns"}
        assert_close(a, b, mine)
    if named:
        assert got["config"]["data"]["y_true"] == "outcome"
    else:
        assert got["config"]["data"]["y_true"] == "y_true"


@pytest.mark.parametrize("form", ["DataFrame", "polars DataFrame", "2-D array", "dict"])
def test_sensitive_features_in_fairlearns_forms(frame, expected, form):
    both = frame[["race", "sex"]]
    value = {"DataFrame": lambda: both, "polars DataFrame": lambda: pl.from_pandas(both),
             "2-D array": lambda: both.to_numpy(),
             "dict": lambda: {"race": both["race"].tolist(), "sex": both["sex"].to_numpy()}}[form]()
    got = _doc(essex_standard.audit_frame(
        frame, y_true="outcome", y_score="score", sensitive_features=value,
        intersections=[] if form == "2-D array" else [["race", "sex"]], **SETTINGS))
    if form == "2-D array":
        assert list(got["fairness"]) == ["sensitive_feature_0", "sensitive_feature_1"]
        assert_close(got["fairness"]["sensitive_feature_0"]["groups"],
                     expected["fairness"]["race"]["groups"])
    else:
        _same_result(got, expected)


def test_a_series_as_sensitive_features_is_one_feature_not_a_list_of_names(frame, expected):
    got = _doc(essex_standard.audit_frame(frame, y_true=frame["outcome"], y_score="score",
                                          sensitive_features=frame["race"], **SETTINGS))
    assert list(got["fairness"]) == ["race"]
    assert_close(got["fairness"]["race"]["groups"], expected["fairness"]["race"]["groups"])


def test_a_list_of_values_is_one_feature_and_a_list_of_names_is_names(frame):
    values = frame["sex"].tolist()
    got = essex_standard.audit_frame(frame, y_true="outcome", y_score="score",
                                     sensitive_features=values, **SETTINGS)
    assert list(got.fairness) == ["sensitive_feature_0"]
    assert set(got.fairness["sensitive_feature_0"].groups) == {"Female", "Male"}
    with pytest.raises(DataError, match="no column 'rac'"):
        essex_standard.audit_frame(frame, y_true="outcome", y_score="score",
                                   sensitive_features=["rac", "sex"], **SETTINGS)


def test_time_and_reference_from_polars(frame):
    cur = frame.iloc[450:].reset_index(drop=True)
    ref = frame.iloc[:450].reset_index(drop=True)
    settings = {**SETTINGS, "bootstrap": 0, "drift": {"features": ["score"]},
                "over_time": {"window": "quarterly"}}
    want = _doc(essex_standard.audit_frame(cur, y_true="outcome", y_score="score", time="date",
                                           sensitive_features=["sex"], reference_df=ref,
                                           **settings))
    got = _doc(essex_standard.audit_frame(
        pl.from_pandas(cur), y_true="outcome", y_score="score", time=pl.Series("date", cur.date),
        sensitive_features=["sex"], reference_df=pa.Table.from_pandas(ref), **settings))
    for key in ("drift", "over_time", "fairness"):
        assert_close(got[key], want[key], key)


@pytest.mark.parametrize(("kwargs", "pattern"), [
    ({"y_true": np.zeros(497)}, r"'y_true' has 497 values but the DataFrame has 500 rows"),
    ({"sensitive_features": "PLACEHOLDER"}, r"'sensitive_features' has 5 values"),
    ({"y_true": 1}, r"'y_true' is a int; give a column name or one value per row"),
    ({"y_true": np.zeros((500, 2))}, r"one-dimensional .* shape \(500, 2\)"),
    ({"df": {"outcome": [1, 0]}}, r"'df' is a dict, not a dataframe"),
    ({"reference": {"rac": "Caucasian"}}, r"reference= names 'rac'"),
    ({"y_pred": "PLACEHOLDER_FRAME"}, r"'y_pred' is a whole table"),
])
def test_mistakes_are_named_without_dumping_data(frame, kwargs, pattern):
    args = {"df": frame, "y_true": "outcome", "y_score": "score",
            "sensitive_features": ["race"], **SETTINGS}
    if kwargs.get("sensitive_features") == "PLACEHOLDER":
        kwargs = {"sensitive_features": frame["race"].iloc[:5]}
    if kwargs.get("y_pred") == "PLACEHOLDER_FRAME":
        kwargs = {"y_pred": frame[["outcome"]], "threshold": None}
    args.update(kwargs)
    if args.get("threshold") is None:
        args.pop("threshold")
    with pytest.raises(EssexStandardError, match=pattern) as info:
        essex_standard.audit_frame(**args)
    message = str(info.value)
    assert len(message) < 400
    assert "African-American" not in message and "0.0, 0.0" not in message


def test_clashing_names_are_refused_and_equal_ones_reused(frame):
    renamed = frame["sex"].rename("race")
    with pytest.raises(DataError, match=r"Series named 'race'.*different column 'race'"):
        essex_standard.audit_frame(frame, y_true="outcome", y_score="score",
                                   sensitive_features=["race", renamed], **SETTINGS)
    with pytest.raises(ConfigError, match="names 'race' more than once"):
        essex_standard.audit_frame(frame, y_true="outcome", y_score="score",
                                   sensitive_features=["race", frame["race"]], **SETTINGS)
    # The user's own column passed back as a Series is the same column.
    r = essex_standard.audit_frame(frame, y_true=frame["outcome"], y_score="score",
                                   sensitive_features=[frame["sex"]], **SETTINGS)
    assert r.doc["config"]["data"]["y_true"] == "outcome"


def test_a_column_name_without_a_frame_says_so():
    with pytest.raises(ConfigError, match="names a column, but no DataFrame was given"):
        essex_standard.audit_frame(y_true="outcome", y_pred=[1, 0],
                                   sensitive_features=[["a", "b"]])


def test_the_users_frame_is_not_modified(frame):
    before = frame.copy()
    essex_standard.audit_frame(frame, y_true=frame["outcome"].to_numpy(), y_score="score",
                               sensitive_features=[frame["sex"].to_numpy()], **SETTINGS)
    pd.testing.assert_frame_equal(frame, before)


def test_zoned_dates_keep_their_local_day(frame):
    settings = {**SETTINGS, "over_time": {"window": "quarterly"}}
    want = _doc(essex_standard.audit_frame(frame, y_true="outcome", y_score="score",
                                           time="date", sensitive_features=["sex"], **settings))
    zoned = pl.from_pandas(frame).with_columns(
        pl.col("date").str.to_date().cast(pl.Datetime("us"))
        .dt.replace_time_zone("Europe/London"))
    got = _doc(essex_standard.audit_frame(zoned, y_true="outcome", y_score="score",
                                          time="date", sensitive_features=["sex"], **settings))
    assert_close(got["over_time"], want["over_time"], "over_time")
    # As a Series beside a frame whose 'date' holds text: a different column, named anew.
    got = _doc(essex_standard.audit_frame(frame, y_true="outcome", y_score="score",
                                          time=zoned["date"].alias("when"),
                                          sensitive_features=["sex"], **settings))
    assert_close(got["over_time"]["windows"], want["over_time"]["windows"], "windows")
