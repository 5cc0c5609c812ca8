"""The audit configuration: ``audit.yaml`` → a validated :class:`AuditConfig`.

The keys are the tool's public contract.  Validation is strict (an unknown key is an error, not
a silent no-op) because a misspelt ``refrence:`` that is ignored would quietly change which
group every disparity is measured against.  Every error names the file, the key and the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config_checks import check_keys, expect, suggest
from .config_data import (  # noqa: F401 - re-exported: part of the config's public names
    DATA_KEYS,
    DataConfig,
    Threshold,
    parse_data,
    parse_positive_label,
)
from .config_decision import audit_date, parse_decision, parse_previous
from .config_model import (  # noqa: F401 - re-exported: part of the config's public names
    MODEL_ITEM_KEYS,
    MODEL_LIST_FIELDS,
    MODEL_TEXT_FIELDS,
    parse_model,
)
from .errors import ConfigError, shown

__all__ = ["AuditConfig", "DataConfig", "EstimatorConfig", "ProtectedAttribute", "Threshold",
           "check_keys", "load_config", "parse_config"]

ESTIMATOR_KEYS = ("path", "features", "trusted", "trusted_types", "positive_class")
PROTECTED_KEYS = ("column", "reference", "label", "categorical", "order", "labels")
TOP_LEVEL_KEYS = (
    "model",
    "data",
    "estimator",
    "protected",
    "intersections",
    "seed",
    "bootstrap",
    "confidence_level",
    "min_group_size",
    "standard",
    "attestations",
    "privacy",
    "calibration",
    "drift",
    "over_time",
    "max_groups",
    "decision",
    "previous_audit",
)

#: Bootstrap replicates beyond this add nothing a report can show (the Monte Carlo error of a
#: 95% percentile interval at 100,000 replicates is far below the figures' rounding) and cost
#: memory in proportion: a billion replicates would need tens of gigabytes.
MAX_BOOTSTRAP = 100_000
#: Default cap on the groups of one attribute or intersection: a report table of more than 50
#: rows is unreadable, and most of them would be too small to judge.
DEFAULT_MAX_GROUPS = 50
MAX_GROUPS_LIMIT = 10_000


@dataclass(frozen=True)
class ProtectedAttribute:
    """A protected characteristic: a column, an optional reference group and display label."""

    column: str
    reference: str | None = None
    label: str | None = None
    categorical: bool = False
    """``categorical: true``: a numeric column (codes) is a set of groups, not a number."""
    order: tuple[str, ...] = ()
    """Values shown first, in this order (the rest follow in natural order: group_order.py)."""
    labels: tuple[tuple[str, str], ...] = ()
    """(value in the data, label shown for it) pairs, e.g. ("A92", "female")."""


@dataclass(frozen=True)
class EstimatorConfig:
    """A model to run on the data instead of reading prediction columns."""

    path: Path
    features: tuple[str, ...]
    trusted: bool = False
    trusted_types: tuple[str, ...] = ()
    positive_class: Any = None
    """The model's class that means "flag"; ``None``: found from the classes (0/1,
    false/true, no/yes) or from ``data.positive_label`` when that is one of them."""


@dataclass(frozen=True)
class AuditConfig:
    """A validated audit configuration.

    ``raw`` keeps the configuration as the user wrote it (after validation), so that
    ``results.json`` can record exactly what was asked for.
    """

    model: dict[str, Any]
    data: DataConfig
    protected: tuple[ProtectedAttribute, ...]
    intersections: tuple[tuple[str, ...], ...] = ()
    estimator: EstimatorConfig | None = None
    seed: int = 0
    bootstrap: int = 1000
    confidence_level: float = 0.95
    min_group_size: int = 30
    max_groups: int = DEFAULT_MAX_GROUPS
    source: str = "<in memory>"
    base_dir: Path = field(default_factory=Path.cwd)
    raw: dict[str, Any] = field(default_factory=dict)
    sections: dict[str, Any] = field(default_factory=dict)
    """Sections owned by later pipeline stages (standard, privacy, calibration, drift...),
    validated by those stages, kept here as plain mappings."""
    decision: dict[str, Any] | None = None
    """What the owner decided after this audit (``decision:``), validated; None if not said."""
    previous: Path | None = None
    """The previous audit's results.json (``previous_audit:`` or ``--previous``)."""


