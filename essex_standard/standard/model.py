"""The Essex Standard as data: principles → criteria, parsed and validated from YAML.

Nothing here knows what any criterion *means*.  A measured criterion is a pointer into
``results.json`` (source, metric, statistic), a comparison and a threshold; an attested
criterion is a question.  That is what lets a council fork the YAML without forking code.
Every validation error names the file, the line and the key.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import StandardFileError
from ..resources import checklists_dir
from .wording import problem as wording_problem
from .yamlfile import load_yaml, where

DEFAULT_FILE = "essex-standard-v1.yaml"
SEVERITIES = ("required", "recommended")
KINDS = ("measured", "attested")
STATISTICS = ("value", "difference", "ratio", "count", "point")
COMPARISONS = (">=", "<=", ">", "<", "within", "between")
APPLIES_TO = ("all", "attributes", "intersections")
GROUP_SELECTIONS = ("all", "all_but_missing", "missing")
MULTIPLICITY = ("holm", "bonferroni")
ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")

TOP_KEYS = ("id", "version", "title", "description", "decision", "evidence", "principles")
DECISION_KEYS = ("confidence_level", "multiplicity")
EVIDENCE_KEYS = ("min_group_size", "min_denominator")
PRINCIPLE_KEYS = ("id", "title", "description", "criteria")
CRITERION_KEYS = ("id", "title", "why", "rule", "words", "severity", "kind", "references",
                  "measure", "question", "guidance", "evidence_required",
                  "allow_not_applicable")
WORDS_KEYS = ("what", "who", "unchecked")
MEASURE_KEYS = ("source", "path", "metric", "statistic", "comparison", "threshold",
                "threshold_note", "applies_to", "groups", "evidence")


@dataclass(frozen=True)
class EvidenceRule:
    """Below these counts a comparison is *not assessable*, never quietly passed.

    ``min_group_size`` applies to the group (and the reference group, for a disparity);
    ``min_denominator`` to the metric's own denominator (people with the outcome for the true
    positive rate, without it for the false positive rate, flagged people for PPV...).
    """

    min_group_size: int = 30
    min_denominator: int = 10


@dataclass(frozen=True)
class Measure:
    """Where a measured criterion's figures live in ``results.json`` and how they are judged."""

    metrics: tuple[str, ...]
    statistic: str
    comparison: str
    threshold: float | tuple[float, float] | None
    source: str | None = None
    path: str | None = None
    threshold_note: str | None = None
    applies_to: str = "all"
    groups: str = "all"
    evidence: EvidenceRule = field(default_factory=EvidenceRule)

    def band(self) -> tuple[float, float] | None:
        """The closed interval of acceptable values, for ``within`` and ``between``."""
        t = self.threshold
        if self.comparison == "between":
            assert isinstance(t, tuple)
            return t
        if self.comparison == "within":
            assert isinstance(t, float)
            if self.statistic == "ratio":
                return (t, 1 / t)
            return (-t, t)
        return None

    def describe(self) -> str:
        """The rule in words, e.g. 'difference within ±0.1 of the reference group'."""
        t = self.threshold
        if t is None:
            return f"{self.statistic} {self.comparison} a threshold the model owner declares"
        if self.comparison == "within" and self.statistic == "ratio":
            lo, hi = self.band() or (0, 0)
            return f"ratio between {lo:g} and {hi:.4g} of the reference group's"
        if self.comparison == "within" and self.statistic == "difference":
            return f"difference within ±{t:g} of the reference group's"
        if self.comparison == "within":
            return f"{self.statistic} within ±{t:g}"
        if self.comparison == "between":
            lo, hi = self.band() or (0, 0)
            return f"{self.statistic} between {lo:g} and {hi:g}"
        return f"{self.statistic} {self.comparison} {t:g}"


