"""``groups.encode`` cleans the distinct values only; the codes equal cleaning every row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from essex_standard.groups import _as_text, encode

POOL = ["a", " a", "a ", "b", "B", "", "  ", "(x)", "é", "e\u0301", "10", "01", "1"]


def _slow(values: pd.Series):
    codes, uniques = pd.factorize(_as_text(values), sort=True, use_na_sentinel=True)
    return codes, [str(u) for u in uniques]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("dtype", [object, "string"])
def test_fast_codes_equal_row_by_row_cleaning(seed, dtype):
    rng = np.random.default_rng(seed)
    values = list(rng.choice(POOL, 300))
    for i in rng.choice(300, 20, replace=False):
        values[i] = None if i % 2 else np.nan
    series = pd.Series(values, dtype=dtype, name="col")
    codes, labels = encode(series)
    slow_codes, slow_labels = _slow(series)
    n = len(slow_labels)
    expected = np.where(slow_codes < 0, n, slow_codes)
    assert list(labels[:n]) == slow_labels
    assert codes.tolist() == expected.tolist()


def test_mixed_objects_and_numbers_take_the_row_by_row_path():
    # 1 and 1.0 and True hash alike; cleaned row by row they are "1", "1.0" and "True"
    codes, labels = encode(pd.Series([1, 1.0, True, "x"], dtype=object))
    assert labels == ("1", "1.0", "True", "x") and codes.tolist() == [0, 1, 2, 3]
    codes, labels = encode(pd.Series([0.0, -0.0, 2.5]))
    assert labels == ("-0.0", "0.0", "2.5") and codes.tolist() == [1, 0, 2]
