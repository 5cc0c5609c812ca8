"""No report contradicts the verdict, whatever the Standard's thresholds.

Each threshold of the Standard is changed in turn (tighter and looser than the bundled one),
the audit is re-judged, and every output is read back: the public report, the technical
report, the model card and the ATRS record must say what the judge decided and state the
threshold it applied.  A report that labelled anything with a limit of its own (a "stable"
group the verdict failed, a gap listed that the judge did not find) would fail here.  A second
test checks that no numeric threshold used for judging appears in render/ or templates/.
"""

from __future__ import annotations

import copy
import html as htmllib
import re
from pathlib import Path

import pytest

from essex_standard.render.atrs import atrs_record
from essex_standard.render.findings import judged_findings
from essex_standard.render.model_card import render_model_card_markdown
from essex_standard.render.public import VERDICT_WORDS, render_public_html
from essex_standard.result import AuditResult
from essex_standard.standard import load_attestations, load_standard
from essex_standard.standard.judge import judge
from essex_standard.standard.model import with_overrides

ROOT = Path(__file__).resolve().parent.parent
CSC = ROOT / "examples" / "childrens-social-care"

#: Every measured criterion's threshold, tighter and looser than the bundled Standard's.
SWEEP = {
    "T3": [0.02, 0.5], "F1": [0.95, 0.5], "F2": [0.02, 0.3], "F3": [0.01, 0.2],
    "F4": [1000, 5], "R1": [0.9, 0.5], "R2": [0.005, 0.2], "R3": [0.02, 1.0],
    "R5": [0.01, 0.3], "R6": [0.001, 0.2], "R7": [[0.95, 1.05], [0.1, 10.0]],
}
#: Criteria whose verdicts the technical report's drift and calibration sections show.
TECHNICAL = {"F3", "R3", "R5", "R7"}
#: Labels a renderer gave figures itself (a cell reading just "stable"); the judge never
#: writes them.  (The Standard's own prose may still say "shifted".)
OLD_LABELS = re.compile(r">\s*(stable|shifted|major shift|moderate shift|near|flagged)\s*<")


