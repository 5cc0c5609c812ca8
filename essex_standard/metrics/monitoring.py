"""Calibration, drift and fairness over time: the three sections added to results.json.

One entry point for the pipeline (``measure_monitoring``) and one for the loader
(``extra_columns``), so that the options of all three sections are validated before any data
is read and a misspelt key fails fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import DataError
from . import calibration, drift, over_time

if TYPE_CHECKING:
    from ..config import AuditConfig

#: Keys of the calibration section that are not protected attributes.
RESERVED = ("available", "probability", "reason", "settings", "overall", "tradeoff")


def validate_options(cfg: AuditConfig) -> None:
    """Parse the ``calibration``, ``drift`` and ``over_time`` sections (errors name the key)."""
    calibration.parse_options(cfg.sections.get("calibration"), cfg.source)
    drift.parse_options(cfg.sections.get("drift"), cfg.source)
    over_time.parse_options(cfg.sections.get("over_time"), cfg.source)
    clash = [p.column for p in cfg.protected if p.column in RESERVED]
    if clash:
        raise DataError(
            f"{cfg.source}: the protected column name '{clash[0]}' clashes with a results key; "
            "rename the column in the data (e.g. add a suffix)."
        )


def extra_columns(cfg: AuditConfig) -> list[str]:
    """Columns the three sections need from the audited file (drift features)."""
    validate_options(cfg)
    return drift.drift_features(cfg)


def score_is_probability(cfg: AuditConfig, y_score: np.ndarray | None) -> bool:
    """A score is a probability when declared ``score_range: [0, 1]`` or when it comes from a
    model's ``predict_proba`` (and lies in [0, 1])."""
    if y_score is None:
        return False
    if cfg.data.score_range == (0.0, 1.0):
        return True
    from_model = cfg.estimator is not None
    return bool(from_model and y_score.min() >= 0 and y_score.max() <= 1)


def measure_monitoring(data: Any, cfg: AuditConfig) -> dict[str, Any]:
    """The ``calibration``, ``drift`` and ``over_time`` sections of results.json."""
    opts = calibration.parse_options(cfg.sections.get("calibration"), cfg.source)
    section = calibration.measure_calibration(
        data.groupings,
        data.y_score,
        data.y_true,
        probability=score_is_probability(cfg, data.y_score),
        options=opts,
        level=cfg.confidence_level,
        replicates=cfg.bootstrap,
        seed=cfg.seed,
        min_group_size=cfg.min_group_size,
        priority=cfg.model.get("fairness_priority"),
        weights=getattr(data, "weights", None),
    )
    return {
        "calibration": section,
        "drift": drift.measure_drift(data, cfg),
        "over_time": over_time.measure_over_time(
            getattr(data, "views", {}).get("time", data), cfg),
    }
