"""The Standard file: the bundled v1, its generated docs, and errors that name line and key."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from essex_standard.cli import cli
from essex_standard.errors import StandardFileError
from essex_standard.standard import load_standard, parse_standard
from essex_standard.standard.model import default_path

ROOT = Path(__file__).resolve().parent.parent


def test_bundled_standard_has_the_issue_principles_and_criteria():
    s = load_standard()
    assert [p.id for p in s.principles] == ["openness", "transparency", "fairness",
                                           "reliability", "governance"]
    f1, f2 = s.criterion("F1").measure, s.criterion("F2").measure
    assert (f1.metrics, f1.statistic, f1.comparison, f1.threshold) == \
        (("selection_rate",), "ratio", "within", 0.8)
    assert f2.metrics == ("false_positive_rate", "false_negative_rate")
    assert (f2.statistic, f2.threshold) == ("difference", 0.10)
    assert s.criterion("R1").measure.threshold is None  # the owner declares it
    for c in s.criteria:
        assert c.why and c.title and c.severity in ("required", "recommended")
        assert (c.measure is None) == (c.kind == "attested")


def test_docs_standard_md_is_generated_from_the_yaml():
    result = CliRunner().invoke(cli, ["standard", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    assert (ROOT / "docs" / "standard.md").read_text(encoding="utf-8") == result.output, \
        "docs/standard.md is stale: run 'essex-standard standard --format markdown > " \
        "docs/standard.md'"


def test_text_listing_shows_every_criterion():
    result = CliRunner().invoke(cli, ["standard"])
    assert result.exit_code == 0
    for c in load_standard().criteria:
        assert f"  {c.id}  {c.title}" in result.output


V1 = default_path().read_text(encoding="utf-8")


def broken(old: str, new: str) -> str:
    assert old in V1, old
    return V1.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    return text.splitlines().index(next(ln for ln in text.splitlines() if needle in ln)) + 1


@pytest.mark.parametrize("old, new, needle, expected", [
    ("        severity: required\n        why: >-\n          People cannot",
     "        severity: mandatory\n        why: >-\n          People cannot",
     "severity: mandatory", "'principles[0].criteria[0] (O1).severity' is 'mandatory'; use one "
     "of: required, recommended"),
    ("          statistic: ratio\n", "          statistc: ratio\n", "statistc:",
     "'principles[2].criteria[0] (F1).measure.statistc' is not a known key. Did you mean "
     "'statistic'?"),
    ("          threshold: 0.8\n", "          threshold: 1.5\n", "threshold: 1.5",
     "'principles[2].criteria[0] (F1).measure.threshold' is 1.5"),
    ("      - id: F2\n", "      - id: F1\n", None, "repeats the id F1"),
])
def test_malformed_standard_names_line_and_key(old, new, needle, expected):
    text = broken(old, new)
    with pytest.raises(StandardFileError) as err:
        parse_standard(text, "fork.yaml")
    message = str(err.value)
    assert expected in message
    if needle:
        assert f"fork.yaml, line {line_of(text, needle)}:" in message


def test_duplicate_key_names_both_lines():
    text = broken("        kind: attested\n        severity: required\n        why: >-\n"
                  "          People cannot",
                  "        kind: attested\n        kind: measured\n        severity: required\n"
                  "        why: >-\n          People cannot")
    with pytest.raises(StandardFileError, match=r"line \d+: the key 'kind' appears twice "
                                                r"\(first on line \d+\)"):
        parse_standard(text, "fork.yaml")


def test_yaml_syntax_error_names_line():
    with pytest.raises(StandardFileError, match=r"fork.yaml, line 2, column \d+: not valid YAML"):
        parse_standard("id: x\nversion: '1': 2\ntitle: t\n", "fork.yaml")


def test_unquoted_version_is_refused_with_the_fix():
    with pytest.raises(StandardFileError, match="quote it"):
        parse_standard(V1.replace('version: "1.0.0"', "version: 1.0"), "fork.yaml")


def test_sha256_changes_with_any_edit():
    a = parse_standard(V1, "a")
    b = parse_standard(V1.replace("is a widely used warning line", "is a much used warning line"),
                       "b")
    assert a.sha256 != b.sha256 and len(a.sha256) == 64


def test_cli_reports_bad_standard_file_with_exit_2(tmp_path):
    bad = tmp_path / "fork.yaml"
    bad.write_text(broken("      - id: F2\n", "      - id: F1\n"), encoding="utf-8")
    from essex_standard.cli import main
    with pytest.raises(SystemExit) as exit_:
        main(["standard", "--file", str(bad)])
    assert exit_.value.code == 2
