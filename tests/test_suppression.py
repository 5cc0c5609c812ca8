"""Minimum-loss complementary suppression: what it hides, why, and that it stays safe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from essex_standard import privacy
from essex_standard.disclosure_check import Attack
from essex_standard.privacy import plan_disclosure
from essex_standard.suppression import build_table, cost, plan_suppression

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ["childrens-social-care", "childrens-social-care-later", "compas"]
SETTINGS = {"min_cell": 10, "suppress_zero": True}


def _doc(name: str) -> dict:
    return json.loads((ROOT / "docs" / "examples" / name / "results.json").read_text())


def _group(n: int, flagged: int, positives: int, tp: int) -> dict:
    fp = flagged - tp
    return {"n": n, "metrics": {
        "selection_rate": {"numerator": flagged}, "base_rate": {"numerator": positives},
        "true_positive_rate": {"numerator": tp}, "false_positive_rate": {"numerator": fp}}}


def _attribute(groups: dict[str, dict]) -> dict:
    def total(key: str) -> int:
        return sum(g["metrics"][key]["numerator"] for g in groups.values())

    n = sum(g["n"] for g in groups.values())
    overall = _group(n, total("selection_rate"), total("base_rate"),
                     total("true_positive_rate"))
    return {"overall": overall, "fairness": {"eth": {
        "kind": "attribute", "columns": ["eth"], "groups": groups, "reference_group": "A"}}}


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.slow
def test_no_large_group_is_hidden_in_full_in_the_bundled_examples(name):
    doc = _doc(name)
    d = plan_disclosure(doc)
    full = [(a, g, doc["fairness"][a]["groups"][g]["n"])
            for a, groups in d.status.items() for g in groups if d.row_hidden(a, g)]
    assert full, "the examples have small groups, hidden in full"
    assert [f for f in full if f[2] >= 1000] == []


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n != "compas"
                                  else n for n in EXAMPLES])
@pytest.mark.slow
def test_the_exact_plan_loses_no_more_than_the_greedy_fallback(name):
    doc = _doc(name)
    table = build_table(doc)
    exact = plan_suppression(table, 10, True, "optimal")
    greedy = plan_suppression(table, 10, True, "greedy")
    assert exact.method.startswith("optimal") and greedy.method == "greedy"

    def loss(plan) -> int:
        return sum(cost(table, c) for c, s in plan.status.items() if s != "shown")

    assert loss(exact) <= loss(greedy)
    for plan in (exact, greedy):  # both protect every small count as widely as min_cell
        attack = Attack(table, plan.status)
        assert attack.exposures(lambda v: v < 10, 10.0) == []


def test_a_large_group_is_not_hidden_when_a_smaller_complement_exists():
    """25 people of unknown ethnicity beside a group of 19,955: the complement is the
    next-smallest group, never the large one (the case reported in issue 9)."""
    doc = _attribute({
        "A": _group(19955, 4000, 3000, 2000),
        "B": _group(400, 80, 60, 40),
        "C": _group(300, 60, 45, 30),
        "(missing)": _group(25, 3, 4, 2),
    })
    d = plan_disclosure(doc, SETTINGS)
    assert d.status["eth"]["(missing)"]["errors"] == "primary"
    assert all(s == "shown" for s in d.status["eth"]["A"].values())
    assert d.status["eth"]["C"]["errors"] == "secondary"
    assert d.status["eth"]["B"]["errors"] == "shown"
    assert not d.row_hidden("eth", "C")  # only the figures that need hiding


def test_the_complement_is_the_cheapest_not_the_smallest_group():
    """Hiding one 300-person group's figure protects more than the next-smallest 12-person
    group could: the greedy rule adds groups one at a time from the smallest, the exact plan
    finds the cheapest set."""
    doc = _attribute({
        "A": _group(5000, 1000, 800, 500),
        "B": _group(300, 60, 50, 30),
        "S1": _group(12, 2, 2, 1),
        "S2": _group(11, 2, 2, 1),
        "S3": _group(3, 1, 1, 0),
    })
    table = build_table(doc)
    exact = plan_suppression(table, 10, True, "optimal")
    greedy = plan_suppression(table, 10, True, "greedy")

    def loss(plan) -> int:
        return sum(cost(table, c) for c, s in plan.status.items() if s != "shown")

    assert loss(exact) <= loss(greedy)
    assert Attack(table, exact.status).exposures(lambda v: v < 10, 10.0) == []


def test_the_plan_is_deterministic():
    doc = _doc("compas")
    first = plan_disclosure(doc)
    privacy._PLANS.clear()
    second = plan_disclosure(doc)
    assert first.status == second.status and first.overall == second.overall


@pytest.mark.slow
def test_the_record_gives_each_hidden_figure_its_reason():
    doc = _doc("childrens-social-care")
    record = privacy.disclosure_record(doc)
    assert record["reasons"]["primary"] == "too few people"
    assert "smaller group" in record["reasons"]["secondary"]
    reasons = {r for h in record["hidden"] for r in h["figures"].values()}
    assert reasons == {"primary", "secondary"}
    assert record["figures_hidden"] == sum(len(h["figures"]) for h in record["hidden"])
    full = {(h["attribute"], h["group"]) for h in record["hidden"] if h["row_hidden"]}
    d = plan_disclosure(doc)
    assert full == {(a, g) for a, gs in d.status.items() for g in gs if d.row_hidden(a, g)}


def test_linked_figures_take_their_groups_reason():
    """A group's own small count hides its linked rates as primary, not as complements."""
    doc = _attribute({
        "A": _group(5000, 1000, 800, 500),
        "B": _group(600, 5, 100, 3),  # few flagged: selection primary, errors follow
        "C": _group(700, 140, 110, 70),
    })
    d = plan_disclosure(doc, SETTINGS)
    assert d.status["eth"]["B"]["selection"] == "primary"
    assert d.status["eth"]["B"]["errors"] == "primary"
    assert d.status["eth"]["B"]["n"] == "shown"


