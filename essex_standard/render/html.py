"""HTML rendering with Jinja2 (autoescape always on) from a results document.

Templates live in the top-level ``templates/`` folder so that a council can restyle its
reports without touching code.  Autoescaping is forced for every template, whatever its file
extension, because group and model names come from user data and must never inject markup.
"""

from __future__ import annotations

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


def fmt_num(value: Any, digits: int = 3) -> str:
    """A number for a table; an undefined value is an em dash, never 'nan'."""
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.{digits}f}"


def fmt_pct(value: Any, digits: int = 1) -> str:
    return "—" if value is None else f"{100 * value:.{digits}f}%"


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
    env.filters.update(num=fmt_num, pct=fmt_pct, ci=fmt_ci)
    env.globals["metric_label"] = lambda name: METRIC_LABELS.get(name, name.replace("_", " "))
    from .charts import rate_chart

    env.globals["rate_chart"] = rate_chart
    from .charts_calibration import register

    register(env)  # reliability diagrams, PSI and gap-over-time charts (issue 4)
    return env


def render_technical_html(result: AuditResult) -> str:
    """The technical audit report for ethics reviewers."""
    doc = result.doc
    return environment().get_template("technical-report.html").render(
        doc=doc,
        model=doc.get("model", {}),
        fairness=doc.get("fairness", {}),
        overall=doc.get("overall", {}),
        standard=doc.get("standard"),
        metric_order=list(METRIC_LABELS),
    )