def _parse_estimator(section: Any, src: str, base_dir: Path) -> EstimatorConfig:
    if not isinstance(section, Mapping):
        raise ConfigError(f"{src}: 'estimator' must be a mapping with 'path' and 'features'.")
    check_keys("estimator.", section, ESTIMATOR_KEYS, src)
    if "path" not in section:
        raise ConfigError(f"{src}: 'estimator.path' is missing; name the .skops or .onnx file.")
    if isinstance(section["path"], bool) or not isinstance(section["path"], (str, int)):
        raise ConfigError(f"{src}: 'estimator.path' must be a file path, not "
                          f"{shown(section['path'])}.")
    features = section.get("features")
    if not isinstance(features, list) or not features or not all(
        isinstance(f, str) for f in features
    ):
        raise ConfigError(
            f"{src}: 'estimator.features' must be a non-empty list of column names, "
            f"in the order the model expects them; got {shown(features)}."
        )
    trusted = section.get("trusted", False)
    expect(trusted, bool, "estimator.trusted", src, "true or false")
    trusted_types = section.get("trusted_types", [])
    if not isinstance(trusted_types, list) or not all(isinstance(t, str) for t in trusted_types):
        raise ConfigError(f"{src}: 'estimator.trusted_types' must be a list of type names.")
    return EstimatorConfig(
        path=base_dir / str(section["path"]),
        features=tuple(features),
        trusted=trusted,
        trusted_types=tuple(trusted_types),
        positive_class=parse_positive_label(section.get("positive_class"), src,
                                             "estimator.positive_class"),
    )


def _parse_protected(section: Any, src: str) -> tuple[ProtectedAttribute, ...]:
    if not isinstance(section, list) or not section:
        raise ConfigError(
            f"{src}: 'protected' must be a non-empty list of protected characteristics, "
            "e.g. '- column: ethnicity'."
        )
    out: list[ProtectedAttribute] = []
    for i, item in enumerate(section):
        if isinstance(item, str):
            item = {"column": item}
        if not isinstance(item, Mapping) or "column" not in item:
            raise ConfigError(
                f"{src}: 'protected[{i}]' must be a column name or a mapping with 'column'; "
                f"got {shown(item)}."
            )
        check_keys(f"protected[{i}].", item, PROTECTED_KEYS, src)
        for key in ("column", "reference", "label"):
            value = item.get(key)
            if value is not None and (isinstance(value, bool) or
                                      not isinstance(value, (str, int, float))):
                raise ConfigError(f"{src}: 'protected[{i}].{key}' must be text, not "
                                  f"{shown(value)}.")
        ref = item.get("reference")
        label = item.get("label")
        categorical = expect(item.get("categorical", False), bool,
                              f"protected[{i}].categorical", src, "true or false")
        from .group_order import parse_group_display  # imports pandas: only when needed

        order, group_labels = parse_group_display(item, i, src)
        out.append(
            ProtectedAttribute(
                column=str(item["column"]),
                reference=None if ref is None else str(ref),
                label=None if label is None else str(label),
                categorical=categorical,
                order=order,
                labels=group_labels,
            )
        )
    columns = [p.column for p in out]
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        raise ConfigError(f"{src}: 'protected' lists {', '.join(dupes)} more than once.")
    return tuple(out)


