"""The Essex Standard: load a Standard file, read attestations, judge an audit.

>>> standard = load_standard()
>>> standard.version, [c.id for c in standard.criteria][:4]
('1.0.0', ['O1', 'O2', 'O3', 'O4'])
"""

from __future__ import annotations

from .attestations import Attestation, Attestations, load_attestations, parse_attestations
from .configured import judge_stage, standard_for_config
from .judge import judge, overall_verdict
from .model import Criterion, Measure, Standard, default_path, load_standard, parse_standard

__all__ = [
    "Attestation",
    "Attestations",
    "Criterion",
    "Measure",
    "Standard",
    "default_path",
    "judge",
    "judge_stage",
    "load_attestations",
    "load_standard",
    "overall_verdict",
    "parse_attestations",
    "parse_standard",
    "standard_for_config",
]
