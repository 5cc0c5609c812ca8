"""The judge's findings, prepared for the reports: renderers show them and never choose them.

The judge (:mod:`essex_standard.standard.findings`) writes one finding per comparison into
``standard.criteria[].evidence.findings``: the worse-off group (the reference group included),
the two figures, the gap's interval and how sure it is (*met*, *not met*, *undecided*).  This
module only *arranges* those findings for a reader: it orients each gap towards the worse-off
group, turns rates into natural frequencies, applies disclosure control, and groups what could
not be judged (``standard.unexamined``) and what the audit could detect
(:func:`~essex_standard.standard.plan.plan_from_results`).  It compares nothing against a
limit: which comparisons are *not met* or *undecided* is read, never decided, here.

>>> f = {"attribute": "race", "group": "African-American", "reference_group": "Caucasian",
...      "metric": "false_negative_rate", "statistic": "difference", "worse_off": "Caucasian",
...      "direction": "higher false negative rate", "group_value": 0.28,
...      "reference_value": 0.477, "value": -0.197, "interval": [-0.27, -0.12], "level": 0.997,
...      "sure": "not met"}
>>> g = oriented(f)
>>> g["worse"], g["other"], g["worse_value"], g["other_value"], g["low"], g["high"]
('Caucasian', 'African-American', 0.477, 0.28, 0.12, 0.27)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .facts import PublicFacts, attribute_label, per100

#: How sure the judge is, as the reports say it (``sure`` values in results.json).
SHOWN = ("not met", "undecided")

def measure_words(doc: Mapping[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(criterion id, metric) → how the report speaks of that measure (``what``, ``who``,
    ``unchecked``), as the judge filled them from the Standard file's ``words``."""
    return {(str(c.get("id")), str(metric)): dict(w)
            for c in (doc.get("standard") or {}).get("criteria", [])
            for metric, w in (c.get("words") or {}).items() if isinstance(w, Mapping)}


def _metrics_of(ev: Mapping[str, Any]) -> list[str]:
    m = ev.get("metric")
    return [m] if isinstance(m, str) else [str(x) for x in m or []]


def oriented(f: Mapping[str, Any]) -> dict[str, Any]:
    """A comparison finding turned towards its worse-off group: who is worse off, the other
    group, each one's figure, and the interval of the gap *in the worse-off group's
    disfavour* (``low`` may be negative, or below 1 for a ratio: the gap could go the other
    way).  Ratios are worse-off over other, so always read "times as often"."""
    group, ref = f.get("group"), f.get("reference_group")
    worse = f.get("worse_off")
    swap = worse is not None and worse == ref and worse != group
    # The gap is turned to count against the worse-off group: flipped when that group is the
    # reference, or when the worse-off figure is the lower one (a rate where higher is better).
    flip = swap != (not f.get("worse_is_higher", True))
    gv, rv = f.get("group_value"), f.get("reference_value")
    lo, hi = (f.get("interval") or [None, None])[:2]
    value = f.get("value")
    ratio = f.get("statistic") == "ratio"
    if flip:
        if ratio:
            lo, hi = (None if hi in (None, 0) else 1 / hi), (None if lo in (None, 0) else 1 / lo)
            value = None if value in (None, 0) else 1 / value
        else:
            lo, hi = (None if hi is None else -hi), (None if lo is None else -lo)
            value = None if value is None else -value
    return {
        "worse": ref if swap else group, "other": group if swap else ref,
        "worse_value": rv if swap else gv, "other_value": gv if swap else rv,
        "gap": value, "low": lo, "high": hi, "ratio": ratio,
        "worse_is_reference": swap,
    }


def _label(doc: Mapping[str, Any], attr: str | None) -> str:
    return "everyone" if attr is None else attribute_label(doc, attr)


def not_recorded(group: Any) -> bool:
    """Whether a group is people whose characteristic was not recorded."""
    return "(missing)" in str(group)


