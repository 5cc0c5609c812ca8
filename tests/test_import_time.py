"""``import essex_standard`` stays instant: heavy libraries load where they are used.

Counted in modules, not seconds, so the test means the same on a busy machine: a fresh
interpreter imports the package and reports what landed in ``sys.modules``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "scipy", "sklearn", "matplotlib", "weasyprint", "jinja2", "jsonschema",
         "skops", "fairlearn", "aif360", "pyarrow", "numpy", "yaml")


def _modules_after(statement: str) -> dict[str, list[str]]:
    code = (
        "import json, sys\n"
        "before = set(sys.modules)\n"
        f"{statement}\n"
        "new = sorted(set(sys.modules) - before)\n"
        "print(json.dumps({'new': new}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_loads_no_heavy_module_and_few_modules():
    new = _modules_after("import essex_standard")["new"]
    heavy = sorted({m.split(".")[0] for m in new} & set(HEAVY))
    assert heavy == [], f"import essex_standard loaded {heavy}"
    ours = [m for m in new if m.startswith("essex_standard")]
    assert ours == ["essex_standard", "essex_standard._version"], ours
    assert len(new) < 25, new  # a handful of standard-library modules at most


def test_version_and_public_names_need_no_heavy_import():
    new = _modules_after(
        "import essex_standard as e; e.__version__; dir(e)")["new"]
    assert not {m.split(".")[0] for m in new} & set(HEAVY)


def test_public_api_is_still_reachable():
    new = _modules_after("from essex_standard import EssexStandardError")["new"]
    assert "essex_standard.errors" in new
    assert not {m.split(".")[0] for m in new} & set(HEAVY)


def test_the_api_loads_pandas_but_not_scipy_or_the_renderers():
    """``audit_frame`` takes a pandas DataFrame, so pandas may load with it; scipy, the
    reports' libraries and the model loaders wait until an audit or a report needs them."""
    new = _modules_after("from essex_standard import audit_frame, audit, AuditResult")["new"]
    later = {"scipy", "sklearn", "matplotlib", "weasyprint", "jinja2", "jsonschema", "skops",
             "fairlearn", "aif360"}
    assert not {m.split(".")[0] for m in new} & later, sorted(
        {m.split(".")[0] for m in new} & later)
