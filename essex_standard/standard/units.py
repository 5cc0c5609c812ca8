"""Find the figures a measured criterion judges: one *unit* per group × metric (or per match).

A measured criterion points into ``results.json`` in one of three ways (docs/standard.md):

* ``source: overall`` — ``overall.metrics.<metric>``: one unit for everyone;
* ``source: <section>`` (``fairness``, ``calibration``, ...) — any section shaped like
  ``<section>.<attribute>.groups.<group>.metrics.<metric>``: one unit per group, or per
  non-reference group for a ``difference`` / ``ratio`` against the reference group;
* ``path: a.*.b`` — a dotted path, ``*`` matching any key: one unit per match.  The keys
  the wildcards bind are split into attribute, group and metric (:func:`path_roles`):
  in ``drift.by_group.*.groups.*.…`` the first is the attribute, the one after ``groups``
  the group, and one after ``metrics`` the metric.

Each unit carries its estimator (so its test and interval can be recomputed at any level) and,
when its figure does not exist (e.g. a false negative rate in a group where no one had the
outcome), the reason it cannot be judged, in words.  Group sizes never block a unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..groups import MISSING
from ..metrics.domains import domain
from ..metrics.rates import RATES
from .intervals import Difference, Estimator, Exact, Rate, Ratio, Rescaled, band_verdict
from .model import EvidenceRule, Measure

#: Pseudo-metrics read from a group itself rather than from its ``metrics``.
GROUP_SIZE, GROUP_SHARE = "n", "share"

_CELL_WORDS = {
    ((1, 0), (1, 1)): "people with the outcome",
    ((0, 0), (0, 1)): "people without the outcome",
    ((0, 1), (1, 1)): "people flagged",
    ((0, 0), (1, 0)): "people not flagged",
}


def denominator_words(metric: str) -> str:
    """Who a metric's denominator counts, in words (for 'not assessable' reasons)."""
    rate = RATES.get(metric)
    if rate is None:
        return "people it is computed from" if metric != "roc_auc" else \
            "people with (or without) the outcome, whichever is fewer"
    return _CELL_WORDS.get(tuple(sorted(rate.denominator)), "people in the group")


@dataclass
class Unit:
    """One comparison a measured criterion makes."""

    metric: str
    attribute: str | None
    group: str | None
    value: float | None
    ci: list[float] | None
    n: int | None
    denominator: int | None
    estimator: Estimator | None
    blocker: str | None = None
    reference_group: str | None = None
    #: The value the statistic takes from noise alone with this many people, when the
    #: section records it (``chance_level``, e.g. the ECE of a perfectly calibrated model).
    chance_level: float | None = None
    #: Set when the chance level is on the wrong side of the threshold: the comparison can
    #: still be *not met* (the error is far beyond noise), but otherwise it is not assessable.
    cannot_meet: str | None = None
    #: For a path whose wildcard binds the metric (``metrics.*.widening``): the statistic of
    #: that metric that is judged (``widening``); None otherwise.
    quantity: str | None = None


@dataclass
class Extraction:
    """The units of a criterion, or why none could be found (→ not assessed)."""

    units: list[Unit]
    absent: str | None = None
    #: What the criterion names but found nothing for (e.g. one alternative of
    #: ``false_positive_rate|false_negative_rate``), so the judge can say so.
    unmatched: list[str] = field(default_factory=list)


def _stored_level(doc: Mapping[str, Any]) -> float:
    return float(doc.get("settings", {}).get("confidence_level", 0.95))


