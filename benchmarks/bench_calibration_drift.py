"""Benchmark: calibration, drift and fairness over time at scale.

Synthetic, seeded data: five groups of one protected attribute, a probability score, outcomes
drawn from a slightly miscalibrated version of the score, three numeric features (one
continuous, two small counts), one categorical feature and a date over 12 months.  The
reference data set has half as many rows, drawn without the shift.

What is timed (wall clock, ``time.perf_counter``, best of ``--repeats`` runs):

(a) ``measure_calibration`` for the attribute and everyone (equal-mass bin tables, ECE/MCE with
    ``--replicates`` cell-bootstrap replicates and the consistency test, Brier score,
    calibration-in-the-large, logistic intercept and slope fitted on score-level counts);
(b) scikit-learn's ``calibration_curve`` + ``brier_score_loss`` per group, for scale (no
    intervals, no logistic fit);
(c) ``measure_drift``: four features + score + rates, overall, within each group, group mix,
    missingness and Benjamini-Hochberg over every p-value;
(d) ``measure_over_time``: monthly windows, four rates per group with Wilson/Newcombe
    intervals, and trends.

Examples::

    python benchmarks/bench_calibration_drift.py --rows 200000 --repeats 1   # smoke run
    python benchmarks/bench_calibration_drift.py                             # 10M rows
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from essex_standard.config import parse_config
from essex_standard.groups import make_grouping
from essex_standard.load import AuditData
from essex_standard.metrics.calibration import CalibrationOptions, measure_calibration
from essex_standard.metrics.drift import measure_drift
from essex_standard.metrics.over_time import measure_over_time
from essex_standard.reference import ReferenceData

GROUPS = ("A", "B", "C", "D", "E")
SHARES = (0.40, 0.25, 0.15, 0.12, 0.08)
MISCALIBRATION = (0.0, 0.2, -0.2, 0.4, 0.6)  # added to the logit of the true risk


def make_frame(rows: int, seed: int, shift: float) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Seeded rows: features, protected column, date; returns (frame, y_score, y_true)."""
    rng = np.random.default_rng(seed)
    codes = rng.choice(len(GROUPS), size=rows, p=SHARES)
    x = rng.normal(shift, 1, rows)
    count = rng.poisson(1.2 + shift, rows)
    logit = -1.3 + 0.8 * x + 0.3 * count
    y_score = 1 / (1 + np.exp(-logit))
    truth = 1 / (1 + np.exp(-(logit + np.asarray(MISCALIBRATION)[codes])))
    y_true = (rng.random(rows) < truth).astype(np.int64)
    frame = pd.DataFrame({
        "group": pd.Series(np.asarray(GROUPS, dtype=object)[codes], dtype="string"),
        "x": x,
        "count": count,
        "decile": rng.integers(1, 11, rows),
        "need": pd.Series(rng.choice(["a", "b", "c", "d"], rows), dtype="string"),
        "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 366, rows), "D"),
    })
    return frame, y_score, y_true


def best_of(repeats: int, fn) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--replicates", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args()

    frame, y_score, y_true = make_frame(args.rows, 1, 0.2)
    ref_frame, ref_score, ref_true = make_frame(args.rows // 2, 2, 0.0)
    grouping = make_grouping("group", frame["group"])
    y_pred = (y_score >= 0.5).astype(np.int64)
    raw = {"data": {"y_true": "y", "y_score": "s", "threshold": 0.5, "score_range": [0, 1],
                    "reference": "reference.csv", "time": "date"},
           "protected": ["group"], "drift": {"features": ["x", "count", "decile", "need"]},
           "bootstrap": args.replicates}
    cfg = parse_config(raw, source="benchmark", require_path=False)
    reference = ReferenceData(ref_frame, ref_true, ref_score, (ref_score >= 0.5).astype(np.int64),
                              "the reference data")
    data = AuditData(y_pred=y_pred, y_true=y_true, y_score=y_score, groupings=[grouping],
                     n_rows=args.rows, frame=frame, reference=reference)
    figures: dict[str, Any] = {"rows": args.rows, "reference_rows": args.rows // 2,
                               "replicates": args.replicates, "python": platform.python_version(),
                               "machine": platform.machine()}

    t, _ = best_of(args.repeats, lambda: measure_calibration(
        [grouping], y_score, y_true, probability=True, options=CalibrationOptions(), level=0.95,
        replicates=args.replicates, seed=0, min_group_size=30))
    figures["calibration_s"] = round(t, 2)

    def sklearn_per_group() -> None:
        from sklearn.calibration import calibration_curve
        from sklearn.metrics import brier_score_loss

        for g in range(grouping.n_groups):
            sel = grouping.codes == g
            calibration_curve(y_true[sel], y_score[sel], n_bins=10, strategy="quantile")
            brier_score_loss(y_true[sel], y_score[sel])

    t, _ = best_of(args.repeats, sklearn_per_group)
    figures["sklearn_calibration_curve_and_brier_per_group_s"] = round(t, 2)
    t, drift = best_of(args.repeats, lambda: measure_drift(data, cfg))
    figures["drift_s"] = round(t, 2)
    figures["drift_tests"] = drift["settings"]["multiple_testing"]["tests"]
    t, _ = best_of(args.repeats, lambda: measure_over_time(data, cfg))
    figures["over_time_s"] = round(t, 2)
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
