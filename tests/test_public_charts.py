"""The public report's charts: each plots the measure its finding is about, with the figures
of the table, a title stating the finding, a visible key, and marks and text that can be seen
(non-text contrast >= 3:1, text >= 9 px on a phone, gridlines off the value labels)."""

from __future__ import annotations

import re

import pytest

from essex_standard.render.charts import GRID, RANGE, WIDTH, Bar, bar_chart, text_width
from essex_standard.render.facts import PublicFacts, per100, words
from essex_standard.render.findings import judged_findings
from essex_standard.render.html import environment
from essex_standard.render.public import public_context, render_public_html
from essex_standard.render.public_charts import _statements, attribute_charts


def _luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance, written out from the definition."""
    channels = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_reference_values():
    # WCAG's own examples: black on white 21:1; GOV.UK orange #f47738 was 2.78:1 (too low).
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#f47738", "#ffffff") == pytest.approx(2.78, abs=0.01)


def test_every_mark_has_3_to_1_contrast_with_what_it_touches():
    svg = str(bar_chart("c", "t", "d", [Bar("A", 0.4, (0.3, 0.5)), Bar("B", 0.2, (0.1, 0.3),
                                                                    emphasis=True)]))
    fills = set(re.findall(r'fill="(#[0-9a-f]{6})"', svg)) - {"#fff"}
    strokes = set(re.findall(r'stroke="(#[0-9a-f]{6})"', svg)) - {"#fff", GRID}
    for colour in fills | strokes:
        assert contrast(colour, "#ffffff") >= 3, colour
    # The range line sits on a white halo (stroke-width 5 under 2), so it is 3:1 on any bar.
    assert 'stroke="#fff" stroke-width="5"' in svg and f'stroke="{RANGE}" stroke-width="2"' in svg
    assert contrast(RANGE, "#ffffff") >= 3


def test_chart_text_is_at_least_9_px_on_a_390_px_phone():
    svg = str(bar_chart("c", "t", "d", [Bar("A", 0.4)], axis_label="axis"))
    sizes = [float(s) for s in re.findall(r'font-size="([0-9.]+)"', svg)]
    # A 390 px screen less the page's 1rem margins shows the chart 358 px wide.
    assert sizes and min(sizes) * 358 / WIDTH >= 9


@pytest.mark.parametrize("value, ci", [(0.49, (0.45, 0.53)), (0.2, None), (0.25, (0.2, 0.26)),
                                       (0.0, None), (1.0, (0.97, 1.0)), (None, None)])
def test_gridlines_never_cross_a_value_label(value, ci):
    svg = str(bar_chart("c", "t", "d", [Bar("A", value, ci)]))
    labels = re.findall(r'<text x="([0-9.]+)" y="([0-9.]+)"[^>]*>([^<]+)</text>', svg)
    # The gridlines are one path of "M x y v h" segments (charts.py).
    grid = re.search(r'<path d="([^"]+)" stroke="#b1b4b6"', svg)
    assert grid
    lines = [(float(x), float(y), float(y) + float(h)) for x, y, h in
             re.findall(r'M([0-9.]+) ([0-9.]+)v([0-9.]+)', grid.group(1))]
    assert lines
    for x, y, text in labels:
        x0, x1 = float(x), float(x) + text_width(text)
        for lx, y1, y2 in lines:
            crosses = x0 - 1 <= lx <= x1 + 1 and y1 <= float(y) <= y2 + 12
            assert not crosses, (text, lx)


def test_statements_merge_groups_worse_off_than_the_same_groups():
    fs = [{"worse": "0-4", "other": "10-15"}, {"worse": "(missing)", "other": "10-15"}]
    assert _statements(fs) == [{"worse": ["0-4", "not recorded"], "others": ["10-15"]}]


@pytest.mark.slow
def test_each_chart_plots_the_measure_of_its_findings(csc_result):
    doc = csc_result.doc
    facts = PublicFacts(doc)
    w = words(doc["model"])
    findings = judged_findings(doc)
    for idx, attr in enumerate(a for a, s in doc["fairness"].items()
                               if s.get("kind") != "intersection"):
        charts = attribute_charts(facts, attr, idx, w)
        named = list(dict.fromkeys(f["metric"] for f in findings if f["attribute"] == attr))
        if named:
            assert [c["metric"] for c in charts] == named, attr
        for c in charts:
            bars = re.findall(r'<rect x="4" y="[0-9.]+" width="([0-9.]+)"', str(c["svg"]))
            shown = [facts.metric(attr, g, c["metric"]) for g in doc["fairness"][attr]["groups"]]
            assert len(bars) == sum(f.value is not None for f in shown)
            for f in shown:
                if f.value is not None:
                    assert f">{per100(f.value)}</text>" in str(c["svg"])
    age = attribute_charts(facts, "age_band", 2, w)
    missed = next(c for c in age if c["metric"] == "false_negative_rate")
    assert missed["sure"] == "not met"
    assert {"worse": ["0-4", "16-17"], "others": ["10-15"]} in missed["statements"]


@pytest.mark.slow
def test_public_report_titles_and_keys_the_charts(csc_result):
    html = render_public_html(csc_result)
    assert "Age band: 0-4 and 16-17 missed more often than 10-15" in html
    assert html.count('<ul class="chart-key">') == sum(
        len(a["charts"]) for a in public_context(csc_result)["attributes"])
    assert "Likely range: we are 95% sure the true figure is in it" in html
    # Each chart is named by its visible title.
    for title_id in re.findall(r'<figcaption class="chart-title" id="([^"]+)"', html):
        assert f'aria-labelledby="{title_id} ' in html
    # Age bands in natural order in the table.
    rows = [html.find(f'<th scope="row">{g}') for g in ("0-4", "5-9", "10-15", "16-17")]
    assert -1 not in rows and rows == sorted(rows)


def test_capitalize_keeps_the_rest_as_typed():
    env = environment()
    out = env.from_string("{{ a | capitalize }}|{{ b | capitalize }}").render(
        a="nHS trust", b="$50K or more")
    assert out == "NHS trust|$50K or more"


def test_no_chart_text_runs_past_the_right_edge():
    axis = "wrongly flagged, of every 100 people who did not have the outcome the model predicts"
    svg = str(bar_chart("c", "t", "d", [Bar("A long group name", 1.0, (0.9, 1.0))],
                        axis_label=axis))
    texts = re.findall(r'<text x="([0-9.]+)"[^>]*text-anchor="(\w+)"[^>]*>([^<]+)</text>|'
                       r'<text x="([0-9.]+)"[^>]*>([^<]+)</text>', svg)
    for x_anchor, anchor, t_anchor, x_plain, t_plain in texts:
        if anchor == "end":
            assert float(x_anchor) <= WIDTH
            continue
        x, text = (x_anchor, t_anchor) if x_anchor else (x_plain, t_plain)
        width = text_width(text) / (2 if anchor == "middle" else 1)
        assert float(x) + width <= WIDTH, text
    assert axis in " ".join(re.findall(r">([^<]+)</text>", svg))  # wrapped, not cut


@pytest.mark.slow
def test_without_the_standard_a_chart_claims_no_finding(csc_result):
    from essex_standard.result import AuditResult

    doc = {k: v for k, v in csc_result.doc.items() if k != "standard"}
    html = render_public_html(AuditResult(doc))
    titles = re.findall(r'<figcaption class="chart-title" id="[^"]+">([^<]+)', html)
    assert titles and all(t.endswith("wrongly flagged, by group") for t in titles), titles