def test_results_json_records_the_plan_and_validates():
    import numpy as np
    import pandas as pd

    import essex_standard
    from essex_standard.result import validate

    rng = np.random.default_rng(3)
    n = 300
    df = pd.DataFrame({"y": rng.integers(0, 2, n), "p": rng.integers(0, 2, n),
                       "eth": rng.choice(["A", "B", "C"], n, p=[0.85, 0.12, 0.03])})
    r = essex_standard.audit_frame(df, y_true="y", y_pred="p", sensitive_features=["eth"],
                                   bootstrap=0)
    record = r.doc["disclosure"]
    validate(r.doc)
    assert record["method"].startswith("optimal")
    c = next(h for h in record["hidden"] if h["group"] == "C")
    assert set(c["figures"].values()) == {"primary"}
    d = plan_disclosure(r.doc)
    assert record["figures_hidden"] == sum(
        s != "shown" for g in d.status.values() for f in g.values() for s in f.values()
    ) + sum(s != "shown" for s in d.overall.values())


def test_the_public_report_says_why_each_figure_is_hidden():
    import re

    from essex_standard.render.public import render_public_html
    from essex_standard.result import AuditResult

    doc = _doc("childrens-social-care")
    html = render_public_html(AuditResult(doc))
    marks = re.findall(r'<abbr class="supp" title="([^"]*)">(\w)</abbr>', html)
    by_mark = {m: {t for t, mm in marks if mm == m} for _, m in marks}
    assert by_mark["c"] == {"hidden: too few families"}
    assert by_mark["s"] == {"hidden so that a smaller group&#39;s figure cannot be worked out"}
    glossary = html[html.index('<dl class="glossary">'):]
    assert re.search(r"<dt>c</dt><dd>We hid this figure because it is about too few families",
                     glossary)
    assert re.search(r"<dt>s</dt><dd>We hid this figure so that a smaller group", glossary)
    assert "very few people" not in html
    # Every group named as failing a check whose figures are hidden is said to be hidden.
    d = plan_disclosure(doc)
    said = 0
    for c in doc["standard"]["criteria"]:
        if c.get("verdict") != "not met":
            continue
        for g in (c.get("evidence") or {}).get("groups") or []:
            attr, group = g.get("attribute"), g.get("group")
            if g.get("verdict") != "not met" or attr is None or attr not in d.status:
                continue
            metrics = c["evidence"].get("metric")
            names = [metrics] if isinstance(metrics, str) else metrics or []
            if any(not d.metric_shown(attr, group, m) for m in names):
                assert f"We hid the figures for {group}".replace("&", "&amp;") in html, group
                said += 1
    assert said, "the example names a failing group whose figures are hidden"
