"""Stage 1 of the pipeline: config + files → :class:`AuditData` (clean arrays and groupings).

Everything that can be wrong with the input is found here, before any measurement, so that a
bad file never produces half an audit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .config import AuditConfig
from .errors import DataError, shown
from .group_order import arrange, raw_value
from .groups import Grouping, intersect, make_grouping
from .io import read_table, sha256_file
from .predictions import apply_threshold, binary_column, score_column


@dataclass
class AuditData:
    """The audited rows reduced to what the measurements need."""

    y_pred: np.ndarray
    y_true: np.ndarray | None
    y_score: np.ndarray | None
    groupings: list[Grouping]
    n_rows: int
    inputs: list[dict[str, Any]] = field(default_factory=list)
    predictions: dict[str, Any] = field(default_factory=dict)
    frame: pd.DataFrame | None = None
    """The columns read (features, time, protected), for later stages such as drift."""
    reference: Any = None
    """The reference data set (``data.reference``) as a ``reference.ReferenceData``, for drift."""
    missing: dict[str, Any] = field(default_factory=dict)
    """What was read as missing (the tokens) and how many cells per column, for results.json."""
    notes: list[str] = field(default_factory=list)
    """Things about the input a reader must know (e.g. a threshold that flags nobody)."""
    engine: str = "memory"
    """What reduced the rows: ``memory`` (pandas), ``duckdb`` or ``spark``."""
    views: dict[str, AuditData] = field(default_factory=dict)
    """Other frequency tables of the same rows, for the stages that need other columns: ``time``
    (protected columns, date, outcome, flag) for fairness over time and ``features``
    (protected columns, drift features) for drift.  Empty: ``frame`` has every column."""
    weights: np.ndarray | None = None
    """How many people each row stands for, when the rows are an engine's distinct rows with a
    count (frequency weights); None when every row is one person."""


def _columns_needed(cfg: AuditConfig) -> tuple[list[str], list[str]]:
    d = cfg.data
    cols = [c for c in (d.y_true, d.y_score, d.y_pred, d.time) if c]
    if cfg.estimator is not None:
        cols += list(cfg.estimator.features)
    from .metrics.monitoring import extra_columns

    cols += extra_columns(cfg)
    protected = [p.column for p in cfg.protected]
    return list(dict.fromkeys(cols + protected)), protected


def load_audit_data(cfg: AuditConfig) -> AuditData:
    """Read the data named by the config and prepare it for measurement.

    With an engine (``data.engine``: duckdb, the default, or spark) the engine reduces the
    rows to distinct rows with a count and only that table is prepared; ``memory`` reads the
    rows with pandas (``io.read_table``).  A file the engine cannot read exactly as
    ``io.read_table`` does, or whose table fails a check, is read again by ``io.read_table``,
    so a bad file gets the same message (naming its row) on every engine.
    """
    from .engines.load import engine_data

    data = engine_data(cfg)
    if data is None:
        data = _memory_data(cfg)
    if cfg.data.reference is not None:
        from .engines.load import engine_reference
        from .metrics.drift import drift_features
        from .reference import load_reference

        cut = data.predictions.get("effective_threshold")
        found = engine_reference(cfg, drift_features(cfg), cut)
        if found is None:
            data.reference = load_reference(cfg, drift_features(cfg), cut)
            record = _input_record("reference", cfg.data.reference, cfg.base_dir,
                                   data.reference.n_rows)
        else:
            data.reference, record = found
        data.inputs.append(record)
    return data


def _memory_data(cfg: AuditConfig) -> AuditData:
    """The rows read by pandas and measured one by one (``data.engine: memory``)."""
    assert cfg.data.path is not None
    columns, protected = _columns_needed(cfg)
    frame = read_table(cfg.data.path, columns, text_columns=protected,
                       missing_values=cfg.data.missing_values)
    data = prepare(frame, cfg, source=_shown(cfg.data.path, cfg.base_dir))
    data.inputs.insert(0, _input_record("data", cfg.data.path, cfg.base_dir, len(frame)))
    return data


def _shown(path: Path, base: Path) -> str:
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


def _input_record(role: str, path: Path, base: Path, rows: int | None) -> dict[str, Any]:
    record: dict[str, Any] = {"role": role, "path": _shown(path, base), "sha256": sha256_file(path)}
    if rows is not None:
        record["rows"] = int(rows)
    return record


def prepare(
    frame: pd.DataFrame,
    cfg: AuditConfig,
    source: str = "the data",
    fix: str = "Fix the name in the config.",
    weights: np.ndarray | None = None,
    columns: list[str] | None = None,
) -> AuditData:
    """Turn a data frame into arrays and groupings (shared by files and ``audit_frame``).

    ``weights``: the frequency of each row when ``frame`` holds distinct rows with a count
    (an engine's frequency table); every figure is then that of the expanded rows.
    ``columns``: the columns this table holds, when it is one of several tables of the same
    rows (see ``AuditData.views``); by default every column the audit needs.
    """
    d = cfg.data
    _check_frame(frame, source)
    if len(frame) == 0:
        raise DataError(f"{source}: there are no rows to audit.")
    needed = _columns_needed(cfg)[0] if columns is None else columns
    for col in needed:
        if col not in frame.columns:
            raise DataError(f"{source}: there is no column {shown(col, 60)}. {fix}")
    frame = _mark_missing(frame.reset_index(drop=True), needed, d.missing_values)
    # Error messages name a row of the file, or a position in an in-memory DataFrame.
    frame.attrs["from_frame"] = source == "the DataFrame"
    if d.time and d.time in needed:
        from .metrics.over_time import parse_times

        # Checked here, before any measurement; the parsed dates serve fairness over time.
        frame[d.time] = parse_times(frame[d.time], d.time, source)
    y_true = None
    if d.y_true:
        y_true = binary_column(frame[d.y_true], d.positive_label, source, "outcome")
    y_score = score_column(frame[d.y_score], d.score_range, source) if d.y_score else None
    inputs: list[dict[str, Any]] = []
    predictions: dict[str, Any] = {}
    notes: list[str] = []
    if cfg.estimator is not None:
        y_score, model_pred, predictions = _run_estimator(frame, cfg, source)
        inputs.append(_input_record("model", cfg.estimator.path, cfg.base_dir, None))
    if d.y_pred:
        y_pred = binary_column(frame[d.y_pred], d.positive_label, source, "prediction")
        predictions.update({"source": "column", "column": d.y_pred})
    elif d.threshold is not None:
        if y_score is None:
            raise DataError(
                f"{source}: a threshold was given but there is no score to apply it to."
            )
        y_pred, info = _apply_threshold(y_score, d.threshold, weights)
        predictions.update({"source": "threshold", **info})
        notes.extend(_threshold_notes(y_pred, d.threshold, y_score))
    else:
        y_pred = model_pred
        predictions["source"] = "estimator.predict"
    predictions["score_column"] = d.y_score if cfg.estimator is None else None
    predictions["flagged"] = int(y_pred.sum() if weights is None else (y_pred * weights).sum())

    groupings, by_column = _groupings(frame, cfg, source, weights)
    return AuditData(
        y_pred=y_pred.astype(np.int64),
        y_true=y_true,
        y_score=y_score,
        groupings=groupings,
        n_rows=len(frame) if weights is None else int(weights.sum()),
        inputs=inputs,
        predictions=predictions,
        frame=frame,
        missing=_missing_record(frame, needed, by_column, d.missing_values, weights),
        notes=notes,
        weights=weights,
    )


def prepare_groups(frame: pd.DataFrame, cfg: AuditConfig, source: str,
                   weights: np.ndarray | None, columns: list[str]) -> AuditData:
    """A table holding only protected columns and features (the drift view): its groupings,
    missing counts and rows, with no outcome or prediction."""
    frame = _mark_missing(frame.reset_index(drop=True), columns, cfg.data.missing_values)
    groupings, by_column = _groupings(frame, cfg, source, weights)
    empty = np.zeros(len(frame), dtype=np.int64)
    return AuditData(y_pred=empty, y_true=None, y_score=None, groupings=groupings,
                     n_rows=len(frame) if weights is None else int(weights.sum()),
                     frame=frame, weights=weights,
                     missing=_missing_record(frame, columns, by_column,
                                             cfg.data.missing_values, weights))


def _groupings(frame: pd.DataFrame, cfg: AuditConfig, source: str,
               weights: np.ndarray | None) -> tuple[list[Grouping], dict[str, Grouping]]:
    groupings: list[Grouping] = []
    by_column: dict[str, Grouping] = {}
    for attr in cfg.protected:
        try:
            g = make_grouping(attr.column, frame[attr.column],
                              raw_value(attr.reference, attr.labels),
                              categorical=attr.categorical, max_groups=cfg.max_groups,
                              weights=weights)
            g = arrange(g, attr.order, attr.labels)  # display order and labels (group_order.py)
        except DataError as exc:
            raise DataError(f"{source}: {exc}") from None
        groupings.append(g)
        by_column[attr.column] = g
    for combo in cfg.intersections:
        try:
            groupings.append(intersect([by_column[c] for c in combo], cfg.max_groups, weights))
        except DataError as exc:
            raise DataError(f"{source}: {exc}") from None
    return groupings, by_column


def _check_frame(frame: Any, source: str) -> None:
    """What ``audit_frame`` was given must be a DataFrame with unique column names."""
    from .errors import ConfigError

    if not isinstance(frame, pd.DataFrame):
        raise ConfigError(
            f"audit_frame(): the data must be a pandas DataFrame, not a "
            f"{type(frame).__name__}. Build one first, e.g. pd.DataFrame(rows)."
        )
    duplicated = frame.columns[frame.columns.duplicated()]
    if len(duplicated):
        raise DataError(
            f"{source}: the column name {shown(duplicated[0], 60)} appears more than once. "
            "Rename or drop the copies; the audit will not guess which one is meant."
        )


def _mark_missing(frame: pd.DataFrame, columns: list[str], tokens: tuple[str, ...]
                  ) -> pd.DataFrame:
    """Cells equal to a ``data.missing_values`` token become missing, in a DataFrame just as
    in a file (where the reader already did it), so the CLI and ``audit_frame`` agree."""
    if not tokens:
        return frame
    frame = frame.copy()
    wanted = set(tokens)
    for col in columns:
        values = frame[col]
        if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            hit = values.map(lambda v: isinstance(v, str) and v.strip() in wanted).astype(bool)
            if hit.any():
                frame[col] = values.mask(hit, None)
    return frame


def _missing_record(frame: pd.DataFrame, columns: list[str], groupings: dict[str, Grouping],
                    tokens: tuple[str, ...], weights: np.ndarray | None = None
                    ) -> dict[str, Any]:
    """What counted as missing, and how many cells of each column read were missing."""
    from .groups import MISSING

    counts: dict[str, int] = {}
    for col in columns:
        if col in groupings:  # after trimming: a blank cell is missing too
            g = groupings[col]
            hit = (g.codes == g.labels.index(MISSING)) if MISSING in g.labels else None
        else:
            hit = frame[col].isna().to_numpy()
        n = 0 if hit is None else int(hit.sum() if weights is None else weights[hit].sum())
        counts[str(col)] = n
    return {"values": ["(empty cell)", *tokens], "columns": counts}


def _threshold_notes(flags: np.ndarray, threshold: Any, scores: np.ndarray) -> list[str]:
    """Say so loudly when a fixed threshold flags nobody or everybody."""
    if threshold.value is None:
        return []
    if flags.sum() == 0:
        return [f"Nobody was flagged: the threshold {threshold.value:g} is above every score "
                f"(the highest is {float(scores.max()):g}). Check 'data.threshold'; every "
                "selection-rate comparison is between zeros."]
    if flags.all():
        return [f"Everybody was flagged: the threshold {threshold.value:g} is at or below every "
                f"score (the lowest is {float(scores.min()):g}). Check 'data.threshold'."]
    return []


def _run_estimator(frame: pd.DataFrame, cfg: AuditConfig, source: str):
    """Score the rows with the configured model, checking what it returns.

    A model is code the audit does not control: its labels and probabilities are checked for
    the right number of rows, for finite values in [0, 1], and for two classes, so that a
    broken model is an error naming it rather than a wrong audit.
    """
    from .errors import ModelLoadError
    from .models import is_positive, load_model, model_positive_class

    est = cfg.estimator
    assert est is not None
    model = load_model(est)
    features = frame[list(est.features)]
    try:
        labels = np.asarray(model.predict_label(features)).reshape(-1)
        _check_rows(labels, len(frame), est.path, "predict()", source)
        classes = model.classes
        if classes is None:
            classes = sorted({v.item() if hasattr(v, "item") else v for v in labels.tolist()},
                             key=str)
        positive = model_positive_class(list(classes), est.positive_class,
                                        cfg.data.positive_label, est.path)
        scores = model.predict_score(features, positive)
    except ModelLoadError:
        raise
    except Exception as exc:  # noqa: BLE001 - the model rejected the data
        raise DataError(
            f"{source}: the model at {est.path} failed on the features "
            f"{shown(list(est.features))}: {shown(str(exc), 300)}. Check 'estimator.features' "
            "lists the columns the model was trained on, in order."
        ) from None
    unknown = sorted({str(v) for v in labels.tolist()} - {str(c) for c in classes})
    if unknown:
        raise ModelLoadError(f"{est.path}: predict() returned {shown(unknown[0])}, which is not "
                             f"one of the model's classes {shown(list(classes))}.")
    if scores is not None:
        scores = _checked_scores(scores, len(frame), est.path, source,
                                 bool(frame.attrs.get("from_frame")))
    flags = np.array([is_positive(v, positive) for v in labels.tolist()], dtype=bool)
    info = {"model_format": model.kind}
    return scores, flags.astype(np.int64), info


def _check_rows(values: np.ndarray, n: int, path: Path, what: str, source: str) -> None:
    from .errors import ModelLoadError

    if len(values) != n:
        raise ModelLoadError(
            f"{path}: the model's {what} returned {len(values):,} value(s) for the {n:,} rows of "
            f"{source}; a model must give one per row."
        )


def _checked_scores(scores: Any, n: int, path: Path, source: str, from_frame: bool
                    ) -> np.ndarray:
    from .errors import ModelLoadError

    try:
        arr = np.asarray(scores, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise ModelLoadError(f"{path}: the model's probabilities are not numbers.") from None
    _check_rows(arr, n, path, "predict_proba()", source)
    bad = ~np.isfinite(arr) | (arr < 0) | (arr > 1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        row = f"position {i} of the DataFrame" if from_frame else f"row {i + 2} of {source}"
        raise ModelLoadError(
            f"{path}: the model's probability for {row} is {arr[i]!r}; "
            f"{int(bad.sum()):,} value(s) are missing, infinite or outside [0, 1]. A broken "
            "model cannot be audited."
        )
    return arr


def _apply_threshold(scores: np.ndarray, threshold: Any, weights: np.ndarray | None
                     ) -> tuple[np.ndarray, dict[str, Any]]:
    """``predictions.apply_threshold`` on rows with frequencies: a capacity rule's cut-off is
    the same order statistic of the expanded scores."""
    if weights is None or threshold.value is not None:
        flags, info = apply_threshold(scores, threshold)
        if weights is not None:
            info["flagged"] = int((flags * weights).sum())
        return flags, info
    n = int(weights.sum())
    k = threshold.top_k if threshold.top_k is not None else int(
        np.ceil(n * threshold.top_percent / 100))
    k = max(1, min(k, n))
    # np.partition(scores, n - k)[n - k]: the (n - k)-th smallest of the expanded scores
    order = np.argsort(scores, kind="stable")
    ends = np.cumsum(weights[order])
    cut = float(scores[order][np.searchsorted(ends, n - k, side="right")])
    info: dict[str, Any] = {"rule": threshold.to_dict(), "description": threshold.describe()}
    info["capacity"] = k
    flags = (scores >= cut).astype(np.int64)
    info["effective_threshold"] = cut
    info["flagged"] = int((flags * weights).sum())
    return flags, info
