"""Bin-count tables for calibration and drift: the sufficient statistics beyond ``tables.py``.

Calibration needs, per group and score bin, the people with and without the outcome and a few
sums of the predicted probability (for mean risk, the Brier score and calibration-in-the-large).
Logistic recalibration needs, per group and distinct score level, the positives and negatives.
Drift needs histograms of each feature over bins fixed on the reference data.  Each table is
built with one ``np.bincount`` over a combined integer code; every metric and every bootstrap
replicate is then computed from the cells, never from rows again.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .tables import count, quantile, weigh

if TYPE_CHECKING:
    import pandas as pd

#: Dense (group × level) tables above this many cells are built sparsely instead.
_DENSE_LIMIT = 20_000_000


@dataclass(frozen=True)
class CalibrationTable:
    """Per group ``g``, score bin ``b`` and outcome ``y``: counts and sums of the score.

    ``sum_p[g, b, y]`` is the sum of predicted probabilities, ``sum_sq`` the sum of squared
    errors ``(p - y)²`` and ``sum_quad`` the sum of ``(p - y)⁴`` (for the Brier interval).
    ``edges[g]`` holds the ``n_bins + 1`` bin edges of group ``g`` (``None`` if it is empty).
    """

    counts: np.ndarray  # (G, B, 2) int64
    sum_p: np.ndarray  # (G, B, 2) float
    sum_sq: np.ndarray  # (G, B, 2) float
    sum_quad: np.ndarray  # (G, B, 2) float
    edges: tuple[np.ndarray | None, ...]
    sum_p_exact: np.ndarray | None = None
    """``sum_p`` summed exactly (see :func:`exact_sums`): the same float whatever the row order
    or compression, for the random draws that take it as a probability."""

    @property
    def n_bins(self) -> int:
        return self.counts.shape[1]


def equal_mass_edges(sorted_scores: np.ndarray, n_bins: int,
                     weights: np.ndarray | None = None) -> np.ndarray:
    """Quantile bin edges, exactly as scikit-learn's ``calibration_curve(strategy="quantile")``
    (``np.percentile``); ``weights``: frequencies of the sorted scores.

    >>> equal_mass_edges(np.array([0.1, 0.2, 0.3, 0.4]), 2).tolist()
    [0.1, 0.25, 0.4]
    """
    if weights is None:
        return np.percentile(sorted_scores, np.linspace(0, 1, n_bins + 1) * 100)
    q = np.true_divide(np.linspace(0, 1, n_bins + 1) * 100, 100)  # as np.percentile does
    return quantile(sorted_scores, q, "linear", weights, presorted=True)


def assign_bins(scores: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin index of each score: bin ``i`` holds ``edges[i] < p <= edges[i+1]`` (first bin: all
    scores up to ``edges[1]``), the rule scikit-learn uses, so tied scores share a bin."""
    return np.searchsorted(edges[1:-1], scores)


def group_order(codes: np.ndarray, score_order: np.ndarray) -> np.ndarray:
    """Row order sorted by group, then by score, from one shared sort of the scores.

    Sorting the scores once and then stably sorting the small group codes (a radix sort for
    16-bit codes) avoids an O(n log n) sort per protected attribute.
    """
    small = codes[score_order]
    if small.size and small.max() < np.iinfo(np.int16).max:
        small = small.astype(np.int16)
    return score_order[np.argsort(small, kind="stable")]


