"""What the organisation says about itself and its process, and what it has left unsaid.

A public report may state nothing about the organisation as fixed text: who checks the
model's results, how to challenge a decision, what it decided after the audit.  Each such
statement comes from the config (``model:``, ``decision:``) or an attestation.  When one is
missing, the reports say so in a plain sentence ("Example Council has not said who checks the
model's results."), never "Not provided.", and ``essex-standard audit`` prints one
``warning:`` line for each, so the gap is seen before anything is published.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

#: ``model.<key>`` → what the organisation would be saying, as the end of "... has not said
#: <what>".  These are the statements the public report prints.
STATEMENTS: dict[str, str] = {
    "owner": "which organisation is responsible for the model",
    "version": "which version of the model was audited",
    "audit_date": "when the audit was done",
    "contact_email": "where to send questions",
    "purpose": "what the model is for",
    "description": "how the model works",
    "benefit": "why it uses the model",
    "not_used_for": "what the model must not be used for",
    "decision_use": "how the model's results are used in decisions",
    "human_review": "who checks the model's results, or how",
    "training": "what training staff who use the model get",
    "senior_responsible_owner": "who the senior responsible owner is",
    "team": "which team runs the model",
    "third_parties": "which other organisations are involved",
    "data_sources": "where the model's data comes from",
    "data_sharing": "who the data is shared with",
    "fairness_priority": "whether equal error rates or scores that mean the same for every "
                         "group matter more to it",
    "challenge": "how to challenge a decision made with the model's help",
    "impact_assessments": "which impact assessments it has done",
}
DECISION_UNSAID = "what it decided to do about the model after this audit"
RESPONSE_UNSAID = "what it did about this"


def who(model: Mapping[str, Any]) -> str:
    """The organisation as a sentence names it: ``model.owner`` up to its first comma or
    bracket (the organisation, not its department or a note), or "The organisation".

    >>> who({"owner": "Example Council, Children and Families"}), who({})
    ('Example Council', 'The organisation')
    """
    owner = re.split(r"[,(]", str(model.get("owner") or ""), maxsplit=1)[0].strip()
    return owner or "The organisation"


def unsaid(model: Mapping[str, Any], key: str) -> str:
    """The sentence a report prints where ``model.<key>`` (or a decision, ``key="decision"``,
    or a response to a check, ``key="response"``) is missing.

    >>> unsaid({"owner": "Example Council"}, "human_review")
    "Example Council has not said who checks the model's results, or how."
    >>> unsaid({}, "decision")
    'The organisation has not said what it decided to do about the model after this audit.'
    """
    what = {"decision": DECISION_UNSAID, "response": RESPONSE_UNSAID}.get(key) \
        or STATEMENTS[key]
    if key == "owner":
        return f"The report does not say {what}."
    return f"{who(model)} has not said {what}."


def _given(value: Any) -> bool:
    return value not in (None, "", [], {})


def _problem_ids(doc: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(id, title, kind) of every criterion a report lists as not passed."""
    return [(str(c.get("id")), str(c.get("title") or c.get("id")), str(c.get("kind")))
            for c in (doc.get("standard") or {}).get("criteria", [])
            if c.get("verdict") in ("not met", "insufficient evidence")]


def missing(doc: Mapping[str, Any]) -> list[dict[str, str]]:
    """Every statement the reports need and the config does not give: the config key to set
    and the sentence the reports print instead.

    >>> [m["key"] for m in missing({"model": {"owner": "X", "purpose": "p"}})][:3]
    ['model.version', 'model.audit_date', 'model.contact_email']
    """
    model = doc.get("model") or {}
    out = [{"key": f"model.{key}", "sentence": unsaid(model, key)}
           for key in STATEMENTS if not _given(model.get(key))]
    if not doc.get("decision"):
        out.append({"key": "decision", "sentence": unsaid(model, "decision")})
    responses = model.get("responses") or {}
    for cid, title, kind in _problem_ids(doc):
        if _given(responses.get(cid)):
            continue
        if kind == "attested":  # the answer's own explanation is what the report prints
            continue
        out.append({"key": f"model.responses.{cid}", "where": title,
                    "sentence": unsaid(model, "response")})
    return out


def warnings(doc: Mapping[str, Any]) -> list[str]:
    """The console lines for ``essex-standard audit``: each missing statement, each problem
    with an attestation's dates, and a decision dated before the audit it responds to."""
    lines = [f"{m['key']} is not set, so the reports say"
             f"{' under ' + repr(m['where']) if m.get('where') else ''}: \"{m['sentence']}\""
             for m in missing(doc)]
    for c in (doc.get("standard") or {}).get("criteria", []):
        ev = c.get("evidence") or {}
        for problem in ev.get("problems") or [] if c.get("kind") == "attested" else []:
            verdict = c.get("verdict")
            lines.append(f"{problem} ({c.get('id')} is {verdict}.)")
    decision = doc.get("decision") or {}
    audit_date = (doc.get("model") or {}).get("audit_date")
    if decision.get("date") and audit_date and str(decision["date"]) < str(audit_date):
        lines.append(f"decision.date is {decision['date']}, before the audit date "
                     f"({audit_date}): a decision taken before the audit cannot respond to it. "
                     "Check both dates.")
    return lines


def decision_sentence(doc: Mapping[str, Any]) -> str:
    """The owner's decision in one paragraph, for records with no room for a section (ATRS
    annex, model card); or the plain sentence that none was recorded.

    >>> print(decision_sentence({"model": {"owner": "X"}, "decision": {"outcome": "pause",
    ...     "conditions": [], "decided_by": "The Director", "date": "2026-01-05"}}))
    ... # doctest: +NORMALIZE_WHITESPACE
    Stop using the model for now. Decided by The Director on 2026-01-05. No ethics committee
    view is recorded with the decision.
    """
    from .config_decision import OUTCOMES

    model = doc.get("model") or {}
    d = doc.get("decision")
    if not d:
        return unsaid(model, "decision")
    words = OUTCOMES.get(d.get("outcome"), str(d.get("outcome")))
    text = words[:1].upper() + words[1:]
    conditions = d.get("conditions") or []
    text += (": " + "; ".join(conditions) + ".") if conditions else "."
    if d.get("reason"):
        text += f" {d['reason']}"
    role = f" ({d['role']})" if d.get("role") else ""
    text += f" Decided by {d.get('decided_by')}{role} on {d.get('date')}."
    e = d.get("ethics_committee")
    if e:
        text += f" {e.get('name')}, {e.get('date')}: {e.get('view')}"
    else:
        text += " No ethics committee view is recorded with the decision."
    return text


def said(model: Mapping[str, Any], key: str) -> str:
    """``model.<key>`` as text, or the sentence that the organisation has not said it (for a
    key the reports do not list, "Not stated by <organisation>.").

    >>> said({"owner": "X", "team": "Data"}, "team"), said({"owner": "X"}, "license")
    ('Data', 'Not stated by X.')
    """
    value = model.get(key)
    if _given(value):
        return str(value)
    if key in STATEMENTS:
        return unsaid(model, key)
    owner = str(model.get("owner") or "").strip() or "the organisation"
    return f"Not stated by {owner}."
