"""Charts for calibration, drift and fairness over time, as accessible inline SVG, and the
choice of what those sections show in the technical report.

Written by hand for the same reasons as ``charts.py`` (deterministic bytes, real text, the same
rendering in browsers and WeasyPrint): matplotlib's SVG carries generated ids and metadata that
would make two runs of the same audit differ.  Every chart has ``role="img"``, a ``<title>``
and a ``<desc>`` that states its main finding in words, and the templates put a table with the
same numbers next to it.  Colour is never the only signal: lines are labelled by name.

``register(env)`` makes the chart functions available to the Jinja templates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from markupsafe import Markup

INK, MUTED, RULE = "#0b0c0c", "#505a5f", "#b1b4b6"
#: ORANGE is the charts' range colour (charts.RANGE, 4.8:1 on white: WCAG 1.4.11 asks 3:1;
#: GOV.UK's #f47738 is only 2.78:1).
ACCENT, ORANGE, RED = "#1d4f91", "#b35900", "#b10e1e"
#: Distinguishable on white and for common colour-vision deficiencies (Okabe–Ito), each at
#: least 3:1 on white: Okabe–Ito's yellow and sky blue (2.3:1) are replaced by a dark ochre
#: and a purple.
SERIES = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#9a6700", "#6a3d9a", "#000000")


def _open(chart_id: str, width: float, height: float, title: str, desc: str) -> list[str]:
    from .charts import element_id

    chart_id = element_id(chart_id)
    tid, did = f"{chart_id}-title", f"{chart_id}-desc"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{tid} {did}" '
        f'viewBox="0 0 {width:g} {height:g}" width="{width:g}" class="chart">',
        f'<title id="{tid}">{escape(title)}</title>',
        f'<desc id="{did}">{escape(desc)}</desc>',
    ]


def _text(x: float, y: float, s: str, size: float = 10, anchor: str = "start",
          fill: str = MUTED, weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" fill="{fill}" '
            f'text-anchor="{anchor}" font-weight="{weight}">{escape(s)}</text>')


def _nice_axis(values: Sequence[float]) -> tuple[float, float]:
    """An axis top and tick step in [0, 1] with at most five round ticks."""
    top = max([v for v in values if v is not None] + [0.05])
    for step in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25):
        if top <= 4 * step + 1e-9:
            break
    return min(1.0, math.ceil(top / step - 1e-9) * step), step


def _wrap(s: str, width: int, lines: int) -> list[str]:
    """Break a label into at most ``lines`` lines of about ``width`` characters (ellipsis)."""
    out: list[str] = []
    words = s.split()
    current = ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        out.append(current)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1].rstrip() + "…"
    return [line[:width] for line in out] or [""]


# --------------------------------------------------------------------------- reliability


def reliability_chart(chart_id: str, group: str, rows: Sequence[Mapping[str, Any]],
                      ece: float | None = None, size: int = 220) -> Markup:
    """Observed rate against mean predicted risk per bin, with Wilson whiskers and the diagonal.

    >>> svg = reliability_chart("r", "A", [{"mean_predicted": .2, "observed_rate": .25,
    ...                                      "ci": [.2, .3], "n": 50}])
    >>> 'role="img"' in svg and "<desc" in svg
    True
    """
    pts = [r for r in rows if r.get("mean_predicted") is not None]
    top, step = _nice_axis([r["mean_predicted"] for r in pts]
                           + [r["ci"][1] if r.get("ci") else r["observed_rate"] for r in pts])
    # About 5.9 px per character of 9.5 px bold text: wrap to the chart's width, and allow a
    # third line so long census group names are not cut short.
    title_lines = _wrap(group, max(20, int((size - 4) / 5.9)), 3)
    left, right = 34, 14  # room for the last x tick label on the right
    pad = 8 + 12 * len(title_lines)  # the group's name sits above the plot
    w = h = size - left - right
    height = h + pad + 32

    def sx(v: float) -> float:
        return left + min(v, top) / top * w

    def sy(v: float) -> float:
        return pad + h - min(v, top) / top * h

    worst = max(pts, key=lambda r: abs(r["observed_rate"] - r["mean_predicted"]), default=None)
    desc = (f"Reliability diagram for {group}: {len(pts)} bins of equal size. "
            + (f"Expected calibration error {ece:.3f}. " if ece is not None else "")
            + (f"Largest gap: predicted {worst['mean_predicted']:.2f}, observed "
               f"{worst['observed_rate']:.2f}. " if worst else "")
            + "Points on the diagonal mean predicted risk matches what happened.")
    parts = _open(chart_id, size, height, f"Calibration: {group}", desc)
    for i in range(round(top / step) + 1):
        v = i * step
        parts.append(f'<line x1="{left}" y1="{sy(v):.1f}" x2="{left + w}" y2="{sy(v):.1f}" '
                     f'stroke="{RULE}" stroke-width="0.5"/>')
        parts.append(_text(left - 4, sy(v) + 3, f"{v:.2f}", 9, "end"))
        parts.append(_text(sx(v), pad + h + 11, f"{v:.2f}", 9, "middle"))
    parts.append(f'<line x1="{sx(0):.1f}" y1="{sy(0):.1f}" x2="{sx(top):.1f}" y2="{sy(top):.1f}" '
                 f'stroke="{MUTED}" stroke-dasharray="4 3" stroke-width="1"/>')
    for r in pts:
        x = sx(r["mean_predicted"])
        if r.get("ci"):
            parts.append(f'<line x1="{x:.1f}" y1="{sy(r["ci"][0]):.1f}" x2="{x:.1f}" '
                         f'y2="{sy(r["ci"][1]):.1f}" stroke="{ORANGE}" stroke-width="1.5"/>')
    xy = [(sx(r["mean_predicted"]), sy(r["observed_rate"])) for r in pts]
    if xy:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{ACCENT}" '
                     'stroke-width="1.2"/>')
    for x, y in xy:
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="{ACCENT}"/>')
    parts.append(_text(left + w / 2, height - 2, "mean predicted risk", 9, "middle"))
    mid = pad + h / 2
    parts.append(f'<text x="9" y="{mid:.1f}" font-size="9" fill="{MUTED}" text-anchor="middle" '
                 f'transform="rotate(-90 9 {mid:.1f})">observed rate</text>')
    for k, line in enumerate(title_lines):
        parts.append(_text(2, 11 + 12 * k, line, 9.5, fill=INK, weight="bold"))
    parts.append("</svg>")
    return Markup("".join(parts))


# --------------------------------------------------------------------------- drift


def shift_chart(chart_id: str, rows: Sequence[Mapping[str, Any]], margin: float | None = None,
                width: int = 640) -> Markup:
    """The change in observed − predicted (calibration-in-the-large) from the reference to the
    audited data, one row per group, with its 95% interval and the ±margin band: a group whose
    interval lies outside the band has drifted in calibration.

    ``rows``: ``{"label", "value", "ci", "verdict"}`` (audited − reference; ``verdict`` is the
    judge's on that group, which alone colours a row red).

    >>> svg = shift_chart("s", [{"label": "A", "value": 0.15, "ci": [.1, .2],
    ...                         "verdict": "not met"}], 0.05)
    >>> 'role="img"' in svg and "failed for: A" in svg
    True
    """
    margin = float(margin) if margin is not None else 0.0  # no Standard criterion: no band
    label_w, right, row, top = 250, 20, 18, 24
    height = top + row * len(rows) + 30
    plot = width - label_w - right
    vals = [margin, *(abs(x) for r in rows for x in (r.get("ci") or [r.get("value") or 0.0])
                      if x is not None)]
    span = next((s for s in (0.1, 0.2, 0.3, 0.5, 1.0) if max(vals) <= s), 1.0)

    def sx(v: float) -> float:
        return label_w + (max(-span, min(span, v)) + span) / (2 * span) * plot

    # The judge's verdict on each group (R5), never a test of the chart's own: red for *not met*.
    failed = [r["label"] for r in rows if r.get("verdict") == "not met"]
    undecided = [r["label"] for r in rows if r.get("verdict") == "insufficient evidence"]
    desc = ("Change in observed rate minus mean predicted risk, audited minus reference data, "
            f"with 95% intervals, for each group where something moved; the band is ±{margin:g}. "
            + (f"The Standard's check failed for: {', '.join(failed)}. " if failed else
               "The Standard's check failed for no group shown. ")
            + (f"Not enough evidence to judge: {', '.join(undecided)}." if undecided else ""))
    parts = _open(chart_id, width, height, "Change in calibration-in-the-large, by group", desc)
    band = sx(margin) - sx(-margin)
    parts.append(f'<rect x="{sx(-margin):.1f}" y="{top - 4}" width="{band:.1f}" '
                 f'height="{height - 26 - top + 4}" fill="#f3f2f1"/>')
    for v in (-margin, margin):
        parts.append(f'<line x1="{sx(v):.1f}" y1="{top - 4}" x2="{sx(v):.1f}" '
                     f'y2="{height - 26}" stroke="{ORANGE}" stroke-dasharray="3 3"/>')
    parts.append(_text(sx(margin), top - 8, f"+{margin:g}", 9, "middle", ORANGE))
    parts.append(_text(sx(-margin), top - 8, f"−{margin:g}", 9, "middle", ORANGE))
    for v in (-span, -span / 2, 0.0, span / 2, span):
        stroke, sw = (INK, 0.9) if v == 0 else (RULE, 0.5)
        parts.append(f'<line x1="{sx(v):.1f}" y1="{top - 4}" x2="{sx(v):.1f}" y2="{height - 26}" '
                     f'stroke="{stroke}" stroke-width="{sw}"/>')
        parts.append(_text(sx(v), height - 14, f"{v:+.2f}", 9, "middle"))
    parts.append(_text(label_w + plot / 2, height - 2,
                       "change in observed − predicted (audited − reference)", 9, "middle"))
    for i, r in enumerate(rows):
        y = top + i * row + 8
        parts.append(_text(label_w - 8, y + 4, _wrap(r["label"], 46, 1)[0], 9, "end", INK))
        if r.get("value") is None:
            parts.append(_text(label_w + 4, y + 4, "not measured", 9))
            continue
        colour = RED if r.get("verdict") == "not met" else ACCENT
        if r.get("ci"):
            parts.append(f'<line x1="{sx(r["ci"][0]):.1f}" y1="{y:.1f}" x2="{sx(r["ci"][1]):.1f}" '
                         f'y2="{y:.1f}" stroke="{colour}" stroke-width="1.4"/>')
        parts.append(f'<circle cx="{sx(r["value"]):.1f}" cy="{y:.1f}" r="3.2" fill="{colour}"/>')
        end = r["ci"][1] if r.get("ci") else r["value"]
        parts.append(_text(min(sx(end) + 5, width - 34), y + 3, f"{r['value']:+.3f}", 8,
                           fill=colour))
    parts.append("</svg>")
    return Markup("".join(parts))


# --------------------------------------------------------------------------- over time


def _marker(k: int, x: float, y: float, colour: str) -> str:
    """A different marker shape per series, so that a line is not told apart by colour alone."""
    shape = k % 4
    if shape == 0:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="{colour}"/>'
    if shape == 1:
        return (f'<rect x="{x - 2.4:.1f}" y="{y - 2.4:.1f}" width="4.8" height="4.8" '
                f'fill="{colour}"/>')
    if shape == 2:
        return (f'<path d="M{x:.1f},{y - 3.2:.1f} L{x + 3:.1f},{y + 2.4:.1f} '
                f'L{x - 3:.1f},{y + 2.4:.1f} Z" fill="{colour}"/>')
    return (f'<path d="M{x:.1f},{y - 3.2:.1f} L{x + 3:.1f},{y:.1f} L{x:.1f},{y + 3.2:.1f} '
            f'L{x - 3:.1f},{y:.1f} Z" fill="{colour}"/>')


def gap_panels_chart(chart_id: str, attribute: str, windows: Sequence[str],
                     panels: Sequence[tuple[str, Mapping[str, Sequence[float | None]]]],
                     plot_w: int = 140) -> Markup:
    """Small multiples: one panel per rate, each group's difference from the reference group
    per window (0 = no gap), on a shared vertical scale, with one legend naming every group
    by colour and marker shape.

    ``panels``: ``(rate label, {group: one value per window, None = too few people})``.

    >>> svg = gap_panels_chart("g", "sex", ["Q1", "Q2"], [("False positive rate",
    ...                        {"F": [0.01, 0.02]}), ("True positive rate", {"F": [0.0, None]})])
    >>> "False positive rate" in svg and svg.count("<polyline") == 1
    True
    """
    left, gap, legend_w, top, bottom = 34, 12, 124, 30, 30
    plot_h = 110
    height = top + plot_h + bottom
    groups = list(dict.fromkeys(g for _, series in panels for g in series))
    height = max(height, top + 12 * len(groups) + 8)
    vals = [v for _, series in panels for s in series.values() for v in s if v is not None]
    biggest = max([abs(v) for v in vals] + [0.01])
    span = next((s for s in (0.02, 0.04, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8) if biggest <= s), 1.0)
    n = max(len(windows), 1)
    panel_w = left + plot_w + gap
    width = panel_w * len(panels) + legend_w
    names = ", ".join(label.lower() for label, _ in panels)
    desc = (f"{attribute}: difference between each group and the reference group in "
            f"{names}, in each of {len(windows)} windows from {windows[0] if windows else '-'} "
            f"to {windows[-1] if windows else '-'}. Groups: {', '.join(groups) or 'none'}. "
            "Windows where a group has too few people are not drawn. The trend table and the "
            "per-window table give every value.")
    parts = _open(chart_id, width, height, f"{attribute}: gaps over time", desc)
    parts.append(_text(2, 11, attribute, 10, fill=INK, weight="bold"))

    def sy(v: float) -> float:
        return top + plot_h / 2 - v / span * plot_h / 2

    for p, (label, series) in enumerate(panels):
        x0 = p * panel_w + left

        def sx(i: int, x0: float = x0) -> float:
            return x0 + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

        parts.append(_text(x0, top - 7, f"{label} gap", 9, fill=INK))
        for v in (-span, -span / 2, 0.0, span / 2, span):
            stroke = INK if v == 0 else RULE
            parts.append(f'<line x1="{x0}" y1="{sy(v):.1f}" x2="{x0 + plot_w}" y2="{sy(v):.1f}" '
                         f'stroke="{stroke}" stroke-width="{0.9 if v == 0 else 0.5}"/>')
            parts.append(_text(x0 - 3, sy(v) + 3, f"{v:+.2f}", 7.5, "end"))
        step = max(1, math.ceil(n / 4))
        for i in range(0, n, step):
            parts.append(_text(sx(i), top + plot_h + 12, windows[i], 7.5, "middle"))
        for group, values in series.items():
            k = groups.index(group)
            colour = SERIES[k % len(SERIES)]
            pts = [(sx(i), sy(v)) for i, v in enumerate(values) if v is not None]
            if len(pts) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
                parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                             'stroke-width="1.3"/>')
            parts += [_marker(k, x, y, colour) for x, y in pts]
    parts.append(_text(left + (panel_w * len(panels) - gap - left) / 2, height - 4,
                       "window (difference: group − reference)", 8, "middle"))
    x_leg = panel_w * len(panels) + 4
    for k, group in enumerate(groups):
        colour = SERIES[k % len(SERIES)]
        y = top + 12 * k
        parts.append(f'<line x1="{x_leg}" y1="{y:.1f}" x2="{x_leg + 14}" y2="{y:.1f}" '
                     f'stroke="{colour}" stroke-width="1.3"/>')
        parts.append(_marker(k, x_leg + 7, y, colour))
        parts.append(_text(x_leg + 18, y + 3, _wrap(group, 21, 1)[0], 8, fill=INK))
    parts.append("</svg>")
    return Markup("".join(parts))


# --------------------------------------------------------------------------- what to show


def _criterion(doc: Mapping[str, Any], match) -> Mapping[str, Any] | None:
    for c in (doc.get("standard") or {}).get("criteria", []):
        ev = c.get("evidence") or {}
        if c.get("kind") == "measured" and match(ev):
            return c
    return None


def _threshold(c: Mapping[str, Any] | None) -> Any:
    """The threshold the judge applied for a criterion (shown, never compared here)."""
    return ((c or {}).get("evidence") or {}).get("threshold")


def _verdicts(c: Mapping[str, Any] | None) -> dict[tuple[str, str], str]:
    """(attribute, group) → the judge's verdict on that group (the worst of its comparisons);
    a group the judge could not judge is *insufficient evidence*."""
    rank = {"not met": 0, "insufficient evidence": 1, "met": 2}
    out: dict[tuple[str, str], str] = {}
    ev = (c or {}).get("evidence") or {}
    for g in ev.get("groups") or []:
        key, v = (str(g.get("attribute")), str(g.get("group"))), str(g.get("verdict"))
        if key not in out or rank.get(v, 3) < rank.get(out[key], 3):
            out[key] = v
    for g in ev.get("not_assessable") or []:
        out.setdefault((str(g.get("attribute")), str(g.get("group"))), "insufficient evidence")
    return out


#: A group's verdict as the technical report tags it: only what the judge decided.
FOCUS = {"not met": "not met", "insufficient evidence": "undecided"}
CAL_RESERVED = ("available", "probability", "reason", "settings", "overall", "tradeoff")


def calibration_view(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The prepared context of the calibration section: every group's table row with the
    judge's verdict on it (the Standard's criterion on the expected calibration error within
    groups, F3 in the Essex Standard), the groups the judge found *not met* (each gets a
    reliability diagram) and the reliability tables to list.  Nothing is compared with a
    threshold here: a group is tagged only by the judge's verdict.
    """
    crit = _criterion(doc, lambda ev: ev.get("source") == "calibration"
                      and ev.get("metric") == "expected_calibration_error")
    verdicts = _verdicts(crit)
    cal = doc.get("calibration") or {}
    blocks = [(attr, block) for attr, block in cal.items()
              if attr not in CAL_RESERVED and isinstance(block, Mapping) and "groups" in block]
    status: dict[str, dict[str, dict[str, Any]]] = {}
    diagrams = []
    for attr, block in blocks:
        status[attr] = {}
        for label, g in block["groups"].items():
            verdict = verdicts.get((attr, label)) if crit else None
            focus = FOCUS.get(verdict or "")
            status[attr][label] = {"verdict": verdict, "focus": focus}
            if focus == "not met" and g.get("n", 0) > 0:
                diagrams.append((attr, label, g))
    singles = [(a, b) for a, b in blocks if b.get("kind") == "attribute"]
    inters = [(a, b) for a, b in blocks if b.get("kind") != "attribute"]
    undecided = sum(st["focus"] == "undecided" for block in status.values()
                    for st in block.values())
    overall = (cal.get("overall") or {}).get("reliability") or []
    return {"threshold": _threshold(crit), "criterion": (crit or {}).get("id"),
            "status": status, "diagrams": diagrams, "undecided": undecided,
            "attributes": [(a, b) for a, b in blocks if b.get("kind") == "attribute"],
            "sections": [(title, group) for title, group in
                         (("Protected characteristics", singles), ("Intersections", inters))
                         if group],
            "tables": [("Everyone", overall)] + [(f"{attr} = {label}", g.get("reliability"))
                                                 for attr, label, g in diagrams]}


def _drift_criteria(doc: Mapping[str, Any], part: str) -> Mapping[str, Any] | None:
    return _criterion(doc, lambda ev: str(ev.get("path") or "").startswith("drift.")
                      and part in str(ev.get("path") or ""))


def drift_view(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The prepared context of the drift section, from the judge's words only.

    Which PSI is beyond the limit comes from ``standard.drift`` (:mod:`~essex_standard.
    standard.shifts`: the Standard's own PSI criterion, R3 in the Essex Standard); which group's
    share moved, and whose calibration drifted, from the verdicts of the criteria on
    ``drift.group_mix`` (R7) and ``drift.by_group`` (R5).  A group is listed under "drift within
    groups" when the judge found something *not met* or *undecided* in it, a PSI within it is
    beyond the limit, or it is new or vanished (a fact).  Renderers tag nothing themselves.
    """
    dr = doc.get("drift") or {}
    psi = (doc.get("standard") or {}).get("drift") or {}
    shares_c = _drift_criteria(doc, "share_change")
    citl_c = _drift_criteria(doc, "calibration_in_the_large")
    share_v, citl_v = _verdicts(shares_c), _verdicts(citl_c)
    alpha = ((dr.get("settings") or {}).get("multiple_testing") or {}).get("alpha")
    rows: list[dict[str, Any]] = []
    for source in ("by_group", "by_intersection"):
        labels = psi.get(source) or {}
        for attr, block in (dr.get(source) or {}).items():
            for label, e in block.get("groups", {}).items():
                mine = (labels.get(attr) or {}).get(label) or {}
                feats = [(f, x) for f, x in e.get("features", {}).items()
                         if (mine.get("features") or {}).get(f) == "beyond"]
                if mine.get("score") == "beyond":
                    feats.append(("score", e["score"]))
                calib = FOCUS.get(citl_v.get((attr, label), ""))
                if feats or calib or e.get("status", "present") != "present":
                    rows.append({"attribute": attr, "group": label, "entry": e,
                                 "features": feats, "calibration": calib,
                                 "intersection": source == "by_intersection"})
    items = list((dr.get("features") or {}).items())
    feature_labels = dict(psi.get("features") or {})
    if (dr.get("score") or {}).get("psi") is not None:
        items.append(("score", dr["score"]))
        feature_labels["score"] = psi.get("score")
    # Largest PSI first; a feature with no PSI (no rows on one side) last, in its order.
    items.sort(key=lambda kv: -kv[1]["psi"] if kv[1].get("psi") is not None else math.inf)
    mix_rows: dict[str, list[tuple[str, Any, str | None]]] = {}
    for attr, mix in (dr.get("group_mix") or {}).items():
        tagged = [(label, g, FOCUS.get(share_v.get((attr, label), "")))
                  for label, g in mix["groups"].items()]
        moved = [t for t in tagged if t[2]]
        # The groups whose share the judge found moved or undecided, largest change first;
        # when none, the group whose share changed most.
        moved.sort(key=lambda t: -abs(math.log((t[1].get("share_change") or {})
                                               .get("value") or 1e-12)))
        biggest = [t for t in tagged if t[1]["difference"].get("value") is not None]
        top = max(biggest, key=lambda t: abs(t[1]["difference"]["value"]), default=None)
        mix_rows[attr] = moved or ([top] if top else [])
    # The interval that decided each group's share verdict (adjusted over the criterion).
    share_ci = {(str(g.get("attribute")), str(g.get("group"))): g.get("adjusted_ci") or g.get("ci")
                for g in ((shares_c or {}).get("evidence") or {}).get("groups") or []}
    cit = [{"label": f"{r['attribute']}: {r['group']}",
            "value": r["entry"]["calibration_in_the_large"]["difference"]["value"],
            "ci": r["entry"]["calibration_in_the_large"]["difference"].get("ci"),
            "verdict": citl_v.get((r["attribute"], r["group"]))}
           for r in rows
           if ((r["entry"].get("calibration_in_the_large") or {}).get("difference") or {})
           .get("value") is not None]
    # The groups whose share of missing values the judge highlighted (standard/shifts.py).
    flagged = {(m["attribute"], m["group"], m["feature"]) for m in psi.get("missingness") or []}
    missing = [(attr, group, f, s)
               for attr, m in (dr.get("missingness") or {}).items()
               for group, cols in m.get("groups", {}).items() for f, s in cols.items()
               if (attr, group, f) in flagged]
    if psi.get("alpha") is not None:
        alpha = psi["alpha"]
    return {"rows": rows, "alpha": alpha, "features": items, "labels": feature_labels,
            "psi": psi, "mix_rows": mix_rows, "share_verdicts": share_v,
            "share_intervals": share_ci,
            "shares": shares_c, "calibration": citl_c,
            "citl_margin": _threshold(citl_c), "citl_chart": cit, "missing": missing,
            "moved_features": [f for f, _ in items if feature_labels.get(f) == "beyond"],
            "moved_shares": [(attr, label, g) for attr, rows_ in mix_rows.items()
                             for label, g, tag in rows_ if tag == "not met"]}


#: Error rates shown in the over-time chart, in this order, when they were measured.
ERROR_RATES = ("false_positive_rate", "false_negative_rate", "true_positive_rate")


def over_time_panels(ot: Mapping[str, Any], attr: str) -> list[tuple[str, Any]]:
    """The series of each error rate's gap for one attribute (``gap_panels_chart`` input).

    True positive rate is shown only when false negative rate was not measured (its gap is
    the negative of the false negative rate's).  Without outcomes, the selection rate.
    """
    from .html import METRIC_LABELS

    measured = list(ot.get("metrics") or [])
    names = [m for m in ERROR_RATES if m in measured]
    if "false_negative_rate" in names and "true_positive_rate" in names:
        names.remove("true_positive_rate")
    if not names:
        names = [m for m in ("selection_rate",) if m in measured] or measured[:1]
    trend = ot["trends"][attr]
    ref = trend["reference_group"]
    panels = []
    for m in names:
        series: dict[str, list[float | None]] = {}
        for group in trend["groups"]:
            values: list[float | None] = []
            for w in ot["windows"]:
                blk = w["attributes"][attr]["groups"]
                g, r = blk.get(group), blk.get(ref)
                ok = g and r and not g["small"] and not r["small"]
                values.append(g["disparities"][m]["difference"]["value"] if ok else None)
            if any(v is not None for v in values):
                series[group] = values
        panels.append((METRIC_LABELS.get(m, m), series))
    return panels


def register(env: Any) -> None:
    """Expose the chart and view functions to templates (``render.html.environment``)."""
    env.globals.update(reliability_chart=reliability_chart, shift_chart=shift_chart,
                       gap_panels_chart=gap_panels_chart, calibration_view=calibration_view,
                       drift_view=drift_view, over_time_panels=over_time_panels)
