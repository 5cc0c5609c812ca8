"""``AuditResult``: the contract between measuring and everything that renders or gates.

The result *is* its JSON document (``results.json``); the Python object is a thin view over
it, so a result loaded from a file on another machine, years later, behaves exactly like one
just computed.  Serialisation is deterministic: same inputs and seed, byte-identical file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ResultsError
from .resources import schema_path

if TYPE_CHECKING:
    import pandas as pd

SCHEMA_VERSION = "1.4.0"  # 1.1: calibration, drift, over_time; 1.2: floats, versions; 1.3: rule;
# 1.4: disclosure (what the public outputs hide and why)
SCHEMA_FILE = "results.schema.json"

#: Significant digits kept for every number in ``results.json``.  Floating-point results can
#: differ in the last few bits between machines (OpenBLAS picks its kernel by CPU; numpy's SIMD
#: loops differ by instruction set), so the file promises agreement to this precision across
#: machines, and byte-identity for the same inputs and seed on one machine.  Twelve digits is
#: far below any figure a report shows and far above the ~1e-14 spread seen between kernels.
FLOAT_DIGITS = 12

#: Libraries whose versions can change a figure; recorded so a result can be reproduced.
_RECORDED_LIBRARIES = ("numpy", "scipy", "pandas", "scikit-learn")


def tool_record() -> dict[str, Any]:
    """The ``tool`` block: this tool's version and the numeric libraries that computed the file.

    >>> sorted(tool_record()["libraries"])
    ['numpy', 'pandas', 'python', 'scikit-learn', 'scipy']
    """
    from ._version import __version__

    return {
        "name": "essex-standard",
        "version": __version__,
        "float_digits": FLOAT_DIGITS,
        "libraries": dict(_library_versions()),
    }


@lru_cache(maxsize=1)
def _library_versions() -> tuple[tuple[str, str], ...]:
    """Read once per process: each lookup parses a package's METADATA file (~5 ms per audit)."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    libraries = [("python", platform.python_version())]
    for name in _RECORDED_LIBRARIES:
        try:
            libraries.append((name, version(name)))
        except PackageNotFoundError:  # pragma: no cover - all are install requirements
            libraries.append((name, "not installed"))
    return tuple(libraries)


