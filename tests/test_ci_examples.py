"""The CI examples run as written: their shell steps are executed here against a small audit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CI = ROOT / "examples" / "ci"


def _project(tmp_path: Path) -> Path:
    """A repository layout as the workflows expect: audit/audit.yaml and its data."""
    audit = tmp_path / "audit"
    (audit / "data").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "compas" / "data" / "compas-two-years.csv", audit / "data")
    cfg = yaml.safe_load((ROOT / "examples" / "compas" / "audit.yaml").read_text())
    cfg["bootstrap"] = 0
    cfg.pop("intersections", None)
    (audit / "audit.yaml").write_text(yaml.safe_dump(cfg))
    return tmp_path


def _env() -> dict[str, str]:
    bindir = str(Path(sys.executable).parent)
    if not (Path(bindir) / "essex-standard").exists():
        pytest.skip("the essex-standard console script is not installed beside this Python")
    return {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}


def _github_steps() -> list[str]:
    workflow = yaml.safe_load((CI / "github-actions.yml").read_text())
    steps = workflow["jobs"]["essex-standard"]["steps"]
    return [s["run"] for s in steps if "run" in s and "pip install" not in s["run"]]


def _gitlab_steps() -> list[str]:
    job = yaml.safe_load((CI / "gitlab-ci.yml").read_text())["essex-standard-gate"]
    return [line for line in job["script"] if "pip install" not in line]


@pytest.mark.slow
@pytest.mark.parametrize("steps", [_github_steps, _gitlab_steps], ids=["github", "gitlab"])
def test_ci_steps_run_and_gate(tmp_path, steps):
    project, env = _project(tmp_path), _env()
    commands = steps()
    assert any("essex-standard audit" in c for c in commands)
    codes = [subprocess.run(["bash", "-c", c], cwd=project, env=env, capture_output=True,
                            text=True, timeout=300) for c in commands]
    assert codes[0].returncode == 0, codes[0].stderr  # the audit completes
    gate = codes[-1]
    assert gate.returncode == 1, gate.stdout + gate.stderr  # COMPAS does not meet the Standard
    junit = ET.parse(project / "audit-output" / "essex-standard-junit.xml").getroot()
    assert int(junit.get("failures")) >= 1
    # A later release, with the last results committed as the baseline, compares against it.
    (project / "audit" / "baseline").mkdir()
    shutil.copy(project / "audit-output" / "results.json", project / "audit" / "baseline")
    again = subprocess.run(["bash", "-c", commands[-1]], cwd=project, env=env,
                           capture_output=True, text=True, timeout=300)
    assert "Baseline:" in again.stdout and again.returncode == 1
