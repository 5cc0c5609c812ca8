"""The ``standard:`` and ``attestations:`` keys of ``audit.yaml``, and the judge stage.

``standard: {path: our-standard.yaml, overrides: {F2: {threshold: 0.05}}}`` lets a council use
its own fork of the Standard, or its own thresholds, without touching code; every override is
recorded in ``results.json`` beside the file's SHA-256, so a reader sees exactly what was
applied.  Paths are relative to the config file's folder.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from .attestations import Attestations, load_attestations
from .judge import judge
from .model import Standard, check_threshold, load_standard, with_overrides

if TYPE_CHECKING:
    from ..config import AuditConfig

STANDARD_KEYS = ("path", "overrides")
OVERRIDE_KEYS = ("threshold",)


def _check_overrides(raw: Any, standard: Standard, src: str) -> dict[str, dict[str, Any]]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{src}: 'standard.overrides' must map criterion ids to settings, "
                          "e.g. {F2: {threshold: 0.05}}.")
    ids = [c.id for c in standard.criteria]
    out = {}
    for cid, setting in raw.items():
        key = f"standard.overrides.{cid}"
        if cid not in ids:
            close = difflib.get_close_matches(str(cid), ids, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise ConfigError(f"{src}: '{key}': {standard.id} {standard.version} has no "
                              f"criterion {cid}.{hint}")
        criterion = standard.criterion(str(cid))
        if criterion.measure is None:
            raise ConfigError(f"{src}: '{key}': {cid} is attested, so it has no threshold to "
                              "override; answer it in the attestations file.")
        if not isinstance(setting, Mapping) or set(setting) - set(OVERRIDE_KEYS) or \
                "threshold" not in setting:
            raise ConfigError(f"{src}: '{key}' must be a mapping with 'threshold' only, e.g. "
                              f"{{threshold: 0.05}}; got {setting!r}.")
        problem = check_threshold(setting["threshold"], criterion.measure.statistic,
                                  criterion.measure.comparison)
        if problem or setting["threshold"] is None:
            raise ConfigError(f"{src}: '{key}.threshold' is {setting['threshold']!r}: it "
                              f"{problem or 'must be a number'}. {cid} checks: "
                              f"{criterion.measure.describe()}.")
        value = setting["threshold"]
        out[str(cid)] = {"threshold": list(value) if isinstance(value, (list, tuple)) else value}
    return out


def standard_for_config(cfg: AuditConfig) -> tuple[Standard, Attestations | None]:
    """The Standard (with overrides) and the attestations an audit config asks for."""
    src = cfg.source
    section = cfg.sections.get("standard") or {}
    if not isinstance(section, Mapping):
        raise ConfigError(f"{src}: 'standard' must be a mapping with 'path' and/or "
                          "'overrides'.")
    for key in section:
        if key not in STANDARD_KEYS:
            close = difflib.get_close_matches(str(key), STANDARD_KEYS, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise ConfigError(f"{src}: unknown key 'standard.{key}'.{hint} Allowed keys here: "
                              f"{', '.join(STANDARD_KEYS)}.")
    path = section.get("path")
    if path is not None and not isinstance(path, str):
        raise ConfigError(f"{src}: 'standard.path' must be the path of a Standard YAML file.")
    standard = load_standard(_resolve(cfg, path)) if path else load_standard()
    if path:
        standard = _shown_as(standard, path)
    standard = with_overrides(standard, _check_overrides(section.get("overrides"), standard,
                                                         src))
    attestations = None
    file = cfg.sections.get("attestations")
    if file is not None:
        if not isinstance(file, str) or not file.strip():
            raise ConfigError(f"{src}: 'attestations' must be the path of an attestations file "
                              "(written by 'essex-standard assess').")
        attestations = load_attestations(_resolve(cfg, file), standard, shown=file)
    return standard, attestations


def _resolve(cfg: AuditConfig, path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else cfg.base_dir / p


def _shown_as(standard: Standard, path: str) -> Standard:
    from dataclasses import replace

    return replace(standard, path=path)


def judge_stage(doc: Mapping[str, Any], cfg: AuditConfig) -> dict[str, Any]:
    """Stage 3 of the pipeline: the measured document + config → the ``standard`` section.

    A criterion the Standard file gives no plain words for is noted in ``doc["notes"]`` (the
    audit prints every note as a warning): its rule would reach residents in a generic form.
    """
    standard, attestations = standard_for_config(cfg)
    notes = doc.get("notes")
    if isinstance(notes, list):
        notes.extend(n for n in wording_notes(standard) if n not in notes)
    return judge(doc, standard, attestations)


def wording_notes(standard: Standard) -> list[str]:
    """What the public report would have to say in a generic form, one note per criterion.

    >>> wording_notes(load_standard())
    []
    """
    out = []
    for c in standard.measured:
        assert c.measure is not None
        if c.rule is None:
            out.append(f"The Standard's criterion {c.id} ({c.title}) in {standard.path} has "
                       "no 'rule': the public report states its rule in a generic form. Add "
                       "the rule in plain words (docs/standard.md, \"A criterion's words\").")
        unworded = [m for m in c.measure.metrics if c.words_for(m) is None]
        if unworded and c.measure.source != "overall":
            out.append(f"The Standard's criterion {c.id} in {standard.path} has no 'words' "
                       f"for {', '.join(unworded)}: the public report names a gap in "
                       f"{'it' if len(unworded) == 1 else 'them'} by the metric's name. Add "
                       "'words' (docs/standard.md, \"A criterion's words\").")
    return out


def standard_for_config_file(cfg: AuditConfig) -> tuple[Standard, Path]:
    """For ``assess --config``: the Standard and where its attestations file is (or will be).

    Unlike :func:`standard_for_config` it does not read the attestations file, which may not
    exist yet or be half-written.
    """
    src = cfg.source
    section = cfg.sections.get("standard") or {}
    path = section.get("path") if isinstance(section, Mapping) else None
    standard = load_standard(_resolve(cfg, path)) if isinstance(path, str) else load_standard()
    file = cfg.sections.get("attestations", "attestations.yaml")
    if not isinstance(file, str) or not file.strip():
        raise ConfigError(f"{src}: 'attestations' must be the path of an attestations file.")
    return standard, _resolve(cfg, file)