def calibration_table(
    codes: np.ndarray,
    n_groups: int,
    y_score: np.ndarray,
    y_true: np.ndarray,
    n_bins: int,
    score_order: np.ndarray | None = None,
    order: np.ndarray | None = None,
    weights: np.ndarray | None = None,
) -> CalibrationTable:
    """Build the ``group × equal-mass score bin × outcome`` table in one pass.

    Bins are equal-mass *within each group* (quantiles of that group's scores), so a group's
    calibration error does not depend on how the other groups' scores are spread.

    >>> t = calibration_table(np.array([0, 0, 1, 1]), 2, np.array([.1, .9, .2, .4]),
    ...                       np.array([0, 1, 1, 0]), 2)
    >>> t.counts[:, :, 1].tolist()
    [[0, 1], [1, 0]]
    """
    if order is None:
        if score_order is None:
            score_order = np.argsort(y_score, kind="stable")
        order = group_order(codes, score_order)
    sorted_codes = codes[order]
    sorted_scores = y_score[order]
    sorted_w = None if weights is None else weights[order]
    starts = np.searchsorted(sorted_codes, np.arange(n_groups + 1))
    bins = np.zeros(len(y_score), dtype=np.int64)
    edges: list[np.ndarray | None] = []
    for g in range(n_groups):
        lo, hi = starts[g], starts[g + 1]
        if hi == lo:
            edges.append(None)
            continue
        e = equal_mass_edges(sorted_scores[lo:hi], n_bins,
                             None if sorted_w is None else sorted_w[lo:hi])
        edges.append(e)
        bins[order[lo:hi]] = assign_bins(sorted_scores[lo:hi], e)
    key = (codes * n_bins + bins) * 2 + y_true
    size = n_groups * n_bins * 2
    shape = (n_groups, n_bins, 2)
    err = y_score - y_true
    sq = err * err

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(key, weights=weigh(values, weights), minlength=size).reshape(shape)

    return CalibrationTable(
        counts=count(key, size, weights).reshape(shape),
        sum_p=total(y_score),
        sum_sq=total(sq),
        sum_quad=total(sq * sq),
        edges=tuple(edges),
        sum_p_exact=exact_sums(key, size, y_score, weights).reshape(shape),
    )


#: Bits of the fixed-point grid on which :func:`exact_sums` adds probabilities, in three parts.
_PART_BITS = 18


def exact_sums(key: np.ndarray, size: int, values: np.ndarray,
               weights: np.ndarray | None = None) -> np.ndarray:
    """Per cell, the sum of ``values`` in [0, 1] on a 2⁻⁵⁴ grid, computed in integers.

    A floating-point sum depends on the order of its terms, and on whether five equal terms
    come as five rows or as one row counted five times; a random draw that takes the sum as a
    probability then differs in its last bit, and with it the whole stream of draws.  Each
    value is rounded to a multiple of 2⁻⁵⁴ (it changes by at most 2⁻⁵⁵), split into three
    18-bit integers, and each part is summed exactly (integers below 2⁵³ are exact in float),
    so the result depends only on the multiset of values: the same for any row order and any
    engine.

    >>> k = np.array([0, 0, 0])
    >>> a = exact_sums(k, 1, np.array([0.1, 0.2, 0.3]))
    >>> b = exact_sums(k, 1, np.array([0.3, 0.1, 0.2]))
    >>> c = exact_sums(np.array([0, 0]), 1, np.array([0.1, 0.25]), np.array([1, 2]))
    >>> bool(a[0] == b[0]), bool(c[0] == exact_sums(k, 1, np.array([0.25, 0.1, 0.25]))[0])
    (True, True)
    """
    q = np.rint(np.clip(values, 0.0, 1.0) * 2.0**54).astype(np.int64)
    mask = (1 << _PART_BITS) - 1
    out = np.zeros(size)
    for shift in (2 * _PART_BITS, _PART_BITS, 0):
        part = ((q >> shift) & mask).astype(float)
        sums = np.bincount(key, weights=weigh(part, weights), minlength=size)
        out = out * 2.0**_PART_BITS + sums
    return out / 2.0**54