def round_floats(obj: Any, digits: int = FLOAT_DIGITS) -> Any:
    """A copy of ``obj`` with every float rounded to ``digits`` significant digits.

    >>> round_floats({"a": [0.1 + 0.2, 2, "x"]})
    {'a': [0.3, 2, 'x']}
    """
    if isinstance(obj, float):
        return float(f"{obj:.{digits}g}") if math.isfinite(obj) else obj
    if isinstance(obj, Mapping):
        return {k: round_floats(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [round_floats(v, digits) for v in obj]
    return obj


def _check_finite(obj: Any, where: str = "$") -> None:
    """Refuse NaN and infinities anywhere: an undefined value must be null with a reason."""
    if isinstance(obj, float) and not math.isfinite(obj):
        raise ValueError(f"non-finite number at {where} (a bug: undefined values must be null)")
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            _check_finite(v, f"{where}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _check_finite(v, f"{where}[{i}]")


class AttributeFairness:
    """Fairness results for one protected attribute or intersection.

    ``by_group`` mirrors fairlearn's ``MetricFrame.by_group``: one row per group, one column
    per metric (values only; intervals are in ``ci_low`` / ``ci_high``).
    """

    def __init__(self, name: str, doc: Mapping[str, Any]):
        self.name = name
        self.doc = doc

    @property
    def reference_group(self) -> str:
        return self.doc["reference_group"]

    @property
    def groups(self) -> Mapping[str, Any]:
        return self.doc["groups"]

    @property
    def summary(self) -> Mapping[str, Any]:
        return self.doc["summary"]

    def _frame(self, pick) -> pd.DataFrame:
        import pandas as pd

        rows = {}
        for group, entry in self.groups.items():
            rows[group] = {m: pick(v) for m, v in entry["metrics"].items()}
        frame = pd.DataFrame.from_dict(rows, orient="index", dtype=float)
        frame.index.name = self.name
        return frame

    @property
    def by_group(self) -> pd.DataFrame:
        """Metric values per group (NaN where undefined — see ``groups`` for the reason)."""
        frame = self._frame(lambda v: v["value"])
        frame.insert(0, "n", [e["n"] for e in self.groups.values()])
        return frame

    @property
    def ci_low(self) -> pd.DataFrame:
        return self._frame(lambda v: v["ci"][0] if v.get("ci") else None)

    @property
    def ci_high(self) -> pd.DataFrame:
        return self._frame(lambda v: v["ci"][1] if v.get("ci") else None)

    def disparities(self, kind: str = "difference") -> pd.DataFrame:
        """Differences (or ratios) against the reference group, one row per other group."""
        import pandas as pd

        rows = {
            group: {m: d[kind]["value"] for m, d in entry["disparities"].items()}
            for group, entry in self.groups.items()
            if not entry.get("is_reference")
        }
        frame = pd.DataFrame.from_dict(rows, orient="index", dtype=float)
        frame.index.name = self.name
        return frame

    def __repr__(self) -> str:
        return (
            f"<AttributeFairness {self.name!r}: {len(self.groups)} groups, "
            f"reference {self.reference_group!r}>"
        )

    def _repr_html_(self) -> str:
        """Jupyter: the group table (n, share, key rates with intervals), escaped."""
        from .notebook import fairness_html

        return fairness_html(self.name, self.doc)


class _FairnessView(Mapping[str, AttributeFairness]):
    def __init__(self, doc: Mapping[str, Any]):
        self._doc = doc

    def __getitem__(self, key: str) -> AttributeFairness:
        if key not in self._doc:
            raise KeyError(f"{key!r}: no such protected attribute; audited: {list(self._doc)}")
        return AttributeFairness(key, self._doc[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._doc)

    def __len__(self) -> int:
        return len(self._doc)


class AuditResult:
    """The outcome of an audit, backed by its ``results.json`` document."""

    def __init__(self, doc: dict[str, Any]):
        self.doc = doc

    # ---- views
    @property
    def fairness(self) -> Mapping[str, AttributeFairness]:
        """``result.fairness["race"].by_group`` → groups × metrics DataFrame."""
        return _FairnessView(self.doc.get("fairness", {}))

    @property
    def overall(self) -> Mapping[str, Any]:
        return self.doc.get("overall", {})

    @property
    def standard(self) -> Mapping[str, Any] | None:
        return self.doc.get("standard")

    @property
    def model(self) -> Mapping[str, Any]:
        return self.doc.get("model", {})

    # ---- serialisation
    def to_json(self) -> str:
        """The canonical ``results.json`` text: deterministic, no NaN, newline-terminated.

        Numbers are written to :data:`FLOAT_DIGITS` significant digits.
        """
        _check_finite(self.doc)
        text = json.dumps(round_floats(self.doc), indent=2, ensure_ascii=False, allow_nan=False)
        return text + "\n"

    def write(self, path: str | Path) -> Path:
        """Validate against the schema, then write atomically (never a half-written file)."""
        path = Path(path)
        text = self.to_json()
        validate(self.doc)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        return path

    @classmethod
    def from_json(cls, text: str) -> AuditResult:
        return cls(json.loads(text))

    @classmethod
    def load(cls, path: str | Path) -> AuditResult:
        """Read and validate a ``results.json`` written by this or an earlier compatible version."""
        path = Path(path)
        if not path.is_file():
            raise ResultsError(f"{path}: no such results file. Run 'essex-standard audit' first.")
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ResultsError(f"{path}: not a valid results.json ({str(exc)[:300]}).") from None
        except RecursionError:
            doc = None
        if doc is None or _too_deep(doc):
            raise ResultsError(f"{path}: not a results.json: values are nested more than "
                               f"{MAX_JSON_DEPTH} levels deep.")
        validate(doc, source=str(path))
        return cls(doc)

    def __repr__(self) -> str:
        name = self.model.get("name", "unnamed model")
        verdict = (self.standard or {}).get("verdict", "not judged")
        return f"<AuditResult {name!r}: {len(self.fairness)} attributes, Standard {verdict}>"

    def _repr_html_(self) -> str:
        """Jupyter: the model, the verdict and one compact line per criterion, escaped."""
        from .notebook import result_html

        return result_html(self.doc)


MAX_JSON_DEPTH = 64


def _too_deep(doc: Any) -> bool:
    """Whether a parsed JSON document nests deeper than any results.json (checked without
    recursion, so a hostile file cannot raise RecursionError in a renderer later)."""
    stack = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return False


def load_schema() -> dict[str, Any]:
    return json.loads(schema_path(SCHEMA_FILE).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator() -> Any:
    """Built once per process: ``write_outputs`` and ``save``/``load`` each validate."""
    import jsonschema

    return jsonschema.Draft202012Validator(load_schema())


def validate(doc: Mapping[str, Any], source: str = "results") -> None:
    """Validate a results document against the shipped JSON Schema."""
    validator = _validator()
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        raise ResultsError(
            f"{source}: does not match the results schema {SCHEMA_VERSION} at '{where}': "
            f"{err.message[:300]}. Was it written by another version of essex-standard?"
        )
