"""Compact HTML for Jupyter: what ``AuditResult`` and ``AttributeFairness`` show in a notebook.

A notebook user wants the answer at a glance: which model, whether the Standard is met, and
which criteria decide it; for one attribute, the groups with their sizes and key rates with
intervals.  The full story stays in the reports.  The markup is small, well-formed and
escaped throughout (model names and group labels are user data), with no scripts or styles
that a notebook viewer might strip.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

#: The rates shown per group, in this order, when they were measured.
KEY_RATES: tuple[tuple[str, str], ...] = (
    ("selection_rate", "selection rate"),
    ("false_positive_rate", "false positive rate"),
    ("false_negative_rate", "false negative rate"),
    ("positive_predictive_value", "precision (PPV)"),
)
#: A criterion's reason is cut to this many characters in the notebook table.
REASON_CHARS = 160


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], caption: str = "") -> str:
    """An HTML table from already-escaped cells."""
    head = "".join(f'<th style="text-align:left">{h}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td style="text-align:left">{c}</td>' for c in row) + "</tr>"
        for row in rows
    )
    cap = f"<caption>{caption}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _short(text: str, limit: int = REASON_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def result_html(doc: Mapping[str, Any]) -> str:
    """The model, the verdict and one line per criterion.

    >>> html = result_html({"model": {"name": "A & B"}, "fairness": {}})
    >>> "A &amp; B" in html and "not judged" in html
    True
    """
    model = doc.get("model", {})
    name = escape(str(model.get("name") or "unnamed model"))
    version = model.get("version")
    standard = doc.get("standard")
    parts = [f"<div><strong>{name}</strong>"
             + (f" <span>({escape(str(version))})</span>" if version else "") + "</div>"]
    fairness = doc.get("fairness", {})
    attrs = ", ".join(
        f"{escape(str(a))} ({len(entry.get('groups', {}))} groups)" for a, entry in fairness.items()
    )
    rows = doc.get("data", {}).get("rows")
    parts.append(f"<div>{rows if rows is not None else '?'} rows; audited: {attrs or 'nothing'}"
                 "</div>")
    if not standard:
        parts.append("<div>Standard: <strong>not judged</strong></div>")
        return "<div>" + "".join(parts) + "</div>"
    parts.append(
        f"<div>{escape(str(standard.get('title', 'Standard')))} "
        f"{escape(str(standard.get('version', '')))}: "
        f"<strong>{escape(str(standard.get('verdict', 'not judged')))}</strong></div>"
    )
    if standard.get("summary"):
        parts.append(f"<p>{escape(str(standard['summary']))}</p>")
    criteria = [
        (escape(str(c.get("id", ""))), escape(str(c.get("title", ""))),
         escape(str(c.get("severity", ""))), f"<strong>{escape(str(c.get('verdict', '')))}"
         "</strong>", escape(_short(str(c.get("reason", "")))))
        for c in standard.get("criteria", [])
    ]
    parts.append(_table(("id", "criterion", "severity", "verdict", "why"), criteria))
    return "<div>" + "".join(parts) + "</div>"


def _cell(metric: Mapping[str, Any] | None) -> str:
    if not metric or metric.get("value") is None:
        reason = (metric or {}).get("reason", "not measured")
        return f'<span title="{escape(str(reason))}">—</span>'
    text = f"{metric['value']:.3f}"
    ci = metric.get("ci")
    if ci and ci[0] is not None and ci[1] is not None:
        text += f" <small>({ci[0]:.3f}–{ci[1]:.3f})</small>"
    return text


def fairness_html(name: str, doc: Mapping[str, Any]) -> str:
    """One attribute's groups: size, share and the key rates with their intervals.

    >>> doc = {"reference_group": "F", "groups": {"F": {"n": 40, "share": 0.5, "metrics": {
    ...     "selection_rate": {"value": 0.25, "ci": [0.14, 0.4]}}}}}
    >>> "0.250 <small>(0.140–0.400)</small>" in fairness_html("sex", doc)
    True
    """
    groups: Mapping[str, Any] = doc.get("groups", {})
    measured = {m for entry in groups.values() for m in entry.get("metrics", {})}
    rates = [(key, label) for key, label in KEY_RATES if key in measured]
    rows = []
    for group, entry in groups.items():
        label = escape(str(group))
        if group == doc.get("reference_group"):
            label += " <em>(reference)</em>"
        if entry.get("small"):
            label += " <em>(small)</em>"
        share = entry.get("share")
        rows.append([label, str(entry.get("n", "")),
                     "" if share is None else f"{share:.1%}",
                     *(_cell(entry.get("metrics", {}).get(key)) for key, _ in rates)])
    headers = ["group", "n", "share", *(escape(label) for _, label in rates)]
    caption = (f"{escape(name)}: {len(groups)} groups; value (interval) per group")
    return _table(headers, rows, caption)