def _parse_intersections(
    section: Any, protected: tuple[ProtectedAttribute, ...], src: str
) -> tuple[tuple[str, ...], ...]:
    if section is None:
        return ()
    if not isinstance(section, list):
        raise ConfigError(f"{src}: 'intersections' must be a list of lists, e.g. [[race, sex]].")
    names = [p.column for p in protected]
    out = []
    for i, combo in enumerate(section):
        if not isinstance(combo, list) or len(combo) < 2:
            raise ConfigError(
                f"{src}: 'intersections[{i}]' must list two or more protected columns; "
                f"got {shown(combo)}."
            )
        for col in combo:
            if col not in names:
                raise ConfigError(
                    f"{src}: 'intersections[{i}]' names {shown(col)}, which is not under "
                    f"'protected'.{suggest(str(col), names)} Add it to 'protected' first."
                )
        if len(set(combo)) != len(combo):
            raise ConfigError(f"{src}: 'intersections[{i}]' repeats a column: {shown(combo)}.")
        out.append(tuple(str(c) for c in combo))
    return tuple(out)


def _check_monitoring_inputs(raw: Mapping[str, Any], data: DataConfig, src: str,
                             from_file: bool, reference_given: bool) -> None:
    """A ``drift`` or ``over_time`` section without the input it needs is an error, not a
    section silently left unmeasured."""
    if "drift" in raw and data.reference is None and not reference_given:
        fix = ("set 'data.reference' to the reference (training-period) file, e.g. "
               "'reference: data/reference.csv'" if from_file
               else "pass the reference rows as reference_df=")
        raise ConfigError(
            f"{src}: a 'drift' section is given but 'data.reference' is missing, so there is "
            f"nothing to compare with. To measure drift, {fix}; otherwise remove 'drift'."
        )
    if "over_time" in raw and data.time is None:
        fix = ("set 'data.time' to the date column, e.g. 'time: referral_date'" if from_file
               else "pass the date column as time=")
        raise ConfigError(
            f"{src}: an 'over_time' section is given but 'data.time' is missing, so there is "
            f"no time to split the rows by. To measure fairness over time, {fix}; otherwise "
            "remove 'over_time'."
        )