def judged_findings(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every comparison between two groups that the judge found *not met* or *undecided*,
    not-met first, in the order the Standard lists its criteria, each oriented towards the
    worse-off group, with the criterion's id, title and severity."""
    out = []
    for c in (doc.get("standard") or {}).get("criteria", []):
        ev = c.get("evidence") or {}
        for f in ev.get("findings") or []:
            if f.get("reference_group") is None or f.get("sure") not in SHOWN:
                continue
            out.append({**f, **oriented(f), "criterion": c["id"],
                        "title": c.get("title", c["id"]),
                        "severity": c.get("severity", "required"),
                        "label": _label(doc, f.get("attribute")),
                        "not_recorded": not_recorded(f.get("group"))})
    out.sort(key=lambda f: SHOWN.index(f["sure"]))
    return out


def threshold_findings(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Findings against a fixed limit rather than another group (a group's calibration, its
    share of missing values, its size), *not met* or *undecided*."""
    out = []
    for c in (doc.get("standard") or {}).get("criteria", []):
        ev = c.get("evidence") or {}
        for f in ev.get("findings") or []:
            if f.get("reference_group") is None and f.get("sure") in SHOWN:
                out.append({**f, "criterion": c["id"], "title": c.get("title", c["id"]),
                            "label": _label(doc, f.get("attribute"))})
    out.sort(key=lambda f: SHOWN.index(f["sure"]))
    return out


def unexamined(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Groups the judge could not judge, one entry per group, with every reason it gave
    (``standard.unexamined``), the criteria and the measures concerned."""
    merged: dict[tuple[Any, Any], dict[str, Any]] = {}
    for u in (doc.get("standard") or {}).get("unexamined") or []:
        key = (u.get("attribute"), u.get("group"))
        entry = merged.setdefault(key, {
            "attribute": key[0], "group": key[1], "label": _label(doc, key[0]),
            "not_recorded": not_recorded(key[1]), "reasons": [], "metrics": [],
            "criteria": []})
        for field, value in (("reasons", u.get("why")), ("metrics", u.get("metric")),
                             ("criteria", u.get("criterion"))):
            if value and value not in entry[field]:
                entry[field].append(value)
    return list(merged.values())


# --------------------------------------------------------------------------- power


def detection(doc: Mapping[str, Any]) -> dict[str, Any]:
    """What this audit could detect, per protected characteristic and group: the group's size,
    and for each gap criterion and measure the smallest gap it would find *not met* (80% of
    audits), the largest gap it could still show *met*, and the people the group would need
    for a fair model to be shown *met* (:func:`~essex_standard.standard.plan.plan_from_results`,
    from results.json alone)."""
    from ..standard.plan import plan_from_results

    plan = plan_from_results(doc)
    attributes: dict[str, dict[str, Any]] = {}
    for r in plan["rows"]:
        attr = str(r["attribute"])
        a = attributes.setdefault(attr, {"attribute": attr, "label": _label(doc, attr),
                                         "reference": (doc.get("fairness") or {})
                                         .get(attr, {}).get("reference_group"),
                                         "rows": []})
        a["rows"].append(r)
    for a in attributes.values():
        order = list((doc.get("fairness") or {}).get(a["attribute"], {}).get("groups") or {})
        a["rows"].sort(key=lambda r: order.index(r["group"]) if r["group"] in order
                       else len(order))
    return {"power": plan["power"], "alpha": plan["alpha"], "attributes": list(attributes.values())}


def people_needed(doc: Mapping[str, Any]) -> dict[tuple[str, str, str], int | None]:
    """(attribute, group, metric) → the most people any gap criterion on that metric needs in
    that group for a fair model to be shown *met* (None when no size would do while the
    reference group is this small).  A group with no one in a measure's denominator (no one
    with the outcome, say) is planned as if its share were the reference group's."""
    from ..standard.power import plan_gap

    plan = detection(doc)
    out: dict[tuple[str, str, str], int | None] = {}
    for a in plan["attributes"]:
        fair = (doc.get("fairness") or {}).get(a["attribute"], {})
        ref_n = ((fair.get("groups") or {}).get(fair.get("reference_group")) or {}).get("n")
        for r in a["rows"]:
            key = (a["attribute"], str(r["group"]), str(r["metric"]))
            need = r.get("people_needed_for_met")
            if r.get("rate") is None:
                continue
            if r["n_group"] <= 0 and r["n_reference"] > 0 and ref_n:
                p = plan_gap(r["statistic"], r["margin"], r["rate"], 1.0, r["n_reference"],
                             plan["alpha"], plan["power"], r["comparisons"])
                need = None if p.needed_for_met is None else \
                    math.ceil(p.needed_for_met * ref_n / r["n_reference"])
            if key in out and out[key] is None:
                continue
            out[key] = None if need is None else max(need, out.get(key) or 0)
    return out


def needed_for(need: Mapping[tuple[str, str, str], int | None], attribute: Any, group: Any,
               metrics: list[str]) -> int | None:
    """The people a group needs for every one of ``metrics`` to be shown *met* (None when a
    plan covers none of them, or one of them can never be shown met at this size)."""
    found = [need[k] for m in metrics if (k := (str(attribute), str(group), str(m))) in need]
    return None if not found or None in found else max(n for n in found if n is not None)


# --------------------------------------------------------------------------- public view


def _public_gap(f: Mapping[str, Any]) -> dict[str, Any]:
    """The gap's interval in whole people per 100 (a difference) or "times as often" (a
    ratio), in the worse-off group's disfavour; ``none`` when the judge found it could be no
    gap at all (``could_be_none``)."""
    lo, hi = f.get("low"), f.get("high")
    none = f.get("could_be_none")
    none = True if none is None else bool(none)  # results.json from before: say less
    if f.get("ratio"):
        return {"unit": "times", "low": None if lo is None else f"{lo:.1f}",
                "high": None if hi is None else f"{hi:.1f}", "none": none}
    return {"unit": "in 100", "low": None if lo is None else per100(abs(lo)),
            "high": None if hi is None else per100(hi), "none": none}


def public_findings(doc: Mapping[str, Any], facts: PublicFacts,
                    w: Mapping[str, str]) -> dict[str, Any]:
    """The findings the public report lists: *not met* in full, *undecided* briefly (one
    entry per group, with its measures), disclosure control applied to every figure."""
    need = people_needed(doc)
    said = measure_words(doc)
    not_met, undecided = [], {}
    for f in judged_findings(doc):
        attr, metric = f["attribute"], f["metric"]
        plain = said.get((f["criterion"], metric))
        hidden = _hidden(facts, attr, (f["group"], f["reference_group"]), metric)
        entry = {
            "criterion": f["criterion"], "attribute": attr, "label": f["label"],
            "worse": f["worse"], "other": f["other"], "metric": metric,
            "what": plain["what"] if plain else f["direction"],
            "who": (plain or {}).get("who") or "",
            "plain": plain is not None,
            "worse_value": None if hidden else per100(f["worse_value"]),
            "other_value": None if hidden else per100(f["other_value"]),
            "hidden": hidden, "gap": None if hidden else _public_gap(f),
            "not_recorded": f["not_recorded"],
            "worst": bool(f.get("worst")),
            # Which way the figures go ("wrongly flagged more often") and, when the gap counts
            # against the comparison group, that it does: a group treated better is never
            # listed as if worse off.
            "more": _higher(f),
            "against_reference": f["worse"] != f["group"],
        }
        if f["sure"] == "not met":
            not_met.append(entry)
            continue
        key = (attr, f["group"])
        n = facts.group_n(attr, f["group"]) if attr in facts.doc.get("fairness", {}) else None
        group = undecided.setdefault(key, {
            "attribute": attr, "label": f["label"], "group": f["group"],
            "reference": f["reference_group"], "not_recorded": f["not_recorded"],
            "n": n, "needed": None, "items": [],
            "hidden": []})
        entry["group_value"] = entry["worse_value" if f["worse"] == f["group"] else "other_value"]
        entry["reference_value"] = entry["other_value" if f["worse"] == f["group"] else
                                         "worse_value"]
        group["items" if not hidden else "hidden"].append(entry)
    fairness = list(doc.get("fairness") or {})
    groups = {a: list((doc.get("fairness") or {})[a].get("groups") or {}) for a in fairness}

    def place(g: Mapping[str, Any]) -> tuple[int, int]:
        a, names = g["attribute"], groups.get(g["attribute"], [])
        return (fairness.index(a) if a in fairness else len(fairness),
                names.index(g["group"]) if g["group"] in names else len(names))

    for group in undecided.values():
        group["needed"] = needed_for(need, group["attribute"], group["group"],
                                     [e["metric"] for e in group["items"] + group["hidden"]])
        size = getattr(group["n"], "value", None)
        if group["needed"] is not None and size is not None and group["needed"] <= size:
            # The plan is for a fair model; a group already that large is undecided because
            # its gap sits near the limit, not for want of people: say nothing about size.
            group["needed"] = None
        group.setdefault("hidden", [])
        group.setdefault("items", [])
        group["hidden_what"] = list(dict.fromkeys(e["what"] for e in group["hidden"]))
    ordered = sorted(undecided.values(), key=place)
    return {"not_met": not_met, "undecided": [g for g in ordered if g["items"]],
            # Groups whose every undecided figure is hidden: named together, in one sentence.
            "undecided_hidden": [g for g in ordered if not g["items"]]}


def _higher(f: Mapping[str, Any]) -> bool:
    """Whether the group's figure is above the comparison group's (by the judge's direction
    when the figures are not both known)."""
    gv, rv = f.get("group_value"), f.get("reference_value")
    if gv is not None and rv is not None and gv != rv:
        return bool(gv > rv)
    return (f["worse"] == f["group"]) == bool(f.get("worse_is_higher", True))


def _hidden(facts: PublicFacts, attr: str | None, groups: tuple[Any, Any], metric: str
            ) -> str | None:
    """Why disclosure control hides a figure of a comparison: ``"primary"`` (too few people)
    before ``"secondary"`` (hidden to protect a smaller group); None when both are shown."""
    try:
        why = [facts.disclosure.reason(attr, g, metric) for g in groups
               if not facts.disclosure.metric_shown(attr, g, metric)]
    except KeyError:
        return "primary"
    return None if not why else "primary" if "primary" in why else "secondary"


def public_unexamined(doc: Mapping[str, Any], facts: PublicFacts) -> list[dict[str, Any]]:
    """:func:`unexamined`, with each group's size through disclosure control and what could
    not be checked in plain words (``what``)."""
    said = measure_words(doc)
    need = people_needed(doc)
    out = []
    for u in unexamined(doc):
        attr, group = u["attribute"], u["group"]
        known = attr in doc.get("fairness", {}) and \
            group in doc["fairness"][attr].get("groups", {})
        what = []
        for m in u["metrics"]:
            found = [said[(c, m)].get("unchecked") for c in u["criteria"] if (c, m) in said]
            what.append(next((x for x in found if x), "its " + str(m).replace("_", " ")))
        out.append({**u, "n": facts.group_n(attr, group) if known else None,
                    "needed": needed_for(need, attr, group, u["metrics"]),
                    "what": " or ".join(dict.fromkeys(what))})
    return out
