"""Statistical disclosure control for the public outputs (public report, model card, ATRS).

``results.json`` holds exact counts; suppression happens only when a *public* output is
rendered, using the privacy settings recorded in ``results.json`` (``settings.privacy``) so a
report rendered later, elsewhere, applies the same rules.  The technical report shows
everything and says it is not for publication.

The rules (see docs/privacy.md):

* **Cells.** Every figure a public output shows is derived from a group's count table:
  ``n`` and, when outcomes are known, the four cells TP, FP, FN, TN.  A *count* is small when
  it is below ``min_cell`` (and, unless ``suppress_zero`` is false, when it is zero).
* **Primary suppression.** A group's size is suppressed when it is small.  Its selection rate
  is suppressed when the number flagged *or* the number not flagged is small (a rate and its
  complement reveal the same count).  Its base rate likewise (outcome / no outcome).  Its
  error rates (TPR, FPR, PPV, accuracy, ROC AUC...) are suppressed together when *any* of TP,
  FP, FN, TN is small: with the selection rate and base rate published, any one error rate
  pins down all four cells.
* **Linking.** A hidden size hides every rate of the group; a hidden selection or base rate
  hides the error rates (they would give it back).  Figures hidden this way take the reason of
  the figure they protect.
* **Complementary (secondary) suppression.** Other groups' figures are hidden so that no
  primary one can be worked out from the totals (an attribute's groups add up to everybody; an
  intersection's slices to their margin groups), choosing the set that loses least: the exact
  minimum-loss plan by integer programming, checked by a linear-programming attack until no
  hidden small count can be narrowed to a range narrower than ``min_cell``
  (:mod:`essex_standard.suppression`, :mod:`essex_standard.disclosure_check`).

Hidden figures are shown with the GSS symbol ``c`` (too few people) or ``s`` (hidden so that
a smaller group's figure cannot be worked out), each explained where it is shown
(:mod:`essex_standard.render.suppressed`), and listed with their reasons in results.json
(``disclosure``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigError

#: The symbol the Government Statistical Service uses for a confidential (suppressed) value.
SUPPRESSED = "c"

#: Presets for published conventions.  ``min_cell`` is the smallest count that may be shown.
PRESETS: dict[str, dict[str, Any]] = {
    "default": {
        "min_cell": 10,
        "suppress_zero": True,
        "convention": "essex-standard default: counts from 0 to 9 are suppressed",
    },
    "dfe": {
        "min_cell": 6,
        "suppress_zero": False,
        "convention": "Department for Education: counts from 1 to 5 are suppressed; zeros shown",
    },
    "nhs": {
        "min_cell": 8,
        "suppress_zero": False,
        "convention": "NHS Digital (NHS England): counts from 1 to 7 are suppressed; zeros shown",
    },
}
PRESET_NAMES = {"default": "essex-standard default", "dfe": "Department for Education",
                "nhs": "NHS Digital (NHS England)"}


def describe_rule(min_cell: int, suppress_zero: bool) -> str:
    """The suppression rule in words, from the settings actually applied.

    >>> describe_rule(10, True)
    'counts from 0 to 9 are suppressed'
    >>> describe_rule(10, False), describe_rule(1, False)
    ('counts from 1 to 9 are suppressed; zeros shown', 'no counts are suppressed')
    """
    if min_cell <= 1:
        return "zero counts are suppressed" if suppress_zero else "no counts are suppressed"
    if suppress_zero:
        return f"counts from 0 to {min_cell - 1} are suppressed"
    if min_cell == 2:
        return "counts of 1 are suppressed; zeros shown"
    return f"counts from 1 to {min_cell - 1} are suppressed; zeros shown"


def convention_text(settings: Mapping[str, Any]) -> str:
    """The legend for a settings dict: the preset's name, changed or not, and the actual rule."""
    min_cell = int(settings.get("min_cell", 10))
    suppress_zero = bool(settings.get("suppress_zero", True))
    rule = describe_rule(min_cell, suppress_zero)
    preset = settings.get("preset", "default")
    base = PRESETS.get(preset)
    name = PRESET_NAMES.get(preset, str(preset))
    if base and (base["min_cell"], base["suppress_zero"]) == (min_cell, suppress_zero):
        return f"{name}: {rule}"
    return f"{rule} (set in the audit config)"
PRIVACY_KEYS = ("preset", "min_cell", "suppress_zero")


