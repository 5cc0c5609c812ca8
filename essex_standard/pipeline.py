"""The pipeline: load → measure → judge → result.  Each stage is a function of the last.

``audit`` reads a config file; ``audit_frame`` takes a DataFrame already in memory (a notebook,
a pipeline step) and runs the very same stages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from .config import AuditConfig, load_config, parse_config
from .load import AuditData, load_audit_data, prepare
from .metrics.disparities import DIFFERENCE_METHOD, RATIO_METHOD
from .metrics.fairness import measure_grouping, measure_overall
from .privacy import resolve_privacy
from .result import SCHEMA_VERSION, AuditResult, round_floats, tool_record

#: ``step(label)``: a context manager around each stage (the CLI shows progress with it).
Step = Callable[[str], AbstractContextManager[object]]


def _no_step(label: str) -> AbstractContextManager[object]:
    return nullcontext()


def measure(data: AuditData, cfg: AuditConfig) -> dict[str, Any]:
    """Stage 2: every measurement, as the JSON-ready ``overall`` and ``fairness`` sections."""
    common = {
        "level": cfg.confidence_level,
        "replicates": cfg.bootstrap,
        "seed": cfg.seed,
    }
    overall = measure_overall(data.y_pred, data.y_true, data.y_score, weights=data.weights,
                              **common)
    fairness = {
        g.name: measure_grouping(
            g,
            data.y_pred,
            data.y_true,
            data.y_score,
            min_group_size=cfg.min_group_size,
            overall_theil=overall.get("theil_index"),
            weights=data.weights,
            **common,
        )
        for g in data.groupings
    }
    from .metrics.monitoring import measure_monitoring

    return {"overall": overall, "fairness": fairness, **measure_monitoring(data, cfg)}


def _notes(data: AuditData, cfg: AuditConfig) -> list[str]:
    notes = list(data.notes)
    if data.y_true is None:
        notes.append(
            "Outcomes (y_true) were not given, so only label-free metrics were measured: group "
            "sizes, selection rates and their disparities. Error rates and calibration need "
            "outcomes."
        )
    if data.y_score is None:
        notes.append("No score was given, so ROC AUC was not measured.")
    elif data.y_true is not None and len(set(data.y_true.tolist())) < 2:
        notes.append("Every row has the same outcome, so error-rate and AUC metrics are limited.")
    for grouping in data.groupings:
        if grouping.n_groups == 1:
            notes.append(
                f"'{grouping.name}' has only one group ({grouping.labels[0]!r}) in the data, so "
                "there is nothing to compare it with: its fairness criteria cannot be assessed."
            )
    if data.reference is not None:
        from .reference import notes as reference_notes

        notes += reference_notes(data.reference, data.y_true is not None, data.y_score is not None)
    return notes


def build_document(data: AuditData, cfg: AuditConfig, measured: dict[str, Any]) -> dict[str, Any]:
    """Assemble the versioned ``results.json`` document."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": tool_record(),
        "model": dict(cfg.model),
        "config": _jsonable(cfg.raw),
        "inputs": data.inputs,
        "settings": {
            "seed": cfg.seed,
            "bootstrap": cfg.bootstrap,
            "confidence_level": cfg.confidence_level,
            "min_group_size": cfg.min_group_size,
            "privacy": resolve_privacy(cfg.sections.get("privacy"), cfg.source),
            "interval_methods": {
                "rate": "Wilson score (Brown-Cai-DasGupta modification at 1-3 events)",
                "difference": DIFFERENCE_METHOD,
                "ratio": RATIO_METHOD,
                "roc_auc": "Newcombe (2006) method 5 score interval; differences and ratios "
                           "by MOVER from those limits",
                "average_odds_difference": "MOVER from the Wilson limits of the four rates",
                "theil_index": "delta method on the log scale",
                "between_all_groups_theil_index": "none (no interval can cover its null 0)",
            },
        },
        "data": {
            "rows": data.n_rows,
            "labels_available": data.y_true is not None,
            "score_available": data.y_score is not None,
            "predictions": data.predictions,
            "missing": data.missing,
            "engine": data.engine,
        },
        "notes": _notes(data, cfg),
        "decision": cfg.decision,
        **measured,
    }


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    return str(obj)


def run(data: AuditData, cfg: AuditConfig, step: Step | None = None,
        previous: Any = None) -> AuditResult:
    """Stages 2–3 on prepared data; ``previous``: the previous audit (see :mod:`.changes`),
    compared with this one once it is judged.

    The measured document is rounded to the precision ``results.json`` keeps *before* it is
    judged, so the verdicts are exactly those a later reader re-derives from the file.
    """
    step = step or _no_step
    with step("Measuring"):
        doc = round_floats(build_document(data, cfg, measure(data, cfg)))
    with step("Judging against the Standard"):
        doc["standard"] = judge(doc, cfg)
    with step("Planning disclosure control"):
        from .privacy import disclosure_record

        doc["disclosure"] = disclosure_record(doc)
    if previous is not None:
        from .changes import compare

        doc["changes"] = round_floats(compare(previous, doc))
    return AuditResult(doc)