@dataclass(frozen=True)
class LevelTable:
    """Per group, the distinct score levels with their positives and negatives (sparse).

    A binomial GLM on these cells is *exactly* the row-level logistic regression, because rows
    sharing a group and a score level share every covariate.
    """

    group: np.ndarray  # (cells,) group code, ascending
    score: np.ndarray  # (cells,) the score level
    positives: np.ndarray  # (cells,)
    negatives: np.ndarray  # (cells,)

    def for_group(self, g: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lo, hi = np.searchsorted(self.group, [g, g + 1])
        return self.score[lo:hi], self.positives[lo:hi], self.negatives[lo:hi]


def level_table(
    codes: np.ndarray,
    n_groups: int,
    levels: np.ndarray,
    level_idx: np.ndarray,
    y_true: np.ndarray,
    order: np.ndarray | None = None,
    weights: np.ndarray | None = None,
) -> LevelTable:
    """Count ``group × score level × outcome`` given ``np.unique(y_score, return_inverse=True)``.

    >>> lv, idx = np.unique(np.array([.2, .2, .7]), return_inverse=True)
    >>> t = level_table(np.zeros(3, int), 1, lv, idx, np.array([1, 0, 1]))
    >>> t.score.tolist(), t.positives.tolist(), t.negatives.tolist()
    ([0.2, 0.7], [1, 1], [1, 0])
    """
    n_levels = len(levels)
    cell = codes * n_levels + level_idx
    if order is not None:
        # Rows sorted by group then score: equal cells are adjacent, so run lengths give the
        # counts in O(n) (no sort, no dense table).
        k = cell[order]
        starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
        keys = k[starts]
        if weights is None:
            tot_k = np.diff(np.r_[starts, len(k)])
            pos_k = np.add.reduceat(y_true[order].astype(np.int64), starts) if len(k) else tot_k
        else:
            w = weights[order].astype(np.int64)
            tot_k = np.add.reduceat(w, starts) if len(k) else np.zeros(0, np.int64)
            pos_k = np.add.reduceat(y_true[order] * w, starts) if len(k) else tot_k
    elif n_groups * n_levels <= _DENSE_LIMIT:
        pos = count(cell, n_groups * n_levels, weigh(y_true, weights))
        tot = count(cell, n_groups * n_levels, weights)
        keys = np.flatnonzero(tot)
        pos_k, tot_k = pos[keys], tot[keys]
    else:
        keys, inverse = np.unique(cell, return_inverse=True)
        inverse = inverse.reshape(-1)
        tot_k = count(inverse, len(keys), weights)
        pos_k = count(inverse, len(keys), weigh(y_true, weights))
    group, level = np.divmod(keys, n_levels)
    return LevelTable(group, levels[level], pos_k, tot_k - pos_k)


def levels_from_order(y_score: np.ndarray, score_order: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(y_score, return_inverse=True)`` from an existing sort order (no new sort).

    >>> s = np.array([.7, .2, .2])
    >>> [a.tolist() for a in levels_from_order(s, np.argsort(s, kind="stable"))]
    [[0.2, 0.7], [1, 0, 0]]
    """
    ordered = y_score[score_order]
    new = np.r_[True, ordered[1:] != ordered[:-1]] if len(ordered) else np.zeros(0, bool)
    inverse = np.empty(len(y_score), dtype=np.int64)
    inverse[score_order] = np.cumsum(new) - 1
    return ordered[new], inverse


# --------------------------------------------------------------------------- drift histograms

MISSING_BIN = "(missing)"
UNSEEN_BIN = "(unseen in reference)"


@dataclass(frozen=True)
class FeatureHistogram:
    """Counts of one feature over bins fixed on the reference data, per group and data set.

    ``reference[g, k]`` and ``current[g, k]``: people in group ``g`` whose value falls in fine
    bin ``k``.  The last column is always the missing bin.  For a number, the fine bins are the
    distinct values when there are few (so KS and Wasserstein are exact) or up to ``max_points``
    reference quantiles otherwise; the coarse PSI bins (``coarse``) are unions of fine bins.
    For a category, fine and coarse bins are the reference categories plus an unseen bin.
    """

    name: str
    kind: str  # "numeric" or "categorical"
    labels: tuple[str, ...]  # coarse bin labels, missing last
    coarse: np.ndarray  # (K_fine,) coarse bin of each fine bin
    points: np.ndarray | None  # numeric: fine-bin upper values (missing bin excluded)
    exact: bool  # numeric: fine bins are the distinct values
    reference: np.ndarray  # (G, K_fine) int64
    current: np.ndarray  # (G, K_fine) int64

    def coarse_counts(self, fine: np.ndarray) -> np.ndarray:
        """Sum fine bins ``(..., K_fine)`` into the coarse PSI bins ``(..., K)``."""
        out = np.zeros((*fine.shape[:-1], len(self.labels)), dtype=np.int64)
        for k in range(len(self.labels)):
            out[..., k] = fine[..., self.coarse == k].sum(axis=-1)
        return out


def _grouped_counts(codes: np.ndarray, n_groups: int, bins: np.ndarray, n_bins: int,
                    weights: np.ndarray | None = None) -> np.ndarray:
    return count(codes * n_bins + bins, n_groups * n_bins, weights).reshape(n_groups, n_bins)


def _numeric_points(ref: np.ndarray, cur: np.ndarray, max_points: int,
                    ref_w: np.ndarray | None = None) -> tuple[np.ndarray, bool]:
    support = np.unique(np.concatenate([ref, cur]))
    if len(support) <= max_points:
        return support, True
    probs = np.linspace(0, 1, max_points + 1)[1:]
    grid = quantile(ref, probs, "inverted_cdf", ref_w)
    ends = [ref.min(), ref.max()] + ([cur.min(), cur.max()] if len(cur) else [])
    return np.unique(np.concatenate([grid, ends])), False


def _fmt(x: float) -> str:
    return f"{x:g}"


def numeric_histogram(
    name: str,
    ref_values: np.ndarray,
    cur_values: np.ndarray,
    ref_codes: np.ndarray,
    cur_codes: np.ndarray,
    n_groups: int,
    n_bins: int,
    max_points: int = 1000,
    ref_weights: np.ndarray | None = None,
    cur_weights: np.ndarray | None = None,
) -> FeatureHistogram:
    """Histogram a numeric feature over reference-quantile bins (``NaN`` = missing);
    ``ref_weights``, ``cur_weights``: frequencies of the rows."""
    ref_ok, cur_ok = ~np.isnan(ref_values), ~np.isnan(cur_values)
    if not ref_ok.any():
        raise ValueError(f"feature '{name}' has no values in the reference data")
    ref_w_ok = None if ref_weights is None else ref_weights[ref_ok]
    points, exact = _numeric_points(ref_values[ref_ok], cur_values[cur_ok], max_points, ref_w_ok)
    n_fine = len(points) + 1  # + the missing bin

    def fine_bins(values: np.ndarray, ok: np.ndarray) -> np.ndarray:
        out = np.full(len(values), n_fine - 1, dtype=np.int64)
        out[ok] = np.searchsorted(points, values[ok], side="left")
        return np.minimum(out, n_fine - 1)

    # Coarse PSI edges: reference deciles (or n_bins quantiles), taken as data values.
    probs = np.linspace(0, 1, n_bins + 1)[1:-1]
    edges = np.unique(quantile(ref_values[ref_ok], probs, "inverted_cdf", ref_w_ok))
    coarse = np.append(np.searchsorted(edges, points, side="left"), len(edges) + 1)
    labels = [f"≤ {_fmt(edges[0])}"] if len(edges) else ["all values"]
    labels += [f"{_fmt(a)} < x ≤ {_fmt(b)}" for a, b in itertools.pairwise(edges)]
    if len(edges):
        labels.append(f"> {_fmt(edges[-1])}")
    labels.append(MISSING_BIN)
    return FeatureHistogram(
        name=name,
        kind="numeric",
        labels=tuple(labels),
        coarse=coarse,
        points=points,
        exact=exact,
        reference=_grouped_counts(ref_codes, n_groups, fine_bins(ref_values, ref_ok), n_fine,
                                  ref_weights),
        current=_grouped_counts(cur_codes, n_groups, fine_bins(cur_values, cur_ok), n_fine,
                                cur_weights),
    )


def categorical_histogram(
    name: str,
    ref_values: pd.Series,
    cur_values: pd.Series,
    ref_codes: np.ndarray,
    cur_codes: np.ndarray,
    n_groups: int,
    ref_weights: np.ndarray | None = None,
    cur_weights: np.ndarray | None = None,
) -> FeatureHistogram:
    """Histogram a categorical feature: reference categories, then unseen, then missing."""
    import pandas as pd

    def as_text(s: pd.Series) -> pd.Series:
        t = s.astype("string").str.strip()
        return t.mask(t == "", pd.NA)

    ref_t, cur_t = as_text(ref_values), as_text(cur_values)
    categories = sorted(ref_t.dropna().unique().tolist())
    k = len(categories)

    def bins(t: pd.Series) -> np.ndarray:
        codes = pd.Index(categories).get_indexer(t.to_numpy(dtype=object, na_value=None))
        codes = codes.astype(np.int64)
        codes[codes < 0] = k  # unseen
        codes[t.isna().to_numpy()] = k + 1  # missing
        return codes

    return FeatureHistogram(
        name=name,
        kind="categorical",
        labels=(*categories, UNSEEN_BIN, MISSING_BIN),
        coarse=np.arange(k + 2),
        points=None,
        exact=True,
        reference=_grouped_counts(ref_codes, n_groups, bins(ref_t), k + 2, ref_weights),
        current=_grouped_counts(cur_codes, n_groups, bins(cur_t), k + 2, cur_weights),
    )
