"""The Standard holds its own words: a council's new criterion reads as well as a built-in one,
with no Python, and every sentence states the threshold the judge applied."""

from __future__ import annotations

import copy
import html
import re
from pathlib import Path

import pytest

from essex_standard.errors import StandardFileError
from essex_standard.render.public import render_public_html
from essex_standard.result import AuditResult
from essex_standard.standard import judge, parse_standard
from essex_standard.standard.configured import wording_notes
from essex_standard.standard.model import default_path, with_overrides

PPV = """
      - id: C1
        title: A flag is as often right for every group
        kind: measured
        severity: recommended
        why: >-
          A flag that is right less often for one group means more of that group are looked at
          for nothing. The gap should stay within {threshold_points}.
        rule: >-
          Of the {people} the model {flagged} in each group, the share who then {outcome} must
          not differ from the comparison group's by more than {threshold_in_100}.
        words:
          positive_predictive_value:
            what: right to be {flagged}
            who: the model {flagged}
            unchecked: how often a flag was right for them
        measure:
          source: fairness
          metric: positive_predictive_value
          statistic: difference
          comparison: within
          threshold: 0.02
"""
ANCHOR = "  - id: reliability\n"


def fork(extra: str) -> str:
    text = default_path().read_text(encoding="utf-8")
    assert ANCHOR in text
    # The new criterion goes at the end of the fairness principle's list.
    return text.replace(ANCHOR, extra.rstrip("\n") + "\n\n" + ANCHOR)


def visible_text(page: str) -> str:
    page = re.sub(r"<(style|svg)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture(scope="module")
def measured(compas_result):
    doc = copy.deepcopy(compas_result.doc)
    doc.pop("standard", None)
    return doc


def judged(doc, standard):
    out = copy.deepcopy(doc)
    out["standard"] = judge(out, standard)
    return out


def test_a_councils_new_criterion_reads_from_its_own_words(measured):
    standard = parse_standard(fork(PPV), "our-standard.yaml")
    assert wording_notes(standard) == []
    doc = judged(measured, standard)
    c1 = next(c for c in doc["standard"]["criteria"] if c["id"] == "C1")
    people = doc["model"].get("people") or "people"
    assert c1["rule"].startswith(f"Of the {people} the model")
    assert "more than 2 in every 100" in c1["rule"]
    assert "within 2 percentage points" in c1["why"]
    assert "{" not in c1["rule"] + c1["why"]
    assert c1["verdict"] in ("not met", "insufficient evidence")  # a 2-point margin on COMPAS
    text = visible_text(render_public_html(AuditResult(doc)))
    assert c1["rule"] in text
    assert "figure called" not in text  # never the generic wording for a worded criterion
    if any(f["sure"] == "not met" for f in c1["evidence"]["findings"]):
        assert "right to be" in text


def test_overrides_reach_the_words(measured):
    standard = parse_standard(fork(PPV), "our-standard.yaml")
    standard = with_overrides(standard, {"C1": {"threshold": 0.07}, "F2": {"threshold": 0.2}})
    doc = judged(measured, standard)
    by_id = {c["id"]: c for c in doc["standard"]["criteria"]}
    assert "more than 7 in every 100" in by_id["C1"]["rule"]
    assert "more than 20 in every 100" in by_id["F2"]["rule"]
    assert "within 7 percentage points" in by_id["C1"]["why"]  # a placeholder in 'why'
    assert "2 percentage points" not in by_id["C1"]["why"]


def test_a_criterion_without_words_reads_generically_and_the_audit_warns(measured):
    bare = re.sub(r"        why: >-\n.*?(?=        measure:)",
                  "        why: A flag should mean the same for everyone.\n", PPV, flags=re.S)
    standard = parse_standard(fork(bare), "our-standard.yaml")
    notes = wording_notes(standard)
    assert any("C1" in n and "'rule'" in n for n in notes)
    assert any("C1" in n and "'words'" in n and "positive_predictive_value" in n for n in notes)
    doc = judged(measured, standard)
    c1 = next(c for c in doc["standard"]["criteria"] if c["id"] == "C1")
    assert c1["rule"] is None
    text = visible_text(render_public_html(AuditResult(doc)))
    assert 'The figure called "positive predictive value"' in text


@pytest.mark.parametrize("text, message", [
    ("must be at most {threshhold}.", "{threshhold}, which is not known"),
    ("must be between {low} and {high}.", "this criterion's threshold is a single number"),
    ("must be at most {threshold.", "stray brace"),
])
def test_a_bad_placeholder_is_refused_with_the_line(text, message):
    bad = PPV.replace("must\n          not differ from the comparison group's by more than "
                      "{threshold_in_100}.", text)
    assert bad != PPV
    with pytest.raises(StandardFileError) as e:
        parse_standard(fork(bad), "our-standard.yaml")
    assert message in str(e.value)
    assert "our-standard.yaml" in str(e.value) and ".rule" in str(e.value)


def test_words_must_name_a_measured_metric():
    bad = PPV.replace("          positive_predictive_value:\n            what",
                      "          negative_predictive_value:\n            what")
    with pytest.raises(StandardFileError, match="does not measure"):
        parse_standard(fork(bad), "our-standard.yaml")


def test_the_audit_warns_about_a_criterion_without_words(measured, tmp_path):
    from essex_standard.config import load_config
    from essex_standard.standard.configured import judge_stage

    bare = re.sub(r"        rule: >-\n.*?(?=        measure:)", "", PPV, flags=re.S)
    fork_file = tmp_path / "our-standard.yaml"
    fork_file.write_text(fork(bare), encoding="utf-8")
    root = Path(__file__).resolve().parent.parent
    cfg = load_config(str(root / "examples" / "compas" / "audit.yaml"))
    cfg.sections["standard"] = {"path": str(fork_file)}
    cfg.sections.pop("attestations", None)
    doc = copy.deepcopy(measured)
    doc["notes"] = list(doc.get("notes") or [])
    section = judge_stage(doc, cfg)
    assert any("C1" in n and "'rule'" in n for n in doc["notes"])
    assert next(c for c in section["criteria"] if c["id"] == "C1")["rule"] is None


def test_no_bundled_title_or_why_states_a_threshold_in_words():
    """A title or reason that says "four-fifths" or "10 percentage points" would contradict an
    owner's override; the limit lives in the threshold and is stated by the rule."""
    from essex_standard.standard import load_standard
    from essex_standard.standard.wording import threshold_words

    for c in load_standard().measured:
        assert c.measure is not None
        said = [w for w in threshold_words(c.measure.threshold).values() if w != "none"]
        for text in (c.title, c.why):
            assert "fifths" not in text and "{" not in text, c.id
            for w in said:
                assert not re.search(rf"(?<![\d.]){re.escape(w)}(?![\d])", text), (c.id, w)
