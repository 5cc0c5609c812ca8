"""UK Algorithmic Transparency Recording Standard (ATRS) v3.0 record.

Measured fields (model performance and fairness analysis, data quantities, completeness,
sensitive attributes) are written from the audit, under disclosure control; everything else
comes from the ``model:`` section of the config, and an empty field says "not provided".
The JSON validates against ``essex_standard/schema/atrs-v3.0.schema.json``, which we ship,
and its ``metadata`` block uses GOV.UK's own facet keys and values (:mod:`.atrs_govuk`). The
fields follow the ATRS v3.0 numbering (Tier 1: 1.1-1.4; Tier 2: sections 2.1-2.5); the
audit's own statement sits in an annex outside the numbered fields. docs/reports.md names the
source of every field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..privacy import convention_text
from ..result import AuditResult
from ..statements import decision_sentence
from .atrs_govuk import facet_label, govuk_metadata
from .facts import NOT_PROVIDED, PublicFacts, attribute_label, model_field, words
from .findings import public_findings, public_unexamined
from .labels import capitalize_first
from .rules import override_line, overrides

ATRS_VERSION = "3.0"
ATRS_SCHEMA_FILE = "atrs-v3.0.schema.json"


def _pct(value: float | None) -> str:
    """A rate as a whole percentage: no finer than the public report (docs/privacy.md)."""
    return "not defined" if value is None else f"{round(100 * value)}%"


def _fig_text(fig, pct: bool = True) -> str:
    if fig.suppressed:
        return ("s (hidden so that a smaller group's figure cannot be worked out)"
                if fig.reason == "secondary" else "c (hidden: too few people)")
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
            parts.append("The model owner set or changed thresholds for this audit: "
                         + " ".join(override_line(o) for o in changed))
        else:
            parts.append("The Standard was applied without overrides.")
    else:
        parts.append("The Essex Standard has not been applied to this audit.")
    parts.extend(_findings_text(facts))
    parts.append("Per-group figures with intervals are in the model card and technical report.")
    return " ".join(parts)


def _who(group: str, label: str) -> str:
    return f"people whose {label} was not recorded" if group == "(missing)" else \
        f"{group} ({label})"


def _findings_text(facts: PublicFacts) -> list[str]:
    """The judge's findings (:mod:`.findings`): each gap it found *not met*, with the
    worse-off group, both figures and how sure; then the groups left *undecided* and the
    groups it could not judge.  Nothing is chosen here."""
    doc = facts.doc
    if not doc.get("standard"):
        return ["The Essex Standard was not applied, so no gap between groups was judged."]
    w = words(doc.get("model") or {})
    found = public_findings(doc, facts, w)
    out = []
    for f in found["not_met"]:
        who = _who(f["worse"], f["label"])
        if f["hidden"]:
            out.append(f"Not met: {who} were {f['what']} more often than {f['other']} (figures "
                       "hidden to protect privacy).")
            continue
        of = f" of every 100 {w['people']} {f['who']}".rstrip() if f["plain"] else " in 100"
        gap = (f"{f['what']} at least {f['gap']['low']} times as often"
               if f["gap"]["unit"] == "times" else f"a gap of at least {f['gap']['low']} in 100")
        out.append(f"Not met: {who}: {f['worse_value']}{of} were {f['what']}, against "
                   f"{f['other_value']} in 100 for {f['other']} ({gap}).")
    if found["undecided"]:
        names = "; ".join(f"{_who(str(g['group']), g['label'])} against {g['reference']}"
                          for g in found["undecided"])
        out.append("Undecided (too few people to tell whether the gap breaks the Standard's "
                   f"limit): {names}.")
    for u in public_unexamined(doc, facts):
        out.append(f"Not checked: {_who(str(u['group']), u['label'])}: "
                   f"{'; '.join(u['reasons'])}.")
    if not out:
        out.append("The audit found no gap between groups beyond the Essex Standard's limits.")
    return out


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
            parts.append(f"{capitalize_first(label)}: not recorded for {share} of records")
        else:
            parts.append(f"{capitalize_first(label)}: recorded for every record")
        small = [g for g, e in section["groups"].items() if e.get("small")]
        if small:
            parts[-1] += (f"; {len(small)} group(s) smaller than "
                          f"{doc['settings']['min_group_size']} people, too small to judge")
    return "; ".join(parts) + "."


def _suppliers(model: Mapping[str, Any]) -> tuple[str, list[dict[str, str]]]:
    """2.1.4 and its sub-fields: whether an external supplier is involved, and who."""
    rows = [{"name": s.get("name") or NOT_PROVIDED,
             "companies_house_number": s.get("companies_house_number") or NOT_PROVIDED,
             "role": s.get("role") or NOT_PROVIDED,
             "procurement_procedure_type": s.get("procurement_type") or NOT_PROVIDED,
             "data_access_terms": s.get("data_access_terms") or NOT_PROVIDED}
            for s in model.get("suppliers") or []]
    if rows:
        return "Yes", rows
    third = str(model.get("third_parties") or "").strip().lower()
    if third.startswith(("none", "no")):
        return "No", []
    return NOT_PROVIDED, []


def _tier_1_description(model: Mapping[str, Any]) -> str:
    """1.2: how and why the tool is used, from the owner's own words (purpose first)."""
    parts = [str(model[k]).strip() for k in ("purpose", "description", "decision_use", "benefit")
             if model.get(k)]
    return "\n\n".join(p if p.endswith((".", "!", "?")) else p + "." for p in parts) \
        or NOT_PROVIDED


