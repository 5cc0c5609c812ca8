"""The rule each criterion was actually judged by, and the owner's overrides, in words.

A criterion's ``why`` comes from the Standard file and may state the *default* threshold
("no more than 10 percentage points").  When the audit config overrides that threshold
(``standard: {overrides: {F2: {threshold: 0.2}}}``) the outputs must show the rule that was
applied, taken from ``standard.criteria[].evidence`` in results.json, and say plainly that the
owner changed it.  The default threshold is read from the Standard file named in results.json
when that file is the bundled one (or is still on disk with the same SHA-256); otherwise the
outputs say the limit was changed without claiming what it was before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

#: Metrics as a resident would say them (``{flagged}`` is the model's own word).
PLAIN_SUBJECT = {
    "selection_rate": "the share of each group {flagged}",
    "false_positive_rate": "the share of each group wrongly {flagged}",
    "false_negative_rate": "the share of each group missed",
    "expected_calibration_error": "the gap between the scores and what really happened",
    "roc_auc": "how well the model tells the two outcomes apart (a score called ROC AUC, "
               "from 0.5 for guessing to 1 for perfect)",
    "n": "the number of people in each group",
    "share": "the share of records with the characteristic missing",
    "psi": "the change in scores since the model was checked (a score called PSI)",
    "calibration_in_the_large": "the change, for each group, in how far predictions were from "
                                "what happened, since the model was built",
    "widening": "how fast the gap in error rates between a group and the comparison group "
                "grows, per period,",
}
#: Pairs said together.
PLAIN_PAIRS = {("false_positive_rate", "false_negative_rate"):
               "the shares of each group wrongly {flagged} and missed"}
#: Metrics whose thresholds read naturally as "N in every 100".
RATE_METRICS = {"selection_rate", "false_positive_rate", "false_negative_rate",
                "expected_calibration_error", "share", "calibration_in_the_large",
                "widening"}


def _metrics(ev: Mapping[str, Any]) -> list[str]:
    metric = ev.get("metric")
    names = metric if isinstance(metric, list) else [metric] if metric else []
    out = []
    for m in names:
        # A results.json path ("drift.score.psi"): its last part names the statistic judged.
        parts = str(m).split(".")
        last = parts[-1]
        if last == "difference" and len(parts) > 1:  # "...calibration_in_the_large.difference"
            last = parts[-2]
        out.extend(p for p in last.split("|") if p)
    return list(dict.fromkeys(out))


def _num(x: float) -> str:
    return f"{x:.4g}"


def _per100(x: float) -> str:
    v = round(100 * x, 2)
    return f"{v:g} in every 100"


def format_threshold(ev: Mapping[str, Any], t: Any) -> str:
    """A threshold in the unit a reader would use: "10 in every 100", "80%", "0.65"."""
    if t is None:
        return "none set"
    if isinstance(t, (list, tuple)):
        return f"{format_threshold(ev, t[0])} to {format_threshold(ev, t[1])}"
    t = float(t)
    statistic = ev.get("statistic")
    if statistic == "ratio":
        return f"{round(100 * t, 1):g}%"
    if statistic == "count":
        return f"{t:,.0f}"
    if set(_metrics(ev)) & RATE_METRICS:
        return _per100(t)
    return _num(t)


_FRACTIONS = {0.5: "half", 1 / 3: "a third", 0.25: "a quarter", 2 / 3: "two thirds",
              1.0: "double"}


def _fraction(x: float) -> str:
    """0.5 → 'half', 0.333 → 'a third', otherwise '40 in every 100'."""
    for f, name in _FRACTIONS.items():
        if abs(x - f) < 0.005:
            return name
    return _per100(x)


def _share_change_rule(t: Any, people: str) -> str | None:
    """R7-style rules on the ratio of a group's share now to its share before."""
    if not isinstance(t, (list, tuple)) or len(t) != 2:
        return None
    lo, hi = float(t[0]), float(t[1])
    if lo <= 0 or hi <= 1 or lo >= 1:
        return None
    was = (f"a group that made up 100 of every 1,000 {people} before should now make up "
           f"between {round(100 * lo):g} and {round(100 * hi):g}")
    if abs(lo * hi - 1) < 0.005:
        change = f"grow or shrink by more than {_fraction(hi - 1)} (×{hi:g})"
    else:
        change = (f"grow by more than {_fraction(hi - 1)} (×{hi:g}) or shrink by more than "
                  f"{_fraction(1 - lo)} (×{lo:.2g})")
    return (f"The rule we used: each group's share of the {people} the model sees should not "
            f"{change} since the model was checked: {was}.")


