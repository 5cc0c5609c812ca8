"""The pipeline: load → measure → judge → result.  Each stage is a function of the last.

``audit`` reads a config file; ``audit_frame`` takes a DataFrame already in memory (a notebook,
a pipeline step) and runs the very same stages.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .config import AuditConfig, load_config, parse_config
from .load import AuditData, load_audit_data, prepare
from .metrics.fairness import measure_grouping, measure_overall
from .privacy import resolve_privacy
from .result import SCHEMA_VERSION, AuditResult, round_floats, tool_record


def measure(data: AuditData, cfg: AuditConfig) -> dict[str, Any]:
    """Stage 2: every measurement, as the JSON-ready ``overall`` and ``fairness`` sections."""
    common = {
        "level": cfg.confidence_level,
        "replicates": cfg.bootstrap,
        "seed": cfg.seed,
    }
    overall = measure_overall(data.y_pred, data.y_true, data.y_score, **common)
    fairness = {
        g.name: measure_grouping(
            g,
            data.y_pred,
            data.y_true,
            data.y_score,
            min_group_size=cfg.min_group_size,
            overall_theil=overall.get("theil_index"),
            **common,
        )
        for g in data.groupings
    }
    from .metrics.monitoring import measure_monitoring

    return {"overall": overall, "fairness": fairness, **measure_monitoring(data, cfg)}


def _notes(data: AuditData, cfg: AuditConfig) -> list[str]:
    notes = []
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
                "rate": "Wilson score",
                "difference": "Newcombe hybrid score (MOVER-D with Wilson limits)",
                "ratio": "MOVER-R (Donner & Zou 2012) with Wilson limits",
                "roc_auc": "DeLong",
                "other": "percentile bootstrap, count-table cells resampled within groups",
            },
        },
        "data": {
            "rows": data.n_rows,
            "labels_available": data.y_true is not None,
            "score_available": data.y_score is not None,
            "predictions": data.predictions,
        },
        "notes": _notes(data, cfg),
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


def run(data: AuditData, cfg: AuditConfig) -> AuditResult:
    """Stages 2–3 on prepared data.

    The measured document is rounded to the precision ``results.json`` keeps *before* it is
    judged, so the verdicts are exactly those a later reader re-derives from the file.
    """
    doc = round_floats(build_document(data, cfg, measure(data, cfg)))
    doc["standard"] = judge(doc, cfg)
    return AuditResult(doc)


def judge(doc: dict[str, Any], cfg: AuditConfig) -> dict[str, Any]:
    """Stage 3: judge the measured document against the Essex Standard (see standard/)."""
    from .standard import judge_stage

    return judge_stage(doc, cfg)


def audit(config: str | Path | AuditConfig) -> AuditResult:
    """Run the audit described by an ``audit.yaml`` (or an already-parsed config).

    >>> result = audit("examples/compas/audit.yaml")          # doctest: +SKIP
    >>> result.fairness["race"].by_group["false_positive_rate"]  # doctest: +SKIP
    """
    cfg = config if isinstance(config, AuditConfig) else load_config(config)
    return run(load_audit_data(cfg), cfg)


def audit_frame(
    df: pd.DataFrame,
    *,
    y_true: str | None = None,
    y_pred: str | None = None,
    y_score: str | None = None,
    sensitive_features: Sequence[str],
    threshold: float | dict[str, Any] | None = None,
    reference: dict[str, str] | None = None,
    intersections: Sequence[Sequence[str]] = (),
    model: dict[str, Any] | None = None,
    reference_df: pd.DataFrame | None = None,
    time: str | None = None,
    **settings: Any,
) -> AuditResult:
    """Audit predictions already in a DataFrame.

    ``settings`` takes the other top-level config keys (``seed``, ``bootstrap``,
    ``confidence_level``, ``min_group_size``, and the ``calibration``, ``drift`` and
    ``over_time`` sections as dicts, exactly as in audit.yaml); ``score_range`` and
    ``positive_label`` go into the data section.  ``reference_df``: the reference (training
    period) rows, with the drift features (``drift={"features": [...]}``) and the protected
    columns, and the outcome and score columns when they are known; drift is measured against
    it.  ``time``: the date column for fairness over time.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1, 0, 1, 0] * 10, "p": [1, 0, 0, 0] * 10,
    ...                    "sex": ["F", "F", "M", "M"] * 10})
    >>> r = audit_frame(df, y_true="y", y_pred="p", sensitive_features=["sex"], bootstrap=0)
    >>> r.fairness["sex"].by_group.loc["F", "true_positive_rate"]
    np.float64(1.0)
    """
    reference = reference or {}
    if isinstance(sensitive_features, str):
        sensitive_features = [sensitive_features]
    elif not all(isinstance(c, str) for c in sensitive_features):
        from .errors import ConfigError

        raise ConfigError(
            "audit_frame(): 'sensitive_features' must be column names of the DataFrame "
            "(e.g. ['ethnicity', 'sex']), not the values themselves."
        )
    data_section: dict[str, Any] = {
        k: v for k, v in {"y_true": y_true, "y_pred": y_pred, "y_score": y_score,
                          "threshold": threshold, "time": time}.items() if v is not None
    }
    for key in ("score_range", "positive_label"):
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
    data = prepare(
        df, cfg, source="the DataFrame", fix="Check the column names given to audit_frame()."
    )
    if reference_df is not None:
        from .metrics.drift import drift_features
        from .reference import reference_from_frame

        data.reference = reference_from_frame(
            reference_df, cfg, drift_features(cfg),
            data.predictions.get("effective_threshold"), "the reference DataFrame")
    return run(data, cfg)
