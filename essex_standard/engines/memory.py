"""The in-memory engine: a pandas frame reduced to its distinct rows with a count.

``audit_frame`` measures the rows as they are (every weight 1, no copy); this reduction is
what the file engines do in SQL, done in pandas, so that the tests can show that the same
data compressed and expanded give the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: Name of the count column in a frequency table (never a column of the data: the engines
#: refuse data that has it).
COUNT = "__essex_n"


def frequency_table(frame: pd.DataFrame, columns: Sequence[str] | None = None
                    ) -> tuple[pd.DataFrame, np.ndarray]:
    """Distinct rows of ``frame[columns]`` (missing values kept as a value) and their counts.

    >>> t, w = frequency_table(pd.DataFrame({"a": ["x", "y", "x", None], "b": [1, 2, 1, 2]}))
    >>> t["a"].fillna("<missing>").tolist(), t["b"].tolist(), w.tolist()
    (['x', 'y', '<missing>'], [1, 2, 2], [2, 1, 1])
    """
    cols = list(columns) if columns is not None else list(frame.columns)
    sized = frame[cols].groupby(cols, dropna=False, sort=False, observed=True).size()
    table = sized.reset_index(name=COUNT)
    for c in cols:  # keep each column's dtype (groupby keys may come back as object)
        if table[c].dtype != frame[c].dtype:
            table[c] = table[c].astype(frame[c].dtype)
    weights = table.pop(COUNT).to_numpy(dtype=np.int64)
    return table, weights
