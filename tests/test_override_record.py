"""Reports say what an override changed, from results.json alone (no Standard file needed)."""

from __future__ import annotations

import copy

from essex_standard.render.rules import override_sentence, overrides


def test_override_sentence_needs_only_results_json(csc_result):
    doc = copy.deepcopy(csc_result.doc)
    doc["standard"]["overrides"] = {"F2": {"threshold": 0.2, "standard_threshold": 0.1}}
    doc["standard"]["path"] = "/nowhere/forked-standard.yaml"  # the file is gone
    doc["standard"]["bundled"] = False
    (entry,) = overrides(doc)
    assert entry["default_known"] and entry["default"] == 0.1
    assert "from 10 in every 100" in override_sentence(entry)
