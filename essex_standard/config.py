"""The audit configuration: ``audit.yaml`` → a validated :class:`AuditConfig`.

The keys are the tool's public contract.  Validation is strict (an unknown key is an error, not
a silent no-op) because a misspelt ``refrence:`` that is ignored would quietly change which
group every disparity is measured against.  Every error names the file, the key and the fix.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError, shown

#: Free-text fields about the model that are carried into reports.  A report shows a missing
#: field as "not provided", never an invented value.
MODEL_TEXT_FIELDS: tuple[str, ...] = (
    "name",
    "version",
    "owner",
    "purpose",
    "not_used_for",
    "description",
    "benefit",
    "decision_use",
    "human_review",
    "training",
    "challenge",
    "senior_responsible_owner",
    "team",
    "contact_email",
    "third_parties",
    "data_sources",
    "data_sharing",
    "fairness_priority",
    "audit_date",
    # Wording for the public report's natural frequencies ("of every 100 families who were
    # not re-referred, 12 were flagged"): plural noun for a row, the outcome and the flag.
    "people",
    "outcome",
    "no_outcome",
    "flagged",
    # Further ATRS v3.0 fields (see docs/reports.md for the mapping).
    "website",
    "phase",
    "scope",
    "previous_process",
    "alternatives",
    "frequency",
    "model_task",
    "model_inputs",
    "model_outputs",
    "architecture",
    "maintenance",
    "data_collection",
    "data_cleaning",
    "data_access",
    "license",
)
#: Structured (non-text) fields under ``model:``: impact_assessments (list of {name, date,
#: link, description}), risks (list of {name, description, mitigation}) and responses
#: (criterion id → what the organisation did about it), validated by ``_parse_model_item``.
MODEL_LIST_FIELDS: tuple[str, ...] = ("impact_assessments", "risks", "responses")
MODEL_ITEM_KEYS = {
    "impact_assessments": (("name",), ("name", "date", "link", "description")),
    "risks": (("name",), ("name", "description", "mitigation")),
}

DATA_KEYS = (
    "path",
    "y_true",
    "y_score",
    "y_pred",
    "threshold",
    "positive_label",
    "score_range",
    "reference",
    "time",
    "missing_values",
)
ESTIMATOR_KEYS = ("path", "features", "trusted", "trusted_types", "positive_class")
PROTECTED_KEYS = ("column", "reference", "label", "categorical")
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
class Threshold:
    """How scores become flags: a fixed cut-off or a capacity rule.

    Exactly one of the three is set.  ``value``: flag ``score >= value``.  ``top_percent`` /
    ``top_k``: flag the highest scores; people tied with the last one flagged are all flagged
    (breaking ties by row order would make the audit depend on how the file was sorted).
    """

    value: float | None = None
    top_percent: float | None = None
    top_k: int | None = None

    def describe(self) -> str:
        if self.value is not None:
            return f"score >= {self.value:g}"
        if self.top_percent is not None:
            return f"highest {self.top_percent:g}% of scores"
        return f"highest {self.top_k} scores"

    def to_dict(self) -> dict[str, Any]:
        if self.value is not None:
            return {"value": self.value}
        if self.top_percent is not None:
            return {"top_percent": self.top_percent}
        return {"top_k": self.top_k}


@dataclass(frozen=True)
class ProtectedAttribute:
    """A protected characteristic: a column, an optional reference group and display label."""

    column: str
    reference: str | None = None
    label: str | None = None
    categorical: bool = False
    """``categorical: true``: a numeric column (codes) is a set of groups, not a number."""


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
class DataConfig:
    """Where the rows are and which columns mean what."""

    path: Path | None
    y_true: str | None = None
    y_score: str | None = None
    y_pred: str | None = None
    threshold: Threshold | None = None
    positive_label: Any = None
    """The outcome's positive value; ``None`` when not given (then only an obvious pair such
    as 0/1, false/true or no/yes is accepted, as scikit-learn's ``pos_label``)."""
    score_range: tuple[float, float] | None = None
    reference: Path | None = None
    time: str | None = None
    missing_values: tuple[str, ...] = ()
    """Extra cell values read as missing; an empty cell always is."""


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


