"""The published example outputs in docs/examples/ are what the tool produces today.

Run ``python scripts/make_doc_examples.py`` after a change that alters an audit; this test
fails until the committed examples are regenerated, so the docs never show stale results.

What is compared is what matters, not bytes: every text, count, key and verdict exactly, and
every floating-point figure to a relative tolerance far below what any report shows.  The
last bits of a float can differ between machines (OpenBLAS chooses its kernel by CPU, numpy's
SIMD loops by instruction set), and the library versions recorded in ``tool.libraries`` differ
between environments by design.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from make_doc_examples import EXAMPLES  # noqa: E402

REL_TOL = 1e-9  # results.json keeps 12 significant digits; kernels differ near 1e-14
ABS_TOL = 1e-12


def differences(committed: Any, fresh: Any, where: str = "$") -> list[str]:
    """Where two results documents differ beyond float tolerance (empty when they agree)."""
    if isinstance(committed, float) or isinstance(fresh, float):
        if isinstance(committed, (int, float)) and isinstance(fresh, (int, float)) and \
                not isinstance(committed, bool) and not isinstance(fresh, bool) and \
                math.isclose(committed, fresh, rel_tol=REL_TOL, abs_tol=ABS_TOL):
            return []
        return [f"{where}: {committed!r} != {fresh!r}"]
    if isinstance(committed, dict) and isinstance(fresh, dict):
        if list(committed) != list(fresh):
            return [f"{where}: keys {sorted(set(committed) ^ set(fresh))} differ (or their order)"]
        return [d for k in committed for d in differences(committed[k], fresh[k], f"{where}.{k}")]
    if isinstance(committed, list) and isinstance(fresh, list):
        if len(committed) != len(fresh):
            return [f"{where}: {len(committed)} items != {len(fresh)}"]
        return [d for i, (a, b) in enumerate(zip(committed, fresh, strict=True))
                for d in differences(a, b, f"{where}[{i}]")]
    return [] if committed == fresh and type(committed) is type(fresh) else \
        [f"{where}: {committed!r} != {fresh!r}"]


def test_differences_sees_what_matters():
    base = {"a": 0.1234567890123, "b": "met", "n": 3, "l": [1.0, None]}
    assert differences(base, {**base, "a": 0.1234567890123 * (1 + 1e-13)}) == []
    assert differences(base, {**base, "a": 0.1235})
    assert differences(base, {**base, "b": "not met"})
    assert differences(base, {**base, "n": 4})
    assert differences(base, {**base, "l": [1.0, 0.0]})
    assert differences(base, {**base, "extra": 1})


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_committed_results_match_a_fresh_audit(name):
    import essex_standard

    committed_path = ROOT / "docs" / "examples" / name / "results.json"
    assert committed_path.is_file(), f"run scripts/make_doc_examples.py ({committed_path} missing)"
    committed = json.loads(committed_path.read_text(encoding="utf-8"))
    fresh = json.loads(essex_standard.audit(ROOT / EXAMPLES[name]).to_json())
    for doc in (committed, fresh):
        doc["tool"].pop("libraries", None)
    found = differences(committed, fresh)
    assert not found, (
        f"docs/examples/{name} is stale ({len(found)} differences, first: {found[:5]}): "
        "run python scripts/make_doc_examples.py"
    )
