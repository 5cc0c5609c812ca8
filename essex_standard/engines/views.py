"""Several small frequency tables instead of one wide one.

One table over every audited column has a row per distinct *combination*: a date per day
times a score times three drift features is nearly one row per person.  The stages need far
less: fairness and calibration read the protected columns, outcome, score and flag; fairness
over time the protected columns, date, outcome and flag; drift the protected columns and the
features.  So the engine runs one ``GROUP BY`` per view and each stage measures its own table
(``AuditData.views``).  The groupings agree across views because each view holds every person:
the same protected values, the same weighted counts, hence the same labels and reference groups.

The flag for fairness over time is computed in the engine from the score and the cut-off the
main table gave (``score >= cut``); the view is used only if its flagged count agrees with the
main table's in every group, else the audit falls back to one table.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..config import AuditConfig
    from ..load import AuditData

#: Column name of the flag the engine computes for the time view.
FLAG = "__essex_flag"


def plan(cfg: AuditConfig) -> dict[str, list[str]] | None:
    """The columns of each view, or None when one table is right (a model must see every
    feature of a row at once, and with nothing to split there is one table anyway)."""
    from ..metrics.drift import drift_features

    d = cfg.data
    if cfg.estimator is not None:
        return None
    protected = [p.column for p in cfg.protected]
    views: dict[str, list[str]] = {
        "main": list(dict.fromkeys([c for c in (d.y_true, d.y_score, d.y_pred) if c]
                                   + protected))}
    if d.time:
        views["time"] = list(dict.fromkeys([c for c in (d.y_true, d.y_pred, d.time) if c]
                                           + protected))
    features = drift_features(cfg)
    if features:
        views["features"] = list(dict.fromkeys(features + protected))
    return views if len(views) > 1 else None


def time_config(cfg: AuditConfig) -> AuditConfig:
    """The config for the time view: flags read from the engine's :data:`FLAG` column."""
    if cfg.data.y_pred:
        return cfg
    # positive_label stays: it names the outcome's positive value; for the 0/1 flags an
    # absent label falls back to the obvious pair
    data = dataclasses.replace(cfg.data, y_pred=FLAG, threshold=None, y_score=None,
                               score_range=None)
    return dataclasses.replace(cfg, data=data)


def flags_agree(main: AuditData, view: AuditData) -> bool:
    """Same people flagged, group by group, in the main table and the time view."""
    for g_main, g_view in zip(main.groupings, view.groupings, strict=True):
        if g_main.labels != g_view.labels:
            return False
        a = np.bincount(g_main.codes, weights=_weighted(main.y_pred, main.weights),
                        minlength=g_main.n_groups)
        b = np.bincount(g_view.codes, weights=_weighted(view.y_pred, view.weights),
                        minlength=g_view.n_groups)
        if not np.array_equal(a, b):
            return False
    return True


def _weighted(values: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    return values if weights is None else values * weights


def merge_missing(data: AuditData, cfg: AuditConfig) -> None:
    """``data.missing`` over every column read, in the order the one-table path gives."""
    from ..load import _columns_needed

    counts: dict[str, int] = {}
    for part in (data, *data.views.values()):
        for col, n in part.missing.get("columns", {}).items():
            counts.setdefault(col, n)
    order = _columns_needed(cfg)[0]
    data.missing["columns"] = {str(c): counts[str(c)] for c in order if str(c) in counts}


def path_of(cfg: AuditConfig) -> Path | None:
    return cfg.data.path