def _number(x: Any) -> float | None:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def _estimator_for_value(
    entry: Mapping[str, Any], level: float, exact: bool, metric: str = ""
) -> Estimator | None:
    """How to recompute a stored statistic's interval at any level.

    Counts give exact methods: ``numerator``/``denominator`` a Wilson rate, and with
    ``reference_numerator``/``reference_denominator`` and ``statistic: ratio`` (or
    ``difference``) a MOVER-R ratio (or Newcombe difference) of two independent rates.
    Otherwise the stored interval is rescaled, keeping a declared null test coherent with
    it: ``null_value`` with the noise-only distribution (``chance_level``, ``chance_sd``), or
    else with its ``p_value``; an ECE's ``noise_model`` gives its upper limit's test.
    """
    value = entry.get("value")
    if value is None:
        return None
    if exact:
        return Exact(float(value))
    counts = [entry.get(k) for k in ("numerator", "denominator", "reference_numerator",
                                     "reference_denominator")]
    if all(isinstance(c, int) for c in counts) and entry.get("statistic") in ("ratio",
                                                                               "difference"):
        x, n, xr, nr = counts
        return (Ratio if entry["statistic"] == "ratio" else Difference)(x, n, xr, nr)
    if isinstance(counts[0], int) and isinstance(counts[1], int):
        return Rate(counts[0], counts[1])
    ci = entry.get("ci")
    model = entry.get("noise_model")
    if not ci and isinstance(model, Mapping) and None not in (_number(model.get(k)) for k in (
            "sum_w_sd", "root_sum_w2_var", "sum_w3_sd3")):
        # an ECE publishes no interval (it cannot cover at 95% whatever the spread): the
        # judge inverts its two one-sided tests at its own level from the stored figures.
        # noise_model gives the upper limit at any level and the chance level the lower, so
        # the limits below are read only without a chance level (bootstrap: 0): then they
        # are the audit's closed-form ones (a search), else placeholders never used.
        from ..metrics.calibration_error import ece_interval

        model_args = (model["sum_w_sd"], model["root_sum_w2_var"], model["sum_w3_sd3"])
        if _number(entry.get("chance_level")) is None:
            low, high, _ = ece_interval(float(value), *model_args, None, level)
            ci = [float(low), float(high)]
        else:
            ci = [float(value), float(value)]
    if ci:
        null = _number(entry.get("null_value"))
        mean, sd = _number(entry.get("chance_level")), _number(entry.get("chance_sd"))
        model = entry.get("noise_model")
        a, b, t3 = ((_number(model.get("sum_w_sd")), _number(model.get("root_sum_w2_var")),
                     _number(model.get("sum_w3_sd3"))) if isinstance(model, Mapping)
                    else (None, None, None))
        return Rescaled(float(value), float(ci[0]), float(ci[1]), level, domain(metric),
                        null_value=null,
                        p_value=_number(entry.get("p_value")) if null is not None else None,
                        noise=(mean, sd) if null is not None and mean is not None
                        and sd is not None else None,
                        upper_model=(a, b, t3) if a is not None and b is not None
                        and t3 is not None else None)
    return None


def _denominator(entry: Mapping[str, Any]) -> int | None:
    if isinstance(entry.get("denominator"), int):
        return entry["denominator"]
    if isinstance(entry.get("positives"), int) and isinstance(entry.get("negatives"), int):
        return min(entry["positives"], entry["negatives"])
    return None


# --------------------------------------------------------------------------- path source


def _walk(node: Any, parts: list[str], bound: list[str]) -> list[tuple[list[str], Any]]:
    if not parts:
        return [(bound, node)]
    if not isinstance(node, Mapping):
        return []
    head, rest = parts[0], parts[1:]
    if head == "*":
        return [m for key in sorted(node) for m in _walk(node[key], rest, [*bound, str(key)])]
    if "|" in head:  # alternatives, e.g. false_positive_rate|false_negative_rate
        keys = [k for k in head.split("|") if k in node]
        return [m for key in keys for m in _walk(node[key], rest, [*bound, key])]
    return _walk(node[head], rest, bound) if head in node else []


def _why_absent(doc: Mapping[str, Any], parts: list[str]) -> str:
    """The reason a section gives for not being measured, if the path stops at one."""
    node: Any = doc
    for head in parts:
        if not isinstance(node, Mapping) or head not in node:
            break
        node = node[head]
        if isinstance(node, Mapping) and isinstance(node.get("reason"), str):
            return f": {node['reason']}"
    return ""


def _as_entry(match: Any) -> Mapping[str, Any] | None:
    """A statistic mapping ({value, ci, ...}), or a bare number as {value}."""
    if isinstance(match, Mapping) and "value" in match:
        return match
    if isinstance(match, (int, float)) and not isinstance(match, bool):
        return {"value": match}
    return None


