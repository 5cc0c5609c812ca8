"""The count tables: the sufficient statistics every group metric is derived from.

One pass over the rows builds ``counts[group, y_true, y_pred]`` with a single
``np.bincount`` over a combined integer code.  Every rate we report (selection rate, TPR, FPR,
PPV, ...) and every bootstrap replicate is then computed from these few cells, so the cost of
an audit is O(rows) once and O(cells) afterwards — which is what makes 1,000 bootstrap
replicates over ten million rows take milliseconds.  Another engine (Polars, DuckDB, Spark)
only has to produce the same tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ConfusionTable:
    """``counts[g, t, p]``: people in group ``g`` with outcome ``t`` and prediction ``p``.

    When outcomes are unknown (``has_labels`` is False) every row is counted under ``t = 0``
    and only label-free metrics may be read from the table.
    """

    counts: np.ndarray  # (G, 2, 2) int64
    has_labels: bool

    @property
    def n(self) -> np.ndarray:
        return self.counts.sum(axis=(1, 2))


def confusion_table(
    codes: np.ndarray, n_groups: int, y_pred: np.ndarray, y_true: np.ndarray | None,
    weights: np.ndarray | None = None,
) -> ConfusionTable:
    """Count ``group × y_true × y_pred`` in one pass.

    >>> t = confusion_table(np.array([0, 0, 1]), 2, np.array([1, 0, 1]), np.array([1, 1, 0]))
    >>> t.counts.reshape(2, 4).tolist()
    [[0, 0, 1, 1], [0, 1, 0, 0]]
    """
    key = codes * 4 + y_pred
    if y_true is not None:
        key = key + 2 * y_true
    counts = count(key, n_groups * 4, weights).reshape(n_groups, 2, 2)
    return ConfusionTable(counts, y_true is not None)


@dataclass(frozen=True)
class ScoreTable:
    """Per group, the distinct score levels (ascending) with positives and negatives at each.

    Stored sparsely (only occupied cells), because a continuous score has as many levels as
    rows; ROC AUC and its DeLong variance are exact functions of these counts.
    """

    group: np.ndarray  # (cells,) group code of each cell, sorted by group then score
    score: np.ndarray  # (cells,) the score value of the cell (ascending within a group)
    positives: np.ndarray  # (cells,) people with y_true = 1
    negatives: np.ndarray  # (cells,) people with y_true = 0
    n_groups: int

    @property
    def level(self) -> np.ndarray:
        """Index of each cell's score among the distinct scores of all groups (ascending)."""
        return np.searchsorted(np.unique(self.score), self.score)

    def for_group(self, g: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = np.searchsorted(self.group, [g, g + 1])
        return self.positives[lo:hi], self.negatives[lo:hi]


def _narrow(values: np.ndarray, bound: int) -> np.ndarray:
    """The smallest signed integer type holding ``0..bound``: numpy sorts 8/16-bit keys by radix."""
    for dtype in (np.int8, np.int16, np.int32):
        if bound <= np.iinfo(dtype).max:
            return values.astype(dtype)
    return values


def score_table(
    codes: np.ndarray, n_groups: int, y_score: np.ndarray, y_true: np.ndarray,
    weights: np.ndarray | None = None,
) -> ScoreTable:
    """Count ``group × score level × y_true`` (sparse).

    Avoids a general argsort of the scores, the slow step at ten million rows: one stable
    radix sort of the small key ``(group, y_true)`` splits the rows into blocks; each block's
    scores are sorted by value (numpy's vectorised sort); and each group's two sorted blocks
    are merged by a stable argsort, which on two sorted runs is a single linear merge.

    >>> t = score_table(np.array([0, 0, 0, 1]), 2, np.array([0.2, 0.7, 0.2, 0.5]),
    ...                 np.array([0, 1, 1, 1]))
    >>> t.group.tolist(), t.score.tolist(), t.positives.tolist(), t.negatives.tolist()
    ([0, 0, 1], [0.2, 0.7, 0.5], [1, 1, 1], [1, 0, 0])
    """
    cell = codes * 2 + y_true  # block (group, outcome), 0 .. 2G - 1
    order = np.argsort(_narrow(cell, 2 * n_groups), kind="stable")
    sizes = np.bincount(cell, minlength=2 * n_groups)
    ends = np.cumsum(sizes)
    scores = y_score[order]
    freq = None if weights is None else weights[order].astype(np.int64)
    del order, cell
    parts: list[tuple[np.ndarray, ...]] = []
    for g in range(n_groups):
        lo, mid, hi = ends[2 * g] - sizes[2 * g], ends[2 * g], ends[2 * g + 1]
        if hi == lo:
            continue
        block = scores[lo:hi]  # a view: the group's negatives, then its positives
        if freq is None:
            block[: mid - lo].sort()
            block[mid - lo :].sort()
        else:  # sort each run with its frequencies
            for part in (slice(0, mid - lo), slice(mid - lo, hi - lo)):
                o = np.argsort(block[part], kind="stable")
                block[part] = block[part][o]
                freq[lo:hi][part] = freq[lo:hi][part][o]
        merge = np.argsort(block, kind="stable")
        values = block[merge]
        starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
        if freq is None:
            total = np.diff(np.append(starts, len(values)))
            pos = np.add.reduceat((merge >= mid - lo).astype(np.int64), starts)
        else:
            w = freq[lo:hi][merge]
            total = np.add.reduceat(w, starts)
            pos = np.add.reduceat(np.where(merge >= mid - lo, w, 0), starts)
        parts.append((np.full(len(starts), g, dtype=np.int64), values[starts], pos, total - pos))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return ScoreTable(empty, np.zeros(0), empty, empty, n_groups)
    group, score, pos, neg = (np.concatenate(column) for column in zip(*parts, strict=True))
    return ScoreTable(group, score, pos, neg, n_groups)


# --------------------------------------------------------------------------- frequency weights
#
# An engine hands the measure stage *distinct rows with a count* (frequency weights) instead of
# the rows themselves.  Every table above is then a weighted ``np.bincount`` and every quantile
# an order statistic of the expanded data found on the cumulative counts, so that the same data
# compressed or expanded gives the same figures (tests/test_engines_weights.py).


def count(key: np.ndarray, minlength: int, weights: np.ndarray | None = None) -> np.ndarray:
    """``np.bincount`` of ``key`` with frequency weights, as int64.

    >>> count(np.array([0, 2, 2]), 3, np.array([5, 1, 2])).tolist()
    [5, 0, 3]
    """
    if weights is None:
        return np.bincount(key, minlength=minlength).astype(np.int64)
    return np.rint(np.bincount(key, weights=weights, minlength=minlength)).astype(np.int64)


def total(weights: np.ndarray | None, n: int) -> int:
    """The number of people behind ``n`` distinct rows."""
    return n if weights is None else int(weights.sum())


def weigh(values: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """``values`` times their frequency (for weighted sums by ``np.bincount``)."""
    return values if weights is None else values * weights


def _order_stat(sorted_values: np.ndarray, sorted_weights: np.ndarray | None,
                index: np.ndarray) -> np.ndarray:
    """Elements ``index`` (0-based) of the expanded sorted data."""
    if sorted_weights is None:
        return sorted_values[index]
    ends = np.cumsum(sorted_weights)
    return sorted_values[np.searchsorted(ends, index, side="right")]


def _sorted(values: np.ndarray, weights: np.ndarray | None, presorted: bool
            ) -> tuple[np.ndarray, np.ndarray | None]:
    if presorted:
        return values, weights
    order = np.argsort(values, kind="stable")
    return values[order], None if weights is None else weights[order]


def quantile(values: np.ndarray, q: np.ndarray, method: str,
             weights: np.ndarray | None = None, presorted: bool = False) -> np.ndarray:
    """``np.quantile(values, q, method=method)`` of the data expanded by ``weights``.

    The index numpy picks depends only on the number of values, so it is computed exactly as
    numpy computes it (``linear``, ``lower`` and ``inverted_cdf``) and looked up on the
    cumulative counts; without weights this is numpy's own result.

    >>> v, w = np.array([1.0, 2.0, 5.0]), np.array([2, 1, 3])
    >>> full = np.repeat(v, w)
    >>> q = np.linspace(0, 1, 7)
    >>> all(np.array_equal(quantile(v, q, m, w), np.quantile(full, q, method=m))
    ...     for m in ("linear", "lower", "inverted_cdf"))
    True
    """
    q = np.asarray(q, float)
    if weights is None and method != "linear":
        return np.quantile(values, q, method=method)
    v, w = _sorted(np.asarray(values), weights, presorted)
    n = len(v) if w is None else int(w.sum())
    if method == "lower":
        return _order_stat(v, w, np.floor((n - 1) * q).astype(np.intp))
    if method == "inverted_cdf":
        index = n * q - 1
        prev = np.floor(index)
        res = np.where(index - prev == 0, prev, prev + 1).astype(np.intp)
        return _order_stat(v, w, np.maximum(res, 0))
    if method != "linear":
        raise ValueError(method)
    vi = (n - 1) * q
    prev = np.floor(vi)
    top = vi >= n - 1
    prev_i = np.where(top, n - 1, np.maximum(prev, 0)).astype(np.intp)
    next_i = np.where(top, n - 1, np.maximum(prev + 1, 0)).astype(np.intp)
    gamma = vi - prev
    a, b = _order_stat(v, w, prev_i), _order_stat(v, w, next_i)
    diff = b - a
    out = a + diff * gamma
    return np.where(gamma >= 0.5, b - diff * (1 - gamma), out)


def weighted_std(values: np.ndarray, weights: np.ndarray | None) -> float:
    """``np.std(values, ddof=1)`` of the expanded data (0 for fewer than two people)."""
    if weights is None:
        return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
    n = float(weights.sum())
    if n <= 1:
        return 0.0
    mean = float((values * weights).sum()) / n
    return float(np.sqrt(float((weights * (values - mean) ** 2).sum()) / (n - 1)))
