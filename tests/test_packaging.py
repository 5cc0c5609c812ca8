"""Packaging promises: the runtime requires what it imports (and nothing it does not), the
package declares its typing and Python versions, ships its data, and shell completion works."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "essex_standard"

#: Imported at run time but installed through another requirement or an optional extra.
INDIRECT = {
    "joblib": "scikit-learn depends on it; used only for trusted pickles",
    "markupsafe": "jinja2 depends on it",
    "pyarrow": "the 'parquet' extra; reading Parquet says how to install it",
    "onnxruntime": "the 'onnx' extra; loading an ONNX model says how to install it",
    "pyspark": "the 'spark' extra; data.engine: spark says how to install it",
    "ibis": "the 'spark' extra (ibis-framework); only the spark engine imports it",
}
#: Required although no module imports it by name.
REQUIRED_UNIMPORTED = {
    "scikit-learn": "skops and pickled models are scikit-learn estimators; it runs them",
}


def _setup_cfg() -> dict:
    from setuptools.config.setupcfg import read_configuration

    return read_configuration(str(ROOT / "setup.cfg"))


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0].strip().lower()


def _runtime_imports() -> set[str]:
    names: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "essex_standard"}


def test_runtime_requirements_are_what_the_runtime_imports():
    required = {_name(r) for r in _setup_cfg()["options"]["install_requires"]}
    dists = packages_distributions()
    imported = set()
    for module in _runtime_imports() - set(INDIRECT):
        assert module in dists, f"{module} is imported but not installed"
        imported |= {d.lower() for d in dists[module]}
    assert imported <= required, f"imported but not required: {imported - required}"
    assert required - imported == set(REQUIRED_UNIMPORTED), required - imported
    for reference_only in ("fairlearn", "aif360", "matplotlib"):
        assert reference_only not in required


def test_extras_hold_the_reference_and_docs_tools():
    extras = {k: {_name(r) for r in v}
              for k, v in _setup_cfg()["options"]["extras_require"].items()}
    assert {"fairlearn", "aif360", "polars", "pyarrow"} <= extras["test"]
    assert {"mkdocs", "mkdocs-material", "mkdocstrings"} == extras["docs"]
    assert extras["docs"] <= extras["test"]  # the suite builds the docs site


def test_typing_and_python_versions_are_declared():
    cfg = _setup_cfg()
    classifiers = cfg["metadata"]["classifiers"]
    for minor in (10, 11, 12, 13):
        assert f"Programming Language :: Python :: 3.{minor}" in classifiers
    assert "Typing :: Typed" in classifiers
    assert cfg["options"]["python_requires"] == ">=3.10"
    assert "py.typed" in cfg["options"]["package_data"]["essex_standard"]
    assert (PACKAGE / "py.typed").is_file()


def test_the_schemas_are_package_data():
    patterns = _setup_cfg()["options"]["package_data"]["essex_standard.schema"]
    assert patterns == ["*.json"]
    for name in ("audit-config.schema.json", "results.schema.json"):
        assert (PACKAGE / "schema" / name).is_file()


def _complete(**env: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "essex_standard"], capture_output=True,
                          text=True, timeout=120, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize(("shell", "marker"), [
    ("bash", "complete -o nosort -F _essex_standard_completion essex-standard"),
    ("zsh", "compdef _essex_standard_completion essex-standard"),
    ("fish", "complete --no-files --command essex-standard"),
])
def test_shell_completion_script_is_produced(shell, marker):
    assert marker in _complete(_ESSEX_STANDARD_COMPLETE=f"{shell}_source")


def test_completion_offers_the_commands():
    out = _complete(_ESSEX_STANDARD_COMPLETE="bash_complete", COMP_WORDS="essex-standard i",
                    COMP_CWORD="1")
    assert out.split() == ["plain,init"]


def test_every_subpackage_is_listed_for_installation():
    """A subpackage missing from setup.cfg's ``packages`` works from the source tree (editable
    install) and fails only after ``pip install .`` (as the CI examples found for engines/)."""
    import configparser

    root = Path(__file__).resolve().parents[1]
    cfg = configparser.ConfigParser()
    cfg.read(root / "setup.cfg")
    listed = set(cfg["options"]["packages"].split())
    found = {".".join(p.parent.relative_to(root).parts)
             for p in (root / "essex_standard").rglob("__init__.py")}
    assert found <= listed, sorted(found - listed)
