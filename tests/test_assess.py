"""Self-assessment: the interactive walk-through (with stop and resume) and answers files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from essex_standard.cli import cli
from essex_standard.errors import StandardFileError
from essex_standard.standard import load_standard, parse_attestations

ROOT = Path(__file__).resolve().parent.parent
STANDARD = load_standard()
ATTESTED = [c.id for c in STANDARD.attested]


def answer_lines(answer: str, explanation: str, link: str = "", name: str = "",
                 role: str = "", date: str = "") -> str:
    """Keystrokes for one criterion; blank name/role/date accept the shown default."""
    return "\n".join([answer, explanation, link, name, role, date]) + "\n"


def test_interactive_stop_and_resume(tmp_path):
    out = tmp_path / "attestations.yaml"
    runner = CliRunner()
    first = (answer_lines("yes", "Published in March.", "https://council.example/atrs",
                          "Ana Analyst", "Data Scientist", "2025-03-01")
             + "maybe\n" + answer_lines("no", "Not yet published.")
             + "quit\n")
    result = runner.invoke(cli, ["assess", "--out", str(out)], input=first)
    assert result.exit_code == 0, result.output
    assert "Please type one of" in result.output  # 'maybe' was refused
    saved = parse_attestations(out.read_text(encoding="utf-8"), str(out), STANDARD).answers
    assert list(saved) == ["O1", "O2"]
    assert saved["O1"].evidence_link == "https://council.example/atrs"
    assert saved["O2"].answered_by == "Ana Analyst"  # the default carried over
    assert saved["O2"].date == dt.date.today().isoformat()
    assert f"Still to answer: {', '.join(ATTESTED[2:])}" in result.output

    # Resume: O1 and O2 are not asked again; skip one, answer the rest.
    rest = "skip\n" + "".join(answer_lines("yes", f"Done ({cid}).", "https://x.example/e")
                              for cid in ATTESTED[3:])
    result = runner.invoke(cli, ["assess", "--out", str(out)], input=rest)
    assert result.exit_code == 0, result.output
    assert "Resuming" in result.output and "2 answered, 12 to go" in result.output
    assert "O1 An algorithmic" not in result.output
    saved = parse_attestations(out.read_text(encoding="utf-8"), str(out), STANDARD).answers
    assert set(saved) == set(ATTESTED) - {ATTESTED[2]}
    assert saved["O1"].explanation == "Published in March."  # kept from the first session
    assert list(saved) == [c for c in ATTESTED if c in saved]  # the Standard's order

    check = runner.invoke(cli, ["assess", "--answers", str(out)])
    assert check.exit_code == 1 and f"Not answered: {ATTESTED[2]}" in check.output


def test_ctrl_c_keeps_answers_already_given(tmp_path):
    out = tmp_path / "a.yaml"
    keys = answer_lines("yes", "Published.", "https://x.example", "Bo", "Lead", "2025-01-01")
    result = CliRunner().invoke(cli, ["assess", "--out", str(out)], input=keys)  # then EOF
    # Input ran out mid-prompt, like Ctrl-C: a normal way to stop, with the answers kept.
    assert result.exit_code == 0 and "again to resume" in result.output
    assert list(yaml.safe_load(out.read_text(encoding="utf-8"))["answers"]) == ["O1"]


def test_future_dates_and_blank_explanations_are_refused(tmp_path):
    out = tmp_path / "a.yaml"
    keys = ("yes\n\nNow with a reason.\n\nBo\nLead\n2999-01-01\n2025-01-01\nquit\n")
    result = CliRunner().invoke(cli, ["assess", "--out", str(out)], input=keys)
    assert "in the future" in result.output  # an empty explanation is asked again
    assert "Now with a reason." in out.read_text(encoding="utf-8")


def test_example_attestations_are_valid_and_complete():
    path = ROOT / "examples" / "childrens-social-care" / "attestations.yaml"
    result = CliRunner().invoke(cli, ["assess", "--answers", str(path)])
    assert result.exit_code == 0, result.output
    assert "14 of 14" in result.output


def test_assess_with_config_uses_its_attestations_file():
    config = ROOT / "examples" / "childrens-social-care" / "audit.yaml"
    result = CliRunner().invoke(cli, ["assess", "--config", str(config)], input="")
    assert "Resuming" in result.output and "14 answered, 0 to go" in result.output


GOOD = """\
answers:
  G1:
    answer: yes
    explanation: Signed off.
    answered_by: A
    role: DPO
    date: 2025-01-31
"""


@pytest.mark.parametrize("old, new, expected", [
    ("  G1:", "  G9:", "a.yaml, line 2: 'answers.G9' is not a criterion of essex-standard"),
    ("  G1:", "  F2:", "a.yaml, line 2: 'answers.F2' is a measured criterion"),
    ("answer: yes", "answer: perhaps", "a.yaml, line 3: 'answers.G1.answer' is 'perhaps'"),
    ("answer: yes", "answer: not applicable", "line 3: 'answers.G1.answer' is 'not applicable'"),
    ("    date: 2025-01-31\n", "    date: 31/01/2025\n", "line 7: 'answers.G1.date' is "
     "'31/01/2025'; write the date as YYYY-MM-DD"),
    ("    role: DPO\n", "", "a.yaml, line 2: 'answers.G1.role' is missing"),
    ("    role: DPO\n", "    role: DPO\n    rol: DPO\n", "line 7: 'answers.G1.rol' is not a "
     "known key"),
    ("    role: DPO\n", "    role: DPO\n    role: DPO\n", "line 7: the key 'role' appears twice"),
])
def test_malformed_attestations_name_line_and_key(old, new, expected):
    text = GOOD.replace(old, new, 1)
    with pytest.raises(StandardFileError) as err:
        parse_attestations(text, "a.yaml", STANDARD)
    assert expected in str(err.value)


def test_unquoted_yes_means_yes():
    answers = parse_attestations(GOOD, "a.yaml", STANDARD).answers
    assert answers["G1"].answer == "yes" and answers["G1"].date == "2025-01-31"


def test_cli_rejects_malformed_answers_file_with_exit_2(tmp_path):
    bad = tmp_path / "a.yaml"
    bad.write_text(GOOD.replace("  G1:", "  G9:"), encoding="utf-8")
    from essex_standard.cli import main
    with pytest.raises(SystemExit) as exit_:
        main(["assess", "--answers", str(bad)])
    assert exit_.value.code == 2


def test_yes_without_required_evidence_link_is_insufficient(compas_result):
    from essex_standard.standard import judge

    att = parse_attestations(GOOD.replace("G1:", "G1:"), "a.yaml", STANDARD)
    section = judge({k: v for k, v in compas_result.doc.items() if k != "standard"}, STANDARD,
                    att)
    g1 = next(c for c in section["criteria"] if c["id"] == "G1")
    assert g1["verdict"] == "insufficient evidence" and "evidence link" in g1["reason"]