def resolve_privacy(section: Any, src: str = "<config>") -> dict[str, Any]:
    """Validate a ``privacy:`` config section and return the settings recorded in results.json.

    >>> resolve_privacy(None)["min_cell"]
    10
    >>> [resolve_privacy({"preset": p})["min_cell"] for p in ("dfe", "nhs")]
    [6, 8]
    """
    if section is None:
        section = {}
    if not isinstance(section, Mapping):
        raise ConfigError(
            f"{src}: 'privacy' must be a mapping, e.g. 'privacy: {{min_cell: 10}}' or "
            "'privacy: {preset: dfe}'."
        )
    for key in section:
        if key not in PRIVACY_KEYS:
            raise ConfigError(
                f"{src}: unknown key 'privacy.{key}'. Allowed keys here: {', '.join(PRIVACY_KEYS)}."
            )
    preset = section.get("preset", "default")
    if preset not in PRESETS:
        raise ConfigError(
            f"{src}: 'privacy.preset' is {preset!r}; use one of {', '.join(PRESETS)} "
            "(dfe: counts 1-5 suppressed; nhs: counts 1-7 suppressed)."
        )
    out = {"preset": preset, **PRESETS[preset]}
    if "min_cell" in section:
        value = section["min_cell"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(
                f"{src}: 'privacy.min_cell' is {value!r}; give a whole number of at least 1 "
                "(counts below it are suppressed in public outputs; 10 is the default)."
            )
        out["min_cell"] = value
    if "suppress_zero" in section:
        value = section["suppress_zero"]
        if not isinstance(value, bool):
            raise ConfigError(
                f"{src}: 'privacy.suppress_zero' must be true or false, not {value!r}."
            )
        out["suppress_zero"] = value
    out["convention"] = convention_text(out)
    return out


def privacy_settings(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The privacy settings a results document was written with (defaults for older files)."""
    recorded = (doc.get("settings") or {}).get("privacy")
    return dict(recorded) if recorded else resolve_privacy(None)


# ---------------------------------------------------------------------------------------------
# The suppression plan (chosen in essex_standard/suppression.py)

#: Figures a public output can show for a group.
FIGURES = ("n", "selection", "base", "errors")
#: Which figure a metric belongs to.
METRIC_FIGURE = {"selection_rate": "selection", "base_rate": "base"}
#: Why a figure is hidden, in the words the public outputs use (docs/privacy.md).
REASONS = {
    "primary": "too few people",
    "secondary": "hidden so that a smaller group's figure cannot be worked out",
}


def figure_of(metric: str) -> str:
    """The figure (``selection``, ``base`` or ``errors``) that a metric is shown under."""
    return METRIC_FIGURE.get(metric, "errors")


@dataclass
class GroupCells:
    """The counts behind one group's published figures."""

    n: int
    flagged: int
    positives: int | None = None
    tp: int | None = None
    fp: int | None = None

    @property
    def cells(self) -> dict[str, tuple[int, ...]]:
        """figure → the counts that must all be safe for the figure to be shown."""
        out = {"n": (self.n,), "selection": (self.flagged, self.n - self.flagged)}
        if self.positives is not None:
            negatives = self.n - self.positives
            out["base"] = (self.positives, negatives)
            if self.tp is not None and self.fp is not None:
                fn = self.positives - self.tp
                tn = negatives - self.fp
                out["errors"] = (self.tp, self.fp, fn, tn)
        return out


def cells_from_metrics(n: int, metrics: Mapping[str, Any]) -> GroupCells:
    """Recover a group's count table from its metrics in results.json."""
    from .suppression import _unit_counts

    counts, flagged = _unit_counts(n, metrics)
    if counts is None:
        return GroupCells(n=n, flagged=flagged)
    tp, fp, fn, _ = counts
    return GroupCells(n=n, flagged=flagged, positives=tp + fn, tp=tp, fp=fp)


@dataclass
class Disclosure:
    """Which figures a public output may show, and why each hidden one is hidden.

    ``status[attribute][group][figure]`` is ``"shown"``, ``"primary"`` (it rests on a count
    below ``min_cell``) or ``"secondary"`` (a complementary cell: hidden so that a smaller
    group's hidden figure cannot be worked out); ``overall[figure]`` likewise for everybody.
    ``method`` says how the complementary cells were chosen (docs/privacy.md).
    """

    min_cell: int
    suppress_zero: bool
    status: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    overall: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    method: str = "none"

    def state(self, attribute: str | None, group: str | None, figure: str) -> str:
        if attribute is None:
            return self.overall.get(figure, "shown")
        return self.status[attribute][group].get(figure, "shown")

    def shown(self, attribute: str | None, group: str | None, figure: str) -> bool:
        return self.state(attribute, group, figure) == "shown"

    def metric_shown(self, attribute: str | None, group: str | None, metric: str) -> bool:
        return self.shown(attribute, group, figure_of(metric))

    def reason(self, attribute: str | None, group: str | None, metric: str) -> str | None:
        """``"primary"``, ``"secondary"`` or None (shown) for a metric (or a figure name)."""
        figure = metric if metric in FIGURES else figure_of(metric)
        state = self.state(attribute, group, figure)
        return None if state == "shown" else state

    def row_hidden(self, attribute: str, group: str) -> bool:
        """Whether every figure of a group's row is hidden."""
        return all(s != "shown" for s in self.status[attribute][group].values())

    def count_shown(self, value: int | None) -> bool:
        """Whether a stand-alone count (not tied to a group) may be published."""
        return value is not None and not self.is_small(value)

    def is_small(self, value: int) -> bool:
        if value == 0:
            return self.suppress_zero
        return value < self.min_cell

    @property
    def any_suppressed(self) -> bool:
        return self.any_hidden("primary") or self.any_hidden("secondary")

    def any_hidden(self, reason: str) -> bool:
        """Whether any figure is hidden for this reason ("primary" or "secondary")."""
        return any(
            s == reason
            for groups in self.status.values()
            for figs in groups.values()
            for s in figs.values()
        ) or any(s == reason for s in self.overall.values())

    def record(self) -> dict[str, Any]:
        """The plan for results.json: each group with a hidden figure, the figures and why."""
        hidden = []
        units = [(None, None, self.overall)] + [
            (a, g, figs) for a, groups in self.status.items() for g, figs in groups.items()]
        total = count = 0
        for attr, group, figs in units:
            total += len(figs)
            reasons = {f: s for f, s in figs.items() if s != "shown"}
            count += len(reasons)
            if reasons:
                hidden.append({"attribute": attr, "group": group, "figures": reasons,
                               "row_hidden": len(reasons) == len(figs)})
        return {"method": self.method, "figures": total, "figures_hidden": count,
                "hidden": hidden}


def plan_disclosure(
    doc: Mapping[str, Any], settings: Mapping[str, Any] | None = None, method: str = "auto"
) -> Disclosure:
    """Decide which figures the public outputs may show for a results document.

    Primary cells rest on a small count; complementary cells are the cheapest set (in people
    whose figures are hidden) that stops differencing and linear programming from giving a
    small count back (essex_standard/suppression.py).

    >>> doc = {"overall": {"n": 100, "metrics": {"selection_rate": {"numerator": 40}}},
    ...        "fairness": {"sex": {"kind": "attribute", "columns": ["sex"], "groups": {
    ...     "F": {"n": 60, "metrics": {"selection_rate": {"numerator": 30}}},
    ...     "M": {"n": 36, "metrics": {"selection_rate": {"numerator": 12}}},
    ...     "X": {"n": 4, "metrics": {"selection_rate": {"numerator": 1}}}}}}}
    >>> d = plan_disclosure(doc, {"min_cell": 10, "suppress_zero": True})
    >>> d.status["sex"]["X"]["n"], d.status["sex"]["M"]["n"], d.status["sex"]["F"]["n"]
    ('primary', 'secondary', 'shown')
    >>> d.reason("sex", "M", "selection_rate"), d.reason("sex", "F", "selection_rate")
    ('secondary', None)
    """
    from .suppression import build_table, plan_suppression

    settings = dict(settings) if settings else privacy_settings(doc)
    key = _cache_key(doc, settings, method)
    if key in _PLANS:
        return copy.deepcopy(_PLANS[key])
    disclosure = Disclosure(
        min_cell=int(settings["min_cell"]),
        suppress_zero=bool(settings.get("suppress_zero", True)),
        settings=settings,
    )
    table = build_table(doc)
    plan = plan_suppression(table, disclosure.min_cell, disclosure.suppress_zero, method)
    disclosure.method = plan.method
    for (unit, figure), state in plan.status.items():
        attr, group = unit
        if attr is None:
            disclosure.overall[figure] = state
        else:
            disclosure.status.setdefault(attr, {}).setdefault(group, {})[figure] = state
    if len(_PLANS) >= 16:
        _PLANS.pop(next(iter(_PLANS)))
    _PLANS[key] = copy.deepcopy(disclosure)
    return disclosure


#: Plans already made in this process (the public report, model card and ATRS record of one
#: audit share one plan; solving it takes up to a few seconds).
_PLANS: dict[str, Disclosure] = {}


def _cache_key(doc: Mapping[str, Any], settings: Mapping[str, Any], method: str) -> str:
    import hashlib
    import json

    from .suppression import _named

    parts = {"overall": doc.get("overall"), "fairness": doc.get("fairness"),
             "settings": settings, "method": method, "named": sorted(map(str, _named(doc)))}
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def disclosure_record(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The ``disclosure`` block of results.json: what the public outputs hide, and why."""
    record = plan_disclosure(doc).record()
    return {"reasons": dict(REASONS), **record}
