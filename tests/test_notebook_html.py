"""Jupyter display: ``_repr_html_`` on AuditResult and AttributeFairness is well-formed,
compact, escaped, and shows the verdict, each criterion and each group's key rates."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from essex_standard import AuditResult

ROOT = Path(__file__).resolve().parent.parent

EXAMPLE = ROOT / "docs" / "examples" / "compas" / "results.json"


def _result() -> AuditResult:
    return AuditResult.from_json(EXAMPLE.read_text(encoding="utf-8"))


def _parse(html: str) -> ET.Element:
    return ET.fromstring(html)  # well-formed, or this raises


def _rows(table: ET.Element) -> list[list[str]]:
    return [["".join(td.itertext()) for td in tr] for tr in table.iter("tr")]


def test_the_result_shows_model_verdict_and_every_criterion():
    result = _result()
    root = _parse(result._repr_html_())
    text = "".join(root.itertext())
    assert result.model["name"] in text
    assert f": {result.standard['verdict']}" in text
    rows = _rows(root.find(".//table"))
    assert rows[0] == ["id", "criterion", "severity", "verdict", "why"]
    criteria = result.standard["criteria"]
    assert [r[0] for r in rows[1:]] == [c["id"] for c in criteria]
    assert [r[3] for r in rows[1:]] == [c["verdict"] for c in criteria]
    assert all(len(r[4]) <= 160 for r in rows[1:])
    assert len(result._repr_html_()) < 20_000  # compact: no evidence dumps


def test_an_attribute_shows_groups_with_n_rates_and_intervals():
    result = _result()
    race = result.fairness["race"]
    table = _parse(race._repr_html_())
    rows = _rows(table)
    assert rows[0][:3] == ["group", "n", "share"]
    assert "false positive rate" in rows[0]
    by_group = {r[0].split(" (")[0]: r for r in rows[1:]}
    assert set(by_group) == set(race.groups)
    aa = race.groups["African-American"]
    assert by_group["African-American"][1] == str(aa["n"])
    fpr = aa["metrics"]["false_positive_rate"]
    col = rows[0].index("false positive rate")
    assert by_group["African-American"][col] == (
        f"{fpr['value']:.3f} ({fpr['ci'][0]:.3f}–{fpr['ci'][1]:.3f})")
    assert "(reference)" in by_group[race.reference_group][0]


def test_user_text_is_escaped():
    doc = copy.deepcopy(json.loads(EXAMPLE.read_text(encoding="utf-8")))
    doc["model"]["name"] = "<script>alert('x')</script> & co"
    race = doc["fairness"]["race"]
    race["groups"]["<b>odd</b>"] = race["groups"].pop("Other")
    result = AuditResult(doc)
    html = result._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<script>alert('x')</script> & co" in "".join(_parse(html).itertext())
    group_html = result.fairness["race"]._repr_html_()
    assert "<b>odd</b>" not in group_html
    assert "<b>odd</b>" in "".join(_parse(group_html).itertext())


def test_an_unjudged_result_says_so():
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc.pop("standard")
    text = "".join(_parse(AuditResult(doc)._repr_html_()).itertext())
    assert "not judged" in text
