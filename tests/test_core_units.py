"""Known-answer and property tests for the count tables, intervals and results contract."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from essex_standard.errors import DataError, ResultsError
from essex_standard.groups import MISSING, encode, intersect, make_grouping
from essex_standard.metrics.performance import auc_from_counts
from essex_standard.metrics.rates import RATES
from essex_standard.metrics.uncertainty import (
    mover_ratio,
    multinomial_cells,
    newcombe_difference,
    wilson,
)
from essex_standard.result import AuditResult, validate
from essex_standard.tables import confusion_table, score_table


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 1), st.integers(0, 1)), min_size=1, max_size=80
    )
)
def test_rates_from_tables_equal_rates_from_rows(rows):
    g, t, p = (np.array(col) for col in zip(*rows, strict=True))
    table = confusion_table(g, 4, p, t).counts
    for group in range(4):
        sel = g == group
        tp = np.sum(sel & (t == 1) & (p == 1))
        pos = np.sum(sel & (t == 1))
        expected = tp / pos if pos else None
        got = RATES["true_positive_rate"].values(table[group])
        assert (np.isnan(got) and expected is None) or got == pytest.approx(expected)
        flagged = np.sum(sel & (p == 1))
        n = np.sum(sel)
        got_sr = RATES["selection_rate"].values(table[group])
        assert (n == 0 and np.isnan(got_sr)) or got_sr == pytest.approx(flagged / n)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 1)), min_size=2, max_size=60).filter(
        lambda r: len({y for _, y in r}) == 2
    )
)
def test_auc_from_score_table_equals_mann_whitney(rows):
    score, y = (np.array(c) for c in zip(*rows, strict=True))
    table = score_table(np.zeros(len(y), dtype=np.int64), 1, score.astype(float), y)
    est = auc_from_counts(*table.for_group(0))
    u = stats.mannwhitneyu(score[y == 1], score[y == 0]).statistic
    assert est.value == pytest.approx(u / ((y == 1).sum() * (y == 0).sum()))


def test_wilson_known_values():
    # Newcombe (1998) Table I, example 1: 81/263 → 0.2553 to 0.3662.
    lo, hi = wilson(81, 263)
    assert float(lo) == pytest.approx(0.2553, abs=5e-5)
    assert float(hi) == pytest.approx(0.3662, abs=5e-5)
    lo, hi = wilson(0, 0)
    assert np.isnan(lo) and np.isnan(hi)


def test_newcombe_known_values():
    # Newcombe (1998) Table II, example (a): 56/70 − 48/80 → 0.0524 to 0.3339 (method 10).
    lo, hi = newcombe_difference(56, 70, 48, 80)
    assert float(lo) == pytest.approx(0.0524, abs=5e-5)
    assert float(hi) == pytest.approx(0.3339, abs=5e-5)


def test_mover_ratio_handles_a_zero_numerator_and_refuses_a_zero_reference():
    lo, hi = mover_ratio(0, 50, 10, 50)
    assert float(lo) == 0.0 and 0 < float(hi) < 1
    lo, hi = mover_ratio(5, 50, 0, 50)
    assert np.isnan(lo) and np.isnan(hi)


def test_multinomial_cells_keeps_group_sizes_and_is_seeded():
    counts = np.array([[[5, 3], [2, 10]], [[0, 0], [0, 0]], [[1, 0], [0, 0]]])
    a = multinomial_cells(counts, 50, np.random.default_rng(7))
    b = multinomial_cells(counts, 50, np.random.default_rng(7))
    assert a.shape == (50, 3, 2, 2)
    assert (a.sum(axis=(2, 3)) == counts.sum(axis=(1, 2))).all()
    assert (a == b).all()


def test_encode_keeps_text_and_puts_missing_last():
    codes, labels = encode(pd.Series(["01", " 1", None, "", "01"], dtype="string"))
    assert labels == ("01", "1", MISSING)
    assert codes.tolist() == [0, 1, 2, 2, 0]


def test_reserved_missing_label_is_an_error():
    with pytest.raises(DataError, match="reserved"):
        encode(pd.Series(["a", "(missing)"], name="eth"))


def test_intersection_only_keeps_combinations_that_occur():
    a = make_grouping("a", pd.Series(["x", "x", "y", None]))
    b = make_grouping("b", pd.Series(["p", "q", "p", "p"]))
    both = intersect([a, b])
    assert both.labels == ("x & p", "x & q", "y & p", "(missing) & p")
    assert both.codes.tolist() == [0, 1, 2, 3]


def test_schema_rejects_nan_and_missing_reasons(compas_result):
    doc = json.loads(compas_result.to_json())
    group = doc["fairness"]["race"]["groups"]["Asian"]["metrics"]["true_positive_rate"]
    group["value"] = None  # an undefined value must carry its reason
    with pytest.raises(ResultsError, match="reason"):
        validate(doc)
    bad = AuditResult(json.loads(compas_result.to_json()))
    bad.doc["overall"]["metrics"]["accuracy"]["value"] = float("nan")
    with pytest.raises(ValueError, match="non-finite"):
        bad.to_json()


@pytest.mark.slow
def test_every_bundled_result_validates(compas_result, csc_result):
    for result in (compas_result, csc_result):
        validate(json.loads(result.to_json()))


def test_rescaled_intervals_stay_inside_the_statistics_range():
    """Stretching an ECE interval to a stricter level must not take it below 0."""
    from essex_standard.metrics.domains import domain
    from essex_standard.standard.intervals import Rescaled

    ece = Rescaled(0.03, 0.01, 0.05, 0.95, domain("expected_calibration_error"))
    lo, hi = ece.interval(0.999)
    assert lo == 0.0 and hi > 0.05
    slope = Rescaled(1.0, 0.9, 1.1, 0.95, domain("calibration_slope"))
    assert slope.interval(0.999)[0] < 0.9
