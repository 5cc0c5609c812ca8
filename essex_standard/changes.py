"""What changed since the previous audit: verdicts, findings and the figures behind them.

A re-audit that reads as if it were the first hides the one thing a councillor asks: is it
better or worse than last time?  Given the previous audit's ``results.json`` this module
writes the ``changes`` section of the new one, so every report renders it from the file alone:

* the overall verdict and each criterion's verdict, then and now;
* the findings (a group shown beyond a criterion's limit) that are new, gone or still there;
* for each group in a finding, its figure then and now, with whether the previous audit's
  own disclosure control hid it (the public report never shows a figure either period hid).

It compares; it never judges: every verdict and finding is the judge's, read from the two
files.  The previous file is checked first (a results.json of a compatible schema, judged
against the same Standard, dated no later than this audit), with an error naming what to fix.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import ResultsError
from .result import SCHEMA_VERSION

#: A finding is identified by these keys of a judged comparison (``evidence.groups``).
FINDING_KEYS = ("criterion", "attribute", "group", "reference_group", "metric")


def _major(version: Any) -> str:
    return str(version).split(".", 1)[0]


def load_previous(path: str | Path, shown: str | None = None) -> dict[str, Any]:
    """Read and check the previous audit's results.json; the document, with ``_source``
    (the path as the user wrote it, ``shown``, and the file's sha256) added for the record."""
    file = Path(path)
    path = Path(shown) if shown else file
    fix = "pass the results.json that the previous audit wrote (--previous or previous_audit:)"
    if not file.is_file():
        raise ResultsError(f"{path}: no such file for the previous audit; {fix}.")
    try:
        raw = file.read_bytes()
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ResultsError(f"{path}: the previous audit's file is not valid JSON "
                           f"({str(exc)[:200]}); {fix}.") from None
    if not isinstance(doc, dict) or "schema_version" not in doc:
        raise ResultsError(f"{path}: not a results.json (no 'schema_version'); {fix}.")
    if _major(doc["schema_version"]) != _major(SCHEMA_VERSION):
        raise ResultsError(
            f"{path}: the previous audit's results.json has schema version "
            f"{doc['schema_version']}, which this tool (schema {SCHEMA_VERSION}) cannot compare "
            "with. Re-run the previous audit with this version of the tool, or leave out "
            "--previous / previous_audit.")
    for key in ("fairness", "standard"):
        if not isinstance(doc.get(key), Mapping):
            what = ("was not judged against the Standard" if key == "standard"
                    else "has no 'fairness' section")
            raise ResultsError(f"{path}: the previous audit {what}, so there is nothing to "
                               f"compare with; {fix}.")
    doc["_source"] = {"path": str(path), "sha256": hashlib.sha256(raw).hexdigest()}
    return doc


def _criteria(doc: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(c.get("id")): c for c in (doc.get("standard") or {}).get("criteria", [])
            if isinstance(c, Mapping)}


def _comparisons(doc: Mapping[str, Any]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Every comparison the judge made (``evidence.groups``), keyed by :data:`FINDING_KEYS`,
    with its verdict."""
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for cid, c in _criteria(doc).items():
        ev = c.get("evidence") or {}
        for g in ev.get("groups") or []:
            if not isinstance(g, Mapping):
                continue
            item = {"criterion": cid, "title": c.get("title", cid),
                    "attribute": g.get("attribute"), "group": g.get("group"),
                    "reference_group": g.get("reference_group"),
                    "metric": g.get("metric") or ev.get("metric"), "verdict": g.get("verdict")}
            out.setdefault(tuple(item[k] for k in FINDING_KEYS), item)
    return out


def _findings(comparisons: Mapping[tuple[Any, ...], dict[str, Any]]
              ) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The comparisons the judge found beyond their criterion's limit (verdict "not met")."""
    return {k: {f: v[f] for f in (*FINDING_KEYS, "title")}
            for k, v in comparisons.items() if v["verdict"] == "not met"}


def _figure(doc: Mapping[str, Any], attr: Any, group: Any, metric: str) -> dict[str, Any]:
    if attr is None or group is None:
        section = doc.get("overall") or {}
        n = section.get("n")
    else:
        section = (((doc.get("fairness") or {}).get(attr) or {}).get("groups") or {}).get(group)
        n = (section or {}).get("n")
    m = ((section or {}).get("metrics") or {}).get(metric)
    return {"value": m.get("value") if isinstance(m, Mapping) else None, "n": n}


def _shown(plan: Any, attr: Any, group: Any, metric: str) -> bool:
    """Whether that audit's own public report showed the figure (its disclosure ``plan``)."""
    try:
        return bool(plan.metric_shown(attr, group, metric))
    except (KeyError, TypeError, ValueError):
        return False


def _figures(before: Mapping[str, Any], after: Mapping[str, Any],
             findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each group's figure then and now, with its comparison group's, for ``findings``."""
    from .privacy import plan_disclosure

    rows, seen = [], set()
    plan = plan_disclosure(before) if findings else None
    for f in findings:
        for group in (f["group"], f["reference_group"]):
            key = (f["attribute"], group, f["metric"])
            if key in seen or group is None or not f["metric"]:
                continue
            seen.add(key)
            then, now = (_figure(d, *key) for d in (before, after))
            if then["value"] is None and now["value"] is None:
                continue
            rows.append({"attribute": key[0], "group": group, "metric": key[2],
                         "is_reference": group == f["reference_group"],
                         "before": then["value"], "after": now["value"],
                         "n_before": then["n"], "n_after": now["n"],
                         "shown_before": _shown(plan, *key)})
    return rows


def compare(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """The ``changes`` section of results.json: ``after`` (this audit) against ``before``.

    >>> crit = lambda v: {"standard": {"id": "s", "verdict": v, "criteria": [
    ...     {"id": "F1", "title": "Errors", "verdict": v, "evidence": None}]}, "fairness": {}}
    >>> c = compare(crit("met"), crit("not met"))
    >>> c["verdict"], [(x["id"], x["before"], x["after"]) for x in c["criteria"] if x["changed"]]
    ({'before': 'met', 'after': 'not met'}, [('F1', 'met', 'not met')])
    """
    sb, sa = before.get("standard") or {}, after.get("standard") or {}
    if sb.get("id") != sa.get("id"):
        raise ResultsError(
            f"{(before.get('_source') or {}).get('path', 'the previous audit')}: it was judged "
            f"against the Standard '{sb.get('id')}', this audit against '{sa.get('id')}'; "
            "verdicts against different Standards cannot be compared. Compare with an audit "
            "against the same Standard.")
    date_before = (before.get("model") or {}).get("audit_date")
    date_after = (after.get("model") or {}).get("audit_date")
    if date_before and date_after and str(date_before) > str(date_after):
        raise ResultsError(
            f"{(before.get('_source') or {}).get('path', 'the previous audit')}: the previous "
            f"audit is dated {date_before}, after this one ({date_after}); give the earlier "
            "audit's results.json.")
    cb, ca = _criteria(before), _criteria(after)
    criteria = [{"id": cid, "title": c.get("title", cid), "severity": c.get("severity"),
                 "before": (cb.get(cid) or {}).get("verdict"), "after": c.get("verdict"),
                 "changed": (cb.get(cid) or {}).get("verdict") != c.get("verdict")}
                for cid, c in ca.items()]
    kb, ka = _comparisons(before), _comparisons(after)
    fb, fa = _findings(kb), _findings(ka)
    new = [fa[k] for k in fa if k not in fb]
    gone = [fb[k] for k in fb if k not in fa]
    still = [fa[k] for k in fa if k in fb]
    # The figures behind every comparison the judge did not find within its limit in one of
    # the two audits (not met, or undecided): what moved, whichever way the verdict went.
    open_ = [{f: v[f] for f in FINDING_KEYS}
             for k, v in (*ka.items(), *kb.items()) if v["verdict"] != "met"]
    notes = []
    if sb.get("version") != sa.get("version"):
        notes.append(f"The previous audit used version {sb.get('version')} of the Standard, "
                     f"this one version {sa.get('version')}.")
    removed = [cid for cid in cb if cid not in ca]
    if removed:
        notes.append(f"Criteria in the previous audit only: {', '.join(removed)}.")
    mb, ma = before.get("model") or {}, after.get("model") or {}
    if mb.get("name") != ma.get("name"):
        notes.append(f"The previous audit was of '{mb.get('name')}', this one of "
                     f"'{ma.get('name')}'.")
    source = before.get("_source") or {}
    return {
        "previous": {"path": source.get("path"), "sha256": source.get("sha256"),
                     "audit_date": date_before, "model_version": mb.get("version"),
                     "standard_version": sb.get("version"),
                     "rows": (before.get("data") or {}).get("rows")},
        "verdict": {"before": sb.get("verdict"), "after": sa.get("verdict")},
        "criteria": criteria,
        "findings": {"new": new, "gone": gone, "still": still},
        "figures": _figures(before, after, open_),
        "notes": notes,
    }
