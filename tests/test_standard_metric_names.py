"""A forked Standard with a misspelt metric fails when it is read, naming line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from essex_standard.errors import StandardFileError
from essex_standard.standard.model import parse_standard

ROOT = Path(__file__).resolve().parent.parent
V1 = (ROOT / "checklists" / "essex-standard-v1.yaml").read_text()


def test_misspelt_metric_is_refused_with_a_suggestion():
    text = V1.replace("metric: selection_rate", "metric: selction_rate", 1)
    with pytest.raises(StandardFileError) as exc:
        parse_standard(text, "fork.yaml")
    message = str(exc.value)
    assert "fork.yaml, line" in message and "measure.metric" in message
    assert "Did you mean 'selection_rate'" in message


def test_unknown_source_is_refused():
    text = V1.replace("source: fairness", "source: fairnes", 1)
    with pytest.raises(StandardFileError, match="'fairnes'; use one of fairness"):
        parse_standard(text, "fork.yaml")


def test_bundled_standard_names_only_known_metrics():
    assert parse_standard(V1, "v1.yaml").criteria