def path_roles(parts: list[str]) -> list[str]:
    """The role of each key a path's wildcards bind: ``attribute``, ``group`` or ``metric``.

    A wildcard (``*`` or alternatives ``a|b``) right after ``groups`` binds the group, one right
    after ``metrics`` binds the metric, and the last other wildcard before the group binds the
    attribute (``drift.by_group.*.groups.*.…``: attribute, group).  Without a ``groups``
    wildcard every bound key is part of the attribute (``drift.score.*``), as are other
    wildcards.

    >>> path_roles("drift.by_group.*.groups.*.calibration_in_the_large.difference".split("."))
    ['attribute', 'group']
    >>> path_roles("over_time.trends.*.groups.*.metrics.fpr|fnr.widening".split("."))
    ['attribute', 'group', 'metric']
    >>> path_roles("a.*.b.*".split("."))
    ['attribute', 'attribute']
    """
    bindings = [i for i, head in enumerate(parts) if head == "*" or "|" in head]
    roles = ["attribute"] * len(bindings)
    group_at = [k for k, i in enumerate(bindings) if i > 0 and parts[i - 1] == "groups"]
    if not group_at:
        return roles
    roles[group_at[0]] = "group"
    for k, i in enumerate(bindings):
        if k != group_at[0] and i > 0 and parts[i - 1] == "metrics":
            roles[k] = "metric"
    return roles


def _split_bound(parts: list[str], bound: list[str]) -> tuple[str | None, str | None, str | None]:
    """(attribute, group, metric) from the keys a path's wildcards bound."""
    roles = path_roles(parts)
    attribute = [key for key, role in zip(bound, roles, strict=True) if role == "attribute"]
    group = next((key for key, role in zip(bound, roles, strict=True) if role == "group"), None)
    metric = next((key for key, role in zip(bound, roles, strict=True) if role == "metric"), None)
    return ".".join(attribute) or None, group, metric


#: Last keys of a path that name a statistic of the key before them, not a metric.
_STATISTIC_KEYS = ("difference", "ratio", "value")


def _from_path(measure: Measure, doc: Mapping[str, Any]) -> Extraction:
    assert measure.path is not None
    parts = measure.path.split(".")
    matches = [(b, e) for b, m in _walk(doc, parts, []) if (e := _as_entry(m)) is not None]
    if not matches:
        return Extraction([], f"results.json has nothing at '{measure.path}'"
                              f"{_why_absent(doc, parts) or ' (not measured in this audit)'}")
    level, units = _stored_level(doc), []
    exact = measure.statistic in ("count", "point")
    unmatched = []
    for i, head in enumerate(parts):
        if "|" not in head:
            continue
        for alt in head.split("|"):
            alone = [*parts[:i], alt, *parts[i + 1:]]
            if not any(_as_entry(m) is not None for _, m in _walk(doc, alone, [])):
                unmatched.append(f"'{alt}' (nothing at '{'.'.join(alone)}'"
                                 f"{_why_absent(doc, alone) or ': not measured in this audit'})")
    for bound, entry in matches:
        value = entry.get("value")
        attribute, group, metric = _split_bound(parts, bound)
        if metric is None and len(parts) > 1 and parts[-1] in _STATISTIC_KEYS:
            metric = parts[-2]  # '...calibration_in_the_large.difference'
        unit = Unit(metric=metric or parts[-1], attribute=attribute, group=group,
                    value=None if value is None else float(value), ci=entry.get("ci"),
                    n=entry.get("n"), denominator=_denominator(entry),
                    estimator=_estimator_for_value(entry, level, exact, parts[-1]),
                    chance_level=_number(entry.get("chance_level")),
                    quantity=parts[-1] if metric and metric != parts[-1] else None)
        if value is None:
            unit.blocker = str(entry.get("reason", "undefined"))
        units.append(unit)
    return Extraction(units, unmatched=unmatched)


# --------------------------------------------------------------------------- overall


def _from_overall(measure: Measure, doc: Mapping[str, Any]) -> Extraction:
    overall = doc.get("overall", {})
    metrics = overall.get("metrics", {})
    units = []
    for metric in measure.metrics:
        if metric not in metrics:
            continue
        entry = metrics[metric]
        value = entry.get("value")
        units.append(Unit(metric=metric, attribute=None, group=None,
                          value=None if value is None else float(value), ci=entry.get("ci"),
                          n=overall.get("n"), denominator=_denominator(entry),
                          estimator=_estimator_for_value(
                              entry, _stored_level(doc),
                              measure.statistic in ("count", "point"), metric),
                          chance_level=_number(entry.get("chance_level"))))
    if not units:
        return Extraction([], f"results.json has no overall {' or '.join(measure.metrics)} "
                              "(not measured in this audit)")
    return Extraction(units)


