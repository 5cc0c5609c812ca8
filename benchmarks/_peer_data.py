"""Seeded council-like rows shared by ``bench_vs_peers.py`` and its Aequitas child process.

Only numpy and pandas are used, so the child (its own venv, pandas < 3) builds exactly the
same rows from the same seed as the parent: numpy's ``default_rng`` (PCG64) streams do not
change between releases.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ETHNICITIES = ("White", "Asian", "Black", "Mixed", "Other", "Unknown")
ETHNICITY_SHARES = (0.55, 0.15, 0.12, 0.08, 0.06, 0.04)
SEXES = ("F", "M")
SHIFT = (0.0, 0.15, 0.3, 0.1, -0.1, 0.2)  # logit shift of the score: different selection rates


def make_arrays(rows: int, seed: int) -> dict[str, np.ndarray]:
    """Integer codes and labels: ethnicity (6 groups), sex (2), y_true, y_score, y_pred."""
    rng = np.random.default_rng(seed)
    eth = rng.choice(len(ETHNICITIES), size=rows, p=ETHNICITY_SHARES)
    sex = rng.integers(0, 2, rows)
    logit = rng.normal(-1.0, 1.2, rows) + np.asarray(SHIFT)[eth] + 0.1 * sex
    y_score = 1 / (1 + np.exp(-logit))
    y_true = (rng.random(rows) < 1 / (1 + np.exp(-(logit + 0.2 * (eth == 2))))).astype(np.int64)
    y_pred = (y_score >= 0.5).astype(np.int64)
    return {"ethnicity": eth, "sex": sex, "y_true": y_true, "y_score": y_score, "y_pred": y_pred}


def make_frame(rows: int, seed: int) -> pd.DataFrame:
    """The rows as a DataFrame with text protected columns, as read from a council's file."""
    a = make_arrays(rows, seed)
    return pd.DataFrame({
        "ethnicity": np.asarray(ETHNICITIES, dtype=object)[a["ethnicity"]],
        "sex": np.asarray(SEXES, dtype=object)[a["sex"]],
        "y_true": a["y_true"],
        "y_score": a["y_score"],
        "y_pred": a["y_pred"],
    })
