"""Findings a reader can check: each names the group, the direction, both figures and how sure;
"In short" names the worse-off groups and the judge's worst gaps with their figures; a group
flagged less is never listed as if worse off."""

from __future__ import annotations

import html as htmllib
import re

import pytest

from essex_standard.render.facts import PublicFacts, per100, words
from essex_standard.render.findings import public_findings
from essex_standard.render.in_short import and_list, headlines, worse_off
from essex_standard.render.public import render_public_html
from essex_standard.standard.findings import HIGHER_IS_WORSE


def visible(page: str) -> str:
    page = re.sub(r"<(style|svg)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture(scope="module")
def compas(compas_result):
    doc = compas_result.doc
    found = public_findings(doc, PublicFacts(doc), words(doc.get("model") or {}))
    return doc, found, visible(render_public_html(compas_result))


def in_short(text: str) -> str:
    start = text.index("What we found.")
    return text[start:text.index("The Essex Standard.", start)]


def test_in_short_names_the_worse_off_groups_and_the_worst_gaps(compas):
    doc, found, text = compas
    short = in_short(text)
    assert found["not_met"]
    for entry in worse_off(doc, found["not_met"]):
        assert entry["text"] in short
        named = {str(f["worse"]) for f in found["not_met"] if f["attribute"] == entry["attribute"]}
        assert set(entry["groups"]) == named
    tops = headlines(found["not_met"])
    assert tops, "the judge marks a worst gap in each criterion not met"
    criteria = {f["criterion"] for f in found["not_met"]}
    assert {f["criterion"] for f in tops} <= criteria
    for f in tops:  # the worse-off group with both its figures
        assert re.search(rf"{re.escape(str(f['worse']))} \([^)]*\)\s?: of every 100 [^.]*"
                         rf"{f['worse_value']} were {re.escape(f['what'])}\s?\. For "
                         rf"{re.escape(str(f['other']))} it was {f['other_value']}\s?\.",
                         short), f


def test_a_gap_beyond_the_limit_names_the_worse_off_group_first(compas):
    _doc, found, _ = compas
    for f in found["not_met"]:
        if f["metric"] in HIGHER_IS_WORSE and f["worse_value"] is not None:
            assert f["worse_value"] >= f["other_value"], f  # never a group treated better


def test_an_undecided_gap_says_which_way_it_goes(compas):
    _doc, found, text = compas
    items = [(g, f) for g in found["undecided"] for f in g["items"]]
    assert any(f["against_reference"] for _, f in items), "COMPAS has gaps that favour a group"
    for g, f in items:
        if f["group_value"] != f["reference_value"]:  # "more often" only when it is more
            assert f["more"] == (f["group_value"] > f["reference_value"]), (g["group"], f)
        line = (f"{f['what']} {'more' if f['more'] else 'less'} often: {f['group_value']} "
                f"against {f['reference_value']} in 100 for {g['reference']} (")
        assert line in text
        tail = text[text.index(line) + len(line):]
        # How sure, and against whom: never a bare pair of figures.
        against = f"the gap counts against {g['reference']}: "
        assert tail.startswith(against) == f["against_reference"], (g["group"], f)
        assert tail.removeprefix(against).startswith("the gap could be")
        if f["metric"] in HIGHER_IS_WORSE:  # the worse off is the one with more errors
            assert f["against_reference"] == (not f["more"])


def test_a_rate_where_higher_is_better_turns_the_right_way():
    from essex_standard.render.findings import oriented

    # Positive predictive value 0.51 in Female against 0.64 in Male: Female is worse off, and
    # the gap against Female (ref − group) is the difference's negative.
    f = {"group": "Female", "reference_group": "Male", "worse_off": "Female",
         "worse_is_higher": False, "statistic": "difference", "group_value": 0.51,
         "reference_value": 0.64, "value": -0.13, "interval": [-0.2, -0.06]}
    g = oriented(f)
    assert (g["worse"], g["worse_value"], g["other_value"]) == ("Female", 0.51, 0.64)
    assert g["low"] == pytest.approx(0.06) and g["high"] == pytest.approx(0.2)


def test_the_figures_are_the_judges(compas):
    doc, found, _ = compas
    by_key = {}
    for c in doc["standard"]["criteria"]:
        for f in (c.get("evidence") or {}).get("findings") or []:
            by_key[(c["id"], f["attribute"], f["group"], f["metric"])] = f
    for f in found["not_met"]:
        judge = next(v for (cid, a, g, m), v in by_key.items()
                     if cid == f["criterion"] and a == f["attribute"] and m == f["metric"]
                     and {g, v["reference_group"]} == {f["worse"], f["other"]})
        assert judge["sure"] == "not met"
        values = {per100(judge["group_value"]), per100(judge["reference_value"])}
        if f["worse_value"] is not None:
            assert {f["worse_value"], f["other_value"]} == values


def test_and_list_reads_like_english():
    assert and_list(["a", "b", "c"]) == "a, b and c"


@pytest.mark.slow
def test_setting_a_limit_the_standard_leaves_open_is_not_changing_it(csc_result):
    text = visible(render_public_html(csc_result))
    start = text.index("What we found.")
    short = text[start:text.index("What the model is for", start)]
    # The example's config declares R1's threshold, which the Standard leaves to the owner.
    assert "We set one limit that the Standard leaves to us" in short
    assert "changed" not in short