# --------------------------------------------------------------------------- grouped sections


def _kind(doc: Mapping[str, Any], attribute: str, section: Mapping[str, Any]) -> str:
    kind = section.get("kind") or doc.get("fairness", {}).get(attribute, {}).get("kind")
    if kind:
        return str(kind)
    return "intersection" if " & " in attribute else "attribute"


def _reference(doc: Mapping[str, Any], attribute: str, section: Mapping[str, Any]) -> str | None:
    ref = section.get("reference_group") or doc.get("fairness", {}).get(attribute, {}).get(
        "reference_group")
    return None if ref is None else str(ref)


def _selected_groups(measure: Measure, groups: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    if measure.groups == "missing":
        # An attribute with nothing missing still answers "how much is missing?": none.
        return {MISSING: groups.get(MISSING, {"n": 0, "metrics": {}, "disparities": {}})}
    if measure.groups == "all_but_missing":
        return {g: e for g, e in groups.items() if g != MISSING}
    return dict(groups)


def _pseudo_unit(metric: str, attribute: str, group: str, entry: Mapping[str, Any],
                 total: int) -> Unit:
    n = int(entry.get("n", 0))
    if metric == GROUP_SIZE:
        return Unit(metric, attribute, group, float(n), None, n, n, Exact(float(n)))
    value = n / total if total else None
    est = Rate(n, total) if total else None
    return Unit(metric, attribute, group, value, None, n, total, est)


def _group_value_unit(metric: str, attribute: str, group: str, entry: Mapping[str, Any],
                      level: float, exact: bool) -> Unit | None:
    m = entry.get("metrics", {}).get(metric)
    if m is None:
        return None
    value = m.get("value")
    unit = Unit(metric, attribute, group, None if value is None else float(value), m.get("ci"),
                entry.get("n"), _denominator(m), _estimator_for_value(m, level, exact, metric),
                chance_level=_number(m.get("chance_level")))
    if value is None:
        unit.blocker = m.get("reason", "undefined for this group")
    return unit


def _disparity_unit(measure: Measure, metric: str, attribute: str, group: str,
                    entry: Mapping[str, Any], ref_name: str, ref: Mapping[str, Any],
                    level: float) -> Unit | None:
    m, mr = entry.get("metrics", {}).get(metric), ref.get("metrics", {}).get(metric)
    stored = entry.get("disparities", {}).get(metric, {}).get(measure.statistic)
    if m is None or mr is None:
        return None
    unit = Unit(metric, attribute, group, None, None, entry.get("n"), _denominator(m), None,
                reference_group=ref_name)
    if stored is not None:
        unit.value = stored.get("value")
        unit.ci = stored.get("ci")
    counts = [m.get("numerator"), m.get("denominator"), mr.get("numerator"),
              mr.get("denominator")]
    if all(isinstance(c, int) for c in counts):
        x, n, xr, nr = counts
        if n == 0 or nr == 0 or (measure.statistic == "ratio" and x == 0 and xr == 0):
            unit.blocker = _undefined_words(metric, group if n == 0 else ref_name,
                                            n == 0 or nr == 0)
            unit.value = None
            return unit
        unit.value = x / n - xr / nr if measure.statistic == "difference" else \
            ((x / n) / (xr / nr) if xr else float("inf"))
        unit.estimator = (Difference if measure.statistic == "difference" else Ratio)(x, n, xr, nr)
    elif stored is not None and stored.get("value") is not None and stored.get("ci"):
        lo, hi = stored["ci"]
        unit.estimator = Rescaled(
            float(stored["value"]), float(lo), float(hi), level, domain(metric, measure.statistic)
        )
    else:
        unit.blocker = (stored or {}).get("reason") or "undefined for this group"
        unit.value = None
    return unit


def _undefined_words(metric: str, who: str, empty: bool) -> str:
    """Why a gap cannot be judged, in words a resident understands."""
    words = metric.replace("_", " ")
    if empty:
        return (f"there are no {denominator_words(metric)} in {who}, so the {words} does not "
                "exist for them and cannot be compared")
    return (f"the {words} is 0 in both groups, so one cannot be a multiple of the other; "
            "their rates do not differ")


def _from_groups(measure: Measure, doc: Mapping[str, Any]) -> Extraction:
    source = str(measure.source)
    section = doc.get(source)
    if not isinstance(section, Mapping) or not section:
        return Extraction([], f"results.json has no '{source}' section (not measured in this "
                              "audit)")
    level, units = _stored_level(doc), []
    for attribute in sorted(section):
        attr = section[attribute]
        if not isinstance(attr, Mapping) or not isinstance(attr.get("groups"), Mapping):
            continue
        kind = _kind(doc, attribute, attr)
        if measure.applies_to not in ("all", f"{kind}s"):
            continue
        groups = attr["groups"]
        total = sum(int(e.get("n", 0)) for e in groups.values())
        ref_name = _reference(doc, attribute, attr)
        for group, entry in _selected_groups(measure, groups).items():
            for metric in measure.metrics:
                unit = _group_unit(measure, metric, attribute, group, entry, groups, ref_name,
                                   total, level)
                if unit is not None:
                    units.append(unit)
    if not units:
        return Extraction([], f"results.json has no {' or '.join(measure.metrics)} under "
                              f"'{source}' for the groups this criterion covers (not measured)")
    return Extraction(units)


def _group_unit(measure: Measure, metric: str, attribute: str, group: str,
                entry: Mapping[str, Any], groups: Mapping[str, Any], ref_name: str | None,
                total: int, level: float) -> Unit | None:
    if metric in (GROUP_SIZE, GROUP_SHARE):
        return _pseudo_unit(metric, attribute, group, entry, total)
    if measure.statistic in ("value", "count", "point"):
        return _group_value_unit(metric, attribute, group, entry, level,
                                 measure.statistic in ("count", "point"))
    if ref_name is None or group == ref_name or ref_name not in groups:
        return None
    return _disparity_unit(measure, metric, attribute, group, entry, ref_name,
                           groups[ref_name], level)


# --------------------------------------------------------------------------- evidence rule


def apply_evidence_rule(units: list[Unit], rule: EvidenceRule, doc: Mapping[str, Any],
                        measure: Measure) -> None:
    """Mark units that cannot be judged at all, saying why; never for being small.

    A group is judged from its own interval however few people it has: a small group gives a
    wide interval, hence *insufficient evidence* unless the gap is large enough to settle it
    (25 people all wrongly flagged against a reference rate of 15% is settled).  The
    Standard's ``evidence`` sizes (``rule``) no longer decide what is judged.  What blocks a
    unit is a figure with no interval.  A statistic whose recorded ``chance_level`` is
    already on the wrong side of the threshold is marked ``cannot_meet``: unless it is shown
    *not met*, the judge lists it as not judged (a perfect model would look like a failing
    one).
    """
    del rule, doc  # kept in the signature for forks' evidence keys; sizes no longer block
    for u in units:
        if u.blocker is not None:
            continue
        if u.estimator is None:
            u.blocker = "no interval is available for this figure, so it cannot be judged"
        u.cannot_meet = _chance_problem(u, measure)


#: Why a comparison is not assessable when noise alone reaches the threshold.
TOO_NOISY = "too few people to tell whether the scores match what happened"


def _chance_problem(u: Unit, measure: Measure) -> str | None:
    """A statistic whose chance level (its value from noise alone, e.g. the ECE a perfectly
    calibrated model shows with this many people) is not on the right side of the threshold
    cannot be judged: a perfect model would look as bad as a failing one."""
    if u.chance_level is None or measure.threshold is None:
        return None
    threshold = measure.threshold if isinstance(measure.threshold, float) else 0.0
    c = u.chance_level
    if band_verdict((c, c), measure.comparison, threshold, measure.band()) == "met":
        return None
    who = "this many people" if u.n is None else f"{u.n:,} people"
    figure = u.metric.replace("_", " ")
    article = "an" if figure[:1] in "aeiou" else "a"
    return (f"{TOO_NOISY}: with {who}, chance alone would give even perfectly matched scores "
            f"{article} {figure} of about {c:.3f}, which already breaks the limit "
            f"({measure.describe()})")


def extract(measure: Measure, doc: Mapping[str, Any]) -> Extraction:
    """All units a measured criterion judges, with the evidence rule applied."""
    if measure.path is not None:
        found = _from_path(measure, doc)
    elif measure.source == "overall":
        found = _from_overall(measure, doc)
    else:
        found = _from_groups(measure, doc)
    apply_evidence_rule(found.units, measure.evidence, doc, measure)
    return found
