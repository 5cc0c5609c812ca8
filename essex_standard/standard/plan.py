"""Sample-size planning for the Standard's gap criteria (``essex-standard plan``).

For every criterion that compares a rate between groups (F1's selection-rate ratio, F2's
error-rate differences), and every group against its reference group, it says what an audit
of this size can conclude (:mod:`.power`): the smallest gap beyond the margin it finds *not
met* with 80% power, the largest true gap it can still show *met*, and how many people a
group needs for a fair model to be shown *met*.  Group sizes come from an audit's
``results.json`` document, or are given before any data exist (:func:`plan_sizes`).

>>> plan = plan_sizes([2000, 500], load_standard())
>>> row = next(r for r in plan["rows"] if r["metric"] == "false_negative_rate")
>>> row["group"], row["n_group"], row["rate"], row["people_needed_for_met"]
('group 2 (500 people)', 150.0, 0.3, 1220)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..errors import EssexStandardError
from ..metrics.rates import RATES
from .model import Standard, load_standard
from .power import plan_gap

__all__ = ["ASSUMED", "as_text", "load_standard", "plan_from_doc", "plan_from_results",
           "plan_sizes"]

#: Rates assumed when planning before data exist (override with ``--assume metric=rate``).
ASSUMED = {"outcome": 0.3, "selection_rate": 0.3, "false_positive_rate": 0.15,
           "false_negative_rate": 0.3, "true_positive_rate": 0.7, "true_negative_rate": 0.85,
           "positive_predictive_value": 0.6, "negative_predictive_value": 0.85}


class PlanError(EssexStandardError):
    """A plan cannot be made from these inputs."""


def _gap_criteria(standard: Standard) -> list[tuple[str, str, str, float, list[str]]]:
    """(id, severity, statistic, margin, metrics) of criteria comparing rates across groups."""
    out = []
    for c in standard.measured:
        m = c.measure
        if m is None or m.source in (None, "overall") or m.statistic not in ("difference",
                                                                              "ratio"):
            continue
        if m.comparison != "within" or not isinstance(m.threshold, float):
            continue
        metrics = [x for x in m.metrics if x in RATES]
        if metrics:
            out.append((c.id, c.severity, m.statistic, m.threshold, metrics))
    return out


def _share(metric: str, outcome: float, flagged: float) -> float:
    """The share of a group in a metric's denominator."""
    den = set(RATES[metric].denominator)
    if den == {(1, 0), (1, 1)}:
        return outcome
    if den == {(0, 0), (0, 1)}:
        return 1 - outcome
    if den == {(0, 1), (1, 1)}:
        return flagged
    if den == {(0, 0), (1, 0)}:
        return 1 - flagged
    return 1.0


def _row(cid: str, severity: str, statistic: str, margin: float, metric: str,
         attribute: str | None, group: str, n_people: float, n_group: float, n_ref: float,
         rate: float, k: int, alpha: float, power: float) -> dict[str, Any]:
    row: dict[str, Any] = {"criterion": cid, "severity": severity, "attribute": attribute,
                           "group": group, "metric": metric, "statistic": statistic,
                           "margin": margin, "people": n_people, "n_group": n_group,
                           "n_reference": n_ref, "rate": rate if math.isfinite(rate) else None,
                           "comparisons": k}
    if not 0 < rate < 1 or n_group <= 0 or n_ref <= 0:
        row.update(detectable=None, provable=None, people_needed_for_met=None,
                   note="the assumed rate is 0 or 1, or a group has no one in the "
                        "denominator: nothing can be planned")
        return row
    p = plan_gap(statistic, margin, rate, n_group, n_ref, alpha, power, k)
    share = n_group / n_people if n_people else 0.0
    needed = None if p.needed_for_met is None or share <= 0 else \
        math.ceil(p.needed_for_met / share)
    row.update(detectable=p.detectable, provable=p.provable, people_needed_for_met=needed,
               note=None if needed is not None else
               "the reference group is too small for this comparison ever to be shown met")
    return row


def plan_sizes(sizes: list[int], standard: Standard, assumed: Mapping[str, float] | None = None,
               power: float = 0.8) -> dict[str, Any]:
    """A plan for groups of the given sizes (the largest is the reference group), at the
    assumed rates, before any data exist."""
    if len(sizes) < 2 or any(int(n) <= 0 for n in sizes):
        raise PlanError("give at least two group sizes, each a positive number of people "
                        "(e.g. --group-size 2000 --group-size 300)")
    rates = {**ASSUMED, **(assumed or {})}
    alpha = 1 - standard.confidence_level
    ref = max(range(len(sizes)), key=lambda i: sizes[i])
    rows = []
    for cid, severity, statistic, margin, metrics in _gap_criteria(standard):
        k = (len(sizes) - 1) * len(metrics)
        for metric in metrics:
            share = _share(metric, rates["outcome"], rates["selection_rate"])
            for i, n in enumerate(sizes):
                if i == ref:
                    continue
                rows.append(_row(cid, severity, statistic, margin, metric, None,
                                 f"group {i + 1} ({n} people)", float(n), n * share,
                                 sizes[ref] * share, rates[metric], k, alpha, power))
    return {"power": power, "alpha": alpha, "assumed": rates, "source": "group sizes given",
            "reference": f"group {ref + 1} ({sizes[ref]} people)", "rows": rows}


