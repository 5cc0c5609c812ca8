"""The technical report's prepared context: every list the templates show, built here.

Templates stay logic-light: they loop over what this module hands them and fetch nothing.
What is *judged* (which comparisons are not met, which PSI is beyond the limit, which group's
calibration failed) is read from the judge's ``standard`` section, never decided here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def fairness_layout(section: Mapping[str, Any]) -> dict[str, Any]:
    """Which metric columns a characteristic's tables show, under which headings: the main
    tables (``main``, a list of (heading, metrics), and ``main_cols``, the same flattened) and
    the complementary rates (``extra``), each limited to the metrics measured."""
    from .html import COMPLEMENT_METRICS, METRIC_GROUPS

    groups = section.get("groups") or {}
    ref = groups.get(section.get("reference_group")) or {}
    present = set((ref.get("metrics") or {}).keys())
    main = [(head, [n for n in names if n in present]) for head, names in METRIC_GROUPS]
    main = [(head, names) for head, names in main if names]
    extra = [n for n in COMPLEMENT_METRICS if n in present]
    return {"main": main, "main_cols": [n for _, names in main for n in names],
            "extra": extra, "extra_heads": [("Complements of the rates above", extra)],
            "extra_ratio_heads": [("Complements", extra)]}


def attested_lists(standard: Mapping[str, Any] | None) -> dict[str, Any]:
    """The attested criteria, split into those answered and those not."""
    attested = [c for c in (standard or {}).get("criteria", []) if c.get("kind") == "attested"]
    answered = [c for c in attested if (c.get("evidence") or {}).get("answer")]
    unanswered = [c for c in attested if not (c.get("evidence") or {}).get("answer")]
    reasons = list(dict.fromkeys(str(c.get("reason") or "") for c in unanswered))
    return {"all": attested, "answered": answered, "unanswered": unanswered,
            "reasons": reasons}


def technical_context(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Everything ``technical-report.html`` and its partials render."""
    from .charts_calibration import calibration_view, drift_view
    from .findings import detection, judged_findings, threshold_findings, unexamined
    from .html import METRIC_LABELS, short_reason, shows_metric, split_evidence
    from .rules import current_why, override_line, overrides

    by_criterion: dict[str, list[dict[str, Any]]] = {}
    for f in judged_findings(doc) + threshold_findings(doc):
        by_criterion.setdefault(f["criterion"], []).append(f)
    fairness = doc.get("fairness", {})
    standard = doc.get("standard")
    views = {str(c["id"]): {"short_reason": short_reason(c),
                            "why": current_why(c, standard),
                            "parts": split_evidence(c),
                            "shows_metric": shows_metric(c.get("evidence") or {})}
             for c in (standard or {}).get("criteria", [])}
    return {
        "judged": by_criterion,
        "unexamined": unexamined(doc),
        "detection": detection(doc),
        "doc": doc,
        "model": doc.get("model", {}),
        "fairness": fairness,
        "fairness_layouts": {attr: fairness_layout(s) for attr, s in fairness.items()},
        "overall": doc.get("overall", {}),
        "standard": doc.get("standard"),
        "attested": attested_lists(standard),
        "criterion_views": views,
        "override_lines": [override_line(o) for o in overrides(doc)],
        "metric_order": list(METRIC_LABELS),
        "calibration_ctx": calibration_view(doc),
        "drift_ctx": drift_view(doc),
    }