def _special_rule(metrics: list[str], ev: Mapping[str, Any], people: str) -> str | None:
    """Whole sentences for rules that read badly as 'subject must be at most X'."""
    t, comparison = ev.get("threshold"), ev.get("comparison")
    if t is None or len(metrics) != 1:
        return None
    metric, limit = metrics[0], format_threshold(ev, t)
    if metric == "calibration_in_the_large" and comparison == "within":
        return (f"The rule we used: predictions for each group should stay as close to what "
                f"happened as they were in the period the model was built on, give or take "
                f"{limit}.")
    if metric == "widening" and comparison in ("<=", "<"):
        return (f"The rule we used: the gap in errors between each group and the comparison "
                f"group should not grow by more than {limit} from one period to the next.")
    if metric == "share_change" and comparison == "between":
        return _share_change_rule(t, people)
    return None


def _generic_rule(metrics: list[str], ev: Mapping[str, Any]) -> str:
    """A rule with no plain wording of its own: the figure's name, then the limit in words."""
    name = " and ".join(m.replace("_", " ") for m in metrics) or "the figure"
    t, comparison = ev.get("threshold"), ev.get("comparison")
    if t is None:
        return f"The rule we used: the {name} must reach a level the owner sets (none was set)."
    limit = format_threshold(ev, t)
    body = {"<=": f"must be at most {limit}", "<": f"must be below {limit}",
            ">=": f"must be at least {limit}", ">": f"must be above {limit}",
            "within": f"must stay within {limit} either way",
            "between": f"must be between {limit}"}.get(str(comparison),
                                                       f"must meet the limit {limit}")
    return (f"The rule we used: the figure called \"{name}\" {body} (the technical report "
            "explains it).")


def plain_rule(ev: Mapping[str, Any], flagged: str = "flagged", people: str = "people") -> str:
    """The rule a measured criterion was judged by, in a sentence for residents.

    >>> plain_rule({"metric": "drift.group_mix.*.groups.*.share_change", "statistic": "value",
    ...             "comparison": "between", "threshold": [0.6667, 1.5]}, people="families")
    ... # doctest: +NORMALIZE_WHITESPACE
    "The rule we used: each group's share of the families the model sees should not grow or
    shrink by more than half (×1.5) since the model was checked: a group that made up 100 of
    every 1,000 families before should now make up between 67 and 150."
    """
    metrics = _metrics(ev)
    special = _special_rule(metrics, ev, people)
    if special:
        return special
    if tuple(metrics) in PLAIN_PAIRS:
        subjects = [PLAIN_PAIRS[tuple(metrics)]]
    else:
        subjects = [PLAIN_SUBJECT[m] for m in metrics if m in PLAIN_SUBJECT]
    if not subjects:
        return _generic_rule(metrics, ev)
    subject = " and ".join(dict.fromkeys(s.format(flagged=flagged) for s in subjects))
    t, comparison, statistic = ev.get("threshold"), ev.get("comparison"), ev.get("statistic")
    limit = format_threshold(ev, t)
    if t is None:
        return f"The rule we used: {subject} must reach a level the owner sets (none was set)."
    if statistic == "difference" and comparison == "within":
        body = f"must not differ from the comparison group's by more than {limit}"
    elif statistic == "ratio" and comparison == "within":
        upper = f"{round(100 / float(t), 1):g}%" if t else limit
        body = (f"must be at least {limit} of the comparison group's, and at most {upper} "
                "of it")
    else:
        body = {
            "<=": f"must be at most {limit}", "<": f"must be below {limit}",
            ">=": f"must be at least {limit}", ">": f"must be above {limit}",
            "within": f"must stay within {limit} either way",
            "between": f"must be between {limit}",
        }.get(str(comparison), f"must meet the limit {limit}")
    return f"The rule we used: {subject} {body}."


# ---- overrides -------------------------------------------------------------------------------

@lru_cache(maxsize=8)
def _standard_defaults(path: str | None, sha256: str | None, bundled: bool) -> dict[str, Any]:
    """Criterion id → threshold in the Standard file itself (before overrides), if readable."""
    try:
        from ..standard.model import load_standard

        std = load_standard(None if bundled else path)
    except Exception:  # noqa: BLE001 - a custom Standard gone from disk: say less, render on
        return {}
    if sha256 and std.sha256 != sha256:
        return {}
    return {c.id: c.measure.threshold for c in std.criteria if c.measure is not None}


def default_thresholds(standard: Mapping[str, Any] | None) -> dict[str, Any]:
    if not standard:
        return {}
    return _standard_defaults(standard.get("path"), standard.get("sha256"),
                              bool(standard.get("bundled")))


