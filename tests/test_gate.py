"""The release gate: exit codes, JUnit XML (parsed), and the baseline "no regression" check."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from essex_standard.cli import cli, main

FORK = """\
id: essex-standard
version: "1.0.0-test"
title: A two-criterion fork for tests
principles:
  - id: fairness
    title: Fairness
    criteria:
      - id: F2
        title: Error rates are balanced
        kind: measured
        severity: required
        why: Mistakes should fall evenly.
        measure:
          source: fairness
          metric: [false_positive_rate, false_negative_rate]
          statistic: difference
          comparison: within
          threshold: 0.10
  - id: governance
    title: Governance
    criteria:
      - id: G1
        title: A DPIA is complete
        kind: attested
        severity: required
        why: The law requires it.
        question: Is the DPIA signed off?
"""

ANSWERS = """\
answers:
  G1:
    answer: yes
    explanation: Signed off by the DPO.
    evidence_link: https://council.example/dpia
    answered_by: A. Analyst
    role: Data Protection Officer
    date: 2025-01-31
"""


def write_audit(folder: Path, fp_b: int, answers: bool = True) -> Path:
    """Groups A and B of 20,000 people; B's false positive rate is ``fp_b`` per 1,000 (A's
    is 200 per 1,000), every other rate equal."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["g,y,p"]
    for g, (tn, fp, fn, tp) in {"A": (800, 200, 300, 700),
                                "B": (1000 - fp_b, fp_b, 300, 700)}.items():
        for y, p, k in ((0, 0, tn), (0, 1, fp), (1, 0, fn), (1, 1, tp)):
            rows += [f"{g},{y},{p}"] * (10 * k)
    (folder / "data.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "fork.yaml").write_text(FORK, encoding="utf-8")
    config = ("data: {path: data.csv, y_true: y, y_pred: p}\n"
              "protected: [{column: g, reference: A}]\nbootstrap: 0\n"
              "standard: {path: fork.yaml}\n")
    if answers:
        (folder / "attestations.yaml").write_text(ANSWERS, encoding="utf-8")
        config += "attestations: attestations.yaml\n"
    (folder / "audit.yaml").write_text(config, encoding="utf-8")
    return folder / "audit.yaml"


@pytest.fixture()
def run(capsys):
    """Run the real entry point (cli.main), which maps errors to exit codes."""
    def invoke(args: list[str]) -> tuple[int, str]:
        with pytest.raises(SystemExit) as exit_:
            main(args)
        captured = capsys.readouterr()
        return exit_.value.code, captured.out + captured.err
    return invoke


@pytest.fixture()
def met_config(tmp_path) -> Path:
    return write_audit(tmp_path / "met", fp_b=220)


def test_gate_passes_when_the_standard_is_met(met_config, tmp_path, run):
    code, out = run(["gate", str(met_config), "--junit", str(tmp_path / "j.xml")])
    assert code == 0, out
    assert "Gate: PASSED" in out
    suite = ET.parse(tmp_path / "j.xml").getroot()
    assert suite.tag == "testsuite"
    assert suite.get("tests") == "3" and suite.get("failures") == "0"
    names = [c.get("name") for c in suite.iter("testcase")]
    assert names == ["F2 Error rates are balanced", "G1 A DPIA is complete", "overall verdict"]
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["standard.version"] == "1.0.0-test" and props["standard.verdict"] == "met"


@pytest.mark.slow
def test_gate_on_results_json_without_the_data(met_config, tmp_path, run):
    out_dir = tmp_path / "out"
    assert run(["audit", str(met_config), "--out", str(out_dir)])[0] == 0
    (met_config.parent / "data.csv").unlink()  # another machine: no data
    code, out = run(["gate", str(out_dir / "results.json")])
    assert code == 0, out


@pytest.mark.slow
def test_gate_fails_on_compas_and_junit_marks_failures(compas_result, tmp_path, run):
    results = tmp_path / "results.json"
    compas_result.write(results)
    junit = tmp_path / "junit.xml"
    code, out = run(["gate", str(results), "--junit", str(junit)])
    assert code == 1
    assert "Gate: FAILED" in out and "F2 not met" in out
    suite = ET.parse(junit).getroot()
    cases = {c.get("name").split()[0]: c for c in suite.iter("testcase")}
    assert cases["F2"].find("failure") is not None
    assert "African-American" in cases["F2"].find("failure").text
    # A required criterion never assessed (no attestations) fails, named as such: a grey
    # "skipped" would hide that the release was never checked.
    assert cases["G1"].find("failure").get("type") == "not assessed"
    assert cases["G1"].find("failure").get("message").startswith("not assessed: required.")
    assert cases["T3"].find("failure") is None and cases["T3"].find("skipped") is None
    assert cases["overall"].find("failure") is not None
    assert int(suite.get("failures")) == sum(c.find("failure") is not None
                                             for c in suite.iter("testcase"))
    # --allow-incomplete does not rescue a "not met"
    assert run(["gate", str(results), "--allow-incomplete"])[0] == 1


def test_incomplete_fails_unless_allowed(tmp_path, run):
    config = write_audit(tmp_path / "inc", fp_b=220, answers=False)
    code, out = run(["gate", str(config)])
    assert code == 1 and "incomplete" in out
    code, out = run(["gate", str(config), "--allow-incomplete"])
    assert code == 0 and "Gate: PASSED (--allow-incomplete)" in out


@pytest.mark.parametrize("make_target, message", [
    (lambda p: p / "nope.json", "no such results file"),
    (lambda p: (p / "bad.json").write_text("{", encoding="utf-8") and p / "bad.json",
     "not a valid results.json"),
    (lambda p: (p / "bad.yaml").write_text("data: {path: x.csv}\nprotected: [g]\nfoo: 1\n",
                                           encoding="utf-8") and p / "bad.yaml",
     "unknown key 'foo'"),
])
def test_bad_input_exits_2(tmp_path, make_target, message, run):
    code, out = run(["gate", str(make_target(tmp_path))])
    assert code == 2
    assert message in out


@pytest.mark.slow
def test_baseline_regression_fails_the_gate_and_shows_the_change(met_config, tmp_path, run):
    base_dir, worse_dir = tmp_path / "base", tmp_path / "worse"
    assert run(["audit", str(met_config), "--out", str(base_dir)])[0] == 0
    worse = write_audit(tmp_path / "worse-src", fp_b=265)  # FPR gap +0.065: still within 0.10
    assert run(["audit", str(worse), "--out", str(worse_dir)])[0] == 0
    junit = tmp_path / "j.xml"
    code, out = run(["gate", str(worse_dir / "results.json"), "--baseline",
                     str(base_dir / "results.json"), "--junit", str(junit)])
    assert "Essex Standard 1.0.0-test: met" in out  # the Standard alone would pass...
    assert code == 1  # ...but the disparity got worse than the baseline
    assert "REGRESSION F2: false positive rate difference, B (g): 0.020 in the baseline, " \
           "0.065 now" in out
    cases = {c.get("name"): c for c in ET.parse(junit).getroot().iter("testcase")}
    assert cases["F2 no regression"].find("failure") is not None
    # The other way round, the disparity improved: no regression.
    code, out = run(["gate", str(base_dir / "results.json"), "--baseline",
                     str(worse_dir / "results.json")])
    assert code == 0, out
    assert "0 got worse" in out


@pytest.mark.slow
def test_baseline_ignores_changes_within_uncertainty(met_config, tmp_path, run):
    a, b = tmp_path / "a", tmp_path / "b"
    run(["audit", str(met_config), "--out", str(a)])
    slightly = write_audit(tmp_path / "slightly", fp_b=230)  # +0.03 vs +0.02: noise at n=10,000
    run(["audit", str(slightly), "--out", str(b)])
    code, out = run(["gate", str(b / "results.json"), "--baseline", str(a / "results.json")])
    assert code == 0, out


def test_gate_without_standard_section_is_bad_input(tmp_path, compas_result, run):
    doc = json.loads(compas_result.to_json())
    del doc["standard"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, _ = run(["gate", str(path)])
    assert code == 2


def test_gate_help_lists_exit_codes():
    result = CliRunner().invoke(cli, ["gate", "--help"])
    assert "Exits 0\n  when the Standard is met" in result.output and "--baseline" in result.output


def test_junit_file_reads_in_a_common_junit_reader(tmp_path, run):
    """junitparser (a widely used JUnit reader) sees the counts, times and files we meant."""
    from junitparser import Failure, JUnitXml, Skipped

    config = write_audit(tmp_path / "inc", fp_b=220, answers=False)
    junit = tmp_path / "j.xml"
    code, _ = run(["gate", str(config), "--junit", str(junit)])
    assert code == 1
    xml = JUnitXml.fromfile(str(junit))  # junitparser wraps a lone <testsuite> in JUnitXml
    (suite,) = list(xml)
    assert xml.tests == 3 and xml.failures == 2
    cases = {c.name: c for c in suite}
    assert list(cases) == ["F2 Error rates are balanced", "G1 A DPIA is complete",
                           "overall verdict"]
    assert suite.tests == 3 and suite.failures == 2 and suite.skipped == 0 and suite.errors == 0
    assert suite.time is not None and suite.time > 0  # the gate ran the audit
    assert cases["overall verdict"].time == suite.time
    assert all(c.time == 0 for n, c in cases.items() if n != "overall verdict")
    g1 = cases["G1 A DPIA is complete"].result
    assert isinstance(g1[0], Failure) and g1[0].type == "not assessed"
    # Criteria point at the Standard file (the user's own fork here) and its line.
    fork = str(config.parent / "fork.yaml")
    elements = {c.name: c._elem for c in suite}
    assert elements["G1 A DPIA is complete"].get("file") == fork
    line = int(elements["G1 A DPIA is complete"].get("line"))
    assert (config.parent / "fork.yaml").read_text().splitlines()[line - 1].strip() == "- id: G1"
    assert elements["overall verdict"].get("file") == str(config)

    # --allow-incomplete: the unassessed criterion is skipped, the gate passes.
    code, _ = run(["gate", str(config), "--junit", str(junit), "--allow-incomplete"])
    assert code == 0
    (suite,) = list(JUnitXml.fromfile(str(junit)))
    cases = {c.name: c for c in suite}
    assert suite.failures == 0 and suite.skipped == 1
    assert isinstance(cases["G1 A DPIA is complete"].result[0], Skipped)


def test_bundled_standard_cases_point_at_the_config(compas_result, tmp_path):
    from essex_standard.gate import evaluate, junit_xml

    xml = junit_xml(evaluate(compas_result.doc), source="audit/audit.yaml", elapsed=1.5)
    suite = ET.fromstring(xml)
    assert suite.get("time") == "1.500" and suite.get("timestamp")
    assert {c.get("file") for c in suite.iter("testcase")} == {"audit/audit.yaml"}
    assert not any(c.get("line") for c in suite.iter("testcase"))
