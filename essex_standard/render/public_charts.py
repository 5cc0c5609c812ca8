"""The public report's charts: each plots the measure its finding is about.

A chart illustrates the judge's findings for one protected characteristic: for every measure a
finding *not met* or *undecided* names (wrongly flagged, missed, flagged), one chart of that
measure by group, with the statements the title makes (who is worse off than whom, and how sure
the judge is).  Nothing is decided here: which comparisons are *not met* or *undecided* comes
from ``standard.criteria[].evidence.findings`` (:func:`~.findings.judged_findings`); this module
only picks which of the already-judged measures to draw and hands the template the parts of its
title.  A characteristic with no such finding gets one chart of the first measure the Standard
judged for it (its title then says no gap was beyond the limit, unless a group went unjudged
on it), or, when nothing was judged, of the rate the table leads with.

Every figure goes through disclosure control (:class:`~.facts.PublicFacts`); a hidden one is
drawn as ``c``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .charts import Bar, bar_chart
from .facts import PublicFacts, per100
from .findings import judged_findings, measure_words, not_recorded
from .suppressed import marks

#: How sure the judge is, strongest first: a chart's title states the strongest.
ORDER = ("not met", "undecided", "met")


def _shown_name(group: Any) -> str:
    return "not recorded" if not_recorded(group) else str(group)


def _statements(found: list[Mapping[str, Any]]) -> list[dict[str, list[str]]]:
    """The title's statements for one measure: worse-off groups that share the groups they are
    worse off than, merged ("0-4 and 16-17 more often than 10-15").

    >>> fs = [{"worse": "0-4", "other": "10-15"}, {"worse": "16-17", "other": "10-15"},
    ...       {"worse": "10-15", "other": "5-9"}]
    >>> _statements(fs)
    [{'worse': ['0-4', '16-17'], 'others': ['10-15']}, {'worse': ['10-15'], 'others': ['5-9']}]
    """
    by_worse: dict[str, list[str]] = {}
    for f in found:
        others = by_worse.setdefault(_shown_name(f["worse"]), [])
        if _shown_name(f["other"]) not in others:
            others.append(_shown_name(f["other"]))
    merged: dict[tuple[str, ...], list[str]] = {}
    for worse, others in by_worse.items():
        merged.setdefault(tuple(others), []).append(worse)
    return [{"worse": worse, "others": list(others)} for others, worse in merged.items()]


def _plottable(facts: PublicFacts, attr: str, metric: str) -> bool:
    """Only rates (shares of a group, in RATES) are drawn as bars "of every 100"."""
    from ..metrics.rates import RATES

    return metric in RATES and attr in facts.doc.get("fairness", {})


def chart_measures(doc: Mapping[str, Any], facts: PublicFacts, attr: str
                   ) -> list[dict[str, Any]]:
    """The measures to chart for one characteristic, each with how sure the judge is about its
    strongest finding (``sure``: *not met*, *undecided*, *met*, or None when not judged) and
    the statements of that finding.

    Measures come in the order of the findings (not met first, then the Standard's order);
    only rates (values between 0 and 1) are charted.
    """
    found: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for f in judged_findings(doc):
        if f.get("attribute") == attr and _plottable(facts, attr, f["metric"]):
            found.setdefault(f["metric"], {}).setdefault(f["sure"], []).append(f)
    out = []
    for metric, by_sure in found.items():
        sure = next(s for s in ORDER if s in by_sure)
        out.append({"metric": metric, "sure": sure, "statements": _statements(by_sure[sure])})
    if out:
        return out
    judged = [f["metric"] for c in (doc.get("standard") or {}).get("criteria", [])
              for f in (c.get("evidence") or {}).get("findings") or []
              if f.get("attribute") == attr and f.get("reference_group") is not None
              and _plottable(facts, attr, f["metric"])]
    if judged:
        # "No gap beyond the limit" only when no group went unjudged on that measure.
        unjudged = any(u.get("attribute") == attr and u.get("metric") in (judged[0], None)
                       for u in (doc.get("standard") or {}).get("unexamined") or [])
        return [{"metric": judged[0], "sure": None if unjudged else "met", "statements": []}]
    metric = "false_positive_rate" if facts.labels_available else "selection_rate"
    return [{"metric": metric, "sure": None, "statements": []}]


def _bars(facts: PublicFacts, attr: str, metric: str, people: str
          ) -> tuple[list[Bar], list[str]]:
    section = facts.doc["fairness"][attr]
    why = marks(facts.disclosure, people)
    bars, said = [], []
    for group in section["groups"]:
        ref = group == section["reference_group"]
        fig = facts.metric(attr, group, metric)
        name = _shown_name(group)
        bars.append(Bar(name, fig.value, None if fig.suppressed else fig.ci,
                        note="comparison group" if ref else "", emphasis=ref,
                        missing=(f"{why[fig.reason]['mark']} (hidden)"
                                 if fig.suppressed else "not known")))
        if fig.suppressed:
            shown = why[fig.reason]["short"]
        elif fig.value is None:
            shown = "not known"
        elif fig.ci:
            shown = f"{per100(fig.value)} (likely {per100(fig.ci[0])} to {per100(fig.ci[1])})"
        else:
            shown = str(per100(fig.value))
        said.append(f"{name}: {shown}")
    return bars, said


def _hidden_key(facts: PublicFacts, attr: str, metric: str, people: str
                ) -> list[dict[str, str]]:
    """The key's lines for the hidden bars of one chart: each reason's mark once."""
    why = marks(facts.disclosure, people)
    reasons = {facts.metric(attr, g, metric).reason
               for g in facts.doc["fairness"][attr]["groups"]
               if facts.metric(attr, g, metric).suppressed}
    return [{"mark": why[r]["mark"], "text": why[r]["short"][:1].upper() + why[r]["short"][1:]}
            for r in ("primary", "secondary") if r in reasons]


#: How a chart speaks of a measure when no Standard gave words for it (an audit without a
#: Standard): the Standard's own words, as the judge filled them, come first (``_words``).
_UNJUDGED_WORDS = {
    "selection_rate": {"what": "{flagged}", "who": ""},
    "false_positive_rate": {"what": "wrongly {flagged}", "who": "who {no_outcome}"},
    "false_negative_rate": {"what": "missed", "who": "who {outcome}"},
}


def _words(doc: Mapping[str, Any], metric: str) -> dict[str, Any]:
    """The words the judge filled from the Standard for ``metric`` (any criterion naming it),
    else the plain fallback for an audit judged against no Standard."""
    for (_, m), w in measure_words(doc).items():
        if m == metric and w.get("what"):
            return w
    return _UNJUDGED_WORDS.get(metric, {})


def attribute_charts(facts: PublicFacts, attr: str, idx: int, w: Mapping[str, str]
                     ) -> list[dict[str, Any]]:
    """The charts of one characteristic for the public report, each a dict the template
    titles (``sure``, ``statements``, ``what``), keys (``ranges``, ``hidden``) and places
    (``svg``, labelled by the visible title ``title_id``)."""
    out = []
    for k, m in enumerate(chart_measures(facts.doc, facts, attr)):
        metric = m["metric"]
        plain = _words(facts.doc, metric)
        what = plain["what"].format(**w) if plain.get("what") else metric.replace("_", " ")
        who = (plain.get("who") or "").format(**w)
        axis = f"{what}, of every 100 {w['people']}" + (f" {who}" if who else "")
        bars, said = _bars(facts, attr, metric, w["people"])
        chart_id = f"chart-{idx}-{k}"
        desc = (f"Bar chart of how many {w['people']} were {what}, of every 100"
                + (f" {who}" if who else "") + ", by group. " + "; ".join(said)
                + ". The same figures are in the table below.")
        out.append({
            **m, "what": what, "who": who, "axis": axis, "title_id": f"{chart_id}-title",
            "ranges": any(b.ci for b in bars),
            "hidden": _hidden_key(facts, attr, metric, w["people"]),
            "svg": bar_chart(chart_id, axis, desc, bars, axis_label=axis,
                             missing_text="c (hidden to protect privacy)",
                             labelledby=f"{chart_id}-title"),
        })
    return out
