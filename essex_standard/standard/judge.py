"""The judge stage: a measured ``results.json`` document + a Standard → the ``standard`` section.

Decision rule (docs/decision-rule.md, :mod:`.decide`): within each criterion, a comparison is
*met* when its (1 − 2α) interval lies inside the margin (two one-sided tests; no adjustment
is needed for the criterion to be met, by the intersection–union principle), *not met* when
Holm's step-down over the criterion's own comparisons shows it beyond the margin, and
*insufficient evidence* otherwise.  No group is left out for being small: a comparison that
cannot be judged at all (its figure does not exist, e.g. a false negative rate in a group with
no one who had the outcome) is listed with the reason, and the criterion cannot be *met* while
any group went unexamined.  The overall verdict is *met* only if every required criterion is
met, *not met* if any is not met, and *incomplete* otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .attestations import Attestations, judge_answer
from .decide import INSUFFICIENT, MET, NOT_MET, Judged, decide
from .findings import finding
from .intervals import Exact
from .model import Criterion, Standard
from .shifts import psi_labels
from .units import Unit, extract
from .wording import fill, nouns

NOT_ASSESSED = "not assessed"
__all__ = ["INSUFFICIENT", "MET", "NOT_ASSESSED", "NOT_MET", "Judged", "judge",
           "overall_verdict"]


# --------------------------------------------------------------------------- reasons


def _fmt(x: float | None, statistic: str) -> str:
    if x is None or not math.isfinite(x):
        return "undefined"
    if statistic == "difference":
        return f"{x:+.3f}"
    if statistic == "count":
        return f"{x:g}"
    return f"{x:.3f}"


def _who(u: Unit) -> str:
    if u.group is None and u.attribute is None:
        return "everyone"
    if u.group is None:
        return str(u.attribute)
    vs = f" vs {u.reference_group}" if u.reference_group else ""
    return f"{u.group}{vs} ({u.attribute})"


def describe_unit(j: Judged) -> str:
    """'false positive rate difference, African-American vs Caucasian (race): +0.21, 99.9%
    interval +0.16 to +0.25' (the interval that decided the verdict, see :mod:`.decide`)."""
    m = j.criterion.measure
    assert m is not None
    u = j.unit
    stat = "" if m.statistic in ("value", "count", "point") else f" {m.statistic}"
    if u.quantity:  # a path binding the metric: 'false positive rate widening'
        stat = f" {metric_words(u.quantity)}{stat}"
    text = f"{metric_words(u.metric)}{stat}, {_who(u)}: {_fmt(u.value, m.statistic)}"
    if j.interval is not None and j.level is not None and m.statistic not in ("count", "point"):
        text += (f", {_pct(j.level)} interval {_fmt(j.interval[0], m.statistic)} to "
                 f"{_fmt(j.interval[1], m.statistic)}")
    return text


def metric_words(metric: str) -> str:
    """A metric's name in words: 'false_positive_rate' → 'false positive rate'."""
    return {"n": "group size", "share": "share of records"}.get(metric, metric.replace("_", " "))


def _pct(level: float) -> str:
    digits = max(0, min(6, -math.floor(math.log10(max(1 - level, 1e-12))) - 1))
    return f"{level * 100:.{digits}f}%"


def _list(items: list[str], limit: int = 3) -> str:
    shown = "; ".join(items[:limit])
    return shown + (f"; and {len(items) - limit} more" if len(items) > limit else "")


def _measured_reason(verdict: str, c: Criterion, judged: list[Judged], blocked: list[Unit]
                     ) -> str:
    m = c.measure
    assert m is not None
    rule = f"The rule: {m.describe()}."
    by = {v: [j for j in judged if j.verdict == v] for v in (MET, NOT_MET, INSUFFICIENT)}
    tail = ""
    if blocked:
        who = _list([f"{_who(u)}, {metric_words(u.metric)}: {u.blocker}" for u in blocked])
        tail = (f" {len(blocked)} comparison(s) could not be judged, so the criterion cannot "
                f"be met: {who}.")
    if verdict == NOT_MET:
        worst = sorted(by[NOT_MET], key=lambda j: -abs(_distance(j)))
        return (f"Not met for {len(by[NOT_MET])} of {len(judged)} comparisons: "
                f"{_list([describe_unit(j) for j in worst])}. {rule}{tail}")
    if verdict == INSUFFICIENT and not judged:
        return f"No comparison could be judged. {rule}{tail}"
    if verdict == INSUFFICIENT and not by[INSUFFICIENT]:
        return f"All {len(judged)} comparisons judged are met. {rule}{tail}"
    if verdict == INSUFFICIENT:
        undecided = _list([describe_unit(j) for j in by[INSUFFICIENT]])
        return (f"{len(by[INSUFFICIENT])} of {len(judged)} comparisons are undecided: their "
                f"intervals cross the threshold ({undecided}). {rule}{tail}")
    return f"Met for all {len(judged)} comparisons. {rule}"


