"""The ``data:`` section of audit.yaml: where the rows are, which columns mean what, and how
scores become flags.  Values are checked here, before any work: a threshold that is not a
finite number, or that lies outside the declared score range, would flag everybody or nobody.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config_checks import check_keys, expect
from .errors import ConfigError, shown

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
    "engine",
    "table",
    "query",
    "connection",
)

#: Where the rows are reduced to frequency tables (``essex_standard.engines``).
ENGINES = ("duckdb", "spark", "memory")

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
    engine: str = "duckdb"
    """``duckdb`` (files, the default), ``spark`` (a table or query on a Spark session) or
    ``memory`` (pandas reads the file; the rows are measured one by one)."""
    table: str | None = None
    """A table of the engine's database to audit, in place of ``path``."""
    query: str | None = None
    """An SQL query whose result is audited, in place of ``path``."""
    connection: str | None = None
    """The name of an environment variable holding the connection (a DuckDB database file;
    for Spark, the master URL), never the connection itself: no password in the YAML."""


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
            amount = expect(amount, (int, float), f"{key}.top_percent", src, "a number")
            if not 0 < amount <= 100:
                raise ConfigError(
                    f"{src}: '{key}.top_percent' is {amount}; it must be above 0 and at most 100."
                )
            return Threshold(top_percent=float(amount))
        if rule == "top_k":
            amount = expect(amount, int, f"{key}.top_k", src, "a whole number")
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


def parse_positive_label(value: Any, src: str, key: str = "data.positive_label") -> Any:
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


def parse_data(section: Any, src: str, base_dir: Path, require_path: bool) -> DataConfig:
    if not isinstance(section, Mapping):
        raise ConfigError(f"{src}: 'data' must be a mapping with at least 'path' and 'y_true'.")
    check_keys("data.", section, DATA_KEYS, src)
    path = section.get("path")
    source = _parse_source(section, src)
    if path is None and require_path and not (source["table"] or source["query"]):
        raise ConfigError(f"{src}: 'data.path' is missing; name the CSV or Parquet file to audit "
                          "(or, with an engine, 'data.table' or 'data.query').")
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
        positive_label=parse_positive_label(section.get("positive_label"), src),
        score_range=parsed_range,
        reference=(base_dir / str(reference)) if reference is not None else None,
        time=_optional_str(section, "time", "data", src),
        missing_values=_parse_missing_values(section.get("missing_values"), src),
        **source,
    )


def _parse_source(section: Mapping[str, Any], src: str) -> dict[str, Any]:
    """``data.engine``, ``data.table`` / ``data.query`` and ``data.connection``, checked."""
    engine = section.get("engine", "duckdb")
    if engine not in ENGINES:
        raise ConfigError(f"{src}: 'data.engine' is {shown(engine)}; give one of "
                          f"{', '.join(ENGINES)} (duckdb is the default for files).")
    out: dict[str, Any] = {"engine": engine}
    for key in ("table", "query", "connection"):
        value = section.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, str)
                                  or not value.strip()):
            raise ConfigError(f"{src}: 'data.{key}' must be text, not {shown(value)}.")
        out[key] = value
    given = [k for k in ("path", "table", "query") if section.get(k) is not None]
    if len(given) > 1:
        raise ConfigError(f"{src}: give only one of 'data.path', 'data.table' and 'data.query' "
                          f"(found {', '.join(given)}).")
    if given and given[0] != "path" and engine == "memory":
        raise ConfigError(f"{src}: 'data.{given[0]}' needs an engine: set 'data.engine' to "
                          "duckdb or spark.")
    conn = out["connection"]
    if conn is not None and not conn.replace("_", "").isalnum():
        raise ConfigError(f"{src}: 'data.connection' is {shown(conn)}; give the *name* of an "
                          "environment variable that holds the connection (e.g. "
                          "AUDIT_DUCKDB_PATH), never the connection or a password itself.")
    return out
