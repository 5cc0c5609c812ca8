"""Group order and labels (``protected[].order``, ``protected[].labels``; group_order.py):
natural order by default, the configured order and labels in every output, and a clear
refusal (exit 2) naming the key and the value when the data does not hold a value."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from _hostile_support import base_config, refused, write

from essex_standard.cli import main


def _ages(n: int = 400, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "y": rng.integers(0, 2, n),
        "s": rng.random(n).round(3),
        "age": rng.choice(["10-15", "5-9", "16-17", "0-4"], n),
        "sex": rng.choice(["A92", "A93"], n),
    })


def _audit(tmp_path, protected) -> dict:
    cfg = base_config()
    cfg["protected"] = protected
    path = write(tmp_path, cfg, _ages())
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as done:
        main(["audit", str(path), "--out", str(out), "--quiet",
              "--only", "results,public-html,technical-html,model-card-md"])
    assert done.value.code == 0
    return {"results": json.loads((out / "results.json").read_text()),
            "public": (out / "public-report.html").read_text(),
            "technical": (out / "technical-report.html").read_text(),
            "card": (out / "model-card.md").read_text()}


@pytest.mark.slow
def test_natural_order_labels_and_configured_order_reach_every_output(tmp_path):
    out = _audit(tmp_path, [
        "age",
        {"column": "sex", "labels": {"A92": "female", "A93": "male"}, "order": ["male"],
         "reference": "female"},
    ])
    fair = out["results"]["fairness"]
    assert list(fair["age"]["groups"]) == ["0-4", "5-9", "10-15", "16-17"]
    assert list(fair["sex"]["groups"]) == ["male", "female"]
    assert fair["sex"]["reference_group"] == "female"
    for name in ("public", "technical", "card"):
        text = out[name]
        # The coded value appears only where the configuration itself is shown.
        assert "A92" not in text.replace('"A92": "female"', "").replace("A92: female", ""), name
        row = "" if name == "card" else '<th scope="row">'
        start = text.find(f"{row}0-4")  # the first table (or list) that shows every group
        positions = [text.find(f"{row}{g}", start) for g in ("0-4", "5-9", "10-15", "16-17")]
        assert -1 not in positions and positions == sorted(positions), (name, positions)


@pytest.mark.parametrize("key, value", [("order", ["0-4", "18-25"]),
                                        ("labels", {"99-100": "old"})])
def test_a_value_not_in_the_data_is_refused_naming_key_and_value(capsys, tmp_path, key,
                                                                    value):
    cfg = base_config()
    cfg["protected"] = [{"column": "age", key: value}]
    bad = "18-25" if key == "order" else "99-100"
    refused(capsys, tmp_path, write(tmp_path, cfg, _ages()), f"'{key}'", bad, "age")


@pytest.mark.parametrize("entry, needle", [
    ({"order": "0-4"}, "protected[0].order"),
    ({"order": ["0-4", "0-4"]}, "twice"),
    ({"labels": ["0-4"]}, "protected[0].labels"),
    ({"labels": {"0-4": "a", "5-9": "a"}}, "two values the label"),
    ({"labels": {"0-4": "5-9"}}, "another group's value"),
])
def test_malformed_order_or_labels_are_refused(capsys, tmp_path, entry, needle):
    cfg = base_config()
    cfg["protected"] = [{"column": "age", **entry}]
    refused(capsys, tmp_path, write(tmp_path, cfg, _ages()), needle)
