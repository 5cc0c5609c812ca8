"""Definitions of the group rates as (numerator cells, denominator cells) of the 2×2 table.

Every rate is ``sum(counts * num_mask) / sum(counts * den_mask)`` over the cells
``[y_true, y_pred]`` of one group, so one definition serves the point estimate, the Wilson
interval, every bootstrap replicate and any other engine that produces the same table.
The names match fairlearn and scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RateMetric:
    """A rate read from the 2×2 table ``[y_true, y_pred]`` of one group."""

    name: str
    numerator: tuple[tuple[int, int], ...]
    denominator: tuple[tuple[int, int], ...]
    needs_labels: bool
    definition: str
    undefined_when: str

    def masks(self) -> tuple[np.ndarray, np.ndarray]:
        num = np.zeros((2, 2))
        den = np.zeros((2, 2))
        for t, p in self.numerator:
            num[t, p] = 1
        for t, p in self.denominator:
            den[t, p] = 1
        return num, den

    def counts(self, table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Numerators and denominators for tables of shape ``(..., 2, 2)``: sums of the
        cells named (no mask products: an audit asks this hundreds of times).

        >>> RATES["false_positive_rate"].counts(np.array([[90, 10], [5, 45]]))
        (np.int64(10), np.int64(100))
        """
        table = np.asarray(table)
        x = sum(table[..., t, p] for t, p in self.numerator)
        n = sum(table[..., t, p] for t, p in self.denominator)
        return x, n  # type: ignore[return-value]

    def values(self, table: np.ndarray) -> np.ndarray:
        """The rate, NaN where the denominator is 0."""
        x, n = self.counts(table)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(n > 0, x / np.where(n > 0, n, 1), np.nan)


ALL = ((0, 0), (0, 1), (1, 0), (1, 1))
POS = ((1, 0), (1, 1))  # people with the outcome
NEG = ((0, 0), (0, 1))  # people without it
FLAGGED = ((0, 1), (1, 1))
NOT_FLAGGED = ((0, 0), (1, 0))

RATE_METRICS: tuple[RateMetric, ...] = (
    RateMetric(
        "selection_rate",
        FLAGGED,
        ALL,
        False,
        "share of people flagged by the model",
        "the group is empty",
    ),
    RateMetric(
        "base_rate", POS, ALL, True, "share of people with the outcome", "the group is empty"
    ),
    RateMetric(
        "true_positive_rate",
        ((1, 1),),
        POS,
        True,
        "of people with the outcome, the share flagged (sensitivity, recall)",
        "no one in the group had the outcome",
    ),
    RateMetric(
        "false_positive_rate",
        ((0, 1),),
        NEG,
        True,
        "of people without the outcome, the share flagged",
        "everyone in the group had the outcome",
    ),
    RateMetric(
        "false_negative_rate",
        ((1, 0),),
        POS,
        True,
        "of people with the outcome, the share not flagged (missed)",
        "no one in the group had the outcome",
    ),
    RateMetric(
        "true_negative_rate",
        ((0, 0),),
        NEG,
        True,
        "of people without the outcome, the share not flagged (specificity)",
        "everyone in the group had the outcome",
    ),
    RateMetric(
        "positive_predictive_value",
        ((1, 1),),
        FLAGGED,
        True,
        "of people flagged, the share who had the outcome (precision)",
        "no one in the group was flagged",
    ),
    RateMetric(
        "negative_predictive_value",
        ((0, 0),),
        NOT_FLAGGED,
        True,
        "of people not flagged, the share without the outcome",
        "everyone in the group was flagged",
    ),
    RateMetric(
        "false_discovery_rate",
        ((0, 1),),
        FLAGGED,
        True,
        "of people flagged, the share without the outcome",
        "no one in the group was flagged",
    ),
    RateMetric(
        "false_omission_rate",
        ((1, 0),),
        NOT_FLAGGED,
        True,
        "of people not flagged, the share who had the outcome",
        "everyone in the group was flagged",
    ),
    RateMetric(
        "accuracy",
        ((0, 0), (1, 1)),
        ALL,
        True,
        "share of people whose flag matched their outcome",
        "the group is empty",
    ),
)
RATES = {m.name: m for m in RATE_METRICS}
