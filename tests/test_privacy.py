"""Disclosure-control settings: presets, validation, recording in results.json."""

from __future__ import annotations

import re

import pytest

from essex_standard.config import parse_config
from essex_standard.errors import ConfigError
from essex_standard.privacy import resolve_privacy

BASE = {"data": {"path": "x.csv", "y_true": "y", "y_pred": "p"}, "protected": ["sex"]}


@pytest.mark.parametrize("preset,min_cell,zero", [("default", 10, True), ("dfe", 6, False),
                                                  ("nhs", 8, False)])
def test_presets(preset, min_cell, zero):
    s = resolve_privacy({"preset": preset})
    assert (s["min_cell"], s["suppress_zero"]) == (min_cell, zero)


@pytest.mark.parametrize("section,needle", [
    ({"preset": "ons"}, "privacy.preset"),
    ({"min_cell": 0}, "privacy.min_cell"),
    ({"min_cell": "ten"}, "privacy.min_cell"),
    ({"min_cel": 5}, "unknown key 'privacy.min_cel'"),
    ({"suppress_zero": "yes"}, "privacy.suppress_zero"),
    ("ten", "'privacy' must be a mapping"),
])
def test_bad_privacy_config_is_a_clear_error(section, needle):
    with pytest.raises(ConfigError, match=re.escape(needle)):
        parse_config({**BASE, "privacy": section})


def test_explicit_min_cell_overrides_preset():
    assert resolve_privacy({"preset": "dfe", "min_cell": 20})["min_cell"] == 20


def test_model_list_fields_are_validated():
    with pytest.raises(ConfigError, match=r"model.impact_assessments\[0\].name"):
        parse_config({**BASE, "model": {"impact_assessments": [{"date": "2024"}]}})
    with pytest.raises(ConfigError, match=re.escape("model.responses")):
        parse_config({**BASE, "model": {"responses": ["F1"]}})
    cfg = parse_config({**BASE, "model": {"responses": {"F1": "We did X."},
                                          "risks": [{"name": "R", "mitigation": "M"}]}})
    assert cfg.model["responses"] == {"F1": "We did X."}
