"""The audit command as a user meets it: outputs, exit codes, and errors without tracebacks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from essex_standard.cli import main
from essex_standard.result import AuditResult, validate

ROOT = Path(__file__).resolve().parent.parent
COMPAS = ROOT / "examples" / "compas"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "essex_standard", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_help_is_instant_and_imports_nothing_heavy():
    code = (
        "import sys, essex_standard.cli as c\n"
        "try:\n    c.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('pandas', 'numpy', 'sklearn', 'weasyprint', 'fairlearn', 'scipy')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert "Commands:" in out.stdout and "audit" in out.stdout
    assert "HEAVY []" in out.stdout


@pytest.mark.slow
def test_audit_writes_results_and_report(tmp_path):
    proc = run_cli("audit", str(COMPAS / "audit.yaml"), "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "results.json").read_text())
    validate(doc)
    assert doc["data"]["rows"] == 7214
    assert len(doc["inputs"][0]["sha256"]) == 64
    html = (tmp_path / "technical-report.html").read_text()
    assert '<html lang="en-GB">' in html and "African-American" in html


@pytest.mark.slow
def test_same_inputs_same_seed_give_byte_identical_json(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        main_rc = run_cli("audit", str(COMPAS / "audit.yaml"), "--out", str(out)).returncode
        assert main_rc == 0
    assert (a / "results.json").read_bytes() == (b / "results.json").read_bytes()


def test_results_json_round_trips(compas_result, tmp_path):
    path = compas_result.write(tmp_path / "results.json")
    again = AuditResult.load(path)
    assert again.to_json() == compas_result.to_json()
    assert again.fairness["race"].by_group.equals(compas_result.fairness["race"].by_group)


def _write_config(tmp_path: Path, **changes) -> Path:
    cfg = yaml.safe_load((COMPAS / "audit.yaml").read_text())
    shutil.copytree(COMPAS / "data", tmp_path / "data")
    for dotted, value in changes.items():
        node = cfg
        *parents, last = dotted.split("__")
        for p in parents:
            node = node[p]
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    path = tmp_path / "audit.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


BAD_INPUTS = [
    (
        {"data__y_true": "two_year_recidd"},
        "no column 'two_year_recidd'",
        "Did you mean 'two_year_recid'",
    ),
    ({"data__treshold": 5}, "unknown key 'data.treshold'", "Did you mean 'threshold'"),
    ({"data__y_true": "priors_count"}, "column 'priors_count' (outcome) must be binary",
     "distinct values"),
    ({"data__y_true": "race"}, "'protected' names 'race', which is also 'data.y_true'",
     "not an outcome"),
    ({"seed": -1}, "'seed' is -1", "from 0 upwards"),
    ({"data__positive_label": [1]}, "'data.positive_label' is [1]", "single value"),
    ({"protected": [{"column": "id"}], "intersections": None},
     "'id' has 7,214 distinct values", "Group the values into bands"),
    ({"data__score_range": [0, 1], "data__threshold": 0.5}, "outside the declared range [0, 1]",
     "row "),
    ({"data__threshold": {"top_percent": 150}}, "top_percent", "at most 100"),
    (
        {"protected": [{"column": "race", "reference": "White"}, "sex"]},
        "reference group 'White'",
        "Caucasian",
    ),
    ({"intersections": [["race", "gender"]]}, "'gender', which is not under 'protected'", "Add it"),
    ({"bootstrap": 5}, "'bootstrap' is 5", "at least"),
    ({"data__path": "data/nope.csv"}, "does not exist", "data.path"),
]


@pytest.mark.parametrize("changes,needle,hint", BAD_INPUTS)
def test_bad_input_exits_2_with_a_clear_message(tmp_path, capsys, changes, needle, hint):
    config = _write_config(tmp_path, **changes)
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        main(["audit", str(config), "--out", str(out)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and needle in err and hint in err, err
    assert "Traceback" not in err
    assert not out.exists(), "nothing may be written for bad input"


@pytest.mark.slow
def test_bad_input_through_the_real_console_has_no_traceback(tmp_path):
    config = _write_config(tmp_path, data__y_true="nope")
    proc = run_cli("audit", str(config), "--out", str(tmp_path / "o"))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "no column 'nope'" in proc.stderr


@pytest.mark.parametrize(
    "text,needle",
    [
        ("", "the file is empty"),
        ("data: [unclosed", "not valid YAML at line 1"),
        ("- just\n- a list\n", "must be a YAML mapping"),
    ],
)
def test_malformed_config_files(tmp_path, capsys, text, needle):
    config = tmp_path / "audit.yaml"
    config.write_text(text)
    with pytest.raises(SystemExit) as exc:
        main(["audit", str(config)])
    assert exc.value.code == 2
    assert needle in capsys.readouterr().err


def test_missing_config_file_and_usage_errors_exit_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["audit", str(tmp_path / "missing.yaml")])
    assert exc.value.code == 2
    assert "no such configuration file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["audit"])
    assert exc.value.code == 2


def test_empty_and_header_only_data_files(tmp_path, capsys):
    config = _write_config(tmp_path)
    data = tmp_path / "data" / "compas-two-years.csv"
    header = data.read_text().splitlines()[0]
    for content, needle in (("", "is empty"), (header + "\n", "has a header but no rows")):
        data.write_text(content)
        with pytest.raises(SystemExit) as exc:
            main(["audit", str(config), "--out", str(tmp_path / "o")])
        assert exc.value.code == 2
        assert needle in capsys.readouterr().err


# --------------------------------------------------------------------------- degrade, select, show


def _tiny_project(folder: Path) -> Path:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    df = pd.DataFrame({"y": rng.integers(0, 2, 200), "g": rng.choice(["A", "B"], 200)})
    df["p"] = rng.integers(0, 2, 200)
    df.to_csv(folder / "d.csv", index=False)
    cfg = {"model": {"name": "Tiny"}, "protected": ["g"], "bootstrap": 0,
           "data": {"path": "d.csv", "y_true": "y", "y_pred": "p"}}
    (folder / "audit.yaml").write_text(yaml.safe_dump(cfg))
    return folder / "audit.yaml"


@pytest.fixture
def no_pango(monkeypatch):
    """WeasyPrint as on a machine without Pango: its import raises OSError (cffi dlopen)."""
    import builtins

    from essex_standard.render import pdf

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise OSError("cannot load library 'libgobject-2.0-0': libgobject-2.0-0: cannot "
                          "open shared object file: No such file or directory")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    monkeypatch.setattr(pdf, "_weasyprint_error", None)


@pytest.mark.slow
def test_without_pango_everything_but_the_pdfs_is_written(tmp_path, capsys, no_pango):
    config = _tiny_project(tmp_path)
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        main(["audit", str(config), "--out", str(out)])
    err = capsys.readouterr().err
    assert exc.value.code == 3, err
    assert sorted(p.name for p in out.iterdir()) == [
        "atrs.json", "atrs.md", "model-card.json", "model-card.md", "public-report.html",
        "results.json", "technical-report.html"]
    for needle in ("technical-report.pdf was not written", "public-report.pdf was not written",
                   "libgobject-2.0-0", "apt install", "brew install pango", "MSYS2",
                   "is incomplete (exit code 3)"):
        assert needle in err, needle
    assert "Traceback" not in err
    validate(json.loads((out / "results.json").read_text()))
    # The report command has nothing else to write: the same message, exit 3.
    with pytest.raises(SystemExit) as exc:
        main(["report", str(out / "results.json"), "--format", "pdf"])
    err = capsys.readouterr().err
    assert exc.value.code == 3 and "brew install pango" in err and "Traceback" not in err


def test_only_writes_the_chosen_outputs_and_always_results(tmp_path, capsys):
    config = _tiny_project(tmp_path)
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        main(["audit", str(config), "--out", str(out), "--only", "public-html, atrs.md"])
    assert exc.value.code == 0, capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["atrs.md", "public-report.html",
                                                     "results.json"]


def test_help_names_every_output_for_only():
    from click.testing import CliRunner

    from essex_standard.commands.audit import command
    from essex_standard.outputs import OUTPUT_NAMES

    text = " ".join(CliRunner().invoke(command, ["--help"]).output.split())
    for name in OUTPUT_NAMES:
        assert name in text, name
    assert "results.json is always written" in text


@pytest.mark.slow
def test_progress_only_on_a_terminal_and_not_with_quiet(tmp_path):
    import io

    from essex_standard.progress import Progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    shown = Tty()
    with Progress(total=2, stream=shown) as p, p.step("Measuring"):
        pass
    assert "[1/2] Measuring" in shown.getvalue()
    for stream, enabled in ((io.StringIO(), None), (Tty(), False)):  # a pipe; --quiet
        with Progress(total=2, stream=stream, enabled=enabled) as p, p.step("Measuring"):
            pass
        assert stream.getvalue() == ""
    # Through the real console, stderr is a pipe: no progress lines in it.
    config = _tiny_project(tmp_path)
    proc = run_cli("audit", str(config), "--out", str(tmp_path / "o"), "--only", "results")
    assert proc.returncode == 0, proc.stderr
    assert "[1/" not in proc.stderr and "Measuring" not in proc.stderr
