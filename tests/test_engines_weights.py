"""Frequency weights: the same data as distinct rows with a count, or row by row, gives the
same figures.

An engine (DuckDB, Spark) hands the measure stage ``GROUP BY ... COUNT(*)`` tables instead of
rows, so every measurement must honour frequency weights.  Here each audit is run twice on
the same data — once on the rows, once on ``frequency_table`` of them — and every number of
the measured document (before rounding for results.json) must agree to 1e-12.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from essex_standard.config import load_config
from essex_standard.engines import frequency_table
from essex_standard.io import read_table
from essex_standard.load import _columns_needed, load_audit_data, prepare
from essex_standard.pipeline import build_document, measure
from essex_standard.tables import quantile, weighted_std

ROOT = Path(__file__).resolve().parents[1]


def differences(a: Any, b: Any, path: str = "$", tol: float = 1e-12) -> list[str]:
    """Every place two documents differ (numbers: beyond ``tol``, relative above 1)."""
    out: list[str] = []
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{path}: keys {sorted(set(a) ^ set(b))}"]
        for k in a:
            out += differences(a[k], b[k], f"{path}.{k}", tol)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} vs {len(b)} items"]
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out += differences(x, y, f"{path}[{i}]", tol)
    elif isinstance(a, float) and isinstance(b, float | int) and not isinstance(b, bool):
        if not (a == b or abs(a - b) <= tol * max(1.0, abs(a))):
            out.append(f"{path}: {a!r} vs {b!r}")
    elif a != b:
        out.append(f"{path}: {a!r} vs {b!r}")
    return out


def _both(cfg) -> tuple[dict[str, Any], dict[str, Any], int, int]:
    """The measured document from the rows and from their frequency table (and checks that
    the DuckDB engine's document, from one table per view, is the same too)."""
    import dataclasses

    on_duckdb = load_audit_data(cfg)
    cfg = dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, engine="memory"))
    rows = load_audit_data(cfg)
    columns, protected = _columns_needed(cfg)
    frame = read_table(cfg.data.path, columns, text_columns=protected,
                       missing_values=cfg.data.missing_values)
    table, weights = frequency_table(frame)
    packed = prepare(table, cfg, source="the data", weights=weights)
    packed.inputs = rows.inputs
    if rows.reference is not None:
        from essex_standard.metrics.drift import drift_features
        from essex_standard.reference import reference_from_frame

        ref_table, ref_weights = frequency_table(rows.reference.frame)
        packed.reference = reference_from_frame(
            ref_table, cfg, drift_features(cfg), packed.predictions.get("effective_threshold"),
            rows.reference.source, ref_weights)
    a = build_document(rows, cfg, measure(rows, cfg))
    b = build_document(packed, cfg, measure(packed, cfg))
    c = build_document(on_duckdb, cfg, measure(on_duckdb, cfg))
    assert c["data"].pop("engine") == "duckdb"
    c["data"]["engine"] = "memory"
    assert differences(a, c) == []
    return a, b, len(frame), len(table)


@pytest.mark.slow
@pytest.mark.parametrize("config", [
    "examples/compas/audit.yaml",
    "examples/childrens-social-care/audit.yaml",
    "examples/childrens-social-care/audit-predictions.yaml",
])
def test_bundled_examples_compressed_equal_expanded(config: str) -> None:
    a, b, n_rows, n_distinct = _both(load_config(ROOT / config))
    assert n_distinct < n_rows
    assert differences(a, b) == []


def _synthetic(tmp_path: Path, threshold: str, window: str, score_levels: int) -> Path:
    """Few distinct rows repeated many times: large weights everywhere, every section on."""
    rng = np.random.default_rng(7)
    n = 6000

    def rows(k: int, shift: float) -> pd.DataFrame:
        eth = rng.choice(["A", "B", "C", ""], k, p=[0.5, 0.3, 0.15, 0.05])
        sex = rng.choice(["F", "M"], k)
        x = rng.integers(0, 6, k) + shift
        cat = rng.choice(["u", "v", "w"], k)
        score = np.round(rng.beta(2, 3, k) * score_levels) / score_levels
        y = (rng.random(k) < score * 0.9 + 0.05).astype(int)
        days = pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 8, k) * 45, "D")
        df = pd.DataFrame({"y": y, "score": score, "eth": eth, "sex": sex, "x": x.astype(float),
                           "cat": cat, "when": days.strftime("%Y-%m-%d")})
        df.loc[rng.random(k) < 0.03, "x"] = np.nan
        return df.iloc[rng.integers(0, 300, n)]  # 300 distinct rows, each repeated

    rows(300, 0.0).to_csv(tmp_path / "cur.csv", index=False)
    rows(300, 0.5).to_csv(tmp_path / "ref.csv", index=False)
    (tmp_path / "audit.yaml").write_text(f"""
model: {{name: synthetic}}
data:
  path: cur.csv
  y_true: y
  y_score: score
  threshold: {threshold}
  score_range: [0, 1]
  reference: ref.csv
  time: when
protected:
  - column: eth
  - column: sex
intersections: [[eth, sex]]
bootstrap: 200
drift: {{features: [x, cat]}}
over_time: {{window: {window}}}
""")
    return tmp_path / "audit.yaml"


@pytest.mark.parametrize("threshold,window,levels", [
    ("{top_percent: 17}", "3", 40),
    ("0.4", "quarterly", 2000),
    ("{top_k: 333}", "monthly", 7),
])
def test_synthetic_compressed_equal_expanded(tmp_path: Path, threshold: str, window: str,
                                             levels: int) -> None:
    a, b, n_rows, n_distinct = _both(load_config(_synthetic(tmp_path, threshold, window, levels)))
    assert n_distinct < n_rows / 2
    assert a["drift"]["available"] and a["over_time"]["available"]
    assert a["calibration"]["available"]
    assert differences(a, b) == []


def test_differences_sees_a_change() -> None:
    """The comparison used above can fail."""
    assert differences({"a": [1.0, 2.0]}, {"a": [1.0, 2.0 + 1e-9]})
    assert differences({"a": 1}, {"b": 1})


@pytest.mark.parametrize("method", ["linear", "lower", "inverted_cdf"])
def test_weighted_quantile_is_numpy_on_the_expanded_data(method: str) -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        k = int(rng.integers(1, 30))
        values = np.unique(np.round(rng.normal(size=k), 2))
        weights = rng.integers(1, 9, len(values))
        q = np.r_[0.0, rng.random(7), np.linspace(0, 1, 11), 1.0]
        full = np.repeat(values, weights)
        assert np.array_equal(quantile(values, q, method, weights),
                              np.quantile(full, q, method=method))


def test_weighted_std() -> None:
    v, w = np.array([1.0, 4.0, 6.0]), np.array([3, 1, 2])
    assert weighted_std(v, w) == pytest.approx(np.std(np.repeat(v, w), ddof=1), rel=1e-14)
