"""HTML rendering with Jinja2 (autoescape always on) from a results document.

Templates live in the top-level ``templates/`` folder so that a council can restyle its
reports without touching code.  Autoescaping is forced for every template, whatever its file
extension, because group and model names come from user data and must never inject markup.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ..resources import templates_dir
from ..result import AuditResult

METRIC_LABELS = {
    "selection_rate": "Selection rate",
    "base_rate": "Base rate",
    "true_positive_rate": "True positive rate",
    "false_positive_rate": "False positive rate",
    "false_negative_rate": "False negative rate",
    "true_negative_rate": "True negative rate",
    "positive_predictive_value": "Positive predictive value",
    "negative_predictive_value": "Negative predictive value",
    "false_discovery_rate": "False discovery rate",
    "false_omission_rate": "False omission rate",
    "accuracy": "Accuracy",
    "roc_auc": "ROC AUC",
}

#: The per-group fairness tables show eight metrics under four column headings, so that each
#: table fits A4 landscape at a readable size.  The other four are complements of these
#: (true positive rate = 1 − false negative rate, true negative rate = 1 − false positive rate,
#: false discovery rate = 1 − PPV, false omission rate = 1 − NPV) and are shown, with the
#: ratios, in a collapsed section of the HTML report.
METRIC_GROUPS = (
    ("Flags and outcomes", ("selection_rate", "base_rate")),
    ("Error rates, by true outcome", ("false_positive_rate", "false_negative_rate")),
    ("What a flag means, by prediction",
     ("positive_predictive_value", "negative_predictive_value")),
    ("Overall", ("accuracy", "roc_auc")),
)
COMPLEMENT_METRICS = ("true_positive_rate", "true_negative_rate", "false_discovery_rate",
                      "false_omission_rate")


def fmt_num(value: Any, digits: int = 3) -> str:
    """A number for a table; an undefined value is an em dash, never 'nan'."""
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.{digits}f}"


def fmt_pct(value: Any, digits: int = 1) -> str:
    return "—" if value is None else f"{100 * value:.{digits}f}%"


def fmt_gap(value: Any, ratio: bool = False) -> str:
    """A gap for the technical report: percentage points, or a ratio ("1.65×").

    >>> fmt_gap(0.1234), fmt_gap(1.654, ratio=True), fmt_gap(None)
    ('12.3 points', '1.65×', '—')
    """
    if value is None:
        return "—"
    return f"{value:.2f}×" if ratio else f"{100 * value:.1f} points"


def fmt_ci(ci: Any, digits: int = 3, pct: bool = False) -> str:
    if not ci:
        return "no interval"
    f = (lambda v: fmt_pct(v, 1)) if pct else (lambda v: fmt_num(v, digits))
    return f"{f(ci[0])} to {f(ci[1])}"


def environment():
    """A Jinja2 environment over ``templates/`` with autoescaping forced on."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    from .labels import capitalize_first
    from .links import html_link, mailto

    # Links from user data go through these filters only: http, https and mailto (links.py).

    env.filters.update(num=fmt_num, pct=fmt_pct, ci=fmt_ci, gap=fmt_gap, link=html_link,
                       mailto=mailto, capitalize=capitalize_first)
    env.globals["metric_label"] = lambda name: METRIC_LABELS.get(name, name.replace("_", " "))
    # View builders (split_evidence, short_reason...) are not exposed: the technical report's
    # context is prepared in Python (render/technical.py), and templates only render it.
    from .charts import rate_chart, swatch

    env.globals.update(rate_chart=rate_chart, chart_swatch=swatch)
    from ..privacy import convention_text
    env.globals.update(convention_text=convention_text)
    from .charts_calibration import register

    register(env)  # reliability diagrams, PSI and gap-over-time charts (issue 4)
    return env


def render_technical_html(result: AuditResult) -> str:
    """The technical audit report for ethics reviewers (long names shortened: labels.py)."""
    from .labels import display_doc
    from .technical import technical_context

    doc, _ = display_doc(result.doc)
    html = environment().get_template("technical-report.html").render(**technical_context(doc))
    return focusable_tables(html)


_WRAP = re.compile(r'<div class="table-wrap([^"]*)">'
                   r'(\s*<table[^>]*>\s*<caption[^>]*>(.*?)</caption>)?', re.S)


def focusable_tables(html: str) -> str:
    """Make each table wrapper a named, focusable region.

    A wide table scrolls sideways inside its wrapper on a narrow screen; keyboard users must be
    able to focus the wrapper to scroll it (WCAG 2.1.1; axe 'scrollable-region-focusable'), and
    a screen reader then announces the region by its table's caption.

    >>> out = focusable_tables('<div class="table-wrap"><table><caption>A &amp; <b>"B"</b>'
    ...                        '</caption>')
    >>> out[:out.index("<table>")]
    '<div tabindex="0" role="region" aria-label="A &amp; &quot;B&quot;" class="table-wrap">'
    """
    def named(m: re.Match[str]) -> str:
        label = " ".join(re.sub(r"<[^>]+>", "", m.group(3) or "").split()) or "Table"
        label = label.replace('"', "&quot;")
        return (f'<div tabindex="0" role="region" aria-label="{label}" '
                f'class="table-wrap{m.group(1)}">{m.group(2) or ""}')

    return _WRAP.sub(named, html)