@dataclass(frozen=True)
class MeasureWords:
    """How the public report speaks of one measure of a criterion, for its findings.

    ``what`` completes "were ___" ("wrongly {flagged}"); ``who`` names the people the rate is
    about ("who {no_outcome}"; empty when it is about everyone in the group); ``unchecked``
    completes "we could not check ___" ("how often the model missed them").
    """

    what: str
    who: str = ""
    unchecked: str | None = None


@dataclass(frozen=True)
class Criterion:
    """One criterion: measured (``measure`` set) or attested (``question`` set)."""

    id: str
    principle: str
    title: str
    why: str
    severity: str
    kind: str
    references: tuple[str, ...] = ()
    measure: Measure | None = None
    question: str | None = None
    guidance: str | None = None
    evidence_required: bool = False
    allow_not_applicable: bool = False
    #: The rule in plain words, with placeholders for the threshold and the model's nouns
    #: (:mod:`.wording`); None when the file gives none (the reports then use a generic form).
    rule: str | None = None
    #: Metric → how the public report speaks of it (:class:`MeasureWords`).
    words: tuple[tuple[str, MeasureWords], ...] = ()

    def words_for(self, metric: str) -> MeasureWords | None:
        return dict(self.words).get(metric)


@dataclass(frozen=True)
class Principle:
    id: str
    title: str
    description: str
    criteria: tuple[str, ...]


@dataclass(frozen=True)
class Standard:
    """A parsed Standard file, with the provenance recorded in every ``results.json``."""

    id: str
    version: str
    title: str
    description: str
    confidence_level: float
    multiplicity: str
    evidence: EvidenceRule
    principles: tuple[Principle, ...]
    criteria: tuple[Criterion, ...]
    path: str
    sha256: str
    bundled: bool = False
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)

    def criterion(self, cid: str) -> Criterion:
        for c in self.criteria:
            if c.id == cid:
                return c
        raise KeyError(cid)

    @property
    def attested(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.kind == "attested")

    @property
    def measured(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.kind == "measured")


# --------------------------------------------------------------------------- validation


