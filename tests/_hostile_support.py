"""Helpers for the hostile-input suite (tests/test_hostile_*.py).

Every refused input is run through the real command line entry point (``cli.main``) and must
exit 2 with one ``error:`` paragraph naming the problem, no traceback, and no output folder.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from essex_standard.cli import main


def frame(n: int = 120, seed: int = 0) -> pd.DataFrame:
    """A small audit data set: outcome, score, two protected columns."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "y": rng.integers(0, 2, n),
        "s": rng.random(n).round(3),
        "sex": rng.choice(["F", "M"], n),
        "eth": rng.choice(["A", "B", "C"], n),
    })


def base_config(**data: Any) -> dict[str, Any]:
    cfg: dict[str, Any] = {
        "model": {"name": "test model"},
        "data": {"path": "d.csv", "y_true": "y", "y_score": "s", "threshold": 0.5},
        "protected": ["sex", "eth"],
        "bootstrap": 0,
    }
    cfg["data"].update(data)
    return cfg


def write(tmp_path: Path, config: dict[str, Any] | str | None = None,
          data: pd.DataFrame | str | bytes | None = None, data_name: str = "d.csv") -> Path:
    """Write ``audit.yaml`` (a dict, or raw YAML text) and the data file; return the config."""
    if data is None:
        data = frame()
    target = tmp_path / data_name
    if isinstance(data, pd.DataFrame):
        data.to_csv(target, index=False)
    elif isinstance(data, bytes):
        target.write_bytes(data)
    else:
        target.write_text(data, encoding="utf-8")
    if config is None:
        config = base_config()
    text = config if isinstance(config, str) else yaml.safe_dump(config, sort_keys=False)
    path = tmp_path / "audit.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def refused(capsys, tmp_path: Path, config: Path, *needles: str, command: str = "audit",
            seconds: float = 30.0) -> str:
    """Run the CLI and check the refusal: exit 2, a short message naming the problem,
    no traceback, nothing written.  Returns the message."""
    out = tmp_path / "out"
    start = time.perf_counter()
    with pytest.raises(SystemExit) as exc:
        if command == "audit":
            main(["audit", str(config), "--out", str(out)])
        else:
            main([command, str(config)])
    elapsed = time.perf_counter() - start
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert err.startswith("error: ") or "\nError: " in err, err  # ours, or click's usage error
    assert "Traceback" not in err, err
    for needle in needles:
        assert needle in err, f"{needle!r} not in: {err}"
    assert len(err) < 2500, f"message of {len(err)} characters"
    assert not out.exists(), "nothing may be written for bad input"
    assert elapsed < seconds, f"took {elapsed:.1f}s"
    return err


class ScriptedModel:
    """A stand-in for a broken model (saved with joblib, loaded with ``trusted: true``)."""

    def __init__(self, mode: str, classes: tuple[Any, Any] = (0, 1)):
        self.mode = mode
        self.classes_ = np.array(classes)

    def predict(self, X):
        n = len(X) - (1 if self.mode == "short_predict" else 0)
        return np.resize(self.classes_, n)

    def predict_proba(self, X):
        n = len(X)
        p = np.linspace(0.1, 0.9, n)
        if self.mode == "nan":
            p[3] = np.nan
        elif self.mode == "five":
            p[2] = 5.0
        elif self.mode == "short_proba":
            p = p[:-1]
        elif self.mode == "three_columns":
            return np.column_stack([1 - p, p / 2, p / 2])
        return np.column_stack([1 - p, p])
