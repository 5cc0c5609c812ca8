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
  hides the error rates (they would give it back).
* **Secondary suppression.** Within every set of groups whose total is published (all groups
  of an attribute; for an intersection, every slice that adds up to a margin group), the
  hidden figures' counts *added together* can be recovered by subtraction from the total.  So
  the next-smallest group's figure is hidden as well, until in every set the hidden groups'
  counts (each cell: size; flagged and not flagged; ... ) sum to a safe number (not small),
  or every group of the set is hidden.  A single hidden figure is the simplest case.

Suppressed figures are shown with the GSS symbol ``c`` (confidential) and a legend.
"""

from __future__ import annotations

import itertools
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
# The suppression plan

#: Figures a public output can show for a group, and what each is derived from.
FIGURES = ("n", "selection", "base", "errors")
#: Which figure a metric belongs to.
METRIC_FIGURE = {"selection_rate": "selection", "base_rate": "base"}


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
    sel = metrics.get("selection_rate", {})
    base = metrics.get("base_rate")
    tpr = metrics.get("true_positive_rate")
    fpr = metrics.get("false_positive_rate")
    return GroupCells(
        n=n,
        flagged=int(sel.get("numerator", 0)),
        positives=None if base is None else int(base["numerator"]),
        tp=None if tpr is None or "numerator" not in tpr else int(tpr["numerator"]),
        fp=None if fpr is None or "numerator" not in fpr else int(fpr["numerator"]),
    )


@dataclass
class Disclosure:
    """Which figures a public output may show.

    ``status[attribute][group][figure]`` is ``"shown"``, ``"primary"`` or ``"secondary"``;
    ``overall[figure]`` likewise for the whole population.
    """

    min_cell: int
    suppress_zero: bool
    status: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    overall: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    def shown(self, attribute: str | None, group: str | None, figure: str) -> bool:
        if attribute is None:
            return self.overall.get(figure, "shown") == "shown"
        return self.status[attribute][group].get(figure, "shown") == "shown"

    def metric_shown(self, attribute: str | None, group: str | None, metric: str) -> bool:
        return self.shown(attribute, group, figure_of(metric))

    def count_shown(self, value: int | None) -> bool:
        """Whether a stand-alone count (not tied to a group) may be published."""
        return value is not None and not self.is_small(value)

    def is_small(self, value: int) -> bool:
        if value == 0:
            return self.suppress_zero
        return value < self.min_cell

    @property
    def any_suppressed(self) -> bool:
        return any(
            s != "shown"
            for groups in self.status.values()
            for figs in groups.values()
            for s in figs.values()
        ) or any(s != "shown" for s in self.overall.values())


def _primary(cells: GroupCells, small) -> dict[str, str]:
    status = {}
    for figure, counts in cells.cells.items():
        status[figure] = "primary" if any(small(c) for c in counts) else "shown"
    return status


def _link(status: dict[str, str]) -> bool:
    """Apply the linking rules in place; True if anything changed."""
    changed = False

    def hide(fig: str) -> None:
        nonlocal changed
        if fig in status and status[fig] == "shown":
            status[fig] = "secondary"
            changed = True

    if status["n"] != "shown":
        for fig in ("selection", "base", "errors"):
            hide(fig)
    if status.get("selection", "shown") != "shown" or status.get("base", "shown") != "shown":
        hide("errors")
    return changed


def _constraint_sets(doc: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """(attribute, groups) sets whose figures add up to a published total."""
    fairness = doc.get("fairness", {})
    sets: list[tuple[str, list[str]]] = []
    for attr, section in fairness.items():
        groups = list(section["groups"])
        sets.append((attr, groups))
        columns = section.get("columns", [attr])
        if section.get("kind") != "intersection" or len(columns) < 2:
            continue
        margins = [list(fairness[c]["groups"]) if c in fairness else None for c in columns]
        if any(m is None for m in margins):
            continue
        # Map every intersection group back to its margin values (names may contain " & ").
        from .groups import intersection_label

        combos = {intersection_label(parts): parts for parts in itertools.product(*margins)}
        for axis in range(len(columns)):
            for value in margins[axis]:
                members = [g for g in groups if g in combos and combos[g][axis] == value]
                if members:
                    sets.append((attr, members))
    return sets


def _recoverable_small(hidden: list[str], cells: list[tuple[int, ...]], small) -> bool:
    """Whether the hidden figures of a set give away a small count by subtraction.

    The set's total is published, so each cell summed over the hidden groups can be worked
    out; one hidden group gives away its own cells, whatever their size.
    """
    if len(hidden) == 1:
        return True
    return any(small(sum(column)) for column in zip(*cells, strict=True))


def plan_disclosure(
    doc: Mapping[str, Any], settings: Mapping[str, Any] | None = None
) -> Disclosure:
    """Decide which figures the public outputs may show for a results document.

    >>> doc = {"overall": {"n": 100, "metrics": {"selection_rate": {"numerator": 40}}},
    ...        "fairness": {"sex": {"kind": "attribute", "columns": ["sex"], "groups": {
    ...     "F": {"n": 60, "metrics": {"selection_rate": {"numerator": 30}}},
    ...     "M": {"n": 36, "metrics": {"selection_rate": {"numerator": 12}}},
    ...     "X": {"n": 4, "metrics": {"selection_rate": {"numerator": 1}}}}}}}
    >>> d = plan_disclosure(doc, {"min_cell": 10, "suppress_zero": True})
    >>> d.status["sex"]["X"]["n"], d.status["sex"]["M"]["n"], d.status["sex"]["F"]["n"]
    ('primary', 'secondary', 'shown')
    >>> d.status["sex"]["M"]["selection"]
    'secondary'
    """
    settings = dict(settings) if settings else privacy_settings(doc)
    disclosure = Disclosure(
        min_cell=int(settings["min_cell"]),
        suppress_zero=bool(settings.get("suppress_zero", True)),
        settings=settings,
    )
    small = disclosure.is_small
    overall = doc.get("overall", {})
    if overall:
        disclosure.overall = _primary(cells_from_metrics(overall["n"], overall["metrics"]), small)
        _link(disclosure.overall)
    sizes: dict[str, dict[str, int]] = {}
    counts: dict[str, dict[str, dict[str, tuple[int, ...]]]] = {}
    for attr, section in doc.get("fairness", {}).items():
        disclosure.status[attr] = {}
        sizes[attr] = {}
        counts[attr] = {}
        for group, entry in section["groups"].items():
            cells = cells_from_metrics(entry["n"], entry["metrics"])
            disclosure.status[attr][group] = _primary(cells, small)
            sizes[attr][group] = entry["n"]
            counts[attr][group] = cells.cells
    sets = _constraint_sets(doc)
    changed = True
    while changed:
        changed = False
        for groups in disclosure.status.values():
            for status in groups.values():
                changed |= _link(status)
        for attr, members in sets:
            for figure in FIGURES:
                present = [g for g in members if figure in disclosure.status[attr][g]]
                hidden = [g for g in present if disclosure.status[attr][g][figure] != "shown"]
                candidates = sorted(
                    (g for g in present if g not in hidden), key=lambda g: (sizes[attr][g], g)
                )
                if not hidden or not candidates or len(present) < 2:
                    continue
                if not _recoverable_small(hidden, [counts[attr][g][figure] for g in hidden],
                                          small):
                    continue
                disclosure.status[attr][candidates[0]][figure] = "secondary"
                changed = True
    return disclosure
