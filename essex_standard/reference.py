"""The reference data set (``data.reference``): the population the model was built on.

Drift compares the audited rows with it.  The features and protected columns must be in the
reference file; outcomes, scores and predictions are used when they can be had.  With a model
(``estimator``) the reference rows are scored by the same model; with a score column they are
flagged at the audited period's effective cut-off, so a change in the predicted rate is a
change in the population, not in the rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .io import read_table
from .predictions import binary_column, score_column

if TYPE_CHECKING:
    import pandas as pd

    from .config import AuditConfig


@dataclass
class ReferenceData:
    """Reference rows reduced to what drift needs; ``missing`` says why a part is absent."""

    frame: pd.DataFrame
    y_true: np.ndarray | None
    y_score: np.ndarray | None
    y_pred: np.ndarray | None
    source: str
    missing: dict[str, str] = field(default_factory=dict)
    weights: np.ndarray | None = None
    """Frequency of each row when the rows are distinct rows with a count (an engine's table)."""
    features_frame: pd.DataFrame | None = None
    """The engine's features view (protected columns and drift features) with its counts in
    ``features_weights``; None when ``frame`` holds the features."""
    features_weights: np.ndarray | None = None

    @property
    def n_rows(self) -> int:
        return len(self.frame) if self.weights is None else int(self.weights.sum())


def load_reference(
    cfg: AuditConfig, features: list[str], effective_threshold: float | None
) -> ReferenceData:
    """Read ``data.reference``: required features and protected columns, optional labels/scores.

    The file goes through the same reader as the data file (:func:`io.read_table`), so a
    semicolon-, tab- or pipe-separated reference is read exactly like a comma-separated one.
    """
    path = cfg.data.reference
    assert path is not None
    d = cfg.data
    frame = read_table(path, _required(cfg, features),
                       text_columns=[p.column for p in cfg.protected], role="reference data",
                       missing_values=d.missing_values,
                       optional=[d.y_true, d.y_score, d.y_pred, d.time])
    return reference_from_frame(frame, cfg, features, effective_threshold,
                                f"the reference data ({path.name})")


def _required(cfg: AuditConfig, features: list[str]) -> list[str]:
    required = list(dict.fromkeys(features + [p.column for p in cfg.protected]))
    if cfg.estimator is not None:
        required = list(dict.fromkeys(required + list(cfg.estimator.features)))
    return required


def reference_from_frame(
    frame: pd.DataFrame,
    cfg: AuditConfig,
    features: list[str],
    effective_threshold: float | None,
    src: str = "the reference DataFrame",
    weights: np.ndarray | None = None,
    features_view: tuple[pd.DataFrame, np.ndarray] | None = None,
) -> ReferenceData:
    """Reference rows already in memory (``audit_frame(reference_df=...)``) or read from
    ``data.reference``: the features and protected columns are required, outcomes, scores and
    predictions are used when present.  ``features_view``: the features in a table of their
    own (an engine's view, with its counts); ``frame`` then needs only the protected columns."""
    from .errors import DataError

    required = _required(cfg, features) if features_view is None else \
        [p.column for p in cfg.protected]
    for col in required:
        if col not in frame.columns:
            raise DataError(f"{src}: there is no column '{col}', which drift needs (a feature "
                            "or a protected column).")
    frame = frame.reset_index(drop=True)
    d = cfg.data
    missing: dict[str, str] = {}
    y_true = None
    if d.y_true and d.y_true in frame:
        y_true = binary_column(frame[d.y_true], d.positive_label, src, "outcome")
    else:
        missing["base_rate"] = (f"the reference data has no outcome column '{d.y_true}'"
                                if d.y_true else "no outcome is audited")
    y_score, y_pred = _reference_predictions(frame, cfg, src, effective_threshold, missing)
    ref = ReferenceData(frame, y_true, y_score, y_pred, src, missing, weights)
    if features_view is not None:
        ref.features_frame = features_view[0].reset_index(drop=True)
        ref.features_weights = features_view[1]
    return ref


def _reference_predictions(
    frame: pd.DataFrame,
    cfg: AuditConfig,
    src: str,
    effective_threshold: float | None,
    missing: dict[str, str],
) -> tuple[np.ndarray | None, np.ndarray | None]:
    d = cfg.data
    y_score: np.ndarray | None = None
    model_pred: np.ndarray | None = None
    if cfg.estimator is not None:
        from .load import _run_estimator

        y_score, model_pred, _ = _run_estimator(frame, cfg, src)
    elif d.y_score and d.y_score in frame:
        y_score = score_column(frame[d.y_score], d.score_range, src)
    else:
        missing["score"] = (
            f"the reference data has no score column '{d.y_score}' and no model was given to "
            "score it" if d.y_score else "no score is audited"
        )
    if d.y_pred and d.y_pred in frame:
        y_pred = binary_column(frame[d.y_pred], d.positive_label, src, "prediction")
    elif d.threshold is not None and y_score is not None and effective_threshold is not None:
        y_pred = (y_score >= effective_threshold).astype(np.int64)
    elif model_pred is not None and not d.y_pred:
        y_pred = model_pred
    else:
        y_pred = None
        missing["predicted_rate"] = "the reference data has neither predictions nor a score"
    return y_score, y_pred


def notes(ref: ReferenceData, outcomes_audited: bool, score_audited: bool) -> list[str]:
    """What drift could not measure because the *reference data* lacks it, for results.json
    ``notes`` (shown in the reports and printed by the CLI as warnings).

    A reference file without the outcome column must not make outcome drift vanish without a
    word.  What the audited data itself lacks is noted elsewhere, so it is not repeated here.

    >>> ref = ReferenceData(None, None, None, None, "the reference data (ref.csv)",
    ...                     {"base_rate": "the reference data has no outcome column 'y'"})
    >>> print(*notes(ref, outcomes_audited=True, score_audited=False))
    ... # doctest: +NORMALIZE_WHITESPACE
    Outcome drift (the base rate and calibration-in-the-large) was not measured: the reference
    data (ref.csv) has no outcome column 'y'. Add the outcome column to the reference data to
    measure it.
    """
    # "the reference data has no ..." → "the reference data (ref.csv) has no ...": name the file
    m = {k: v.replace("the reference data", ref.source, 1) for k, v in ref.missing.items()}
    out = []
    if outcomes_audited and "base_rate" in m:
        out.append(f"Outcome drift (the base rate and calibration-in-the-large) was not "
                   f"measured: {m['base_rate']}. Add the outcome column to the reference data "
                   "to measure it.")
    if score_audited and "score" in m:
        out.append(f"Score drift was not measured: {m['score']}. Add the score column to the "
                   "reference data, or give the model, to measure it.")
    if "predicted_rate" in m:
        out.append(f"Drift of the predicted (flagged) rate was not measured: "
                   f"{m['predicted_rate']}.")
    return out


def describe(ref: ReferenceData) -> dict[str, Any]:
    """What the reference data held, for results.json."""
    return {
        "rows": ref.n_rows,
        "labels_available": ref.y_true is not None,
        "score_available": ref.y_score is not None,
        "predictions_available": ref.y_pred is not None,
    }
