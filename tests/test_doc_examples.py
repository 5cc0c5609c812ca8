"""The published example outputs in docs/examples/ are what the tool produces today.

Run ``python scripts/make_doc_examples.py`` after a change that alters an audit; this test
fails until the committed examples are regenerated, so the docs never show stale results.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from make_doc_examples import EXAMPLES  # noqa: E402


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_committed_results_match_a_fresh_audit(name):
    import essex_standard

    committed = ROOT / "docs" / "examples" / name / "results.json"
    assert committed.is_file(), f"run scripts/make_doc_examples.py ({committed} missing)"
    fresh = essex_standard.audit(ROOT / EXAMPLES[name]).to_json()
    assert committed.read_text(encoding="utf-8") == fresh, (
        f"docs/examples/{name} is stale: run python scripts/make_doc_examples.py"
    )
