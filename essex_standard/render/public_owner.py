"""The public report's sentences about the organisation and its process: the owner's
decision, what changed since the previous audit, the checks passed, the limits the owner set
or changed, and why an out-of-date attestation does not count.

Each is built from ``results.json`` alone (``decision``, ``changes``, the judge's verdicts and
evidence, ``model``): the report says nothing about the organisation that the organisation has
not said itself (:mod:`essex_standard.statements`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..statements import who
from .facts import Figure, PublicFacts, attribute_label, per100

#: The overall verdict in one word, for the cover's "Last audit" line.
VERDICT_WORD = {"met": "met", "not met": "not met", "incomplete": "incomplete"}


def out_of_date(doc: Mapping[str, Any], c: Mapping[str, Any]) -> str | None:
    """Why an attested *yes* did not count: its dates do not hold together (the judge's
    ``evidence.problems``, :func:`essex_standard.standard.attestations.answer_problems`)."""
    ev = c.get("evidence") or {}
    if c.get("kind") != "attested" or c.get("verdict") != "insufficient evidence" \
            or not ev.get("out_of_date"):
        return None
    audit_date = (doc.get("model") or {}).get("audit_date")
    return (f"{who(doc.get('model') or {})} answered this check on {ev.get('date')}, but by "
            f"the date of this audit ({audit_date}) the answer was out of date: "
            f"{'; and '.join(ev['out_of_date'])}. So it does not count until it is answered "
            "again.")


#: A verdict, then and now, in the words of "Then the model ... the Essex Standard".
STANDARD_VERDICT_WORDS = {"met": "met", "not met": "did not meet",
                          "incomplete": "could not yet be judged against"}
STANDARD_VERDICT_NOW = {"met": "meets", "not met": "does not meet",
                        "incomplete": "cannot yet be judged against"}
#: A criterion's verdict in a resident's words ("passed then, failed now").
CHECK_WORDS = {"met": "passed", "not met": "failed", "insufficient evidence":
               "not enough evidence", "not assessed": "not checked", None: "not a check"}


PUBLIC_ORDER = ("selection_rate", "false_positive_rate", "false_negative_rate")


def _metric_words(metric: str, w: Mapping[str, str]) -> str | None:
    """The public rates by name; any other measure stays in the technical report."""
    return {"selection_rate": f"{w['flagged']}, of every 100 {w['people']}",
            "false_positive_rate": f"wrongly {w['flagged']}, of every 100 {w['people']} who "
                                   f"{w['no_outcome']}",
            "false_negative_rate": f"missed, of every 100 {w['people']} who {w['outcome']}",
            }.get(metric)


def public_changes(doc: Mapping[str, Any], facts: PublicFacts, w: Mapping[str, str]
                   ) -> dict[str, Any] | None:
    """The ``changes`` section (:mod:`essex_standard.changes`) for residents: what changed,
    in words, and the figures both audits' disclosure control lets the report show."""
    changes = doc.get("changes")
    if not changes:
        return None

    def by_check(found: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """"Title: group (characteristic), group (characteristic)", one entry per check."""
        out: dict[str, list[str]] = {}
        for f in found:
            group = "everyone" if f.get("group") is None else \
                str(f["group"]).replace("(missing)", "not recorded")
            label = attribute_label(doc, f["attribute"]) if f.get("attribute") else ""
            what = _metric_words(str(f.get("metric")), w)
            named = f"{group}{f' ({label})' if label else ''}" + \
                (f", {what.split(',')[0]}" if what else "")
            names = out.setdefault(str(f.get("title")), [])
            if named not in names:
                names.append(named)
        return [{"title": t, "groups": g} for t, g in out.items()]

    figures, hidden = [], 0
    attrs = list(doc.get("fairness") or {})
    for f in changes.get("figures", []):
        what = _metric_words(f["metric"], w)
        if what is None:
            continue
        try:
            now = facts.metric(f["attribute"], f["group"], f["metric"])
        except KeyError:
            now = Figure(None)
        if now.suppressed or not f.get("shown_before"):
            hidden += 1
            continue
        figures.append({"group": str(f["group"]).replace("(missing)", "not recorded"),
                        "label": attribute_label(doc, f["attribute"]),
                        "order": (PUBLIC_ORDER.index(f["metric"]), attrs.index(f["attribute"])
                                  if f["attribute"] in attrs else len(attrs)),
                        "is_reference": f.get("is_reference", False), "what": what,
                        "before": "–" if f["before"] is None else per100(f["before"]),
                        "after": "–" if now.value is None else per100(now.value)})
    figures.sort(key=lambda f: f["order"])  # stable: each measure, then characteristic
    # Only what changed (as the reader sees it, per 100), and each comparison group beside
    # a listed group of its characteristic and measure; the rest is counted.
    moved = {(f["label"], f["what"]) for f in figures
             if f["before"] != f["after"] and not f["is_reference"]}
    listed = [f for f in figures if (f["label"], f["what"]) in moved
              and (f["is_reference"] or f["before"] != f["after"])]
    unchanged = len(figures) - len(listed)
    figures = [{k: v for k, v in f.items() if k != "order"} for f in listed]
    verdict = changes.get("verdict") or {}
    findings = changes.get("findings") or {}
    return {
        "previous": changes.get("previous") or {},
        "verdict_before": STANDARD_VERDICT_WORDS.get(verdict.get("before"),
                                                     "was not judged against"),
        "verdict_after": STANDARD_VERDICT_NOW.get(verdict.get("after"),
                                                  "is not judged against"),
        "verdict_before_word": VERDICT_WORD.get(verdict.get("before"), "not judged"),
        "criteria": [{"title": c.get("title", c["id"]),
                      "before": CHECK_WORDS.get(c["before"], str(c["before"])),
                      "after": CHECK_WORDS.get(c["after"], str(c["after"]))}
                     for c in changes.get("criteria", []) if c.get("changed")],
        "new": by_check(findings.get("new", [])),
        "gone": by_check(findings.get("gone", [])),
        "still": by_check(findings.get("still", [])),
        "figures": figures,
        "unchanged": unchanged,
        "hidden": hidden,
    }


def decision_view(doc: Mapping[str, Any]) -> dict[str, Any] | None:
    """The owner's decision (results.json ``decision``) with its outcome in words."""
    from ..config_decision import OUTCOMES

    decision = doc.get("decision")
    if not decision:
        return None
    words_ = OUTCOMES.get(decision.get("outcome"), str(decision.get("outcome")))
    return {**decision, "words": words_[:1].upper() + words_[1:]}


def passed_checks(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The checks the model passed, in the Standard's order (short names, for the list)."""
    return [{"id": c["id"], "title": c.get("title", c["id"]), "severity": c.get("severity")}
            for c in (doc.get("standard") or {}).get("criteria", []) if c.get("verdict") == "met"]