def parse_config(
    raw: Any, source: str = "<in memory>", base_dir: Path | None = None, require_path: bool = True,
    reference_given: bool = False,
) -> AuditConfig:
    """Validate a configuration mapping (already parsed from YAML) into an :class:`AuditConfig`.

    ``reference_given``: the reference data comes from elsewhere (``audit_frame(reference_df=
    ...)``), so a ``drift`` section needs no ``data.reference``.

    >>> cfg = parse_config({"data": {"path": "x.csv", "y_true": "y", "y_score": "s",
    ...                             "threshold": 0.5}, "protected": ["sex"]})
    >>> cfg.data.threshold.describe(), [p.column for p in cfg.protected]
    ('score >= 0.5', ['sex'])
    """
    src = source
    base = base_dir or Path.cwd()
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{src}: the file must be a YAML mapping with 'data' and 'protected'.")
    check_keys("", raw, TOP_LEVEL_KEYS, src)
    for needed in ("data", "protected"):
        if needed not in raw:
            raise ConfigError(f"{src}: the key '{needed}' is missing; see examples/*/audit.yaml.")
    data = parse_data(raw["data"], src, base, require_path)
    estimator = _parse_estimator(raw["estimator"], src, base) if raw.get("estimator") else None
    if estimator is None and data.y_pred is None and data.y_score is None:
        raise ConfigError(
            f"{src}: nothing to audit. Name a prediction column ('data.y_pred'), a score column "
            "with a threshold ('data.y_score' and 'data.threshold'), or a model ('estimator')."
        )
    if data.y_pred is not None and data.threshold is not None:
        raise ConfigError(
            f"{src}: 'data.y_pred' and 'data.threshold' are both given; use y_pred for "
            "predictions you already have, or a threshold to derive them from the score, not both."
        )
    if estimator is None and data.y_pred is None and data.threshold is None:
        raise ConfigError(
            f"{src}: 'data.y_score' is given without 'data.threshold'. Say how scores become "
            "flags: a number (e.g. 'threshold: 5') or a capacity rule "
            "('threshold: {top_percent: 10}')."
        )
    _check_monitoring_inputs(raw, data, src, require_path, reference_given)
    protected = _parse_protected(raw["protected"], src)
    roles = {"data.y_true": data.y_true, "data.y_score": data.y_score, "data.y_pred": data.y_pred,
             "data.time": data.time}
    for attr in protected:
        for key, column in roles.items():
            if attr.column == column:
                raise ConfigError(
                    f"{src}: 'protected' names '{attr.column}', which is also '{key}'. A protected "
                    "characteristic is who a person is (e.g. ethnicity, sex, age band), not an "
                    "outcome, score or date."
                )
    intersections = _parse_intersections(raw.get("intersections"), protected, src)

    seed = expect(raw.get("seed", 0), int, "seed", src, "a whole number")
    if not 0 <= seed < 2**63:
        raise ConfigError(f"{src}: 'seed' is {seed}; use a whole number from 0 upwards.")
    bootstrap = expect(raw.get("bootstrap", 1000), int, "bootstrap", src, "a whole number")
    if bootstrap != 0 and bootstrap < 100:
        raise ConfigError(
            f"{src}: 'bootstrap' is {bootstrap}; use 0 (closed-form intervals only) or at least "
            "100 replicates (1000 is the default)."
        )
    if bootstrap > MAX_BOOTSTRAP:
        raise ConfigError(
            f"{src}: 'bootstrap' is {bootstrap:,}; at most {MAX_BOOTSTRAP:,} replicates are "
            "allowed. Beyond that the intervals change less than the rounding of the reported "
            "figures, while memory and time grow in proportion (1000 is the default)."
        )
    level = expect(raw.get("confidence_level", 0.95), (int, float), "confidence_level", src,
                    "a number between 0.5 and 0.999")
    if not 0.5 <= level < 1:
        raise ConfigError(f"{src}: 'confidence_level' is {level}; use e.g. 0.95.")
    min_n = expect(raw.get("min_group_size", 30), int, "min_group_size", src, "a whole number")
    if min_n < 1:
        raise ConfigError(f"{src}: 'min_group_size' must be at least 1.")
    max_groups = expect(raw.get("max_groups", DEFAULT_MAX_GROUPS), int, "max_groups", src,
                         "a whole number")
    if not 2 <= max_groups <= MAX_GROUPS_LIMIT:
        raise ConfigError(
            f"{src}: 'max_groups' is {max_groups:,}; use a number from 2 to "
            f"{MAX_GROUPS_LIMIT:,} (default {DEFAULT_MAX_GROUPS})."
        )
    from .privacy import resolve_privacy

    resolve_privacy(raw.get("privacy"), src)  # fail early; the pipeline records the result
    sections = {
        k: raw[k]
        for k in ("standard", "attestations", "privacy", "calibration", "drift", "over_time")
        if k in raw
    }
    model = parse_model(raw.get("model"), src)
    model["audit_date"] = audit_date(model, src)
    previous = parse_previous(raw.get("previous_audit"), src)
    return AuditConfig(
        model=model,
        data=data,
        protected=protected,
        intersections=intersections,
        estimator=estimator,
        seed=seed,
        bootstrap=bootstrap,
        confidence_level=float(level),
        min_group_size=min_n,
        max_groups=max_groups,
        source=src,
        base_dir=base,
        raw=dict(raw),
        sections=sections,
        decision=parse_decision(raw.get("decision"), src),
        previous=None if previous is None else base / previous,
    )


def load_config(path: str | Path) -> AuditConfig:
    """Read and validate an ``audit.yaml``.  Relative paths inside it are relative to it."""
    from .standard.yamlfile import read_yaml

    path = Path(path)
    if not path.exists():
        raise ConfigError(
            f"{path}: no such configuration file. Pass the path to an audit.yaml "
            "(see examples/childrens-social-care/audit.yaml)."
        )
    raw = read_yaml(path, "configuration", ConfigError)
    if raw is None:
        raise ConfigError(f"{path}: the file is empty; see examples/*/audit.yaml for a start.")
    return parse_config(raw, source=str(path), base_dir=path.resolve().parent)