def _group_rows(doc: Mapping[str, Any], criterion: tuple[str, str, str, float],
                metrics: list[str], alpha: float, power: float) -> list[dict[str, Any]]:
    """One plan row per criterion metric and non-reference group of every attribute, at the
    rate seen in the attribute's reference group."""
    cid, severity, statistic, margin = criterion
    rows = []
    for attribute, section in sorted((doc.get("fairness") or {}).items()):
        groups, ref = section.get("groups") or {}, section.get("reference_group")
        if ref not in groups:
            continue
        k = (len(groups) - 1) * len(metrics)
        for metric in metrics:
            r = groups[ref].get("metrics", {}).get(metric, {})
            n_ref, x_ref = r.get("denominator") or 0, r.get("numerator") or 0
            rate = x_ref / n_ref if n_ref else math.nan
            for group, entry in groups.items():
                if group == ref:
                    continue
                d = entry.get("metrics", {}).get(metric, {}).get("denominator") or 0
                rows.append(_row(cid, severity, statistic, margin, metric, attribute, group,
                                 float(entry.get("n") or 0), float(d), float(n_ref), rate, k,
                                 alpha, power))
    return rows


def plan_from_doc(doc: Mapping[str, Any], standard: Standard, power: float = 0.8
                  ) -> dict[str, Any]:
    """A plan for the groups of an audit (its ``results.json`` document), at the rates seen
    in each reference group."""
    alpha = 1 - standard.confidence_level
    rows = []
    for cid, severity, statistic, margin, metrics in _gap_criteria(standard):
        rows += _group_rows(doc, (cid, severity, statistic, margin), metrics, alpha, power)
    return {"power": power, "alpha": alpha, "assumed": None, "source": "audit data",
            "reference": None, "rows": rows}


def plan_from_results(doc: Mapping[str, Any], power: float = 0.8) -> dict[str, Any]:
    """:func:`plan_from_doc` from a judged ``results.json`` alone (no Standard file): the gap
    criteria, margins and confidence level are read from its ``standard`` section, so a report
    renders the same plan the ``plan`` command would print for the Standard that was applied.

    >>> plan_from_results({"fairness": {}})["rows"]
    []
    """
    section = doc.get("standard") or {}
    level = (section.get("multiplicity") or {}).get("family_level") or 0.95
    alpha = 1 - float(level)
    rows = []
    for c in section.get("criteria") or []:
        ev = c.get("evidence") or {}
        metrics = ev.get("metric")
        metrics = [metrics] if isinstance(metrics, str) else list(metrics or [])
        metrics = [m for m in metrics if m in RATES]
        if (c.get("kind") != "measured" or ev.get("source") in (None, "overall")
                or ev.get("statistic") not in ("difference", "ratio")
                or ev.get("comparison") != "within"
                or not isinstance(ev.get("threshold"), (int, float)) or not metrics):
            continue
        criterion = (c["id"], c.get("severity", "required"), ev["statistic"],
                     float(ev["threshold"]))
        rows += _group_rows(doc, criterion, metrics, alpha, power)
    return {"power": power, "alpha": alpha, "assumed": None, "source": "audit data",
            "reference": None, "rows": rows}


def _gap_words(row: Mapping[str, Any], value: float | None) -> str:
    if value is None:
        return "none"
    if row["statistic"] == "ratio":
        return f"{value:.2f}x"
    return f"{value * 100:.1f} points"


def as_text(plan: Mapping[str, Any]) -> str:
    """The plan as a table for the terminal."""
    lines = [f"Sample-size plan ({plan['source']}; power {plan['power']:.0%}, "
             f"one-sided tests at {plan['alpha']:.0%}).",
             "  detect: the smallest gap beyond the margin found 'not met' with that power",
             "  show met: the largest true gap still shown 'met' with that power",
             "  need: people in the group for a fair model to be shown 'met'", ""]
    if plan.get("reference"):
        lines.insert(1, f"Reference group: {plan['reference']}; assumed rates: "
                        + ", ".join(f"{k} {v:g}" for k, v in plan["assumed"].items()))
    header = f"{'criterion':9} {'group':28} {'metric':22} {'denominator':>11} " \
             f"{'detect':>12} {'show met':>12} {'need':>8}"
    lines += [header, "-" * len(header)]
    for r in plan["rows"]:
        who = r["group"] if r["attribute"] is None else f"{r['group']} ({r['attribute']})"
        need = "-" if r["people_needed_for_met"] is None else f"{r['people_needed_for_met']:,}"
        lines.append(f"{r['criterion']:9} {who[:28]:28} {r['metric'][:22]:22} "
                     f"{r['n_group']:>11,.0f} {_gap_words(r, r['detectable']):>12} "
                     f"{_gap_words(r, r['provable']):>12} {need:>8}")
    return "\n".join(lines) + "\n"