# ---- helpers for the Standard section of the technical report


def short_reason(criterion: dict[str, Any]) -> str:
    """A criterion's reason cut to its headline, for the one-table overview.

    The full reason stays in results.json and in the criterion's own section.

    >>> str(short_reason({"kind": "measured", "reason": "Not met for 6 of 23 comparisons: x. y."}))
    'Not met for 6 of 23 comparisons.'
    >>> ev = {"answer": "yes", "answered_by": "<A>", "date": "2025-01-02"}
    >>> str(short_reason({"kind": "attested", "reason": "Answered yes.", "evidence": ev}))
    'Answered yes by &lt;A&gt; on <span class="nowrap">2025-01-02</span>.'
    """
    from markupsafe import Markup, escape

    reason = str(criterion.get("reason") or "").strip()
    ev = criterion.get("evidence") or {}
    if criterion.get("kind") == "attested" and ev.get("answer"):
        who = ev.get("answered_by") or "someone not named"
        date = ev.get("date")
        when = Markup(' on <span class="nowrap">{}</span>').format(date) if date else ""
        return Markup("Answered {} by {}{}.").format(ev["answer"], who, when)
    head = reason.split(": ", 1)[0]
    head = head.split(". ", 1)[0].split(" (", 1)[0].rstrip(".")
    head = head.replace("for all 1 comparisons judged", "for the 1 comparison judged")
    return escape(head + "." if head else "")


def _margin(row: dict[str, Any], ev: dict[str, Any]) -> float | None:
    """How far a comparison's decisive interval sits inside the acceptable region (smaller is
    closer to failing), on the scale the rule uses (log scale for ratios)."""
    interval = row.get("adjusted_ci") or row.get("ci")
    if not interval and row.get("value") is not None:
        interval = [row["value"], row["value"]]
    t, comparison = ev.get("threshold"), ev.get("comparison")
    if not interval or t is None or interval[0] is None or interval[1] is None:
        return None
    lo, hi = float(interval[0]), float(interval[1])
    if comparison == "between" and isinstance(t, list | tuple):
        return min(lo - float(t[0]), float(t[1]) - hi)
    if comparison == "within":
        t = float(t)
        if ev.get("statistic") == "ratio":
            if lo <= 0 or hi <= 0 or not 0 < t < 1:
                return None
            return min(math.log(lo / t), math.log((1 / t) / hi))
        return min(lo + t, t - hi)
    if comparison in (">=", ">"):
        return lo - float(t)
    if comparison in ("<=", "<"):
        return float(t) - hi
    return None


def shows_metric(ev: dict[str, Any]) -> bool:
    """Whether a criterion's evidence table needs a metric column: it names several metrics,
    or its path binds the metric (``metrics.false_positive_rate|false_negative_rate``)."""
    if not isinstance(ev.get("metric"), str):
        return True
    rows = list(ev.get("groups") or []) + list(ev.get("not_assessable") or [])
    return len({g.get("metric") for g in rows}) > 1


def split_evidence(criterion: dict[str, Any], show_all_below: int = 4) -> dict[str, Any]:
    """The comparisons of a measured criterion, split for the report.

    ``decisive``: every comparison not met or undecided, listed in full; ``met``: the rest;
    ``closest``: the met comparison nearest its threshold (the worst case among the met);
    ``inline``: True when so few were met that they are all listed with the decisive ones;
    ``not_assessable``: the comparisons with too little evidence, merged by group.
    """
    ev = criterion.get("evidence") or {}
    rows = list(ev.get("groups") or [])
    order = {"not met": 0}
    decisive = sorted((g for g in rows if g.get("verdict") != "met"),
                      key=lambda g: order.get(g.get("verdict"), 1))
    met = [g for g in rows if g.get("verdict") == "met"]
    scored = [(m, g) for g in met if (m := _margin(g, ev)) is not None]
    closest = min(scored, key=lambda pair: pair[0])[1] if scored else None
    merged: dict[tuple[Any, Any, Any], list[str]] = {}
    for g in ev.get("not_assessable") or []:
        key = (g.get("attribute"), g.get("group"), g.get("why"))
        merged.setdefault(key, []).append(g.get("metric") or "")
    not_assessable = [
        {"attribute": a, "group": grp, "why": why, "metrics": [m for m in ms if m]}
        for (a, grp, why), ms in merged.items()
    ]
    references: dict[str, str] = {}
    for g in rows:
        if g.get("reference_group") is not None:
            references.setdefault(str(g.get("attribute")), str(g["reference_group"]))
    return {"decisive": decisive, "met": met, "closest": closest,
            "inline": len(met) < show_all_below, "not_assessable": not_assessable,
            "references": references}
