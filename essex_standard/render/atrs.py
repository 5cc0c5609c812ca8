"""UK Algorithmic Transparency Recording Standard (ATRS) v3.0 record.

Measured fields (model performance and fairness analysis, data quantities, completeness,
sensitive attributes) are written from the audit, under disclosure control; everything else
comes from the ``model:`` section of the config, and an empty field says "not provided".
The JSON validates against ``essex_standard/schema/atrs-v3.0.schema.json``, which we ship.
The field list follows the ATRS v3.0 template's Tier 1 and Tier 2 sections (see
docs/reports.md for the mapping from config keys).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..privacy import convention_text
from ..result import AuditResult
from .facts import NOT_PROVIDED, PublicFacts, attribute_label, model_field, per100, words
from .rules import override_line, overrides

ATRS_VERSION = "3.0"
ATRS_SCHEMA_FILE = "atrs-v3.0.schema.json"


def _pct(value: float | None) -> str:
    """A rate as a whole percentage: no finer than the public report (docs/privacy.md)."""
    return "not defined" if value is None else f"{round(100 * value)}%"


def _fig_text(fig, pct: bool = True) -> str:
    if fig.suppressed:
        return "c (suppressed)"
    if fig.value is None:
        return "not defined"
    out = _pct(fig.value) if pct else f"{fig.value:.2f}"
    if fig.ci:
        lo, hi = (_pct(fig.ci[0]), _pct(fig.ci[1])) if pct else \
            (f"{fig.ci[0]:.2f}", f"{fig.ci[1]:.2f}")
        out += f" (95% interval {lo} to {hi})"
    return out


def _performance(facts: PublicFacts) -> str:
    doc = facts.doc
    n = facts.overall_n()
    parts = [f"Audited on {'c' if n.suppressed else format(n.value, ',')} records "
             f"({doc['data']['predictions'].get('description') or 'predictions as supplied'})."]
    if facts.labels_available:
        for name, label in (("accuracy", "Accuracy"), ("roc_auc", "ROC AUC"),
                            ("true_positive_rate", "True positive rate"),
                            ("false_positive_rate", "False positive rate"),
                            ("positive_predictive_value", "Positive predictive value")):
            if name in doc["overall"]["metrics"]:
                fig = facts.metric(None, None, name)
                parts.append(f"{label}: {_fig_text(fig, pct=name != 'roc_auc')}.")
    else:
        parts.append("Outcomes were not available, so accuracy and error rates were not measured. "
                     f"Selection rate: {_fig_text(facts.metric(None, None, 'selection_rate'))}.")
    return " ".join(parts)


def _fairness(facts: PublicFacts) -> str:
    doc = facts.doc
    std = doc.get("standard")
    parts = []
    if std:
        parts.append(f"Essex Standard {std.get('version', '')}: {std['verdict']}. "
                     f"{std.get('summary') or ''}".strip())
        changed = overrides(doc)
        if changed:
            parts.append("The model owner changed the Standard for this audit: "
                         + " ".join(override_line(o) for o in changed))
        else:
            parts.append("The Standard was applied without overrides.")
    else:
        parts.append("The Essex Standard has not been applied to this audit.")
    w = words(doc.get("model") or {})
    findings = [f for a in doc.get("fairness", {}) for f in facts.findings(a)]
    if not findings:
        parts.append("No group had a clear gap (at least 5 in 100, interval excluding zero) "
                     "from its reference group in the error rates measured.")
    for f in findings:
        what = {"wrongly_flagged": f"wrongly {w['flagged']} (false positive rate)",
                "missed": "missed (false negative rate)",
                "flagged_more": f"{w['flagged']} (selection rate)"}[f["kind"]]
        parts.append(
            f"{f['group']} ({attribute_label(doc, f['attribute'])}): {per100(f['value'])} in 100 "
            f"{what}, against {per100(f['reference_value'])} in 100 for {f['reference']}."
        )
    parts.append("Per-group figures with intervals are in the model card and technical report.")
    return " ".join(parts)


def _quantities(facts: PublicFacts) -> str:
    doc = facts.doc
    n = facts.overall_n()
    parts = [f"{'c' if n.suppressed else format(n.value, ',')} records in the audit data."]
    for inp in doc.get("inputs", []):
        if inp.get("rows") is not None and inp["role"] != "data":
            rows = inp["rows"]
            parts.append(f"{inp['role']}: {rows:,} records." if facts.disclosure.count_shown(rows)
                         else f"{inp['role']}: c records.")
    return " ".join(parts)


def _sensitive(facts: PublicFacts) -> str:
    doc = facts.doc
    parts = []
    for attr, section in doc.get("fairness", {}).items():
        if section.get("kind") == "intersection":
            continue
        parts.append(f"{attribute_label(doc, attr)} ({len(section['groups'])} groups; "
                     f"reference group {section['reference_group']})")
    text = "Audited for fairness: " + "; ".join(parts) + "."
    return text + " These were used to audit the model, not as model inputs unless stated."


def _completeness(facts: PublicFacts) -> str:
    doc = facts.doc
    parts = []
    for attr, section in doc.get("fairness", {}).items():
        if section.get("kind") == "intersection":
            continue
        label = attribute_label(doc, attr)
        if "(missing)" in section["groups"]:
            n = facts.group_n(attr, "(missing)")
            total = doc["overall"]["n"]
            share = "c" if n.suppressed else f"{100 * n.value / total:.1f}%"
            parts.append(f"{label.capitalize()}: not recorded for {share} of records")
        else:
            parts.append(f"{label.capitalize()}: recorded for every record")
        small = [g for g, e in section["groups"].items() if e.get("small")]
        if small:
            parts[-1] += (f"; {len(small)} group(s) smaller than "
                          f"{doc['settings']['min_group_size']} people, too small to judge")
    return "; ".join(parts) + "."


def atrs_record(result: AuditResult) -> dict[str, Any]:
    """The ATRS v3.0 record as a JSON-ready mapping."""
    doc = result.doc
    model = doc.get("model") or {}
    facts = PublicFacts(doc)

    def f(key: str) -> str:
        return model_field(model, key)

    third = model.get("third_parties")
    record = {
        "atrs_version": ATRS_VERSION,
        "generated_by": f"essex-standard {doc['tool']['version']} from results.json "
                        f"(schema {doc['schema_version']})",
        "disclosure_control": f"{convention_text(facts.disclosure.settings).capitalize()}; "
                              "suppressed figures are shown as 'c', with secondary "
                              "suppression.",
        "tier_1": {
            "name": f("name"),
            "description": f("purpose"),
            "website": f("website"),
            "contact_email": f("contact_email"),
            "organisation": f("owner"),
            "phase": f("phase"),
            "how_it_works": f("description"),
            "why_used": f("benefit"),
            "decision_making": f("decision_use"),
            "human_review": f("human_review"),
            "challenge": f("challenge"),
        },
        "tier_2": {
            "owner_and_responsibility": {
                "organisation": f("owner"),
                "team": f("team"),
                "senior_responsible_owner": f("senior_responsible_owner"),
                "third_party_involvement": f("third_parties"),
                "external_supplier_involved": (
                    NOT_PROVIDED if not third else
                    "no" if str(third).strip().lower().startswith(("none", "no")) else "yes"),
            },
            "description_and_rationale": {
                "detailed_description": f("description"),
                "scope": f("scope") if model.get("scope") else f("not_used_for"),
                "benefit": f("benefit"),
                "previous_process": f("previous_process"),
                "alternatives_considered": f("alternatives"),
            },
            "decision_making_process": {
                "process_integration": f("decision_use"),
                "provided_information": f("model_outputs"),
                "frequency_and_scale_of_usage": f("frequency"),
                "human_decisions_and_review": f("human_review"),
                "required_training": f("training"),
                "appeals_and_review": f("challenge"),
            },
            "tool_specification": {
                "system_architecture": f("architecture"),
                "phase": f("phase"),
                "maintenance": f("maintenance"),
                "models": [{
                    "model_name": f("name"),
                    "model_version": f("version"),
                    "model_task": f("model_task") if model.get("model_task") else f("purpose"),
                    "model_input": f("model_inputs"),
                    "model_output": f("model_outputs"),
                    "model_architecture": f("architecture"),
                    "model_performance": _performance(facts),
                    "fairness_analysis": _fairness(facts),
                    "datasets": f("data_sources"),
                }],
                "data_specification": {
                    "source_data_name": f("data_sources"),
                    "data_modality": "Tabular",
                    "data_description": f("data_sources"),
                    "data_quantities": _quantities(facts),
                    "sensitive_attributes": _sensitive(facts),
                    "data_completeness_and_representativeness": _completeness(facts),
                    "data_collection": f("data_collection"),
                    "data_cleaning": f("data_cleaning"),
                    "data_sharing_agreements": f("data_sharing"),
                    "data_access_and_storage": f("data_access"),
                },
            },
            "risks_mitigations_and_impact_assessments": {
                "impact_assessments": [
                    {"name": ia.get("name", NOT_PROVIDED),
                     "description": ia.get("description") or NOT_PROVIDED,
                     "date": ia.get("date") or NOT_PROVIDED,
                     "link": ia.get("link") or NOT_PROVIDED}
                    for ia in model.get("impact_assessments") or []
                ],
                "risks": [
                    {"name": r.get("name", NOT_PROVIDED),
                     "description": r.get("description") or NOT_PROVIDED,
                     "mitigation": r.get("mitigation") or NOT_PROVIDED}
                    for r in model.get("risks") or []
                ],
            },
        },
    }
    return record


def validate_atrs(record: Mapping[str, Any]) -> None:
    import jsonschema

    from ..resources import schema_path

    schema = json.loads(schema_path(ATRS_SCHEMA_FILE).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(record)


def render_atrs_json(result: AuditResult) -> str:
    record = atrs_record(result)
    validate_atrs(record)
    return json.dumps(record, indent=2, ensure_ascii=False) + "\n"


def render_atrs_markdown(result: AuditResult) -> str:
    from .markdown import markdown_environment

    record = atrs_record(result)
    template = markdown_environment().get_template("atrs.md")
    return template.render(r=record, NOT_PROVIDED=NOT_PROVIDED)
