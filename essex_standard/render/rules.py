"""The rule each criterion was actually judged by, and the owner's overrides, in words.

A criterion's ``why`` and ``rule`` come from the Standard file, filled by the judge with the
threshold it applied.  Older results.json files hold a ``why`` that may state the *default*
threshold ("no more than 10 percentage points"); when the audit config overrides that threshold
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

#: Metrics whose thresholds read naturally as "N in every 100" (overrides, generic rules).
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


def _generic_rule(metrics: list[str], ev: Mapping[str, Any]) -> str:
    """A rule with no plain wording of its own: the figure's name, then the limit in words."""
    name = " and ".join(m.replace("_", " ") for m in metrics) or "the figure"
    t, comparison = ev.get("threshold"), ev.get("comparison")
    if t is None:
        return f"The {name} must reach a level the owner sets (none was set)."
    limit = format_threshold(ev, t)
    body = {"<=": f"must be at most {limit}", "<": f"must be below {limit}",
            ">=": f"must be at least {limit}", ">": f"must be above {limit}",
            "within": f"must stay within {limit} either way",
            "between": f"must be between {limit}"}.get(str(comparison),
                                                       f"must meet the limit {limit}")
    return (f"The figure called \"{name}\" {body} (the technical report explains it).")


def plain_rule(criterion: Mapping[str, Any]) -> str:
    """The rule a measured criterion was judged by, in a sentence for residents.

    The judge writes it into ``results.json`` (``rule``) from the Standard file's own words,
    filled with the threshold it applied.  A criterion the Standard gives no words for (the
    audit warned) reads in a generic form.

    >>> plain_rule({"rule": "Every group must have at least 30 families.", "evidence": {}})
    'Every group must have at least 30 families.'
    >>> print(plain_rule({"evidence": {"metric": "positive_predictive_value",
    ...       "comparison": "within", "statistic": "difference", "threshold": 0.05}}))
    ... # doctest: +NORMALIZE_WHITESPACE
    The figure called "positive predictive value" must stay within 0.05 either way (the
    technical report explains it).
    """
    if criterion.get("rule"):
        return str(criterion["rule"])
    return _generic_rule(_metrics(criterion.get("evidence") or {}),
                         criterion.get("evidence") or {})


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
            "plain": plain_rule(c) if c else "",
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
    if "rule" in criterion:  # the judge filled ``why`` with the threshold it applied
        return why
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