def judge(doc: dict[str, Any], cfg: AuditConfig) -> dict[str, Any]:
    """Stage 3: judge the measured document against the Essex Standard (see standard/)."""
    from .standard import judge_stage

    return judge_stage(doc, cfg)


def _previous(cfg: AuditConfig) -> dict[str, Any] | None:
    """The previous audit's results.json (``previous_audit:``), checked; None if not given."""
    if cfg.previous is None:
        return None
    from .changes import load_previous

    return load_previous(cfg.previous, shown=cfg.raw.get("previous_audit"))


def audit(config: str | Path | AuditConfig, step: Step | None = None) -> AuditResult:
    """Run the audit described by an ``audit.yaml`` (or an already-parsed config).

    >>> result = audit("examples/compas/audit.yaml")          # doctest: +SKIP
    >>> result.fairness["race"].by_group["false_positive_rate"]  # doctest: +SKIP
    """
    cfg = config if isinstance(config, AuditConfig) else load_config(config)
    previous = _previous(cfg)  # read first: a wrong file fails before a long audit
    with (step or _no_step)("Reading the data"):
        data = load_audit_data(cfg)
    return run(data, cfg, step, previous)


def audit_frame(
    df: Any = None,
    *,
    y_true: Any = None,
    y_pred: Any = None,
    y_score: Any = None,
    sensitive_features: Any,
    threshold: float | dict[str, Any] | None = None,
    reference: dict[str, str] | None = None,
    intersections: Sequence[Sequence[str]] = (),
    model: dict[str, Any] | None = None,
    reference_df: Any = None,
    time: Any = None,
    **settings: Any,
) -> AuditResult:
    """Audit predictions already in memory: a dataframe, or arrays as fairlearn takes them.

    ``df``: any dataframe narwhals supports (pandas, polars, pyarrow...), or None when every
    input is passed as values.  ``y_true``, ``y_pred``, ``y_score`` and ``time``: a column name
    or one value per row (array, list or Series).  ``sensitive_features``: column names, or as
    in fairlearn's ``MetricFrame`` a Series, a list of Series or arrays, a 2-D array or a
    DataFrame (see `essex_standard.frames.frame_inputs`).

    ``settings`` takes the other top-level config keys (``seed``, ``bootstrap``,
    ``confidence_level``, ``min_group_size``, ``decision``, ``previous_audit`` (a path), and
    the ``calibration``, ``drift`` and ``over_time`` sections as dicts, exactly as in
    audit.yaml); ``score_range``,
    ``positive_label`` and ``missing_values`` go into the data section.  ``reference_df``:
    the reference (training period) rows, with the drift features
    (``drift={"features": [...]}``) and the protected columns, and the outcome and score
    columns when they are known; drift is measured against it.  ``time``: the date column
    for fairness over time.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1, 0, 1, 0] * 10, "p": [1, 0, 0, 0] * 10,
    ...                    "sex": ["F", "F", "M", "M"] * 10})
    >>> r = audit_frame(df, y_true="y", y_pred="p", sensitive_features=["sex"], bootstrap=0)
    >>> r.fairness["sex"].by_group.loc["F", "true_positive_rate"]
    np.float64(1.0)
    """
    from .frames import check_reference_names, frame_inputs, to_pandas

    given = frame_inputs(df, y_true=y_true, y_pred=y_pred, y_score=y_score, time=time,
                         sensitive_features=sensitive_features)
    df, sensitive_features = given.frame, given.sensitive_features
    y_true, y_pred, y_score, time = (given.columns[k] for k in ("y_true", "y_pred", "y_score",
                                                                  "time"))
    reference = reference or {}
    check_reference_names(reference, sensitive_features)
    if reference_df is not None:
        reference_df = to_pandas(reference_df, "reference_df")
    data_section: dict[str, Any] = {
        k: v for k, v in {"y_true": y_true, "y_pred": y_pred, "y_score": y_score,
                          "threshold": threshold, "time": time}.items() if v is not None
    }
    for key in ("score_range", "positive_label", "missing_values"):
        if key in settings:
            data_section[key] = settings.pop(key)
    raw = {
        "model": model or {},
        "data": data_section,
        "protected": [
            {"column": c, **({"reference": reference[c]} if c in reference else {})}
            for c in sensitive_features
        ],
        "intersections": [list(c) for c in intersections],
        **settings,
    }
    cfg = parse_config(raw, source="audit_frame()", require_path=False,
                       reference_given=reference_df is not None)
    previous = _previous(cfg)
    data = prepare(
        df, cfg, source="the DataFrame", fix="Check the column names given to audit_frame()."
    )
    if reference_df is not None:
        from .metrics.drift import drift_features
        from .reference import reference_from_frame

        data.reference = reference_from_frame(
            reference_df, cfg, drift_features(cfg),
            data.predictions.get("effective_threshold"), "the reference DataFrame")
    return run(data, cfg, previous=previous)