def _audit_risk(facts: PublicFacts) -> list[dict[str, str]]:
    """The audit's findings as a risk (2.5.2), the field the template gives them."""
    doc = facts.doc
    std = doc.get("standard")
    found = public_findings(doc, facts, words(doc.get("model") or {}))
    if not (found["not_met"] or found["undecided"] or public_unexamined(doc, facts)) and \
            not (std and std.get("verdict") != "met"):
        return []
    responses = (doc.get("model") or {}).get("responses") or {}
    return [{
        "name": "Unequal results between groups (found by the Essex Standard audit)",
        "description": " ".join(_findings_text(facts))
        + " The verdict and the rules applied are in the annex.",
        "mitigation": " ".join(f"{k}: {v}" for k, v in responses.items()) or NOT_PROVIDED,
    }]


def atrs_record(result: AuditResult) -> dict[str, Any]:
    """The ATRS v3.0 record as a JSON-ready mapping (field numbers in docs/reports.md)."""
    doc = result.doc
    model = doc.get("model") or {}
    facts = PublicFacts(doc)

    def f(key: str) -> str:
        return model_field(model, key)

    metadata, gaps = govuk_metadata(model, ATRS_VERSION)
    involved, suppliers = _suppliers(model)
    inputs = [i for i in doc.get("inputs", []) if i.get("role") in _ROLE]
    record = {
        "atrs_version": ATRS_VERSION,
        "metadata": metadata,
        "tier_1": {
            "name": f("name"),
            "description": _tier_1_description(model),
            "website": f("website"),
            "contact_email": f("contact_email"),
        },
        "tier_2": {
            "owner_and_responsibility": {
                "organisation": f("owner"),
                "team": f("team"),
                "senior_responsible_owner": f("senior_responsible_owner"),
                "external_supplier_involvement": involved,
                "external_suppliers": suppliers,
            },
            "description_and_rationale": {
                "detailed_description": f("description"),
                # What the tool is for; ``not_used_for`` says what it is NOT for, so it is
                # never published as the scope (it stays in the public report and model card).
                "scope": f("scope") if model.get("scope") else f("purpose"),
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
                "models": [f("name")],
                "model_specification": [{
                    "model_name": f("name"),
                    "model_version": f("version"),
                    "model_task": f("model_task") if model.get("model_task") else f("purpose"),
                    "model_input": f("model_inputs"),
                    "model_output": f("model_outputs"),
                    "model_architecture": f("architecture"),
                    "model_performance": _performance(facts),
                    "datasets": f("data_sources"),
                    "dataset_purposes": "; ".join(
                        f"{i['path']}: {_ROLE.get(i['role'], i['role'])}" for i in inputs)
                    or NOT_PROVIDED,
                }],
                "data_specification": {
                    "source_data_name": f("data_sources"),
                    "data_modality": "Tabular",
                    "data_description": f("data_sources"),
                    "data_quantities": _quantities(facts),
                    "sensitive_attributes": _sensitive(facts),
                    "data_completeness_and_representativeness": _completeness(facts),
                    "source_data_url": f("source_data_url"),
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
                ] + _audit_risk(facts),
            },
        },
        "dataset_cards": [_dataset_card(facts, i, model) for i in inputs],
        "annex_essex_standard_audit": {
            "note": "Not an ATRS field: the audit behind this record, kept outside the "
                    "numbered fields.",
            "generated_by": f"essex-standard {doc['tool']['version']} from results.json "
                            f"(schema {doc['schema_version']})",
            "disclosure_control": capitalize_first(
                convention_text(facts.disclosure.settings)) + "; "
                                  "figures about too few people are shown as 'c'; "
                                  "figures hidden so that a smaller group's figure cannot "
                                  "be worked out (secondary suppression), as 's'.",
            "fairness_analysis": _fairness(facts),
            "owner_decision": decision_sentence(doc),
            "before_publishing_on_govuk": gaps,
        },
    }
    return record


#: Input files that are data sets (a model file is not), with what each was used for.
_ROLE = {"data": "the data the model was audited on", "reference": "the reference period "
         "the audit data were compared with for drift"}


def _dataset_card(facts: PublicFacts, inp: Mapping[str, Any], model: Mapping[str, Any]
                  ) -> dict[str, str]:
    """The optional dataset card, one per input file of the audit."""
    rows = inp.get("rows")
    size = NOT_PROVIDED if rows is None else (
        f"{rows:,} records" if facts.disclosure.count_shown(rows) else "c records")
    return {"name": str(inp["path"]),
            "description": f"{capitalize_first(_ROLE.get(inp['role'], inp['role']))}. "
                           f"{model_field(model, 'data_sources')}",
            "url": model_field(model, "source_data_url"),
            "size": size,
            "sha256": str(inp.get("sha256") or NOT_PROVIDED)}


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
    return template.render(r=record, NOT_PROVIDED=NOT_PROVIDED, label=facet_label)
