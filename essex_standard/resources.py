"""Locate files shipped with the package (templates, checklists, schemas).

``templates/`` and ``checklists/`` live at the top of the repository so that people can read
and fork them, and setup.cfg maps them into the wheel as ``essex_standard.templates`` and
``essex_standard.checklists``.  Looking them up through :mod:`importlib.resources` works for
wheels and editable installs alike; the fallback to the source tree covers running from a
checkout without installing.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_SOURCE_ROOT = Path(__file__).resolve().parent.parent


def _resource_dir(package: str, folder: str) -> Path:
    try:
        path = Path(str(resources.files(package)))
        if path.is_dir():
            return path
    except (ModuleNotFoundError, TypeError):
        pass
    return _SOURCE_ROOT / folder


def templates_dir() -> Path:
    """The folder holding the Jinja2 templates and CSS."""
    return _resource_dir("essex_standard.templates", "templates")


def checklists_dir() -> Path:
    """The folder holding the versioned Essex Standard YAML files."""
    return _resource_dir("essex_standard.checklists", "checklists")


def schema_path(name: str) -> Path:
    """Path of a JSON Schema shipped in ``essex_standard/schema``."""
    return Path(__file__).resolve().parent / "schema" / name
