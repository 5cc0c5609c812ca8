"""Hostile protected columns: labels that collide, codes that overflow, too many groups,
look-alike names, numbers posing as groups, and a "not recorded" reference group."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _hostile_support import base_config, frame, refused, write

import essex_standard
from essex_standard.errors import DataError
from essex_standard.groups import MISSING, intersect, intersection_label, make_grouping


def test_an_ampersand_in_a_value_cannot_merge_two_combinations():
    # "A & B" + "C" and "A" + "B & C" printed alike; 100 of 400 people vanished.
    a = pd.Series(["A & B"] * 100 + ["A"] * 100 + ["A"] * 100 + ["D"] * 100)
    b = pd.Series(["C"] * 100 + ["B & C"] * 100 + ["C"] * 100 + ["C"] * 100)
    both = intersect([make_grouping("a", a), make_grouping("b", b)])
    assert both.n_groups == 4
    assert np.bincount(both.codes).tolist() == [100] * 4
    assert '"A & B" & C' in both.labels and 'A & "B & C"' in both.labels


@pytest.mark.parametrize("pieces", [
    (["A & B", "C"], ["A", "B & C"]),
    (['"A & B"', "C"], ["A & B", "C"]),
    (['"x', "y"], ['"x"', "y"]),
])
def test_intersection_labels_are_distinct(pieces):
    first, second = pieces
    assert intersection_label(first) != intersection_label(second)


def test_audit_keeps_every_person_when_values_hold_the_separator():
    df = pd.DataFrame({
        "y": [0, 1] * 200, "s": np.tile([0.2, 0.8, 0.4, 0.6], 100),
        "a": ["A & B"] * 100 + ["A"] * 200 + ["D"] * 100,
        "b": ["C"] * 100 + ["B & C"] * 100 + ["C"] * 200,
    })
    result = essex_standard.audit_frame(df, y_true="y", y_score="s", threshold=0.5,
                                        sensitive_features=["a", "b"], intersections=[["a", "b"]],
                                        bootstrap=0, max_groups=50)
    groups = result.doc["fairness"]["a & b"]["groups"]
    assert sum(g["n"] for g in groups.values()) == 400 and len(groups) == 4


def test_ten_attributes_of_a_hundred_values_do_not_overflow():
    rng = np.random.default_rng(1)
    n = 3000
    values = rng.integers(0, 100, size=(n, 10))
    parts = [make_grouping(f"c{j}", pd.Series([f"v{v:02d}" for v in values[:, j]]),
                           max_groups=100) for j in range(10)]
    both = intersect(parts)
    for i in (0, 1, 1234, n - 1):
        expected = intersection_label([f"v{v:02d}" for v in values[i]])
        assert both.labels[both.codes[i]] == expected
    assert both.n_groups == len({tuple(r) for r in values.tolist()})


@pytest.mark.slow
def test_too_many_groups_in_an_attribute(tmp_path, capsys):
    df = frame(200)
    df["eth"] = [f"g{i % 60}" for i in range(200)]
    refused(capsys, tmp_path, write(tmp_path, data=df), "'eth' has 60 groups",
            "50 allowed", "max_groups")
    cfg = base_config()
    cfg["max_groups"] = 60
    write(tmp_path, cfg, data=df)
    assert len(essex_standard.audit(tmp_path / "audit.yaml").doc["fairness"]["eth"]["groups"]) \
        == 60


def test_too_many_intersection_groups(tmp_path, capsys):
    df = frame(400)
    df["eth"] = [f"g{i % 30}" for i in range(400)]
    cfg = base_config()
    cfg["intersections"] = [["sex", "eth"]]
    refused(capsys, tmp_path, write(tmp_path, cfg, data=df), "intersection 'sex & eth'",
            "60 combinations", "max_groups")


@pytest.mark.parametrize("twin", [
    "White\u200b",           # zero-width space
    "White\ufeff",           # zero-width no-break space
    "\uff37hite",            # full-width W (NFKC)
    "Whi\u0074e\u00ad",      # soft hyphen
])
def test_look_alike_values_are_refused_naming_both(tmp_path, capsys, twin):
    df = frame(100)
    df["eth"] = ["White", twin] * 50
    err = refused(capsys, tmp_path, write(tmp_path, data=df), "'eth'", "look the same",
                  "'White'")
    assert "\\u" in err  # the invisible difference is spelt out


def test_nfc_and_nfd_spellings_are_refused():
    with pytest.raises(DataError, match="look the same"):
        make_grouping("name", pd.Series(["Jos\u00e9", "Jose\u0301"] * 10))


def test_a_doubled_space_is_a_look_alike():
    with pytest.raises(DataError, match="look the same"):
        make_grouping("eth", pd.Series(["Black British", "Black  British"] * 10))


def test_a_numeric_protected_column_needs_bands(tmp_path, capsys):
    df = frame(300)
    df["age"] = [18 + i % 73 for i in range(300)]
    cfg = base_config()
    cfg["protected"] = ["sex", "age"]
    refused(capsys, tmp_path, write(tmp_path, cfg, data=df), "'age' has 73 distinct values",
            "bands", "categorical: true")


def test_numeric_codes_are_groups_when_declared_categorical(tmp_path):
    df = frame(300)
    df["eth"] = [i % 5 + 1 for i in range(300)]
    cfg = base_config()
    cfg["protected"] = ["sex", {"column": "eth", "categorical": True}]
    write(tmp_path, cfg, data=df)
    groups = essex_standard.audit(tmp_path / "audit.yaml").doc["fairness"]["eth"]["groups"]
    assert set(groups) == {"1", "2", "3", "4", "5"}


def test_a_zero_one_column_is_fine_without_declaring_it():
    g = make_grouping("disabled", pd.Series([0, 1, 1, 0, None], dtype="Int64"))
    assert g.labels == ("0", "1", MISSING)


def test_intersection_reference_is_never_a_not_recorded_combination():
    # Sex is blank for most rows: "White & (missing)" is the largest combination.
    eth = pd.Series(["White"] * 500 + ["Black"] * 200)
    sex = pd.Series([None] * 380 + ["F"] * 70 + ["M"] * 50 + [None] * 100 + ["F"] * 60
                    + ["M"] * 40)
    both = intersect([make_grouping("eth", eth), make_grouping("sex", sex)])
    assert both.reference_label == "White & F"
    assert both.reference_rule == "largest"


def test_a_declared_reference_with_a_missing_part_is_honoured():
    eth = pd.Series(["White"] * 60 + ["Black"] * 40)
    sex = pd.Series([None] * 50 + ["F"] * 50)
    parts = [make_grouping("eth", eth, "White"), make_grouping("sex", sex, MISSING)]
    assert intersect(parts).reference_label == f"White & {MISSING}"


@pytest.mark.parametrize("value", ["(missing)"])
def test_the_missing_label_is_reserved(tmp_path, capsys, value):
    df = frame(60)
    df.loc[:5, "eth"] = value
    refused(capsys, tmp_path, write(tmp_path, data=df), "reserved")


def test_a_declared_reference_that_does_not_occur(tmp_path, capsys):
    cfg = base_config()
    cfg["protected"] = [{"column": "eth", "reference": "Z" * 500}]
    err = refused(capsys, tmp_path, write(tmp_path, cfg), "reference group", "does not occur")
    assert "ZZZ…" in err
