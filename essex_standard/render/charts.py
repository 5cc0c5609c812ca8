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
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH = 640
LABEL_H = 15
BAR_H = 14
ROW_GAP = 9
LEFT = 4
RIGHT = 120
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


def element_id(text: str) -> str:
    """An SVG/HTML id made from any text (an attribute's name may hold quotes or markup).

    >>> element_id('tc-1-x" onmouseover="alert(1)')
    'tc-1-x--onmouseover--alert-1-'
    """
    return re.sub(r"[^A-Za-z0-9_-]", "-", text)


def _fmt(value: float, scale: float, unit: str) -> str:
    shown = value * scale
    return f"{shown:.0f}{unit}" if scale >= 100 else f"{shown:.3f}"


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
    width: int = WIDTH,
) -> Markup:
    """A horizontal bar chart with optional interval whiskers, as accessible inline SVG.

    >>> svg = bar_chart("x", "Flagged", "Two groups", [Bar("A", 0.2), Bar("B", None)])
    >>> svg.startswith('<svg') and 'role="img"' in svg and "<title" in svg
    True
    """
    plot_w = width - LEFT - RIGHT
    row_h = LABEL_H + BAR_H + ROW_GAP
    top = 8
    height = top + row_h * len(bars) + 30
    chart_id = element_id(chart_id)
    tid, did = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{tid} {did}" '
        f'viewBox="0 0 {width} {height}" width="100%" class="chart" '
        f'preserveAspectRatio="xMinYMin meet">',
        f'<title id="{tid}">{escape(title)}</title>',
        f'<desc id="{did}">{escape(description)}</desc>',
    ]
    # Light vertical gridlines at 0, 25, 50, 75, 100 (% of the scale), only beside the bars
    # so that they never cross a label: one path for all of them (one element, not 5 per bar,
    # which matters to the PDF renderer).
    grid = "".join(
        f"M{LEFT + plot_w * i / 4:.1f} {top + r * row_h + LABEL_H - 1}v{BAR_H + 2}"
        for i in range(5) for r in range(len(bars))
    )
    parts.append(f'<path d="{grid}" stroke="#b1b4b6" stroke-width="0.6" fill="none"/>')
    for i in range(5):
        x = LEFT + plot_w * i / 4
        tick = _fmt(i / 4, scale, unit)
        anchor = "start" if i == 0 else "middle"  # centred on x = LEFT, "0%" was cut in half
        parts.append(
            f'<text x="{x:.1f}" y="{height - 13}" font-size="10" fill="#505a5f" '
            f'text-anchor="{anchor}">{tick}</text>'
        )
    if axis_label:
        parts.append(
            f'<text x="{LEFT + plot_w / 2:.1f}" y="{height - 1}" font-size="10" fill="#505a5f" '
            f'text-anchor="middle">{escape(axis_label)}</text>'
        )
    for i, bar in enumerate(bars):
        y = top + i * row_h
        label = bar.label + (f" ({bar.note})" if bar.note else "")
        weight = ' font-weight="bold"' if bar.emphasis else ""
        parts.append(
            f'<text x="{LEFT}" y="{y + LABEL_H - 3}" font-size="11.5" fill="#0b0c0c"{weight}>'
            f"{escape(label)}</text>"
        )
        by = y + LABEL_H
        if bar.value is None:
            parts.append(
                f'<text x="{LEFT}" y="{by + BAR_H - 3}" font-size="11" fill="#505a5f">'
                f"{escape(missing_text)}</text>"
            )
            continue
        w = max(0.0, min(1.0, bar.value)) * plot_w
        fill = "#1d4f91" if not bar.emphasis else "#0b0c0c"
        parts.append(
            f'<rect x="{LEFT}" y="{by}" width="{w:.1f}" height="{BAR_H}" fill="{fill}"/>'
        )
        end = LEFT + w
        if bar.ci:
            lo = LEFT + max(0.0, min(1.0, bar.ci[0])) * plot_w
            hi = LEFT + max(0.0, min(1.0, bar.ci[1])) * plot_w
            mid = by + BAR_H / 2
            parts.append(
                f'<path d="M{lo:.1f} {mid:.1f}H{hi:.1f}M{lo:.1f} {mid - 4:.1f}V{mid + 4:.1f}'
                f'M{hi:.1f} {mid - 4:.1f}V{mid + 4:.1f}" stroke="#f47738" stroke-width="2" '
                'fill="none"/>'
            )
            end = max(end, hi)
        parts.append(
            f'<text x="{end + 5:.1f}" y="{by + BAR_H - 3}" font-size="11" fill="#0b0c0c">'
            f"{_fmt(bar.value, scale, unit)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


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
