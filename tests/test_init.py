"""``essex-standard init DATA``: a commented audit.yaml guessed from the data's columns that
loads and audits; asks at a terminal when unsure, writes TODOs when nobody is there."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

import essex_standard
from essex_standard.cli import cli, main
from essex_standard.commands import init as init_cmd
from essex_standard.config import load_config

ROOT = Path(__file__).resolve().parent.parent
COMPAS_CSV = ROOT / "examples" / "compas" / "data" / "compas-two-years.csv"
CSC_CSV = ROOT / "examples" / "childrens-social-care" / "data" / "current.csv"


def _init(*args: str, stdin: str | None = None):
    return CliRunner().invoke(cli, ["init", *args], input=stdin, catch_exceptions=False)


@pytest.fixture
def compas_config(tmp_path) -> Path:
    shutil.copy(COMPAS_CSV, tmp_path / "compas.csv")
    out = tmp_path / "audit.yaml"
    result = _init(str(tmp_path / "compas.csv"), "--out", str(out), "--yes")
    assert result.exit_code == 0, result.output
    return out


def test_compas_guesses_load_and_audit(compas_config):
    text = compas_config.read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    assert raw["data"] == {"path": "compas.csv", "y_true": "two_year_recid",
                           "y_score": "decile_score", "score_range": [1, 10], "threshold": 6}
    assert [p["column"] for p in raw["protected"]] == ["sex", "age_cat", "race"]
    assert "TODO: check" not in text  # --yes accepts the guesses
    assert "# - column: age    # not added: named like age but has" in text
    cfg = load_config(compas_config)
    result = essex_standard.audit(dataclasses.replace(cfg, bootstrap=0))
    assert set(result.fairness) == {"sex", "age_cat", "race"}
    assert result.doc["data"]["rows"] == 7214


@pytest.mark.slow
def test_the_written_file_runs_with_essex_standard_audit(compas_config, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(["audit", str(compas_config), "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 0
    assert (tmp_path / "out" / "results.json").is_file()


def test_childrens_social_care_columns(tmp_path):
    out = tmp_path / "audit.yaml"
    result = _init(str(CSC_CSV), "--out", str(out), "--yes")
    assert result.exit_code == 0, result.output
    raw = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert raw["data"]["y_true"] == "re_referred_12m"
    assert raw["data"]["y_score"] == "risk_score"
    assert raw["data"]["score_range"] == [0, 1] and raw["data"]["threshold"] == 0.5
    assert [p["column"] for p in raw["protected"]] == ["ethnicity", "sex", "age_band",
                                                       "disability"]
    load_config(out)


def _unsure_data(path: Path) -> Path:
    rng = np.random.default_rng(1)
    pd.DataFrame({"a": rng.integers(0, 2, 60), "b": rng.integers(0, 2, 60),
                  "p": rng.random(60).round(3), "grp": rng.choice(["x", "y"], 60),
                  "page_views": rng.integers(0, 500, 60)}).to_csv(path, index=False)
    return path


def test_without_a_terminal_unsure_guesses_are_written_with_todos(tmp_path):
    data = _unsure_data(tmp_path / "d.csv")
    out = tmp_path / "audit.yaml"
    result = CliRunner().invoke(cli, ["init", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "y_true: a    # TODO: check: the outcome: the first 0/1 column" in text
    assert "threshold: 0.5    # TODO: check" in text
    assert "# TODO: no column is named like a protected characteristic" in text
    assert "page_views" not in text  # 'page' is not 'age'
    assert "Check the guesses marked TODO: data.y_true, data.threshold, protected" in \
        result.output
    assert "It does not load yet" in result.output and "'protected'" in result.output


def test_at_a_terminal_unsure_guesses_are_asked(tmp_path, monkeypatch):
    monkeypatch.setattr(init_cmd, "_interactive", lambda: True)
    data = _unsure_data(tmp_path / "d.csv")
    out = tmp_path / "audit.yaml"
    result = _init(str(data), "--out", str(out), stdin="b\n0.3\ngrp\n")
    assert result.exit_code == 0, result.output
    raw = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert raw["data"]["y_true"] == "b" and raw["data"]["threshold"] == 0.3
    assert raw["protected"] == [{"column": "grp"}]
    assert "TODO: check" not in out.read_text(encoding="utf-8")
    assert "Next: essex-standard audit" in result.output
    load_config(out)


def test_an_existing_file_is_kept_unless_forced(tmp_path):
    out = tmp_path / "audit.yaml"
    out.write_text("keep me\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["init", str(CSC_CSV), "--out", str(out), "--yes"])
    assert exit_info.value.code == 2 and out.read_text() == "keep me\n"
    assert _init(str(CSC_CSV), "--out", str(out), "--yes", "--force").exit_code == 0
    assert "y_true: re_referred_12m" in out.read_text(encoding="utf-8")


def test_a_missing_data_file_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["init", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "a.yaml")])
    assert exit_info.value.code == 2
    assert "nope.csv: no such data file" in capsys.readouterr().err