def _suggest(word: str, options: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" Did you mean '{close[0]}'?" if close else ""


def check_keys(where: str, mapping: Mapping[str, Any], allowed: tuple[str, ...], src: str) -> None:
    """Refuse unknown keys under ``where`` (e.g. ``"drift."``), suggesting the closest one."""
    for key in mapping:
        if key not in allowed:
            raise ConfigError(
                f"{src}: unknown key {shown(f'{where}{key}')}.{_suggest(str(key), allowed)} "
                f"Allowed keys here: {', '.join(allowed)}."
            )


def _expect(value: Any, kind: type | tuple[type, ...], key: str, src: str, hint: str) -> Any:
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        raise ConfigError(f"{src}: '{key}' must be {hint}, not {shown(value)}.")
    if not isinstance(value, kind):
        raise ConfigError(f"{src}: '{key}' must be {hint}, not {shown(value)}.")
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{src}: '{key}' is {value}; it must be {hint} (a finite number).")
    return value


def _parse_threshold(value: Any, src: str) -> Threshold:
    key = "data.threshold"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ConfigError(
                f"{src}: '{key}' is {value}; give a finite number (flag scores at or above it), "
                "or a capacity rule such as {top_percent: 10}."
            )
        return Threshold(value=float(value))
    if isinstance(value, Mapping) and len(value) == 1:
        (rule, amount), = value.items()
        if rule == "top_percent":
            amount = _expect(amount, (int, float), f"{key}.top_percent", src, "a number")
            if not 0 < amount <= 100:
                raise ConfigError(
                    f"{src}: '{key}.top_percent' is {amount}; it must be above 0 and at most 100."
                )
            return Threshold(top_percent=float(amount))
        if rule == "top_k":
            amount = _expect(amount, int, f"{key}.top_k", src, "a whole number")
            if amount < 1:
                raise ConfigError(f"{src}: '{key}.top_k' is {amount}; it must be at least 1.")
            return Threshold(top_k=int(amount))
    raise ConfigError(
        f"{src}: '{key}' is {shown(value)}. Give a number (flag scores at or above it), "
        "or a capacity rule such as {top_percent: 10} or {top_k: 500}."
    )


def _parse_score_range(value: Any, src: str) -> tuple[float, float]:
    ok = (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                for v in value)
        and value[0] < value[1]
    )
    if not ok:
        raise ConfigError(
            f"{src}: 'data.score_range' is {shown(value)}; give [low, high] (finite numbers) "
            "with low < high, "
            "for example [0, 1] for probabilities or [1, 10] for deciles."
        )
    return float(value[0]), float(value[1])


def _optional_str(section: Mapping[str, Any], key: str, where: str, src: str) -> str | None:
    value = section.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ConfigError(f"{src}: '{where}.{key}' must be a column name, not {shown(value)}.")
    return str(value)


def _parse_positive_label(value: Any, src: str, key: str = "data.positive_label") -> Any:
    if value is None:
        return None
    if isinstance(value, (str, int, bool)) or (isinstance(value, float) and math.isfinite(value)):
        return value
    raise ConfigError(
        f"{src}: '{key}' is {shown(value)}; give the single value that means 'has the "
        "outcome' / 'flagged', e.g. 1, true or \"re-referred\"."
    )


