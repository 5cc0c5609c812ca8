"""The reference data file is read like the data file: any separator, the same results.

A semicolon-separated reference once lost its outcome and score columns without a word (its
header was read with commas), so outcome and score drift vanished.  Here the same reference
rows are written with four separators and the whole audit must agree; and whatever drift cannot
measure because of the reference file is stated in results.json ``notes`` and on stderr.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

import essex_standard
from essex_standard.cli import cli

SEPARATORS = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|"}


def _frame(rng: np.random.Generator, n: int, shift: float) -> pd.DataFrame:
    df = pd.DataFrame({
        "x": rng.normal(shift, 1, n).round(3),
        "kind": rng.choice(["red", "blue", "green"], n),
        "group": rng.choice(["A", "B", "C"], n, p=[0.5, 0.3, 0.2]),
    })
    df["score"] = (1 / (1 + np.exp(-(df["x"] - 0.3)))).round(4)
    df["y"] = (rng.random(n) < df["score"]).astype(int)
    return df


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("refsep")
    rng = np.random.default_rng(13)
    ref, cur = _frame(rng, 1_500, 0.0), _frame(rng, 1_200, 0.4)
    cur.to_csv(folder / "cur.csv", index=False)
    for name, sep in SEPARATORS.items():
        ref.to_csv(folder / f"ref-{name}.csv", index=False, sep=sep)
    ref.drop(columns=["y"]).to_csv(folder / "ref-no-outcome.csv", index=False, sep=";")
    return folder


def _config(folder: Path, reference: str) -> Path:
    cfg = {
        "data": {"path": "cur.csv", "reference": reference, "y_true": "y", "y_score": "score",
                 "threshold": 0.5, "score_range": [0, 1]},
        "protected": [{"column": "group"}],
        "drift": {"features": ["x", "kind"]},
        "bootstrap": 0,
    }
    path = folder / f"audit-{Path(reference).stem}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def _same(a: Any, b: Any, where: str = "") -> None:
    """Parsed results.json documents agree: floats to a tolerance, everything else exactly."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for k in a:
            _same(a[k], b[k], f"{where}/{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) or a == b, (where, a, b)
    else:
        assert a == b, (where, a, b)


def _comparable(doc: dict[str, Any]) -> dict[str, Any]:
    """The document without what names the input files (paths, hashes, config text)."""
    doc = json.loads(json.dumps(doc))
    for key in ("inputs", "config", "tool"):
        doc.pop(key, None)
    return doc


def test_every_separator_gives_the_same_audit(folder):
    docs = {name: essex_standard.audit(_config(folder, f"ref-{name}.csv")).doc
            for name in SEPARATORS}
    comma = docs["comma"]
    ref = comma["drift"]["reference"]
    assert ref["labels_available"] and ref["score_available"] and ref["predictions_available"]
    assert comma["drift"]["base_rate"]["reference"]["value"] is not None
    assert comma["drift"]["score"]["psi"] is not None
    assert comma["notes"] == []
    for name, doc in docs.items():
        assert doc["drift"]["reference"]["labels_available"], name
        _same(_comparable(comma), _comparable(doc), name)


def test_reference_without_outcome_is_noted_in_results_and_on_stderr(folder):
    config = _config(folder, "ref-no-outcome.csv")
    doc = essex_standard.audit(config).doc
    assert doc["drift"]["reference"]["labels_available"] is False
    assert doc["drift"]["reference"]["score_available"] is True
    (note,) = doc["notes"]
    assert "Outcome drift" in note and "no outcome column 'y'" in note
    assert "ref-no-outcome.csv" in note

    # `gate` runs the same audit and the same warning as `audit` without writing the PDFs
    result = CliRunner().invoke(cli, ["gate", str(config)])
    assert result.exit_code in (0, 1), result.output
    assert f"warning: {note}" in result.stderr
    assert "warning:" not in result.stdout


def test_reference_dataframe_without_score_is_noted():
    rng = np.random.default_rng(5)
    cur, ref = _frame(rng, 600, 0.0), _frame(rng, 600, 0.2).drop(columns=["score"])
    doc = essex_standard.audit_frame(
        cur, y_true="y", y_score="score", threshold=0.5, sensitive_features=["group"],
        reference_df=ref, drift={"features": ["x"]}, bootstrap=0).doc
    assert doc["drift"]["reference"]["score_available"] is False
    assert any(n.startswith("Score drift was not measured") for n in doc["notes"])
    # without a score the flagged rate cannot be had either, and that is said too
    assert any("predicted (flagged) rate" in n for n in doc["notes"])
