"""The public transparency report: for a resident with no statistics.

Rendered from ``results.json`` alone with disclosure control applied (see
:mod:`essex_standard.privacy`).  Figures are natural frequencies ("of every 100 families who
were not re-referred, 12 were flagged"); the wording of the population and outcome comes from
the config (``model.people``, ``model.outcome``, ``model.no_outcome``, ``model.flagged``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..privacy import convention_text, plan_disclosure
from ..result import AuditResult
from ..statements import unsaid, who
from .facts import (
    NOT_PROVIDED,
    PublicFacts,
    attribute_label,
    model_field,
    per100,
    words,
)
from .findings import public_findings, public_unexamined
from .html import environment
from .in_short import headlines, number_words, override_phrase, worse_off
from .public_charts import attribute_charts
from .public_owner import (
    decision_view,
    out_of_date,
    passed_checks,
    public_changes,
)
from .rules import current_why, override_sentence, overrides, plain_rule
from .suppressed import hidden_named, marks

VERDICT_WORDS = {
    "met": ("✓", "Met", "The model meets the Essex Standard."),
    "not met": ("✗", "Not met", "The model does not meet the Essex Standard."),
    "incomplete": ("?", "Incomplete", "The check against the Essex Standard is not finished."),
    None: ("–", "Not applied", "The Essex Standard has not been applied to this audit."),
}
PROBLEM_VERDICTS = ("not met", "insufficient evidence")


def plain_verdict(standard: Mapping[str, Any] | None) -> str:
    """The verdict in a sentence a resident can read (no criterion ids); the parts add up.

    >>> crit = [{"severity": "required", "verdict": v} for v in
    ...         ["met"] * 2 + ["insufficient evidence"] * 3 + ["not assessed"] * 15]
    >>> print(plain_verdict({"verdict": "incomplete", "criteria": crit}))
    ... # doctest: +NORMALIZE_WHITESPACE
    Of the 20 checks it must pass, it failed none, 2 passed, 3 need more evidence and 15 have
    not been checked yet.
    """
    if not standard:
        return VERDICT_WORDS[None][2]
    required = [c for c in standard.get("criteria", []) if c.get("severity") == "required"]
    count = {v: sum(c.get("verdict") == v for c in required)
             for v in ("met", "not met", "insufficient evidence", "not assessed")}
    total = len(required)
    verdict = standard.get("verdict")
    if verdict == "met" and count["met"] == total:
        return f"The model passed all {total} checks that it must pass."
    if verdict not in ("met", "not met", "incomplete"):
        return VERDICT_WORDS[None][2]
    failed = count["not met"]
    parts = [f"it failed {failed}" if failed else "it failed none"]
    if count["met"]:
        parts.append(f"{count['met']} passed")
    if count["insufficient evidence"]:
        n = count["insufficient evidence"]
        parts.append(f"{n} {'needs' if n == 1 else 'need'} more evidence")
    if count["not assessed"]:
        n = count["not assessed"]
        parts.append(f"{n} {'has' if n == 1 else 'have'} not been checked yet")
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Of the {total} checks it must pass, {listed}."


def verdict_info(standard: Mapping[str, Any] | None) -> dict[str, str]:
    verdict = (standard or {}).get("verdict")
    symbol, word, sentence = VERDICT_WORDS.get(verdict, VERDICT_WORDS[None])
    return {
        "key": (verdict or "not-applied").replace(" ", "-"),
        "symbol": symbol,
        "word": word,
        "sentence": sentence,
        "plain": plain_verdict(standard) if standard else "",
        "summary": (standard or {}).get("summary") or "",
    }


def _affected(doc: Mapping[str, Any], groups: list[dict[str, Any]]) -> list[str]:
    """"age band 0-4 and 16-17": each characteristic named once, then its groups."""
    by_attr: dict[str | None, list[str]] = {}
    for g in groups:
        names = by_attr.setdefault(g["attribute"], [])
        if g["group"] is not None and str(g["group"]) not in names:
            names.append(str(g["group"]))
    out = []
    for attr, names in by_attr.items():
        if attr is None:
            out.append(_people(doc))
            continue
        label = attribute_label(doc, attr)
        if not names:
            out.append(label)
            continue
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        out.append(f"{label} {listed}")
    return out


def _people(doc: Mapping[str, Any]) -> str:
    return f"all {words(doc.get('model') or {})['people']}"


def affected_groups(ev: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The groups a criterion not met affects, from the judge's findings: for a gap between
    two groups the worse-off one (which may be the reference group, never a group treated
    better), for a limit on a group's own figure the group itself."""
    out: list[dict[str, Any]] = []
    for f in ev.get("findings") or []:
        if f.get("sure") != "not met":
            continue
        group = f.get("worse_off") if f.get("reference_group") is not None else f.get("group")
        entry = {"attribute": f.get("attribute"), "group": group}
        if entry not in out:
            out.append(entry)
    return out