def overrides(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every override in the audit config, with the default and the applied threshold.

    Each entry: ``id``, ``title``, ``default`` (None if unknown or unset), ``default_known``,
    ``threshold`` (applied), ``default_text``/``threshold_text`` (in the reader's units),
    ``rule`` (technical) and ``plain`` (the applied rule for residents).
    """
    standard = doc.get("standard") or {}
    given = standard.get("overrides") or {}
    if not given:
        return []
    criteria = {c["id"]: c for c in standard.get("criteria", [])}
    defaults = default_thresholds(standard)
    flagged = (doc.get("model") or {}).get("flagged") or "flagged"
    people = (doc.get("model") or {}).get("people") or "people"
    out = []
    for cid, setting in given.items():
        c = criteria.get(cid, {})
        ev = c.get("evidence") or {}
        given_t = setting.get("threshold") if isinstance(setting, Mapping) else setting
        applied = ev.get("threshold", given_t)
        if isinstance(setting, Mapping) and "standard_threshold" in setting:
            known, default = True, setting["standard_threshold"]
        else:  # results.json from before the Standard's threshold was recorded
            known, default = cid in defaults, defaults.get(cid)
        out.append({
            "id": cid,
            "title": c.get("title", cid),
            "verdict": c.get("verdict"),
            "default": default,
            "default_known": known,
            "threshold": applied,
            "default_text": format_threshold(ev, default) if known else None,
            "threshold_text": format_threshold(ev, applied),
            "rule": ev.get("rule") or "",
            "plain": plain_rule(ev, flagged, people),
        })
    return out


def override_sentence(o: Mapping[str, Any], who: str = "We") -> str:
    """"We changed this check: the limit went from 10 in every 100 to 20 in every 100."""
    if o["default_known"] and o["default"] is None:
        return (f"{who} set the limit for this check, as the Standard asks the owner to: "
                f"{o['threshold_text']}.")
    if o["default_known"]:
        return (f"{who} changed this check: the limit went from {o['default_text']} "
                f"(the Standard's own) to {o['threshold_text']}.")
    return f"{who} changed the limit for this check to {o['threshold_text']}."


def override_line(o: Mapping[str, Any]) -> str:
    """The same for reviewers: id, title, default → applied, and the applied rule."""
    if o["default_known"] and o["default"] is None:
        change = f"threshold set by the model owner to {_raw(o['threshold'])} (the Standard " \
                 "leaves it to the owner)"
    elif o["default_known"]:
        change = (f"threshold changed by the model owner from {_raw(o['default'])} (the "
                  f"Standard's default) to {_raw(o['threshold'])}")
    else:
        change = f"threshold changed by the model owner to {_raw(o['threshold'])}"
    rule = f"; rule applied: {o['rule']}" if o["rule"] else ""
    return f"{o['id']} ({o['title']}): {change}{rule}."


def _raw(t: Any) -> str:
    if isinstance(t, (list, tuple)):
        return f"[{_num(float(t[0]))}, {_num(float(t[1]))}]"
    return "none" if t is None else _num(float(t))


def _threshold_tokens(ev: Mapping[str, Any], t: Any) -> list[str]:
    """Ways a Standard's prose may state threshold ``t`` ("10 percentage points", "80%")."""
    if t is None or isinstance(t, (list, tuple)):
        return []
    t = float(t)
    pct = round(100 * t, 2)
    tokens = [_num(t), f"{pct:g}%", f"{pct:g} percentage point", f"{pct:g} per cent"]
    if ev.get("statistic") == "ratio":
        tokens += [f"{round(100 / t, 2):g}%", _num(1 / t)]
        if abs(t - 0.8) < 1e-9:
            tokens.append("four-fifths")
    return tokens


def current_why(criterion: Mapping[str, Any], standard: Mapping[str, Any] | None,
                applied_too: bool = False) -> str:
    """``why`` without the sentences that state a default threshold the owner overrode.

    With ``applied_too`` (where the output states the applied rule next to it, as the public
    report does), sentences stating the threshold are dropped even when it was not changed.
    """
    why = criterion.get("why") or ""
    cid = criterion.get("id")
    ev = criterion.get("evidence") or {}
    overridden = cid in ((standard or {}).get("overrides") or {})
    if not why or not (overridden or applied_too):
        return why
    defaults = default_thresholds(standard)
    if overridden:
        tokens = _threshold_tokens(ev, defaults.get(cid)) if cid in defaults else []
    else:
        tokens = _threshold_tokens(ev, ev.get("threshold"))
        if not tokens:
            return why
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z(])", why)

    def stale(s: str) -> bool:
        if tokens:
            return any(re.search(rf"(?<![\d.]){re.escape(tok)}", s) for tok in tokens)
        return bool(re.search(r"\d", s))  # default unknown: drop any sentence with a figure

    kept = [s for s in sentences if not stale(s)]
    return " ".join(kept)
