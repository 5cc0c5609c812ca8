"""Stopping `assess` at the end of input keeps the answers and says how to resume."""

from __future__ import annotations

import yaml
from click.testing import CliRunner

from essex_standard.commands.assess import command


def test_end_of_input_saves_and_exits_cleanly(tmp_path):
    out = tmp_path / "attestations.yaml"
    runner = CliRunner()
    first = runner.invoke(command, ["--out", str(out)],
                          input="yes\nPublished on our site\n\nJo Bloggs\nLead\n2025-01-02\n")
    assert first.exit_code == 0, first.output
    assert "run the same command again to resume" in first.output
    saved = yaml.safe_load(out.read_text())["answers"]
    assert list(saved) == ["O1"] and saved["O1"]["answered_by"] == "Jo Bloggs"
    review = runner.invoke(command, ["--out", str(out), "--review"], input="skip\nquit\n")
    assert "On file: yes, by Jo Bloggs (Lead) on 2025-01-02" in review.output
    kept = yaml.safe_load(out.read_text())["answers"]["O1"]
    assert kept["explanation"] == "Published on our site"