class _Ctx:
    """The file being parsed, so every helper can say where an error is."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, container: Any, key: Any, key_path: str, message: str) -> StandardFileError:
        return StandardFileError(f"{where(self.source, container, key)}: '{key_path}' {message}")

    def check_keys(self, mapping: Mapping[str, Any], allowed: tuple[str, ...], prefix: str) -> None:
        for key in mapping:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), list(allowed), n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                raise self.fail(mapping, key, f"{prefix}{key}",
                                f"is not a known key.{hint} Allowed here: {', '.join(allowed)}.")

    def mapping(self, parent: Any, key: Any, key_path: str) -> Mapping[str, Any]:
        value = parent[key]
        if not isinstance(value, Mapping):
            raise self.fail(parent, key, key_path, f"must be a mapping, not {value!r}.")
        return value

    def text(self, parent: Any, key: str, key_path: str, required: bool = True) -> str | None:
        if key not in parent or parent[key] is None:
            if required:
                raise self.fail(parent, None, key_path, "is missing; every one needs it.")
            return None
        value = parent[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(parent, key, key_path, f"must be non-empty text, not {value!r}.")
        return " ".join(value.split())

    def choice(self, parent: Any, key: str, key_path: str, options: tuple[str, ...],
               default: str | None = None) -> str:
        if key not in parent:
            if default is None:
                raise self.fail(parent, None, key_path,
                                f"is missing; use one of: {', '.join(options)}.")
            return default
        value = parent[key]
        if value not in options:
            raise self.fail(parent, key, key_path,
                            f"is {value!r}; use one of: {', '.join(options)}.")
        return str(value)

    def whole(self, parent: Any, key: str, key_path: str, default: int) -> int:
        value = parent.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(parent, key, key_path, f"must be a whole number >= 0, not {value!r}.")
        return value

    def flag(self, parent: Any, key: str, key_path: str) -> bool:
        value = parent.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(parent, key, key_path, f"must be true or false, not {value!r}.")
        return value


def _evidence(ctx: _Ctx, parent: Any, key_path: str, default: EvidenceRule) -> EvidenceRule:
    if "evidence" not in parent:
        return default
    section = ctx.mapping(parent, "evidence", key_path)
    ctx.check_keys(section, EVIDENCE_KEYS, f"{key_path}.")
    return EvidenceRule(
        min_group_size=ctx.whole(section, "min_group_size", f"{key_path}.min_group_size",
                                 default.min_group_size),
        min_denominator=ctx.whole(section, "min_denominator", f"{key_path}.min_denominator",
                                  default.min_denominator),
    )


def check_threshold(value: Any, statistic: str, comparison: str) -> str | None:
    """Why ``value`` cannot be the threshold of such a comparison (None when it can).

    Shared by the Standard file and by overrides in an audit config.
    """
    number = (int, float)
    if value is None:
        return None if comparison != "between" else "a [low, high] pair is needed"
    if comparison == "between":
        ok = (isinstance(value, (list, tuple)) and len(value) == 2
              and all(isinstance(v, number) and not isinstance(v, bool) for v in value)
              and value[0] <= value[1])
        return None if ok else "must be a [low, high] pair of numbers with low <= high"
    if isinstance(value, bool) or not isinstance(value, number):
        return "must be a number"
    if comparison == "within" and statistic == "ratio" and not 0 < value < 1:
        return ("must be between 0 and 1 for a ratio (e.g. 0.8: the ratio must lie between "
                "0.8 and 1/0.8 = 1.25)")
    if comparison == "within" and value <= 0:
        return "must be above 0 (the largest acceptable gap either way)"
    return None


def normalise_threshold(value: Any) -> float | tuple[float, float] | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return (float(value[0]), float(value[1]))
    return float(value)


def known_metrics() -> dict[str, tuple[str, ...]]:
    """The metric names each ``source`` section of results.json holds.

    A misspelt metric in a forked Standard must fail when the file is read, not turn quietly
    into "not assessed" at every audit.
    """
    from ..metrics.calibration import METRIC_NAMES as CALIBRATION
    from ..metrics.rates import RATES

    rates = (*RATES, "roc_auc")
    return {"fairness": (*rates, "n", "share"), "overall": rates, "calibration": CALIBRATION}


def _metrics(ctx: _Ctx, section: Any, key_path: str) -> tuple[str, ...]:
    value = section.get("metric")
    if isinstance(value, str) and value.strip():
        names: tuple[str, ...] = (value.strip(),)
    elif isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        names = tuple(value)
    else:
        raise ctx.fail(section, "metric" if "metric" in section else None, f"{key_path}.metric",
                       f"must be a metric name or a list of them, not {value!r}.")
    known = known_metrics()
    source = section.get("source")
    if source not in known:
        raise ctx.fail(section, "source", f"{key_path}.source",
                       f"is {source!r}; use one of {', '.join(known)}, or 'path' for any other "
                       "figure in results.json.")
    for name in names:
        if name not in known[source]:
            close = difflib.get_close_matches(name, known[source], n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise ctx.fail(section, "metric", f"{key_path}.metric",
                           f"names '{name}', which the '{source}' section does not have.{hint} "
                           f"Known: {', '.join(known[source])}.")
    return names


def _measure(ctx: _Ctx, parent: Any, key_path: str, default: EvidenceRule) -> Measure:
    if "measure" not in parent:
        raise ctx.fail(parent, None, key_path, "is missing: a measured criterion needs 'measure'.")
    section = ctx.mapping(parent, "measure", f"{key_path}.measure")
    key_path = f"{key_path}.measure"
    ctx.check_keys(section, MEASURE_KEYS, f"{key_path}.")
    has_source, has_path = "source" in section, "path" in section
    if has_source == has_path:
        raise ctx.fail(section, None, key_path,
                       "needs exactly one of 'source' (fairness, calibration, overall, ...) "
                       "or 'path' (a dotted path into results.json, '*' matching any key).")
    statistic = ctx.choice(section, "statistic", f"{key_path}.statistic", STATISTICS, "value")
    comparison = ctx.choice(section, "comparison", f"{key_path}.comparison", COMPARISONS)
    if "threshold" not in section:
        raise ctx.fail(section, None, f"{key_path}.threshold",
                       "is missing; give a number, or null for one the model owner declares.")
    problem = check_threshold(section["threshold"], statistic, comparison)
    if problem:
        raise ctx.fail(section, "threshold", f"{key_path}.threshold",
                       f"is {section['threshold']!r}: it {problem}.")
    if has_path and statistic in ("difference", "ratio"):
        raise ctx.fail(section, "statistic", f"{key_path}.statistic",
                       "cannot be a difference or ratio with 'path'; point 'path' at the "
                       "statistic itself and use 'value'.")
    return Measure(
        metrics=_metrics(ctx, section, key_path) if has_source else (),
        statistic=statistic,
        comparison=comparison,
        threshold=normalise_threshold(section["threshold"]),
        source=ctx.text(section, "source", f"{key_path}.source", required=False),
        path=ctx.text(section, "path", f"{key_path}.path", required=False),
        threshold_note=ctx.text(section, "threshold_note", f"{key_path}.threshold_note",
                                required=False),
        applies_to=ctx.choice(section, "applies_to", f"{key_path}.applies_to", APPLIES_TO, "all"),
        groups=ctx.choice(section, "groups", f"{key_path}.groups", GROUP_SELECTIONS, "all"),
        evidence=_evidence(ctx, section, f"{key_path}.evidence", default),
    )


def _criterion(ctx: _Ctx, item: Any, key_path: str, principle: str,
               default: EvidenceRule) -> Criterion:
    ctx.check_keys(item, CRITERION_KEYS, f"{key_path}.")
    cid = ctx.text(item, "id", f"{key_path}.id")
    assert cid is not None
    if not ID_PATTERN.match(cid):
        raise ctx.fail(item, "id", f"{key_path}.id",
                       f"is {cid!r}; use letters and digits, e.g. F2.")
    path = f"{key_path} ({cid})"
    kind = ctx.choice(item, "kind", f"{path}.kind", KINDS)
    refs = item.get("references", [])
    if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
        raise ctx.fail(item, "references", f"{path}.references", "must be a list of text.")
    common = dict(
        id=cid, principle=principle, kind=kind,
        title=ctx.text(item, "title", f"{path}.title"),
        why=ctx.text(item, "why", f"{path}.why"),
        severity=ctx.choice(item, "severity", f"{path}.severity", SEVERITIES),
        references=tuple(refs),
        guidance=ctx.text(item, "guidance", f"{path}.guidance", required=False),
    )
    if kind == "measured":
        for key in ("question", "evidence_required", "allow_not_applicable"):
            if key in item:
                raise ctx.fail(item, key, f"{path}.{key}", "only applies to attested criteria.")
        measure = _measure(ctx, item, path, default)
        rule = ctx.text(item, "rule", f"{path}.rule", required=False)
        for key, text in (("why", common["why"]), ("rule", rule)):
            _check_wording(ctx, item, key, f"{path}.{key}", text, measure.comparison)
        return Criterion(**common, measure=measure, rule=rule,
                         words=_words(ctx, item, path, measure))
    for key in ("rule", "words"):
        if key in item:
            raise ctx.fail(item, key, f"{path}.{key}", "only applies to measured criteria.")
    if "measure" in item:
        raise ctx.fail(item, "measure", f"{path}.measure", "only applies to measured criteria.")
    return Criterion(
        **common,
        question=ctx.text(item, "question", f"{path}.question"),
        evidence_required=ctx.flag(item, "evidence_required", f"{path}.evidence_required"),
        allow_not_applicable=ctx.flag(item, "allow_not_applicable",
                                      f"{path}.allow_not_applicable"),
    )


def _check_wording(ctx: _Ctx, parent: Any, key: str, key_path: str, text: str | None,
                   comparison: str) -> None:
    if text is None:
        return
    trouble = wording_problem(text, comparison)
    if trouble:
        raise ctx.fail(parent, key, key_path, f"{trouble}.")


def _words(ctx: _Ctx, item: Any, path: str, measure: Measure
           ) -> tuple[tuple[str, MeasureWords], ...]:
    """``words:`` — metric → {what, who, unchecked}, for the findings of the public report."""
    if "words" not in item:
        return ()
    section = ctx.mapping(item, "words", f"{path}.words")
    out = []
    for metric, entry in section.items():
        key_path = f"{path}.words.{metric}"
        if measure.metrics and metric not in measure.metrics:
            raise ctx.fail(section, metric, key_path,
                           f"names a metric this criterion does not measure; use one of: "
                           f"{', '.join(measure.metrics)}.")
        if not isinstance(entry, Mapping):
            raise ctx.fail(section, metric, key_path,
                           "must be a mapping with 'what' (and optionally 'who', "
                           "'unchecked'), e.g. {what: 'wrongly {flagged}'}.")
        ctx.check_keys(entry, WORDS_KEYS, f"{key_path}.")
        texts = {k: ctx.text(entry, k, f"{key_path}.{k}", required=k == "what")
                 for k in WORDS_KEYS}
        for k, text in texts.items():
            _check_wording(ctx, entry, k, f"{key_path}.{k}", text, measure.comparison)
        out.append((str(metric), MeasureWords(what=str(texts["what"]),
                                              who=texts["who"] or "",
                                              unchecked=texts["unchecked"])))
    return tuple(out)


def _principles(ctx: _Ctx, raw: Any, default: EvidenceRule
                ) -> tuple[tuple[Principle, ...], tuple[Criterion, ...]]:
    items = raw.get("principles")
    if not isinstance(items, list) or not items:
        raise ctx.fail(raw, "principles" if "principles" in raw else None, "principles",
                       "must be a non-empty list of principles, each with criteria.")
    principles, criteria, seen = [], [], {}
    for i, item in enumerate(items):
        key_path = f"principles[{i}]"
        if not isinstance(item, Mapping):
            raise ctx.fail(items, i, key_path, "must be a mapping with id, title and criteria.")
        ctx.check_keys(item, PRINCIPLE_KEYS, f"{key_path}.")
        pid = ctx.text(item, "id", f"{key_path}.id")
        crit_items = item.get("criteria")
        if not isinstance(crit_items, list) or not crit_items:
            raise ctx.fail(item, "criteria" if "criteria" in item else None,
                           f"{key_path}.criteria", "must be a non-empty list of criteria.")
        ids = []
        for j, citem in enumerate(crit_items):
            cpath = f"{key_path}.criteria[{j}]"
            if not isinstance(citem, Mapping):
                raise ctx.fail(crit_items, j, cpath, "must be a mapping (id, title, kind...).")
            crit = _criterion(ctx, citem, cpath, str(pid), default)
            if crit.id in seen:
                raise ctx.fail(citem, "id", f"{cpath}.id",
                               f"repeats the id {crit.id}, already used at {seen[crit.id]}.")
            seen[crit.id] = cpath
            criteria.append(crit)
            ids.append(crit.id)
        principles.append(Principle(
            id=str(pid), title=str(ctx.text(item, "title", f"{key_path}.title")),
            description=ctx.text(item, "description", f"{key_path}.description",
                                 required=False) or "",
            criteria=tuple(ids)))
    return tuple(principles), tuple(criteria)


def parse_standard(text: str, source: str, bundled: bool = False) -> Standard:
    """Parse and validate the text of a Standard file.

    >>> s = parse_standard(default_path().read_text(encoding="utf-8"), "v1")
    >>> s.id, s.criterion("F2").measure.describe()
    ('essex-standard', "difference within ±0.1 of the reference group's")
    """
    raw = load_yaml(text, source)
    ctx = _Ctx(source)
    if not isinstance(raw, Mapping):
        raise StandardFileError(f"{source}: a Standard file must be a YAML mapping with "
                                "id, version, title and principles.")
    ctx.check_keys(raw, TOP_KEYS, "")
    if isinstance(raw.get("version"), (int, float)):
        raise ctx.fail(raw, "version", "version",
                       f"is the number {raw['version']!r}; quote it, e.g. version: \"1.0.0\".")
    version = ctx.text(raw, "version", "version")
    decision = ctx.mapping(raw, "decision", "decision") if "decision" in raw else {}
    ctx.check_keys(decision, DECISION_KEYS, "decision.")
    level = decision.get("confidence_level", 0.95)
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0.5 <= level < 1:
        raise ctx.fail(decision, "confidence_level", "decision.confidence_level",
                       f"is {level!r}; use a number such as 0.95.")
    default = _evidence(ctx, raw, "evidence", EvidenceRule())
    principles, criteria = _principles(ctx, raw, default)
    return Standard(
        id=str(ctx.text(raw, "id", "id")),
        version=str(version),
        title=str(ctx.text(raw, "title", "title")),
        description=ctx.text(raw, "description", "description", required=False) or "",
        confidence_level=float(level),
        multiplicity=ctx.choice(decision, "multiplicity", "decision.multiplicity",
                                MULTIPLICITY, "holm"),
        evidence=default,
        principles=principles,
        criteria=criteria,
        path=source,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        bundled=bundled,
    )


def default_path() -> Path:
    """The bundled Essex Standard v1 file."""
    return checklists_dir() / DEFAULT_FILE


def load_standard(path: str | Path | None = None) -> Standard:
    """Load a Standard file (the bundled v1 when ``path`` is None).

    >>> load_standard().version
    '1.0.0'
    """
    bundled = path is None
    file = default_path() if path is None else Path(path)
    if not file.is_file():
        raise StandardFileError(f"{file}: no such Standard file. Point 'standard.path' at a "
                                f"copy of checklists/{DEFAULT_FILE}.")
    try:
        data = file.read_bytes()
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise StandardFileError(f"{file}: not a UTF-8 text file.") from None
    shown = f"checklists/{DEFAULT_FILE}" if bundled else str(path)
    return _parse_cached(text, shown, bundled)


@functools.lru_cache(maxsize=8)
def _parse_cached(text: str, shown: str, bundled: bool) -> Standard:
    """Parse a Standard once per process and content.

    Parsing and checking the YAML costs ~50 ms, more than measuring a council-size audit; a
    notebook or a benchmark audits many times against the same file.  The key is the file's
    text itself, so an edited file is parsed afresh, and :class:`Standard` is frozen, so the
    cached object cannot be changed by one audit under another.
    """
    return parse_standard(text, shown, bundled=bundled)


def with_overrides(standard: Standard, overrides: Mapping[str, Mapping[str, Any]]) -> Standard:
    """A copy of ``standard`` with criterion thresholds replaced (already validated)."""
    criteria = []
    recorded = {k: dict(v) for k, v in overrides.items()}
    for c in standard.criteria:
        if c.id in overrides and c.measure is not None:
            # Keep the Standard's own threshold beside the override, so reports rendered later
            # from results.json alone can say "changed from X to Y" without the Standard file.
            original = c.measure.threshold
            recorded[c.id]["standard_threshold"] = (
                list(original) if isinstance(original, tuple) else original
            )
            threshold = normalise_threshold(overrides[c.id]["threshold"])
            c = replace(c, measure=replace(c.measure, threshold=threshold))
        criteria.append(c)
    return replace(standard, criteria=tuple(criteria), overrides=recorded)
