"""essex-standard: audit any predictive model against the Essex Standard.

The public API is imported lazily so that ``essex-standard --help`` and ``import
essex_standard`` stay instant; pandas, scikit-learn and friends load on first use.

>>> import essex_standard
>>> essex_standard.__version__ == essex_standard._version.__version__
True
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ._version import __version__

_EXPORTS = {
    "audit": "essex_standard.pipeline",
    "audit_frame": "essex_standard.pipeline",
    "AuditResult": "essex_standard.result",
    "AuditConfig": "essex_standard.config",
    "load_config": "essex_standard.config",
    "load_standard": "essex_standard.standard",
    "write_outputs": "essex_standard.outputs",
    "EssexStandardError": "essex_standard.errors",
}
#: Also public, by module: ``essex_standard.gate.evaluate`` / ``junit_xml`` (the release gate),
#: ``essex_standard.render.*`` (each report on its own), ``essex_standard.assess`` (the
#: self-assessment interview).

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'essex_standard' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
