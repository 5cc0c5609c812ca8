"""Model card: Markdown with Hugging Face metadata, and Model Card Toolkit (v0.0.2) JSON.

Both are public outputs, so every per-group figure passes disclosure control: a hidden figure
is left out of the Hugging Face ``model-index`` (which wants numbers) and appears as the GSS
symbol ``c`` in the Markdown tables and in the Toolkit JSON (whose values are strings).
Self-reported results are never ``verified: true``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ..privacy import convention_text
from ..result import AuditResult
from ..statements import decision_sentence, said
from .facts import NOT_PROVIDED, PublicFacts, attribute_label, model_field, words
from .html import METRIC_LABELS
from .rules import override_line, overrides

MCT_SCHEMA_VERSION = "0.0.2"
MCT_SCHEMA_FILE = "model-card-toolkit-v0.0.2.schema.json"

#: Metrics on the card, with the Hugging Face metric type used in ``model-index``.
CARD_METRICS = {
    "selection_rate": "selection_rate",
    "true_positive_rate": "recall",
    "false_positive_rate": "false_positive_rate",
    "false_negative_rate": "false_negative_rate",
    "positive_predictive_value": "precision",
    "accuracy": "accuracy",
    "roc_auc": "roc_auc",
}
#: Decimals of a proportion in the public card: no finer than the public report's "N in every
#: 100", so a rate times a published group size cannot rebuild a count the report hides
#: (docs/privacy.md).
RATE_DIGITS = 2


def _rate(value: float) -> str:
    return f"{value:.{RATE_DIGITS}f}"


LIMITS = (
    "When groups have different base rates, no model with imperfect accuracy can have equal "
    "error rates and equal calibration in every group at once (Chouldechova 2017; Kleinberg, "
    "Mullainathan and Raghavan 2017). Choosing which to prioritise is a policy decision.",
    "Figures describe the audited period only; the model may behave differently later.",
    "Small groups have wide intervals; an absent gap there is not evidence of fairness.",
)


def _metrics_for(facts: PublicFacts, attr: str | None, group: str | None) -> list[dict[str, Any]]:
    out = []
    source = facts.doc["overall"]["metrics"] if attr is None else \
        facts.doc["fairness"][attr]["groups"][group]["metrics"]
    for name in CARD_METRICS:
        if name not in source:
            continue
        fig = facts.metric(attr, group, name)
        out.append({"name": name, "label": METRIC_LABELS.get(name, name), "figure": fig})
    return out


def card_context(result: AuditResult) -> dict[str, Any]:
    doc = result.doc
    model = doc.get("model") or {}
    facts = PublicFacts(doc)
    slices = []
    for attr, section in doc.get("fairness", {}).items():
        groups = []
        for group in section["groups"]:
            groups.append({"group": group, "n": facts.group_n(attr, group),
                           "is_reference": group == section["reference_group"],
                           "metrics": _metrics_for(facts, attr, group)})
        slices.append({"attribute": attr, "label": attribute_label(doc, attr),
                       "reference": section["reference_group"], "groups": groups})
    return {
        "doc": doc,
        "model": model,
        "field": lambda k: said(model, k),
        "decision": decision_sentence(doc),
        "NOT_PROVIDED": NOT_PROVIDED,
        "w": words(model),
        "facts": facts,
        "overall": _metrics_for(facts, None, None),
        "overall_n": facts.overall_n(),
        "slices": slices,
        "standard": doc.get("standard"),
        "overrides": [override_line(o) for o in overrides(doc)],
        "tradeoff": (doc.get("calibration") or {}).get("tradeoff") or {},
        "privacy": facts.disclosure,
        "privacy_rule": convention_text(facts.disclosure.settings),
        "limits": LIMITS,
        "metric_names": [m for m in CARD_METRICS if m in doc["overall"]["metrics"]],
        "metric_label": lambda n: METRIC_LABELS.get(n, n),
    }


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_ENTITY = re.compile(r"&(?=#?\w+;)")


def meta_text(value: Any) -> str:
    """User text made inert for the YAML metadata, which Hugging Face shows as HTML.

    No tag, entity or line break survives: ``<`` and ``>`` become their full-width forms
    (so "<25" still reads as "＜25"), an ``&`` that would start an entity becomes "＆", and
    whitespace and control characters collapse to single spaces.

    >>> meta_text('<img src=x onerror=alert(1)> &amp; <25')
    '＜img src=x onerror=alert(1)＞ ＆amp; ＜25'
    """
    text = " ".join(_CONTROL.sub(" ", str(value)).split())
    text = _ENTITY.sub("＆", text)
    return text.replace("<", "＜").replace(">", "＞")


def _inert(obj: Any) -> Any:
    if isinstance(obj, str):
        return meta_text(obj)
    if isinstance(obj, dict):
        return {k: _inert(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_inert(v) for v in obj]
    return obj


def hf_metadata(ctx: Mapping[str, Any]) -> dict[str, Any]:
    """Hugging Face model-card metadata with a ``model-index`` of per-group results.

    Every string passes through :func:`meta_text`: names of models and groups are user text.
    """
    model = ctx["model"]
    name = model.get("name") or "unnamed model"
    level = ctx["doc"]["settings"].get("confidence_level", 0.95)

    def entry(m: Mapping[str, Any], config: str, args: dict[str, Any],
              shown: str = "all") -> dict[str, Any]:
        fig = m["figure"]
        if fig.ci:
            args = {**args, "confidence_interval": [round(fig.ci[0], RATE_DIGITS),
                                                    round(fig.ci[1], RATE_DIGITS)],
                    "confidence_level": level}
        return {"type": CARD_METRICS[m["name"]], "value": round(fig.value, RATE_DIGITS),
                "name": f"{m['label']} ({shown})", "config": config, "args": args,
                "verified": False}

    # Each metric's group and interval sit in structured fields (model-index ``config`` and
    # ``args``, which huggingface_hub reads as ``metric_config`` and ``metric_args``), not
    # only in the free-text name.
    metrics = [entry(m, "all", {}) for m in ctx["overall"] if m["figure"].value is not None]
    for s in ctx["slices"]:
        for g in s["groups"]:
            for m in g["metrics"]:
                if m["figure"].value is None:  # hidden by disclosure control, or undefined
                    continue
                metrics.append(entry(m, f"{s['attribute']}={g['group']}", {
                    "attribute": s["label"], "group": g["group"],
                    "reference_group": s["reference"]}, f"{s['label']}: {g['group']}"))
    meta: dict[str, Any] = {
        "language": ["en"],
        "tags": ["tabular-classification", "fairness-audit", "essex-standard"],
        "model-index": [{
            "name": name,
            "results": [{
                "task": {"type": "tabular-classification", "name": "Binary classification"},
                "dataset": {"type": "tabular", "name": "Audit data (see results.json inputs)",
                            "split": "audit"},
                "metrics": metrics,
            }],
        }],
    }
    meta.update(_hf_license(model.get("license")))
    library = LIBRARY_NAMES.get(ctx["doc"]["data"].get("predictions", {}).get("model_format"))
    if library:
        meta["library_name"] = library
    return _inert(meta)


#: Hugging Face ``library_name`` for the model formats essex-standard loads (a skops or
#: pickle file holds a scikit-learn estimator); a predictions table names no library.
LIBRARY_NAMES = {"skops": "sklearn", "pickle": "sklearn", "onnx": "onnx"}


def _hf_license(text: str | None) -> dict[str, str]:
    """Hugging Face's ``license`` fields from ``model.license``.

    An identifier such as ``mit`` or ``apache-2.0`` (one word) is used as it is; any other
    text is ``license: other`` with the text as ``license_name``, as the Hub asks for
    licences not on its list. No licence given: no field, never a guess.

    >>> _hf_license("Apache-2.0")
    {'license': 'apache-2.0'}
    >>> _hf_license("Proprietary (Northpointe)")
    {'license': 'other', 'license_name': 'proprietary-northpointe'}
    """
    if not text:
        return {}
    text = str(text).strip()
    if re.fullmatch(r"[A-Za-z0-9.+-]+", text):
        return {"license": text.lower()}
    return {"license": "other",
            "license_name": re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")}


def render_model_card_markdown(result: AuditResult) -> str:
    """The model card as Markdown with YAML front matter."""
    import yaml

    from .markdown import markdown_environment

    ctx = card_context(result)
    front = yaml.safe_dump(hf_metadata(ctx), sort_keys=False, allow_unicode=True, width=100)
    body = markdown_environment().get_template("model-card.md").render(**ctx)
    return f"---\n{front}---\n\n{body}"


def model_card_toolkit(result: AuditResult) -> dict[str, Any]:
    """The model card as a Model Card Toolkit v0.0.2 document (per-group metrics as slices)."""
    ctx = card_context(result)
    model = ctx["model"]
    doc = ctx["doc"]

    def text(key: str) -> str:
        return model_field(model, key)

    perf = []

    def add(m: Mapping[str, Any], slice_name: str | None) -> None:
        fig = m["figure"]
        if fig.value is None and not fig.suppressed:
            return  # undefined for this group (no one to measure on)
        entry: dict[str, Any] = {"type": m["name"],
                                 "value": ("s" if fig.reason == "secondary" else "c")
                                 if fig.suppressed else _rate(fig.value)}
        if slice_name:
            entry["slice"] = slice_name
        if fig.ci and not fig.suppressed:
            entry["confidence_interval"] = {"lower_bound": _rate(fig.ci[0]),
                                            "upper_bound": _rate(fig.ci[1])}
        perf.append(entry)

    for m in ctx["overall"]:
        add(m, None)
    for s in ctx["slices"]:
        for g in s["groups"]:
            for m in g["metrics"]:
                add(m, f"{s['attribute']}={g['group']}")
    owners = [{"name": text("owner"), "contact": text("contact_email")}]
    card: dict[str, Any] = {
        "schema_version": MCT_SCHEMA_VERSION,
        "model_details": {
            "name": model.get("name") or "unnamed model",
            "overview": text("purpose"),
            "documentation": text("description"),
            "owners": owners,
            "version": {"name": text("version")},
            "references": [{"reference": ia["link"]}
                           for ia in model.get("impact_assessments") or [] if ia.get("link")],
        },
        "model_parameters": {
            "model_architecture": text("architecture"),
            "data": [{"name": i["path"], "description": f"{i['role']} file, SHA-256 {i['sha256']}"}
                     for i in doc.get("inputs", [])],
            "input_format": text("model_inputs"),
            "output_format": text("model_outputs"),
            # The decision threshold has no field of its own in the Toolkit's schema or proto
            # (PerformanceMetric is type, value, slice, confidence_interval): it describes the
            # output, so it goes in the output format's key-value map.
            "output_format_map": _threshold_map(doc),
        },
        "quantitative_analysis": {"performance_metrics": perf},
        "considerations": {
            "users": [{"description": text("decision_use")}],
            "use_cases": [{"description": text("purpose")}],
            "limitations": [{"description": t} for t in LIMITS]
            + [{"description": f"Out of scope: {text('not_used_for')}"}]
            + [{"description": f"Essex Standard override: {line}"} for line in ctx["overrides"]],
            "tradeoffs": [{"description": text("fairness_priority")}],
            "ethical_considerations": [
                {"name": r.get("name", ""),
                 "mitigation_strategy": r.get("mitigation", NOT_PROVIDED)}
                for r in model.get("risks") or []
            ] + _standard_considerations(doc)
            or [{"name": NOT_PROVIDED, "mitigation_strategy": NOT_PROVIDED}],
        },
    }
    if not card["model_parameters"]["output_format_map"]:
        del card["model_parameters"]["output_format_map"]
    std = doc.get("standard")
    if std:
        card["considerations"]["limitations"].insert(0, {
            "description": f"Essex Standard {std.get('version', '')} verdict: {std['verdict']}. "
                           f"{std.get('summary') or ''}".strip()})
    if model.get("audit_date"):
        card["model_details"]["version"]["date"] = str(model["audit_date"])
    if model.get("license"):
        card["model_details"]["licenses"] = [{"custom_text": model["license"]}]
    return card


def _threshold_map(doc: Mapping[str, Any]) -> list[dict[str, str]]:
    pred = doc["data"].get("predictions", {})
    return [{"key": "decision threshold", "value": str(pred["description"])}] \
        if pred.get("description") else []


def _standard_considerations(doc: Mapping[str, Any]) -> list[dict[str, str]]:
    """Each criterion the Standard did not find met, as a Toolkit risk with the owner's answer.

    The Toolkit's ``Risk`` (name, mitigation_strategy) is the one place its schema gives a
    judgement and what is done about it; verdicts stay out of ``quantitative_analysis``.
    """
    std = doc.get("standard") or {}
    responses = (doc.get("model") or {}).get("responses") or {}
    out = []
    for c in std.get("criteria", []):
        if c.get("verdict") in ("met", "not applicable", None):
            continue
        # The verdict only: the judge's reasons are technical-report text (they count
        # comparisons, which the public outputs' small-number check cannot tell from people).
        name = f"Essex Standard {c['id']} ({c['title']}): {c['verdict']}"
        out.append({"name": name,
                    "mitigation_strategy": responses.get(c["id"]) or NOT_PROVIDED})
    return out


def render_model_card_json(result: AuditResult) -> str:
    card = model_card_toolkit(result)
    validate_model_card(card)
    return json.dumps(card, indent=2, ensure_ascii=False) + "\n"


def validate_model_card(card: Mapping[str, Any]) -> None:
    """Validate against the Model Card Toolkit v0.0.2 schema we ship (upstream's file, unedited).

    The schema leaves most objects open, so the Toolkit's own parser is stricter: it rejects any
    field its ``model_card.proto`` lacks. tests/test_model_card_toolkit.py checks that too.
    """
    import jsonschema

    from ..resources import schema_path

    schema = json.loads(schema_path(MCT_SCHEMA_FILE).read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(card)
