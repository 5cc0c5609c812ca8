"""Protected attributes → integer group codes, so every table is one ``np.bincount``.

A missing value is its own group, ``(missing)``, never dropped: people whose ethnicity was not
recorded are often the ones a model serves worst, and dropping them would hide it.
Intersections (e.g. ethnicity × sex) combine the codes of their parts; only combinations
that occur become groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import DataError

MISSING = "(missing)"
#: More distinct values than this is not a protected characteristic but, most likely, a number
#: or an identifier named by mistake; an audit over thousands of one-person groups is useless.
MAX_GROUPS = 100
INTERSECTION_SEP = " & "


@dataclass(frozen=True)
class Grouping:
    """One protected attribute (or intersection) coded as integers ``0..len(labels)-1``."""

    name: str
    columns: tuple[str, ...]
    codes: np.ndarray
    labels: tuple[str, ...]
    reference: int
    reference_rule: str  # "declared" or "largest"

    @property
    def n_groups(self) -> int:
        return len(self.labels)

    @property
    def reference_label(self) -> str:
        return self.labels[self.reference]


def _as_text(values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    out = values.astype("string").str.strip()
    return out.mask(out == "", pd.NA)


def _encode_distinct(values: pd.Series) -> tuple[np.ndarray, Any] | None:
    """``encode``'s codes with the text cleaned on the few distinct values, not on every row.

    Only for text columns (``string`` dtype, or ``object`` holding only text), where two raw
    values that differ stay different before cleaning, so cleaning the distinct values and
    mapping back gives exactly the codes of cleaning every row (at 1M rows: 0.05 s, not 0.12 s
    per column).  Anything else (numbers, categoricals, mixed objects) returns None.
    """
    if not (isinstance(values.dtype, pd.StringDtype) or values.dtype == object):
        return None
    raw_codes, distinct = pd.factorize(values, use_na_sentinel=True)
    if values.dtype == object and not all(isinstance(v, str) for v in distinct):
        return None
    text = _as_text(pd.Series(distinct, dtype="string"))
    final, uniques = pd.factorize(text, sort=True, use_na_sentinel=True)
    lookup = np.append(final.astype(np.int64), -1)  # raw code -1 (missing) stays missing
    return lookup[raw_codes], uniques


def encode(values: pd.Series) -> tuple[np.ndarray, tuple[str, ...]]:
    """Code a column as integers, labels sorted, ``(missing)`` last.

    >>> codes, labels = encode(pd.Series(["b", None, "a", "b"]))
    >>> codes.tolist(), labels
    ([1, 2, 0, 1], ('a', 'b', '(missing)'))
    """
    fast = _encode_distinct(values)
    if fast is None:
        codes, uniques = pd.factorize(_as_text(values), sort=True, use_na_sentinel=True)
    else:
        codes, uniques = fast
    labels = [str(u) for u in uniques]
    if MISSING in labels:
        raise DataError(
            f"column '{values.name}': the value '{MISSING}' is reserved for missing values; "
            "rename it in the data."
        )
    codes = codes.astype(np.int64)
    if (codes < 0).any():
        codes[codes < 0] = len(labels)
        labels.append(MISSING)
    return codes, tuple(labels)


def _pick_reference(
    name: str, codes: np.ndarray, labels: tuple[str, ...], declared: str | None
) -> tuple[int, str]:
    if declared is not None:
        if declared not in labels:
            shown = ", ".join(repr(x) for x in labels[:20])
            raise DataError(
                f"protected attribute '{name}': the reference group {declared!r} does not occur "
                f"in the data. The groups are: {shown}. Fix 'reference' in the config."
            )
        return labels.index(declared), "declared"
    counts = np.bincount(codes, minlength=len(labels))
    real = [i for i, lab in enumerate(labels) if lab != MISSING] or list(range(len(labels)))
    # Largest group; ties go to the first label in sorted order, so the choice is stable.
    best = max(real, key=lambda i: (counts[i], -i))
    return best, "largest"


def make_grouping(name: str, values: pd.Series, reference: str | None = None) -> Grouping:
    """Code one protected attribute."""
    codes, labels = encode(values)
    if len(labels) > MAX_GROUPS:
        raise DataError(
            f"protected attribute '{name}' has {len(labels):,} distinct values; a protected "
            f"characteristic should be a category with at most {MAX_GROUPS} groups (e.g. an age "
            "band, not an age in days). Group the values into bands first."
        )
    ref, rule = _pick_reference(name, codes, labels, reference)
    return Grouping(name, (name,), codes, labels, ref, rule)


def intersect(parts: list[Grouping]) -> Grouping:
    """Combine groupings into their intersection; only combinations that occur are kept.

    The reference is the combination of the parts' declared references when every part
    declares one and that combination occurs; otherwise the largest combination.
    """
    combined = np.zeros_like(parts[0].codes)
    for part in parts:
        combined = combined * part.n_groups + part.codes
    present, codes = np.unique(combined, return_inverse=True)
    labels = []
    for value in present.tolist():
        pieces = []
        for part in reversed(parts):
            value, code = divmod(value, part.n_groups)
            pieces.append(part.labels[code])
        labels.append(INTERSECTION_SEP.join(reversed(pieces)))
    name = INTERSECTION_SEP.join(p.name for p in parts)
    columns = tuple(c for p in parts for c in p.columns)
    declared = None
    if all(p.reference_rule == "declared" for p in parts):
        candidate = INTERSECTION_SEP.join(p.reference_label for p in parts)
        declared = candidate if candidate in labels else None
    codes = codes.astype(np.int64).reshape(-1)
    ref, rule = _pick_reference(name, codes, tuple(labels), declared)
    return Grouping(name, columns, codes, tuple(labels), ref, rule)