def visible(page: str) -> str:
    page = re.sub(r"<(style|svg)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def rejudge(doc: dict, cid: str, threshold, attestations_file: Path | None) -> dict:
    """``doc`` judged as if its config overrode ``cid``'s threshold (other overrides kept)."""
    out = copy.deepcopy(doc)
    given = {k: {"threshold": v["threshold"]}
             for k, v in (out["standard"].get("overrides") or {}).items()}
    standard = with_overrides(load_standard(), {**given, cid: {"threshold": threshold}})
    attestations = load_attestations(attestations_file, standard) if attestations_file else None
    out["standard"] = judge(out, standard, attestations)
    return out


def criteria(doc: dict) -> dict[str, dict]:
    return {c["id"]: c for c in doc["standard"]["criteria"]}


def check_public(doc: dict) -> None:
    page = render_public_html(AuditResult(doc))
    text = visible(page)
    std = doc["standard"]
    assert VERDICT_WORDS[std["verdict"]][2] in text
    problems = [c for c in std["criteria"]
                if c["verdict"] in ("not met", "insufficient evidence")]
    shown = re.findall(r'<h3 id="problem-\d+-h">(.*?)</h3>', page)
    assert [htmllib.unescape(t) for t in shown] == [c["title"] for c in problems]
    for c in problems:
        if c["kind"] == "measured" and c.get("rule"):
            assert htmllib.unescape(c["rule"]) in text, c["id"]  # the rule applied, in words
    not_met = [f for f in judged_findings(doc) if f["sure"] == "not met"]
    assert page.count('<span class="sure">We are sure this gap breaks the limit') == len(not_met)
    if not_met:
        assert "We found no clear gaps" not in text
        assert "found no gap beyond the limit" not in text


def check_card_and_atrs(doc: dict) -> None:
    result = AuditResult(doc)
    std = doc["standard"]
    card = render_model_card_markdown(result)
    assert f"**The Essex Standard:** {std['verdict']}." in card
    record = atrs_record(result)
    texts = [v for v in _strings(record) if "found by the Essex Standard audit" in v
             or v.startswith("Not met: ")]
    risk = " ".join(texts)
    not_met = [f for f in judged_findings(doc) if f["sure"] == "not met"]
    assert risk.count("Not met: ") == len(not_met)


def _strings(x):
    if isinstance(x, str):
        yield x
    elif isinstance(x, dict):
        for v in x.values():
            yield from _strings(v)
    elif isinstance(x, list):
        for v in x:
            yield from _strings(v)


def check_technical(doc: dict) -> None:
    from essex_standard.render.html import render_technical_html

    page = render_technical_html(AuditResult(doc))
    assert not OLD_LABELS.search(page)
    by_id = criteria(doc)
    text = visible(page)
    for c in by_id.values():  # every measured rule stated with the threshold applied
        ev = c.get("evidence") or {}
        if c["kind"] == "measured" and ev.get("threshold") is not None:
            assert ev["rule"] in text, c["id"]
    dr, labels = doc.get("drift") or {}, doc["standard"].get("drift") or {}
    t3 = by_id["R3"]["evidence"]["threshold"]
    for f, e in (dr.get("features") or {}).items():
        beyond = e.get("psi") is not None and e["psi"] > t3
        row = re.search(rf'<tr( class="moved")?><th scope="row">{re.escape(f)}</th>', page)
        assert row is not None and bool(row.group(1)) == beyond, (f, e.get("psi"), t3)
        assert labels["features"][f] == ("beyond" if beyond else "within")
    r3 = [g for g in by_id["R3"]["evidence"]["groups"]]
    if r3 and r3[0]["verdict"] == "not met":
        assert labels["score"] == "beyond"
    for g in by_id["R7"]["evidence"]["groups"]:  # a group's share: its row says the verdict
        cells = [row for row in re.findall(
            rf'<td class="text">{re.escape(htmllib.escape(str(g["group"])))}</td>.*?</tr>',
            page, flags=re.S) if "×" in row]  # the group-mix rows (a share ratio)
        if g["verdict"] == "not met":
            assert cells and all("not met" in row for row in cells), g
        elif g["verdict"] == "met":
            assert all("not met" not in row for row in cells), g
    # Each group F3 failed is tagged so in the calibration table (plus the legend's one tag).
    f3 = {(g["attribute"], g["group"]) for g in by_id["F3"]["evidence"]["groups"]
          if g["verdict"] == "not met"}
    assert page.count('<span class="focus-tag">not met</span>') == len(f3) + 1


@pytest.fixture(scope="module")
def later():
    import essex_standard

    return essex_standard.audit(CSC / "audit-later.yaml").doc


@pytest.mark.slow
@pytest.mark.parametrize("cid, threshold",
                         [(cid, t) for cid, values in SWEEP.items() for t in values])
def test_no_report_contradicts_the_verdict(later, cid, threshold):
    doc = rejudge(later, cid, threshold, CSC / "attestations.yaml")
    applied = criteria(doc)[cid]["evidence"]["threshold"]
    assert applied == threshold
    check_public(doc)
    check_card_and_atrs(doc)
    if cid in TECHNICAL:
        check_technical(doc)


@pytest.mark.parametrize("cid, threshold", [("F2", 0.02), ("F2", 0.5), ("F1", 0.95)])
def test_no_public_output_contradicts_the_verdict_compas(compas_result, cid, threshold):
    doc = rejudge(compas_result.doc, cid, threshold, None)
    check_public(doc)
    check_card_and_atrs(doc)


# --------------------------------------------------------------------------- no thresholds

#: A comparison with a number: ``x > 0.05``, ``0.1 <= x``, ``abs(d) >= 0.1``.
COMPARED = re.compile(r"(?:[<>]=?|==)\s*-?\d*\.\d+|\d*\.\d+\s*(?:[<>]=?|==)(?!=)")
NAMED = re.compile(r"\b(NOTABLE_GAP|SHARE_FACTOR|psi_major|psi_moderate|psi_thresholds)\b")


def _code_lines(path: Path):
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        code = line.split("#", 1)[0] if path.suffix == ".py" else line
        if path.suffix == ".py" and code.lstrip().startswith((">>>", "...")):
            continue  # a doctest's input, not code
        yield i, code


def test_no_threshold_for_judging_is_written_in_renderers_or_templates():
    offenders = []
    files = [*sorted((ROOT / "essex_standard" / "render").glob("*.py")),
             *sorted((ROOT / "templates").rglob("*.html")), *sorted((ROOT / "templates")
                                                                    .rglob("*.md"))]
    for path in files:
        for i, code in _code_lines(path):
            # CSS sizes and SVG coordinates are drawing, not judging.
            if re.search(r"(?:rem|em|px|pt|%)\s*[;}]|stroke|font-size|width|height", code):
                continue
            if COMPARED.search(code) or NAMED.search(code):
                offenders.append(f"{path.relative_to(ROOT)}:{i}: {code.strip()}")
    assert not offenders, "thresholds outside the Standard:\n" + "\n".join(offenders)
