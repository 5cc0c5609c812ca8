"""Charts as inline SVG, written directly rather than through matplotlib.

Why not matplotlib: a hand-written SVG is a few hundred bytes, byte-for-byte deterministic,
keeps its text as real (selectable, searchable) text, renders the same in browsers and in
WeasyPrint, and lets us give every chart ``role="img"`` with a ``<title>`` and ``<desc>`` so
screen readers announce it.  Every chart sits next to a table with the same numbers, and
colour is never the only signal: values are printed beside each bar and the comparison group
is named in words.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

#: Drawn 400 units wide: the public page shows it at 400 px at most and about 360 px on a
#: 390 px phone, so 12-unit text is never below 9 px on screen; a third of an A4 landscape
#: page (the technical PDF) keeps it near 7 pt.
WIDTH = 400
FONT = 12
LABEL_H = 16
BAR_H = 14
ROW_GAP = 9
LEFT = 4
RIGHT = 44
#: Colours, each at least 3:1 against what it touches (WCAG 1.4.11): bars 8.1:1 on white; the
#: comparison group's bar near-black; the likely-range line dark orange (4.8:1 on white) drawn
#: over a white halo so that it stands out on a bar too; gridlines pale, drawn under labels.
BAR = "#1d4f91"
REFERENCE_BAR = "#0b0c0c"
RANGE = "#b35900"
GRID = "#b1b4b6"
MUTED = "#505a5f"
#: The technical report's charts are narrower in user units, so that printed two to a row (40%
#: of an A4 landscape line) their smallest text is 7.4 pt (at 640 units, three to a row, it was
#: 4 pt), and on screen, 30rem wide, 11 px.
TECHNICAL_WIDTH = 420


@dataclass
class Bar:
    """One row of a chart: a label, a value in [0, 1] (None: hidden or undefined) and note."""

    label: str
    value: float | None
    ci: Sequence[float] | None = None
    note: str = ""
    emphasis: bool = False
    missing: str | None = None  # what to write when value is None (else the chart's default)


def element_id(text: str) -> str:
    """An SVG/HTML id made from any text (an attribute's name may hold quotes or markup).

    >>> element_id('tc-1-x" onmouseover="alert(1)')
    'tc-1-x--onmouseover--alert-1-'
    """
    return re.sub(r"[^A-Za-z0-9_-]", "-", text)


def _fmt(value: float, scale: float, unit: str) -> str:
    shown = value * scale
    return f"{shown:.0f}{unit}" if scale >= 100 else f"{shown:.3f}"


def text_width(text: str, size: float = FONT) -> float:
    """A generous estimate of a label's width (DejaVu Sans averages ~0.6 em a character), used
    to keep gridlines from crossing value labels.

    >>> text_width("78") > 2 * 0.55 * FONT
    True
    """
    return 0.62 * size * len(text)


def _label_span(bar: Bar, plot_w: float, scale: float, unit: str, missing_text: str
                ) -> tuple[float, float]:
    """Where a bar's value label (or its missing-value text) runs, left to right."""
    if bar.value is None:
        return LEFT, LEFT + text_width(bar.missing or missing_text)
    end = LEFT + max(0.0, min(1.0, bar.value)) * plot_w
    if bar.ci:
        end = max(end, LEFT + max(0.0, min(1.0, bar.ci[1])) * plot_w + 1)
    return end + 5, end + 5 + text_width(_fmt(bar.value, scale, unit))


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[Bar],
    *,
    scale: float = 100,
    unit: str = "",
    axis_label: str = "",
    missing_text: str = "c",
    labelledby: str | None = None,
    width: int = WIDTH,
) -> Markup:
    """A horizontal bar chart with optional interval whiskers, as accessible inline SVG.

    ``labelledby`` names the id of a visible title outside the SVG (the public report prints
    the chart's message above it); the SVG then carries no ``<title>`` of its own.

    >>> svg = bar_chart("x", "Flagged", "Two groups", [Bar("A", 0.2), Bar("B", None)])
    >>> svg.startswith('<svg') and 'role="img"' in svg and "<title" in svg
    True
    >>> 'aria-labelledby="t x-desc"' in bar_chart("x", "", "d", [Bar("A", .2)], labelledby="t")
    True
    """
    plot_w = width - LEFT - RIGHT
    row_h = LABEL_H + BAR_H + ROW_GAP
    top = 4
    # The axis label wraps rather than running off the chart's right edge.
    axis_lines = textwrap.wrap(axis_label, int((width - LEFT) / text_width("x"))) \
        if axis_label else []
    axis_h = 20 + 16 * len(axis_lines)
    height = top + row_h * len(bars) + axis_h
    chart_id = element_id(chart_id)
    tid, did = labelledby or f"{chart_id}-title", f"{chart_id}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{tid} {did}" '
        f'viewBox="0 0 {width} {height}" width="100%" class="chart" '
        f'preserveAspectRatio="xMinYMin meet" font-family="DejaVu Sans, Arial, sans-serif">',
        "" if labelledby else f'<title id="{tid}">{escape(title)}</title>',
        f'<desc id="{did}">{escape(description)}</desc>',
    ]
    # Light vertical gridlines at 0, 25, 50, 75, 100 (% of the scale), only beside the bars
    # so that they never cross a group's name, and left out where a value label sits.
    base = top + row_h * len(bars)
    # One path for all of them: one element, not five per bar, which matters to the PDF
    # renderer.
    spans = [_label_span(bar, plot_w, scale, unit, missing_text) for bar in bars]
    grid = "".join(
        f"M{LEFT + plot_w * i / 4:.1f} {top + r * row_h + LABEL_H - 1}v{BAR_H + 2}"
        for i in range(5) for r in range(len(bars))
        if not spans[r][0] - 2 <= LEFT + plot_w * i / 4 <= spans[r][1] + 2
    )
    if grid:
        parts.append(f'<path d="{grid}" stroke="{GRID}" stroke-width="0.8" fill="none"/>')
    for i in range(5):
        x = LEFT + plot_w * i / 4
        tick = _fmt(i / 4, scale, unit)
        anchor = "start" if i == 0 else "end" if i == 4 else "middle"
        parts.append(
            f'<text x="{x:.1f}" y="{base + 12}" font-size="{FONT}" fill="{MUTED}" '
            f'text-anchor="{anchor}">{tick}</text>'
        )
    for k, line in enumerate(axis_lines):
        parts.append(
            f'<text x="{LEFT}" y="{base + 29 + 16 * k}" font-size="{FONT}" fill="{MUTED}">'
            f"{escape(line)}</text>"
        )
    for i, bar in enumerate(bars):
        y = top + i * row_h
        label = bar.label + (f" ({bar.note})" if bar.note else "")
        weight = ' font-weight="bold"' if bar.emphasis else ""
        parts.append(
            f'<text x="{LEFT}" y="{y + LABEL_H - 4}" font-size="{FONT}" fill="#0b0c0c"{weight}>'
            f"{escape(label)}</text>"
        )
        by = y + LABEL_H
        if bar.value is None:
            parts.append(
                f'<text x="{LEFT}" y="{by + BAR_H - 2}" font-size="{FONT}" fill="{MUTED}">'
                f"{escape(bar.missing or missing_text)}</text>"
            )
            continue
        w = max(0.0, min(1.0, bar.value)) * plot_w
        fill = REFERENCE_BAR if bar.emphasis else BAR
        parts.append(
            f'<rect x="{LEFT}" y="{by}" width="{w:.1f}" height="{BAR_H}" fill="{fill}"/>'
        )
        if bar.ci:
            lo = LEFT + max(0.0, min(1.0, bar.ci[0])) * plot_w
            hi = LEFT + max(0.0, min(1.0, bar.ci[1])) * plot_w
            mid = by + BAR_H / 2
            d = (f"M{lo:.1f} {mid:.1f}H{hi:.1f}M{lo:.1f} {mid - 5:.1f}V{mid + 5:.1f}"
                 f"M{hi:.1f} {mid - 5:.1f}V{mid + 5:.1f}")
            parts.append(
                f'<path d="{d}" stroke="#fff" stroke-width="5" fill="none"/>'
                f'<path d="{d}" stroke="{RANGE}" stroke-width="2" fill="none"/>'
            )
        x0 = _label_span(bar, plot_w, scale, unit, missing_text)[0]
        parts.append(
            f'<text x="{x0:.1f}" y="{by + BAR_H - 2}" font-size="{FONT}" fill="#0b0c0c">'
            f"{_fmt(bar.value, scale, unit)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def swatch(kind: str) -> Markup:
    """A small picture of one mark of the charts, for a visible key beside them (hidden from
    screen readers: the key's words say the same).  Drawn with CSS (``.swatch`` in both
    reports' style sheets), not SVG, so that the tagged PDF treats it as decoration rather than
    a figure without alternate text.

    >>> str(swatch("range"))
    '<span class="swatch swatch-range" aria-hidden="true"></span>'
    """
    kind = kind if kind in ("bar", "reference", "range") else "bar"
    return Markup(f'<span class="swatch swatch-{kind}" aria-hidden="true"></span>')


def rate_chart(attr: str, section, metric: str, chart_id: str) -> Markup:
    """A technical-report chart of one metric for every group of an attribute (no suppression)."""
    from .html import METRIC_LABELS

    label = METRIC_LABELS.get(metric, metric)
    bars, said = [], []
    for group, entry in section["groups"].items():
        m = entry["metrics"].get(metric, {})
        ref = group == section["reference_group"]
        bars.append(Bar(group, m.get("value"), m.get("ci"), note="reference" if ref else "",
                        emphasis=ref))
        v, ci = m.get("value"), m.get("ci")
        if v is None:
            said.append(f"{group}: undefined")
        elif ci and None not in ci:
            said.append(f"{group}: {100 * v:.1f}% (95% interval {100 * ci[0]:.1f}% to "
                        f"{100 * ci[1]:.1f}%)")
        else:
            said.append(f"{group}: {100 * v:.1f}%")
    return bar_chart(
        chart_id,
        f"{attr}: {label} by group",
        "Bar chart. " + "; ".join(said) + ".",
        bars,
        unit="%",
        axis_label=f"{label} (%)",
        missing_text="undefined",
        width=TECHNICAL_WIDTH,
    )
