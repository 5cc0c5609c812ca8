"""Plain facts drawn from a results document for the public outputs.

Everything here works from ``results.json`` alone and applies disclosure control: a figure the
:class:`~essex_standard.privacy.Disclosure` plan hides comes back as ``None`` with
``suppressed=True``, and the templates show the GSS symbol ``c``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..privacy import Disclosure, plan_disclosure

NOT_PROVIDED = "not provided"

#: Default wording for natural frequencies when the config does not give the model's own.
DEFAULT_WORDS = {
    "people": "people",
    "outcome": "had the outcome the model predicts",
    "no_outcome": "did not have the outcome the model predicts",
    "flagged": "flagged",
}

#: The three rates a resident needs, in words.
PUBLIC_METRICS = ("selection_rate", "false_positive_rate", "false_negative_rate")


def words(model: Mapping[str, Any]) -> dict[str, str]:
    return {k: model.get(k) or v for k, v in DEFAULT_WORDS.items()}


def model_field(model: Mapping[str, Any], key: str) -> str:
    """A config text field, or "not provided": never an invented value."""
    value = model.get(key)
    return str(value) if value not in (None, "") else NOT_PROVIDED


def per100(value: float | None) -> int | None:
    """A rate as a whole number of every 100 people."""
    return None if value is None else round(100 * value)


@dataclass
class Figure:
    """One published figure: its value (None when hidden or undefined) and why."""

    value: Any
    suppressed: bool = False
    ci: Any = None
    #: Why a hidden figure is hidden: "primary" (too few people) or "secondary" (so that a
    #: smaller group's figure cannot be worked out); None when shown.
    reason: str | None = None

    @property
    def undefined(self) -> bool:
        return self.value is None and not self.suppressed


def attribute_label(doc: Mapping[str, Any], attr: str) -> str:
    """The display label for a protected characteristic (config ``label`` or its column)."""
    labels = {
        p.get("column"): p.get("label")
        for p in (doc.get("config") or {}).get("protected", [])
        if isinstance(p, Mapping)
    }
    section = doc.get("fairness", {}).get(attr, {})
    cols = section.get("columns", [attr])
    return " and ".join(str(labels.get(c) or c).replace("_", " ") for c in cols)


class PublicFacts:
    """Disclosure-controlled figures for one results document."""

    def __init__(self, doc: Mapping[str, Any], disclosure: Disclosure | None = None):
        self.doc = doc
        self.disclosure = disclosure or plan_disclosure(doc)
        self.labels_available = bool(doc.get("data", {}).get("labels_available"))

    # ---- single figures
    def group_n(self, attr: str, group: str) -> Figure:
        entry = self.doc["fairness"][attr]["groups"][group]
        if not self.disclosure.shown(attr, group, "n"):
            return Figure(None, suppressed=True, reason=self.disclosure.reason(attr, group, "n"))
        return Figure(entry["n"])

    def metric(self, attr: str | None, group: str | None, name: str) -> Figure:
        if attr is None:
            m = self.doc["overall"]["metrics"].get(name)
        else:
            m = self.doc["fairness"][attr]["groups"][group]["metrics"].get(name)
        if m is None:
            return Figure(None)
        if not self.disclosure.metric_shown(attr, group, name):
            return Figure(None, suppressed=True,
                          reason=self.disclosure.reason(attr, group, name))
        return Figure(m.get("value"), ci=m.get("ci"))

    def difference(self, attr: str, group: str, name: str) -> Figure:
        entry = self.doc["fairness"][attr]["groups"][group]
        ref = self.doc["fairness"][attr]["reference_group"]
        d = (entry.get("disparities") or {}).get(name)
        if d is None:
            return Figure(None)
        if not (self.disclosure.metric_shown(attr, group, name)
                and self.disclosure.metric_shown(attr, ref, name)):
            reasons = {self.disclosure.reason(attr, g, name) for g in (group, ref)}
            return Figure(None, suppressed=True,
                          reason="primary" if "primary" in reasons else "secondary")
        return Figure(d["difference"].get("value"), ci=d["difference"].get("ci"))

    def overall_n(self) -> Figure:
        n = self.doc["overall"]["n"]
        if self.disclosure.shown(None, None, "n"):
            return Figure(n)
        return Figure(None, True, reason=self.disclosure.reason(None, None, "n"))

    # ---- tables
    def metrics(self) -> tuple[str, ...]:
        return PUBLIC_METRICS if self.labels_available else ("selection_rate",)

    def table(self, attr: str) -> list[dict[str, Any]]:
        """One row per group: size and the public rates, each a :class:`Figure`."""
        section = self.doc["fairness"][attr]
        rows = []
        for group in section["groups"]:
            rows.append(
                {
                    "group": group,
                    "is_reference": group == section["reference_group"],
                    "n": self.group_n(attr, group),
                    **{m: self.metric(attr, group, m) for m in self.metrics()},
                }
            )
        return rows

    def calibration_problems(self) -> list[dict[str, Any]]:
        """Groups whose calibration criterion is not met, with the average score and the
        observed rate (as whole numbers per 100) when disclosure control lets the rate show."""
        out, seen = [], set()
        for c in (self.doc.get("standard") or {}).get("criteria", []):
            ev = c.get("evidence") or {}
            if ev.get("source") != "calibration" or c.get("verdict") != "not met":
                continue
            for g in ev.get("groups") or []:
                key = (g.get("attribute"), g.get("group"))
                if g.get("verdict") != "not met" or None in key or key in seen:
                    continue
                seen.add(key)
                fig = self._calibration_figures(*key)
                if fig is not None:
                    out.append({"attribute": key[0], "group": key[1],
                                "label": attribute_label(self.doc, key[0]), **fig})
        return out

    def _calibration_figures(self, attr: str, group: str) -> dict[str, Any] | None:
        entry = ((self.doc.get("calibration") or {}).get(attr) or {}).get("groups", {}).get(group)
        citl = ((entry or {}).get("metrics") or {}).get("calibration_in_the_large") or {}
        observed, predicted = citl.get("observed_rate"), citl.get("mean_predicted")
        if observed is None or predicted is None:
            return None
        try:
            shown = self.disclosure.metric_shown(attr, group, "base_rate")
        except KeyError:
            shown = False
        if not shown:
            return {"direction": None, "predicted": None, "observed": None}
        p, o = per100(predicted), per100(observed)
        direction = "too low" if o > p else "too high" if o < p else "uneven"
        return {"direction": direction, "predicted": p, "observed": o}