def _parse_missing_values(value: Any, src: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not all(
        isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value
    ):
        raise ConfigError(
            f"{src}: 'data.missing_values' is {shown(value)}; give a list of the cell values "
            "that mean 'not recorded', e.g. [\"NA\", \"Not known\"] (an empty cell always does)."
        )
    tokens = tuple(dict.fromkeys(str(v) for v in value))
    if any(t.strip() == "" for t in tokens):
        raise ConfigError(f"{src}: 'data.missing_values' lists a blank value; empty cells are "
                          "always missing, so leave it out.")
    return tokens


def _check_threshold_range(threshold: Threshold | None,
                           score_range: tuple[float, float] | None, src: str) -> None:
    """A fixed cut-off outside the declared score range flags everybody or nobody."""
    if threshold is None or threshold.value is None or score_range is None:
        return
    lo, hi = score_range
    if threshold.value > hi:
        raise ConfigError(
            f"{src}: 'data.threshold' is {threshold.value:g} but 'data.score_range' is "
            f"[{lo:g}, {hi:g}]: no score can reach it, so nobody would be flagged. Give a "
            "threshold inside the range (e.g. 0.5 for probabilities)."
        )
    if threshold.value <= lo:
        raise ConfigError(
            f"{src}: 'data.threshold' is {threshold.value:g} but 'data.score_range' is "
            f"[{lo:g}, {hi:g}]: every score is at or above it, so everybody would be "
            "flagged. Give a threshold inside the range."
        )


def _parse_data(section: Any, src: str, base_dir: Path, require_path: bool) -> DataConfig:
    if not isinstance(section, Mapping):
        raise ConfigError(f"{src}: 'data' must be a mapping with at least 'path' and 'y_true'.")
    check_keys("data.", section, DATA_KEYS, src)
    path = section.get("path")
    if path is None and require_path:
        raise ConfigError(f"{src}: 'data.path' is missing; name the CSV or Parquet file to audit.")
    threshold = section.get("threshold")
    score_range = section.get("score_range")
    reference = section.get("reference")
    for key in ("path", "reference"):
        value = section.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (str, int))):
            raise ConfigError(f"{src}: 'data.{key}' must be a file path, not {shown(value)}.")
    parsed_threshold = _parse_threshold(threshold, src) if threshold is not None else None
    parsed_range = _parse_score_range(score_range, src) if score_range is not None else None
    _check_threshold_range(parsed_threshold, parsed_range, src)
    return DataConfig(
        path=(base_dir / str(path)) if path is not None else None,
        y_true=_optional_str(section, "y_true", "data", src),
        y_score=_optional_str(section, "y_score", "data", src),
        y_pred=_optional_str(section, "y_pred", "data", src),
        threshold=parsed_threshold,
        positive_label=_parse_positive_label(section.get("positive_label"), src),
        score_range=parsed_range,
        reference=(base_dir / str(reference)) if reference is not None else None,
        time=_optional_str(section, "time", "data", src),
        missing_values=_parse_missing_values(section.get("missing_values"), src),
    )


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
    _expect(trusted, bool, "estimator.trusted", src, "true or false")
    trusted_types = section.get("trusted_types", [])
    if not isinstance(trusted_types, list) or not all(isinstance(t, str) for t in trusted_types):
        raise ConfigError(f"{src}: 'estimator.trusted_types' must be a list of type names.")
    return EstimatorConfig(
        path=base_dir / str(section["path"]),
        features=tuple(features),
        trusted=trusted,
        trusted_types=tuple(trusted_types),
        positive_class=_parse_positive_label(section.get("positive_class"), src,
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
        categorical = _expect(item.get("categorical", False), bool,
                              f"protected[{i}].categorical", src, "true or false")
        out.append(
            ProtectedAttribute(
                column=str(item["column"]),
                reference=None if ref is None else str(ref),
                label=None if label is None else str(label),
                categorical=categorical,
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
                    f"'protected'.{_suggest(str(col), names)} Add it to 'protected' first."
                )
        if len(set(combo)) != len(combo):
            raise ConfigError(f"{src}: 'intersections[{i}]' repeats a column: {shown(combo)}.")
        out.append(tuple(str(c) for c in combo))
    return tuple(out)


def _parse_model_item(key: str, value: Any, src: str) -> Any:
    """Validate a structured ``model:`` field; values become plain strings."""
    if key == "responses":
        if not isinstance(value, Mapping) or not all(
            isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value.values()
        ):
            raise ConfigError(
                f"{src}: 'model.responses' must map a Standard criterion id to what was done "
                "about it, e.g. 'responses: {F2: \"We reviewed the threshold...\"}'."
            )
        return {str(k): str(v).strip() for k, v in value.items()}
    required, allowed = MODEL_ITEM_KEYS[key]
    if not isinstance(value, list):
        raise ConfigError(
            f"{src}: 'model.{key}' must be a list of mappings with keys {', '.join(allowed)}."
        )
    items = []
    for i, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise ConfigError(
                f"{src}: 'model.{key}[{i}]' must be a mapping with keys {', '.join(allowed)}; "
                f"got {shown(item)}."
            )
        check_keys(f"model.{key}[{i}].", item, allowed, src)
        for k, v in item.items():
            _check_text(v, f"model.{key}[{i}].{k}", src)
        for need in required:
            if not item.get(need):
                raise ConfigError(f"{src}: 'model.{key}[{i}].{need}' is missing.")
        items.append({k: str(v).strip() for k, v in item.items() if v is not None})
    return items


def _parse_model(section: Any, src: str) -> dict[str, Any]:
    if section is None:
        return {}
    if not isinstance(section, Mapping):
        raise ConfigError(f"{src}: 'model' must be a mapping (name, version, owner, purpose...).")
    check_keys("model.", section, MODEL_TEXT_FIELDS + MODEL_LIST_FIELDS, src)
    out: dict[str, Any] = {}
    for key, value in section.items():
        if key in MODEL_LIST_FIELDS:
            out[key] = _parse_model_item(key, value, src)
        elif value is not None:
            _check_text(value, f"model.{key}", src)
            out[key] = str(value).strip()
    email = out.get("contact_email")
    if email and not _looks_like_email(email):
        raise ConfigError(
            f"{src}: 'model.contact_email' is {shown(email)}, which is not an e-mail address. Give "
            "one address such as transparency@example.gov.uk (one @, a dot in the domain, no "
            "spaces), or leave the key out."
        )
    return out


def _check_text(value: Any, key: str, src: str) -> None:
    """A free-text field must be text (or a number or date written bare in YAML)."""
    if value is None or isinstance(value, (str, int, float, bool, dt.date)):
        return
    raise ConfigError(
        f"{src}: '{key}' must be text, not {shown(value)}. Quote it if it holds a colon or "
        "brackets, e.g. name: \"Risk model: v2\"."
    )


def _looks_like_email(text: str) -> bool:
    """A sanity check, not RFC 5322: one ``@``, a dot inside the domain, no spaces.

    >>> _looks_like_email("team@example.gov.uk"), _looks_like_email("Team Inbox")
    (True, False)
    """
    if any(c.isspace() for c in text) or text.count("@") != 1:
        return False
    local, domain = text.split("@")
    return bool(local) and "." in domain and not domain.startswith(".") \
        and not domain.endswith(".")


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
    data = _parse_data(raw["data"], src, base, require_path)
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

    seed = _expect(raw.get("seed", 0), int, "seed", src, "a whole number")
    if not 0 <= seed < 2**63:
        raise ConfigError(f"{src}: 'seed' is {seed}; use a whole number from 0 upwards.")
    bootstrap = _expect(raw.get("bootstrap", 1000), int, "bootstrap", src, "a whole number")
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
    level = _expect(raw.get("confidence_level", 0.95), (int, float), "confidence_level", src,
                    "a number between 0.5 and 0.999")
    if not 0.5 <= level < 1:
        raise ConfigError(f"{src}: 'confidence_level' is {level}; use e.g. 0.95.")
    min_n = _expect(raw.get("min_group_size", 30), int, "min_group_size", src, "a whole number")
    if min_n < 1:
        raise ConfigError(f"{src}: 'min_group_size' must be at least 1.")
    max_groups = _expect(raw.get("max_groups", DEFAULT_MAX_GROUPS), int, "max_groups", src,
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
    return AuditConfig(
        model=_parse_model(raw.get("model"), src),
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