def _distance(j: Judged) -> float:
    v = j.unit.value or 0.0
    m = j.criterion.measure
    if m is not None and m.statistic == "ratio" and v > 0:
        return math.log(v)
    return v


# --------------------------------------------------------------------------- criteria


def _ci(interval: Any) -> list[float] | None:
    if interval is None:
        return None
    lo, hi = (float(v) for v in interval)
    return [lo, hi] if math.isfinite(lo) and math.isfinite(hi) else None


def _unit_json(j: Judged) -> dict[str, Any]:
    u = j.unit
    exact = isinstance(u.estimator, Exact)
    return {
        "attribute": u.attribute, "group": u.group, "metric": u.metric,
        "reference_group": u.reference_group,
        "value": u.value if u.value is None or math.isfinite(u.value) else None,
        "ci": _ci(u.ci), "adjusted_ci": _ci(j.interval), "adjusted_level": j.level,
        "p_met": None if exact else _p(j.p_met), "p_not_met": None if exact else _p(j.p_out),
        "n": u.n, "denominator": u.denominator, "verdict": j.verdict,
        "interval_method": u.estimator.method if u.estimator else None,
    }


def _findings(judged: list[Judged]) -> list[dict[str, Any]]:
    """Each comparison as a finding; the one furthest beyond the margin among those *not met*
    is marked ``worst`` (what a summary names first: "In short")."""
    out = [finding(j) for j in judged]
    failed = [i for i, j in enumerate(judged) if j.verdict == NOT_MET]
    worst = max(failed, key=lambda i: abs(_distance(judged[i])), default=None)
    for i, f in enumerate(out):
        f["worst"] = i == worst
    return out


def _p(p: float) -> float | None:
    return float(p) if math.isfinite(p) else None


def _measured_entry(c: Criterion, judged: list[Judged], blocked: list[Unit],
                    absent: str | None, unmatched: list[str] | None = None,
                    family: int = 0) -> tuple[str, str, dict[str, Any]]:
    m = c.measure
    assert m is not None
    evidence: dict[str, Any] = {
        "source": m.source, "path": m.path,
        "metric": m.metrics[0] if len(m.metrics) == 1 else list(m.metrics) or m.path,
        "statistic": m.statistic, "comparison": m.comparison,
        "threshold": list(m.threshold) if isinstance(m.threshold, tuple) else m.threshold,
        "rule": m.describe(),
        "adjusted_level": min((j.level for j in judged if j.level is not None), default=None),
        "family_size": family,
        "groups": [_unit_json(j) for j in judged],
        "findings": _findings(judged),
        "not_assessable": [{"attribute": u.attribute, "group": u.group, "metric": u.metric,
                            "why": u.blocker} for u in blocked],
    }
    if unmatched:
        evidence["unmatched"] = list(unmatched)
    if m.threshold is None:
        note = m.threshold_note or "declared by the model owner"
        return NOT_ASSESSED, f"No threshold has been declared for this criterion ({note}).", \
            evidence
    if absent is not None:
        return NOT_ASSESSED, f"Not assessed: {absent}.", evidence
    verdicts = {j.verdict for j in judged}
    if NOT_MET in verdicts:
        verdict = NOT_MET
    elif INSUFFICIENT in verdicts or not judged or blocked:
        verdict = INSUFFICIENT  # never met while a group went unexamined
    else:
        verdict = MET
    reason = _measured_reason(verdict, c, judged, blocked)
    if unmatched:
        reason += (" Not judged, because results.json has no figures for it: "
                   f"{'; '.join(unmatched)}.")
    return verdict, reason, evidence


# --------------------------------------------------------------------------- the section


def judge(doc: Mapping[str, Any], standard: Standard,
          attestations: Attestations | None = None) -> dict[str, Any]:
    """The ``standard`` section of ``results.json`` for a measured document.

    Works from the document alone (no data), so a results.json can be re-judged anywhere.
    """
    alpha = 1 - standard.confidence_level
    entries: dict[str, tuple[str, str, dict[str, Any]]] = {}
    families: dict[str, int] = {}
    for c in standard.measured:
        assert c.measure is not None
        found = extract(c.measure, doc) if c.measure.threshold is not None else None
        units = found.units if found else []
        judged = [Judged(u, c) for u in units if u.blocker is None]
        blocked = [u for u in units if u.blocker is not None]
        families[c.id] = decide(judged, c.measure, alpha, standard.multiplicity)
        # A comparison whose chance level is on the wrong side of the threshold can be shown
        # not met, but never met: anything else means there are too few people to tell.
        for j in [j for j in judged if j.unit.cannot_meet and j.verdict != NOT_MET]:
            judged.remove(j)
            j.unit.blocker = j.unit.cannot_meet
            blocked.append(j.unit)
        entries[c.id] = _measured_entry(c, judged, blocked, found.absent if found else None,
                                        found.unmatched if found else None, families[c.id])
    criteria = []
    names = nouns(doc.get("model"))
    for c in standard.criteria:
        entry: dict[str, Any] = {"id": c.id, "principle": c.principle, "title": c.title,
                                 "why": c.why}
        if c.kind == "measured":
            verdict, reason, evidence = entries[c.id]
            entry.update(_words(c, names))
        else:
            verdict, reason, evidence = judge_answer(
                c, attestations, (doc.get("model") or {}).get("audit_date"))
        entry.update({"severity": c.severity, "kind": c.kind, "verdict": verdict,
                      "reason": reason, "evidence": evidence,
                      "references": list(c.references)})
        criteria.append(entry)
    section = _section(standard, criteria, families, attestations)
    section["drift"] = psi_labels(doc, standard)
    return section


