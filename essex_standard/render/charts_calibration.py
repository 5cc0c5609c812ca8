"""Charts for calibration, drift and fairness over time, as accessible inline SVG.

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
ACCENT, ORANGE, RED = "#1d4f91", "#f47738", "#b10e1e"
#: Distinguishable on white and for common colour-vision deficiencies (Okabe–Ito).
SERIES = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")


def _open(chart_id: str, width: float, height: float, title: str, desc: str) -> list[str]:
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
    left, pad, right = 34, 8, 14  # room for the last x tick label on the right
    w = h = size - left - right
    height = size - 2

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
        parts.append(_text(left - 4, sy(v) + 3, f"{v:.2f}", 8.5, "end"))
        parts.append(_text(sx(v), pad + h + 11, f"{v:.2f}", 8.5, "middle"))
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
    parts.append(_text(left + 4, pad + 10, group[:34], 9.5, fill=INK, weight="bold"))
    parts.append("</svg>")
    return Markup("".join(parts))


# --------------------------------------------------------------------------- drift


def psi_chart(chart_id: str, title: str, items: Sequence[tuple[str, float | None]],
              moderate: float, major: float, width: int = 640) -> Markup:
    """Horizontal PSI bars with the moderate and major thresholds marked and values printed.

    >>> "moderate" in psi_chart("p", "PSI", [("age", 0.02), ("x", None)], 0.1, 0.25)
    True
    """
    label_w, right, row = 170, 70, 20
    top = 22
    height = top + row * len(items) + 24
    scale_max = max([v for _, v in items if v is not None] + [major * 1.3])
    plot = width - label_w - right

    def sx(v: float) -> float:
        return label_w + min(v, scale_max) / scale_max * plot

    above = [name for name, v in items if v is not None and v >= moderate]
    desc = (f"Population stability index per item, reference versus audited data. "
            f"Thresholds: {moderate:g} (moderate) and {major:g} (major). "
            + (f"At or above the moderate threshold: {', '.join(above)}." if above
               else "No item reaches the moderate threshold."))
    parts = _open(chart_id, width, height, title, desc)
    for value, name, colour in ((moderate, "moderate", ORANGE), (major, "major", RED)):
        x = sx(value)
        parts.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 20}" '
                     f'stroke="{colour}" stroke-dasharray="3 3"/>')
        parts.append(_text(x, top - 9, f"{name} {value:g}", 9, "middle", colour))
    for i, (name, value) in enumerate(items):
        y = top + i * row
        parts.append(_text(label_w - 6, y + 12, name[:28], 10, "end", INK))
        if value is None:
            parts.append(_text(label_w + 4, y + 12, "not measured", 9.5))
            continue
        colour = RED if value >= major else ORANGE if value >= moderate else ACCENT
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{max(sx(value) - label_w, 1):.1f}" '
                     f'height="12" fill="{colour}"/>')
        parts.append(_text(sx(value) + 4, y + 13, f"{value:.3f}", 9.5, fill=INK))
    parts.append(_text(label_w + plot / 2, height - 4, "population stability index", 9, "middle"))
    parts.append("</svg>")
    return Markup("".join(parts))


# --------------------------------------------------------------------------- over time


def gap_series_chart(chart_id: str, attribute: str, metric_label: str, windows: Sequence[str],
                     series: Mapping[str, Sequence[float | None]], width: int = 420) -> Markup:
    """Each group's difference from the reference group per window (0 = no gap).

    ``series`` maps a group to one value per window (``None``: too few people, not drawn).

    >>> svg = gap_series_chart("g", "sex", "Selection rate", ["Q1", "Q2"], {"F": [0.01, 0.02]})
    >>> "Selection rate" in svg
    True
    """
    left, right, top, bottom = 44, 110, 14, 34
    height = 200
    plot_w, plot_h = width - left - right, height - top - bottom
    vals = [v for s in series.values() for v in s if v is not None]
    biggest = max([abs(v) for v in vals] + [0.01])
    span = next((s for s in (0.02, 0.04, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8) if biggest <= s), 1.0)
    n = max(len(windows), 1)

    def sx(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def sy(v: float) -> float:
        return top + plot_h / 2 - v / span * plot_h / 2

    desc = (f"{metric_label}: difference between each {attribute} group and the reference group "
            f"in each of {len(windows)} windows, from {windows[0] if windows else '-'} to "
            f"{windows[-1] if windows else '-'}. Windows with too few people are not drawn. "
            "The table below gives every value with its interval.")
    parts = _open(chart_id, width, height, f"{attribute}: {metric_label} gap over time", desc)
    for v in (-span, -span / 2, 0.0, span / 2, span):
        stroke = INK if v == 0 else RULE
        parts.append(f'<line x1="{left}" y1="{sy(v):.1f}" x2="{left + plot_w}" y2="{sy(v):.1f}" '
                     f'stroke="{stroke}" stroke-width="{0.9 if v == 0 else 0.5}"/>')
        parts.append(_text(left - 4, sy(v) + 3, f"{v:+.2f}", 8.5, "end"))
    step = max(1, math.ceil(n / 6))
    for i in range(0, n, step):
        parts.append(_text(sx(i), height - bottom + 13, windows[i], 8.5, "middle"))
    parts.append(_text(left + plot_w / 2, height - 4, f"window ({metric_label} difference)", 9,
                       "middle"))
    ends: list[tuple[float, float, str, str]] = []
    for k, (group, values) in enumerate(series.items()):
        colour = SERIES[k % len(SERIES)]
        pts = [(sx(i), sy(v)) for i, v in enumerate(values) if v is not None]
        if len(pts) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                         'stroke-width="1.4"/>')
        for x, y in pts:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.4" fill="{colour}"/>')
        if pts:
            ends.append((*pts[-1], group, colour))
    parts += _end_labels(ends, left + plot_w)
    parts.append("</svg>")
    return Markup("".join(parts))


def _end_labels(ends: list[tuple[float, float, str, str]], x_max: float) -> list[str]:
    """Name each line at the right edge, nudged apart so that no two labels overlap."""
    out, last_y = [], -1e9
    for _, y, group, colour in sorted(ends, key=lambda e: e[1]):
        y = max(y + 3, last_y + 10)
        last_y = y
        out.append(_text(x_max + 6, y, group[:20], 8.5, fill=colour))
    return out


def register(env: Any) -> None:
    """Expose the chart functions to templates (called by ``render.html.environment``)."""
    env.globals.update(reliability_chart=reliability_chart, psi_chart=psi_chart,
                       gap_series_chart=gap_series_chart)