def problems(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Criteria the model did not meet (or could not be judged on), with the response."""
    standard = doc.get("standard") or {}
    responses = (doc.get("model") or {}).get("responses") or {}
    changed = {o["id"]: o for o in overrides(doc)}
    out = []
    for c in standard.get("criteria", []):
        if c.get("verdict") not in PROBLEM_VERDICTS:
            continue
        ev = c.get("evidence") or {}
        groups = affected_groups(ev)
        response = responses.get(c["id"])
        if not response and ev.get("explanation") and c.get("kind") == "attested":
            response = ev["explanation"]
        out.append(
            {
                "id": c["id"],
                "title": c.get("title", c["id"]),
                "why": current_why(c, standard, applied_too=c.get("kind") == "measured"),
                "rule": plain_rule(c) if c.get("kind") == "measured" else None,
                "override": (override_sentence(changed[c["id"]]) if c["id"] in changed
                             else None),
                "verdict": c["verdict"],
                "severity": c.get("severity", "required"),
                "groups": groups,
                "affected": _affected(doc, groups),
                "hidden": hidden_named(doc, plan_disclosure(doc), groups, ev.get("metric")),
                "response": response or None,
                "out_of_date": out_of_date(doc, c),
            }
        )
    return out


def tradeoff(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The calibration / error-rate trade-off in plain words, with the owner's priority."""
    model = doc.get("model") or {}
    section = (doc.get("calibration") or {}).get("tradeoff") or {}
    priority = section.get("owner_priority") or model.get("fairness_priority")
    differ = [attribute_label(doc, a) for a, b in (section.get("base_rates") or {}).items()
              if isinstance(b, Mapping) and b.get("differ")]
    return {"priority": priority or None, "differ": differ}




def public_context(result: AuditResult) -> dict[str, Any]:
    doc = result.doc
    model = doc.get("model") or {}
    facts = PublicFacts(doc)
    w = words(model)
    listed = overrides(doc)
    attributes, intersections = [], []
    for idx, (attr, section) in enumerate(doc.get("fairness", {}).items()):
        entry = {
            "name": attr,
            "label": attribute_label(doc, attr),
            "reference": section["reference_group"],
            "rows": facts.table(attr),
        }
        if section.get("kind") == "intersection":
            intersections.append(entry)
        else:
            entry["charts"] = attribute_charts(facts, attr, idx, w)
            attributes.append(entry)
    overall = {m: facts.metric(None, None, m) for m in
               ("selection_rate", "base_rate", "false_positive_rate", "false_negative_rate",
                "positive_predictive_value", "accuracy")}
    judged = public_findings(doc, facts, w)
    unexamined = public_unexamined(doc, facts)
    calibration = facts.calibration_problems()
    return {
        "doc": doc,
        "model": model,
        "field": lambda key: model_field(model, key),
        "NOT_PROVIDED": NOT_PROVIDED,
        "w": w,
        "facts": facts,
        "overall": overall,
        "overall_n": facts.overall_n(),
        "attributes": attributes,
        "intersections": intersections,
        "not_met": judged["not_met"],
        "worse_off": worse_off(doc, judged["not_met"]),
        "headlines": headlines(judged["not_met"]),
        "undecided_words": number_words(len(judged["undecided"]) +
                                        len(judged["undecided_hidden"])),
        "undecided": judged["undecided"],
        "undecided_hidden": judged["undecided_hidden"],
        "unexamined": unexamined,
        # "What we found" in short: only what the judge found, never "no gaps" while a
        # comparison is undecided or a group went unexamined.
        "found": ("not judged" if not doc.get("standard") else
                  "not met" if judged["not_met"] or calibration else
                  "unsure" if judged["undecided"] or judged["undecided_hidden"] or unexamined
                  else "none"),
        "calibration_problems": calibration,
        "standard": doc.get("standard"),
        "verdict": verdict_info(doc.get("standard")),
        "problems": problems(doc),
        "overrides": [dict(o, sentence=override_sentence(o)) for o in listed],
        "override_phrase": override_phrase(listed),
        "limits_heading": ("Limits we set" if all(o["default_known"] and o["default"] is None
                                                  for o in listed)
                           else "Limits we set or changed"),
        "tradeoff": tradeoff(doc),
        "privacy": facts.disclosure,
        "privacy_rule": convention_text(facts.disclosure.settings),
        "marks": marks(facts.disclosure, w["people"]),
        "impact_assessments": model.get("impact_assessments") or [],
        "org": who(model),
        "unsaid": lambda key: unsaid(model, key),
        "decision": decision_view(doc),
        "changes": public_changes(doc, facts, w),
        "passed": passed_checks(doc),
        "passed_required": sum(c["severity"] == "required" for c in passed_checks(doc)),
        "passed_recommended": sum(c["severity"] == "recommended" for c in passed_checks(doc)),
        "audit_date": model.get("audit_date"),
        "per100": per100,
        "attribute_label": lambda a: attribute_label(doc, a),
    }


def render_public_html(result: AuditResult) -> str:
    """The public transparency report as one self-contained HTML page.

    Names longer than ``labels.LABEL_LIMIT`` are shortened for display, with a note.
    """
    from .labels import display_doc

    doc, names_shortened = display_doc(result.doc)
    context = public_context(AuditResult(doc) if names_shortened else result)
    return environment().get_template("public-report.html").render(
        **context, names_shortened=names_shortened)