def _words(c: Criterion, names: Mapping[str, str]) -> dict[str, Any]:
    """A measured criterion's ``why``, plain ``rule`` and per-measure ``words``, filled with
    the threshold applied (after overrides) and the model's nouns (:mod:`.wording`).  ``rule``
    is None when the Standard gives no wording or no threshold was set."""
    m = c.measure
    assert m is not None

    def put(text: str | None) -> str | None:
        return fill(text, m.threshold, names)

    return {
        "why": fill(c.why, m.threshold, names, unset="the level its owner sets") or c.why,
        "rule": put(c.rule),
        "words": {metric: {"what": put(w.what), "who": put(w.who) or "",
                           "unchecked": put(w.unchecked)} for metric, w in c.words},
    }


def overall_verdict(criteria: list[Mapping[str, Any]]) -> tuple[str, list[str]]:
    """(verdict, ids of required criteria preventing 'met')."""
    required = [c for c in criteria if c["severity"] == "required"]
    missing = [c["id"] for c in required if c["verdict"] != MET]
    if any(c["verdict"] == NOT_MET for c in required):
        return NOT_MET, missing
    return ("incomplete" if missing else MET), missing


def _summary(standard: Standard, verdict: str, criteria: list[Mapping[str, Any]]) -> str:
    required = [c for c in criteria if c["severity"] == "required"]
    failed = [c["id"] for c in required if c["verdict"] == NOT_MET]
    open_ = [c["id"] for c in required if c["verdict"] in (INSUFFICIENT, NOT_ASSESSED)]
    title = standard.title
    name = f"{'the' + title[3:] if title.startswith('The ') else title} {standard.version}"
    if verdict == MET:
        return f"The model meets {name}: all {len(required)} required criteria are met."
    if verdict == NOT_MET:
        verbs = "is not assessed or lacks" if len(open_) == 1 else "are not assessed or lack"
        more = f", and {len(open_)} more {verbs} evidence" if open_ else ""
        return (f"The model does not meet {name}: {len(failed)} of {len(required)} required "
                f"criteria are not met ({', '.join(failed)}){more}.")
    return (f"Whether the model meets {name} cannot yet be decided: no required criterion is "
            f"failed, but {len(open_)} of {len(required)} are not assessed or lack evidence "
            f"({', '.join(open_)}).")


def _unexamined(criteria: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every comparison that could not be judged, per criterion, with the reason in words."""
    return [{"criterion": c["id"], "severity": c["severity"], **u}
            for c in criteria if c["kind"] == "measured" and c["evidence"]
            for u in c["evidence"].get("not_assessable", [])]


def _section(standard: Standard, criteria: list[dict[str, Any]], families: dict[str, int],
             attestations: Attestations | None) -> dict[str, Any]:
    verdict, missing = overall_verdict(criteria)
    method = "Holm" if standard.multiplicity == "holm" else "Bonferroni"
    alpha = 1 - standard.confidence_level
    return {
        "id": standard.id, "version": standard.version, "title": standard.title,
        "path": standard.path, "sha256": standard.sha256, "bundled": standard.bundled,
        "overrides": standard.overrides,
        "attestations": None if attestations is None else
        {"path": attestations.path, "sha256": attestations.sha256},
        "verdict": verdict,
        "summary": _summary(standard, verdict, criteria),
        "missing": missing,
        "unexamined": _unexamined(criteria),
        "multiplicity": {
            "method": method, "family_size": max(families.values(), default=0),
            "family_level": standard.confidence_level,
            "families": families,
            "note": (f"Each criterion is judged on its own comparisons only. A comparison is "
                     f"met when its {_pct(1 - 2 * alpha)} interval lies inside the margin "
                     f"(two one-sided tests at {alpha:.0%}); a criterion is met when all its "
                     "comparisons are, which needs no adjustment for their number "
                     "(intersection-union test). A comparison is not met when it is shown "
                     f"beyond the margin with {method}'s adjustment over the criterion's own "
                     f"comparisons, so the chance of a false 'met' or a false 'not met' in a "
                     f"criterion stays below {alpha:.0%}. Each comparison's adjusted_level is "
                     "the confidence level of the interval shown for it. Counts carry no "
                     "sampling uncertainty and are read off directly."),
        },
        "principles": [{"id": p.id, "title": p.title, "criteria": list(p.criteria)}
                       for p in standard.principles],
        "criteria": criteria,
    }
