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
from .errors import DataError, shown

#: Values that plainly mean "no" when a label column holds a single value.
NEGATIVE_WORDS = ("0", "0.0", "false", "no", "n", "none", "not flagged")
#: Two values whose meaning nobody could mistake: (negative, positive), compared as trimmed,
#: lower-case text.  Any other pair (e.g. 1 and 2) needs ``positive_label``: guessing that
#: "1" means positive when the other value is 2 is how scikit-learn's ``pos_label`` rule was
#: born.
OBVIOUS_PAIRS = (("0", "1"), ("false", "true"), ("no", "yes"))


def _first_bad(series: pd.Series, bad: np.ndarray) -> str:
    idx = int(np.flatnonzero(bad)[0])
    value = series.iloc[idx]
    value = value.item() if hasattr(value, "item") else value  # np.float64(1.0) → 1.0
    text = "missing" if pd.isna(value) else shown(value)
    if series.attrs.get("from_frame"):  # audit_frame(): no file, so name the position
        return f"position {idx} of the DataFrame (value {text})"
    return f"row {idx + 2} of the file (value {text})"


def _norm(value: Any) -> str:
    """A label as trimmed lower-case text; whole numbers as integers (1.0 → "1").

    >>> [_norm(v) for v in (True, 1.0, " Yes ", "1.0", np.int64(0))]
    ['true', '1', 'yes', '1', '0']
    """
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    text = str(value).strip().lower()
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else text


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def strip_text(series: pd.Series) -> pd.Series:
    """Trim spaces around text values, and read a blank cell as missing.

    The same rule as for protected columns (``groups``), so a comma-space CSV (Adult's
    ``" >50K"``) means the same in every column.
    """
    if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
        is_text = series.map(lambda v: isinstance(v, str)).astype(bool)
        if is_text.any():
            out = series.copy()
            stripped = series[is_text].str.strip()
            out[is_text] = stripped.where(stripped != "", None)
            return out
    return series


def _obvious_positive(distinct: list[Any]) -> Any:
    normed = {_norm(v): v for v in distinct}
    if len(normed) != 2 or len(distinct) != 2:  # one value alone is never "obviously" positive
        return None
    for negative, positive in OBVIOUS_PAIRS:
        if set(normed) <= {negative, positive} and positive in normed:
            return normed[positive]
    return None


def _match_positive(distinct: list[Any], positive_label: Any) -> Any:
    want = _norm(positive_label)
    for v in distinct:
        got = _norm(v)
        if isinstance(v, (bool, np.bool_)) and want in ("0", "1"):
            want = "true" if want == "1" else "false"
        if v == positive_label or got == want:
            return v
    return None


def binary_column(series: pd.Series, positive_label: Any, src: str, role: str,
                  key: str = "data.positive_label") -> np.ndarray:
    """Map a label column to 0/1, refusing missing values, more than two distinct values, and
    a guess at which of two unclear values (e.g. 1 and 2) is positive.

    ``positive_label`` is the value that means positive, or ``None`` when not given; then
    only an obvious pair (0/1, false/true, no/yes, any order, any case) is accepted.  For
    ``role="prediction"`` a given label that is not among the values falls back to the obvious
    pair, so a text outcome (``">50K"``) can be audited with 0/1 predictions.

    >>> binary_column(pd.Series([False, True, True], name="y"), None, "d", "outcome").tolist()
    [0, 1, 1]
    """
    col = shown(series.name)
    series = strip_text(series)
    missing = series.isna().to_numpy()
    if missing.any():
        raise DataError(
            f"{src}: column {col} ({role}) has {int(missing.sum())} missing value(s), first at "
            f"{_first_bad(series, missing)}. Remove those rows or fill them; an audit cannot "
            "guess outcomes or decisions."
        )
    codes, uniques = pd.factorize(series, sort=False)
    distinct = [_plain(v) for v in uniques]
    if len(distinct) > 2:
        listed = ", ".join(shown(v, 40) for v in sorted(map(str, distinct))[:8])
        raise DataError(
            f"{src}: column {col} ({role}) must be binary but has {len(distinct)} distinct "
            f"values ({listed}). Map it to two values first, or use 'data.y_score' with a "
            "threshold."
        )
    positive = _match_positive(distinct, positive_label) if positive_label is not None else None
    if positive is None and (positive_label is None or role != "outcome"):
        positive = _obvious_positive(distinct)
    if positive is None:
        _refuse_to_guess(distinct, positive_label, src, col, role, key)
        return np.zeros(len(series), dtype=np.int64)
    return (codes == distinct.index(positive)).astype(np.int64)


def _refuse_to_guess(distinct: list[Any], positive_label: Any, src: str, col: str, role: str,
                     key: str) -> None:
    if len(distinct) == 2:
        values = " and ".join(shown(v, 40) for v in distinct)
        if positive_label is None:
            raise DataError(
                f"{src}: column {col} ({role}) has the values {values}, and which of them means "
                f"'has the outcome' / 'flagged' is not obvious. Set '{key}' to that value "
                "(the audit will not guess, as scikit-learn asks for pos_label)."
            )
        raise DataError(
            f"{src}: column {col} ({role}) has the values {values}, and neither is the positive "
            f"label {shown(positive_label)}. Set '{key}' to the value that means "
            "'has the outcome' / 'flagged'."
        )
    # One value only: accept it as "nobody" only when it plainly means no (0, false, "no");
    # "yes" in every row is a mislabelled config.
    (only,) = distinct
    if _norm(only) in NEGATIVE_WORDS:
        return
    if positive_label is None:
        wanted = f"If {shown(only)} means 'has the outcome' / 'flagged', set '{key}' to it"
    else:
        wanted = (f"It is not the positive label {shown(positive_label)}. If {shown(only)} "
                  f"means 'has the outcome' / 'flagged', set '{key}' to it")
    raise DataError(
        f"{src}: every row of column {col} ({role}) is {shown(only)}. {wanted}; an audit would "
        "otherwise count no one as positive."
    )


def score_column(
    series: pd.Series, score_range: tuple[float, float] | None, src: str
) -> np.ndarray:
    """A numeric score column with no missing values, inside the declared range."""
    col = shown(series.name)
    series = strip_text(series)
    numeric = pd.to_numeric(series, errors="coerce")
    bad = (numeric.isna() & series.notna()).to_numpy()
    if bad.any():
        raise DataError(
            f"{src}: column {col} (score) must be numeric; found {_first_bad(series, bad)}."
        )
    missing = numeric.isna().to_numpy()
    if missing.any():
        raise DataError(
            f"{src}: column {col} (score) has {int(missing.sum())} missing value(s), first at "
            f"{_first_bad(series, missing)}. Every audited row needs a score."
        )
    scores = numeric.to_numpy(dtype=float)
    infinite = ~np.isfinite(scores)
    if infinite.any():
        raise DataError(
            f"{src}: column {col} (score) has {int(infinite.sum())} infinite value(s), first at "
            f"{_first_bad(series, infinite)}. Every score must be a finite number."
        )
    if score_range is not None:
        lo, hi = score_range
        out = (scores < lo) | (scores > hi)
        if out.any():
            raise DataError(
                f"{src}: column {col} (score) has {int(out.sum())} value(s) outside the declared "
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
