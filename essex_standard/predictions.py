"""Outcomes, scores and flags as clean arrays, with every input problem named.

Labels must be binary (after mapping ``positive_label``): a three-valued outcome column would
otherwise be silently collapsed into "positive or not".  Scores are checked against the
declared range because a probability column accidentally holding percentages would make
every threshold meaningless.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .config import Threshold
from .errors import DataError

#: Values that plainly mean "no" when a label column holds a single value.
NEGATIVE_WORDS = ("0", "0.0", "false", "no", "n", "none", "not flagged")


def _first_bad(series: pd.Series, bad: np.ndarray) -> str:
    idx = int(np.flatnonzero(bad)[0])
    if series.attrs.get("from_frame"):  # audit_frame(): no file, so name the index label
        value = series.iloc[idx]
        value = value.item() if hasattr(value, "item") else value
        shown = "missing" if pd.isna(value) else repr(value)
        return f"position {idx} of the DataFrame (value {shown})"
    value = series.iloc[idx]
    value = value.item() if hasattr(value, "item") else value  # np.float64(1.0) → 1.0
    shown = "missing" if pd.isna(value) else repr(value)
    return f"row {idx + 2} of the file (value {shown})"


def binary_column(series: pd.Series, positive_label: Any, src: str, role: str) -> np.ndarray:
    """Map a label column to 0/1, refusing missing values and more than two distinct values."""
    col = series.name
    missing = series.isna().to_numpy()
    if missing.any():
        raise DataError(
            f"{src}: column '{col}' ({role}) has {int(missing.sum())} missing value(s), first at "
            f"{_first_bad(series, missing)}. Remove those rows or fill them; an audit cannot "
            "guess outcomes or decisions."
        )
    values = series.to_numpy()
    distinct = pd.unique(series)
    if len(distinct) > 2:
        shown = ", ".join(repr(v) for v in sorted(map(str, distinct))[:8])
        raise DataError(
            f"{src}: column '{col}' ({role}) must be binary but has {len(distinct)} distinct "
            f"values ({shown}). Map it to two values first, or use 'data.y_score' with a threshold."
        )
    positive = _match_positive(values, distinct, positive_label)
    if positive is None:
        if len(distinct) == 2:
            shown = ", ".join(repr(v) for v in distinct)
            raise DataError(
                f"{src}: column '{col}' ({role}) has values {shown}, and neither is the positive "
                f"label {positive_label!r}. Set 'data.positive_label' to the value that means "
                "'has the outcome' / 'flagged'."
            )
        # One value only, and not the positive label: accept it as "nobody" only when it
        # plainly means no (0, false, "no"); "yes" in every row is a mislabelled config.
        (only,) = distinct
        if str(only).strip().lower() not in NEGATIVE_WORDS:
            raise DataError(
                f"{src}: every row of column '{col}' ({role}) is {only!r}, which is not the "
                f"positive label {positive_label!r}. If {only!r} means 'has the outcome' / "
                "'flagged', set 'data.positive_label' to it; an audit would otherwise count no "
                "one as positive."
            )
        return np.zeros(len(values), dtype=np.int64)
    return (values == positive).astype(np.int64)


def _match_positive(values: np.ndarray, distinct, positive_label: Any):
    for v in distinct:
        if v == positive_label or str(v) == str(positive_label):
            return v
        if isinstance(v, (bool, np.bool_)) and positive_label in (1, "1", True, "true", "True"):
            return True if v else None
    return None


def score_column(
    series: pd.Series, score_range: tuple[float, float] | None, src: str
) -> np.ndarray:
    """A numeric score column with no missing values, inside the declared range."""
    col = series.name
    numeric = pd.to_numeric(series, errors="coerce")
    bad = (numeric.isna() & series.notna()).to_numpy()
    if bad.any():
        raise DataError(
            f"{src}: column '{col}' (score) must be numeric; found {_first_bad(series, bad)}."
        )
    missing = numeric.isna().to_numpy()
    if missing.any():
        raise DataError(
            f"{src}: column '{col}' (score) has {int(missing.sum())} missing value(s), first at "
            f"{_first_bad(series, missing)}. Every audited row needs a score."
        )
    scores = numeric.to_numpy(dtype=float)
    if not np.isfinite(scores).all():
        raise DataError(f"{src}: column '{col}' (score) has infinite values.")
    if score_range is not None:
        lo, hi = score_range
        out = (scores < lo) | (scores > hi)
        if out.any():
            raise DataError(
                f"{src}: column '{col}' (score) has {int(out.sum())} value(s) outside the declared "
                f"range [{lo:g}, {hi:g}], first at {_first_bad(series, out)}. Fix the data or "
                "'data.score_range'."
            )
    return scores


def apply_threshold(scores: np.ndarray, threshold: Threshold) -> tuple[np.ndarray, dict[str, Any]]:
    """Turn scores into flags; returns the flags and a description for results.json.

    Capacity rules flag everyone tied with the last person within capacity, so the number
    flagged can exceed the capacity slightly; the effective cut-off is recorded.
    """
    info: dict[str, Any] = {"rule": threshold.to_dict(), "description": threshold.describe()}
    if threshold.value is not None:
        cut = threshold.value
    else:
        n = len(scores)
        k = (
            threshold.top_k
            if threshold.top_k is not None
            else int(np.ceil(n * threshold.top_percent / 100))
        )
        k = max(1, min(k, n))
        cut = float(np.partition(scores, n - k)[n - k])
        info["capacity"] = k
    flags = (scores >= cut).astype(np.int64)
    info["effective_threshold"] = float(cut)
    info["flagged"] = int(flags.sum())
    return flags, info
