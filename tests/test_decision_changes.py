"""Issue 9: every sentence backed, the owner's decision, and what changed since the last audit.

* the ``decision:`` section and the audit date are validated with messages naming the key;
* attestations whose dates do not hold together are not silently *met*;
* a missing statement is said plainly in the public report and warned about at audit time;
* ``--previous`` / ``previous_audit:`` compares with the last audit, and the public report
  shows only what both audits' disclosure control shows.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from _reports_support import visible_text

from essex_standard.changes import compare, load_previous
from essex_standard.config import parse_config
from essex_standard.config_decision import parse_decision, run_date
from essex_standard.errors import ConfigError, ResultsError
from essex_standard.render.public import render_public_html
from essex_standard.result import AuditResult
from essex_standard.standard import load_standard
from essex_standard.standard.attestations import Attestation, Attestations, judge_answer
from essex_standard.statements import missing, warnings

BASE = {"data": {"path": "x.csv", "y_true": "y", "y_pred": "p"}, "protected": ["g"]}
DECISION = {"outcome": "continue_with_conditions", "conditions": ["Re-audit in six months"],
            "decided_by": "The Director", "date": "2026-01-05"}


# --------------------------------------------------------------------------- the config


@pytest.mark.parametrize(("change", "words"), [
    ({"outcome": "keep"}, "'decision.outcome' is 'keep'; use one of continue"),
    ({"conditions": []}, "lists none; list them, or use 'continue'"),
    ({"outcome": "continue"}, "use continue_with_conditions"),
    ({"date": "5 Jan 2026"}, "'decision.date' is '5 Jan 2026'; write the date as YYYY-MM-DD"),
    ({"date": "2999-01-01"}, "'decision.date' is 2999-01-01, in the future"),
    ({"decided_by": None}, "'decision.decided_by' is missing"),
    ({"decidedby": "X"}, "unknown key 'decision.decidedby'. Did you mean 'decided_by'?"),
    ({"ethics_committee": {"name": "C", "date": "2026-01-01"}},
     "'decision.ethics_committee.view' is missing"),
    ({"conditions": "Re-audit"}, "'decision.conditions' must be a list"),
])
def test_a_bad_decision_names_the_key_and_the_fix(change, words):
    with pytest.raises(ConfigError, match=r"a\.yaml") as info:
        parse_decision({**DECISION, **change}, "a.yaml")
    assert words in str(info.value)


def test_a_decision_is_kept_as_given_and_recorded():
    cfg = parse_config({**BASE, "decision": {**DECISION, "ethics_committee": {
        "name": "Ethics Committee", "date": "2026-01-02", "view": "Supports it."}}})
    assert cfg.decision["conditions"] == ["Re-audit in six months"]
    assert cfg.decision["ethics_committee"]["view"] == "Supports it."
    assert parse_config(BASE).decision is None


def test_the_audit_date_defaults_to_the_run_date_and_is_checked(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(86400 * 20000))  # 2024-10-04
    assert run_date().isoformat() == "2024-10-04"
    assert parse_config(BASE).model["audit_date"] == "2024-10-04"
    given = parse_config({**BASE, "model": {"audit_date": "2024-03-01"}})
    assert given.model["audit_date"] == "2024-03-01"
    for bad, words in (("March 2024", "write the date as YYYY-MM-DD"),
                       ("2024-12-01", "in the future")):
        with pytest.raises(ConfigError, match=r"model\.audit_date") as info:
            parse_config({**BASE, "model": {"audit_date": bad}})
        assert words in str(info.value)


def test_a_bad_decision_in_audit_yaml_exits_2_naming_the_key(tmp_path, capsys):
    from essex_standard.cli import main

    (tmp_path / "audit.yaml").write_text(yaml.safe_dump({**BASE, "decision": {
        **DECISION, "outcome": "stop"}}))
    with pytest.raises(SystemExit) as exc:
        main(["audit", str(tmp_path / "audit.yaml"), "--out", str(tmp_path / "out")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "'decision.outcome' is 'stop'" in err and "Traceback" not in err


# --------------------------------------------------------------------------- attestations


@pytest.fixture(scope="module")
def standard():
    return load_standard()


def _judged(standard, cid: str, audit_date: str, **answer):
    fields = {"answer": "yes", "explanation": "Done.", "answered_by": "A", "role": "Lead",
              "date": "2025-03-10", "evidence_link": "https://example.invalid/x", **answer}
    atts = Attestations({cid: Attestation(**fields)}, "att.yaml")
    return judge_answer(standard.criterion(cid), atts, audit_date)


def test_dates_that_hold_together_are_met(standard):
    verdict, _, evidence = _judged(standard, "R4", "2025-03-14", review_by="2025-09-30",
                                   explanation="Quarterly monitoring; next review 2025-09-30.")
    assert verdict == "met" and "problems" not in evidence


@pytest.mark.parametrize(("answer", "words"), [
    ({"review_by": "2025-09-30"}, "was due for review by 2025-09-30"),
    ({"explanation": "Next full review due 2025-09-30."}, "names 2025-09-30 as still to come"),
    ({"explanation": "Sessions are scheduled for May 2025."}, "names May 2025 as still to come"),
    ({"explanation": "It links to this audit."}, "cites \"this audit\" but is dated 2025-03-10"),
])
def test_an_out_of_date_yes_is_not_silently_met(standard, answer, words):
    verdict, reason, evidence = _judged(standard, "R4", "2026-03-13", **answer)
    assert verdict == "insufficient evidence"
    assert words in reason and any(words in p for p in evidence["problems"])


def test_an_answer_after_the_audit_warns_but_keeps_its_verdict(standard):
    verdict, _, evidence = _judged(standard, "O2", "2025-03-01")
    assert verdict == "met"
    assert "after the audit date (2025-03-01)" in evidence["problems"][0]


def test_a_no_stays_not_met_with_its_problems_recorded(standard):
    verdict, _, evidence = _judged(standard, "G4", "2026-03-13", answer="no",
                                   explanation="Sessions scheduled for May 2025.")
    assert verdict == "not met" and "May 2025" in evidence["problems"][0]


@pytest.mark.slow
def test_the_judge_uses_the_audit_date_in_results(csc_result, standard):
    from essex_standard.standard import judge
    from essex_standard.standard.attestations import load_attestations

    atts = load_attestations(Path("examples/childrens-social-care/attestations.yaml"), standard)
    doc = copy.deepcopy(csc_result.doc)
    assert {c["id"]: c["verdict"] for c in doc["standard"]["criteria"]}["R4"] == "met"
    doc["model"]["audit_date"] = "2026-03-13"  # the 2025 answers, a year later
    section = judge(doc, standard, atts)
    verdicts = {c["id"]: c["verdict"] for c in section["criteria"]}
    assert verdicts["R4"] == "insufficient evidence"
    doc["standard"] = section
    text = visible_text(render_public_html(AuditResult(doc)))
    part = text[text.index("A monitoring plan with a review date"):]
    assert "Why it does not count." in part
    assert "it was due to be reviewed by 2025-09-30" in part[:part.index("What we did")]


# --------------------------------------------------------------------------- statements


def test_missing_statements_are_said_plainly_and_warned(compas_result, capsys):
    from essex_standard.commands.audit import warn_notes

    keys = [m["key"] for m in missing(compas_result.doc)]
    assert {"model.human_review", "model.contact_email", "decision"} <= set(keys)
    warn_notes(compas_result.doc)
    err = capsys.readouterr().err.splitlines()
    for key in keys:
        assert any(line.startswith(f"warning: {key} is not set") for line in err), key
    text = visible_text(render_public_html(compas_result))
    assert "Not provided" not in text
    assert "A person then looks at it" not in text  # no fixed claim about the process
    for m in missing(compas_result.doc):
        if m["key"] != "model.owner":
            assert m["sentence"] in text, m


def test_the_decision_is_on_the_cover_and_the_passed_checks_are_listed(csc_result):
    text = visible_text(render_public_html(csc_result))
    cover = text[:text.index("Contents")]
    decision = csc_result.doc["decision"]
    assert "Keep using the model, on conditions:" in cover
    assert all(c in cover for c in decision["conditions"])
    assert decision["ethics_committee"]["view"] in cover
    assert not [line for line in warnings(csc_result.doc) if "is not set" in line]
    passed = [c["title"] for c in csc_result.doc["standard"]["criteria"] if c["verdict"] == "met"]
    listed = text[text.index("The checks the model passed"):]
    assert passed and all(t in listed for t in passed)


def test_without_a_decision_the_cover_says_none_was_recorded(csc_result):
    doc = copy.deepcopy(csc_result.doc)
    doc["decision"] = None
    text = visible_text(render_public_html(AuditResult(doc)))
    cover = text[:text.index("Contents")]
    assert "has not said what it decided to do about the model after this audit" in cover
    assert any(line.startswith("decision is not set") for line in warnings(doc))


def test_only_a_limit_the_owner_set_is_not_called_a_change(csc_result):
    text = visible_text(render_public_html(csc_result))  # R1: set, as the Standard asks
    assert "We set one limit that the Standard leaves to us" in text
    assert "changed" not in text[:text.index("Contents")]
    assert "Limits we set" in text and "Limits we set or changed" not in text


# --------------------------------------------------------------------------- changes


def _tiny(tmp_path: Path, shift: float, name: str) -> Path:
    """A small audit whose group B is wrongly flagged more often when ``shift`` grows."""
    rng = np.random.default_rng(1)
    n = 4000
    g = rng.choice(["A", "B"], n)
    y = rng.integers(0, 2, n)
    p = ((rng.random(n) < 0.2 + shift * (g == "B")) | (y == 1) & (rng.random(n) < 0.7))
    folder = tmp_path / name
    folder.mkdir()
    pd.DataFrame({"y": y, "p": p.astype(int), "g": g}).to_csv(folder / "d.csv", index=False)
    cfg = {"model": {"name": "Tiny", "audit_date": "2026-01-01" if shift else "2025-01-01"},
           "protected": [{"column": "g", "reference": "A"}], "bootstrap": 0,
           "data": {"path": "d.csv", "y_true": "y", "y_pred": "p"}}
    (folder / "audit.yaml").write_text(yaml.safe_dump(cfg))
    return folder / "audit.yaml"


@pytest.fixture(scope="module")
def two_audits(tmp_path_factory):
    import essex_standard

    tmp = tmp_path_factory.mktemp("two")
    before = essex_standard.audit(_tiny(tmp, 0.0, "before"))
    before.write(tmp / "before.json")
    return tmp, before, _tiny(tmp, 0.25, "after")


def test_a_re_audit_says_what_changed(two_audits):
    import essex_standard
    from essex_standard.config import load_config

    tmp, before, config = two_audits
    cfg = load_config(config)
    from dataclasses import replace

    after = essex_standard.audit(replace(cfg, previous=tmp / "before.json"))
    ch = after.doc["changes"]
    assert ch["previous"]["audit_date"] == "2025-01-01"
    f1 = {c["id"]: c for c in ch["criteria"]}
    fpr = before.doc["fairness"]["g"]["groups"]["B"]["metrics"]["false_positive_rate"]["value"]
    row = next(f for f in ch["figures"]
               if f["group"] == "B" and f["metric"] == "false_positive_rate")
    assert row["before"] == pytest.approx(fpr)
    assert row["after"] > row["before"] + 0.15
    new = {(f["criterion"], f["group"], f["metric"]) for f in ch["findings"]["new"]}
    assert ("F2", "B", "false_positive_rate") in new
    assert f1["F2"]["before"] != "not met" and f1["F2"]["after"] == "not met"
    page = render_public_html(after)
    text = visible_text(page)
    part = text[text.rindex("What changed since the last audit"):]
    assert "The last audit was on 2025-01-01" in part
    assert "Error rates are balanced across groups" in part
    table = page[page.index('id="changed-t"'):]
    cells = (f'<span class="rate">{round(100 * row[k])}</span>' for k in ("before", "after"))
    assert all(cell in table[:table.index("</table>")] for cell in cells)


def test_a_hidden_figure_stays_hidden_in_the_comparison(two_audits):
    _, before, _ = two_audits
    doc = copy.deepcopy(before.doc)
    prev = {**copy.deepcopy(before.doc), "_source": {"path": "p.json", "sha256": "0" * 64}}
    doc["model"]["audit_date"] = "2026-01-01"
    doc["changes"] = compare(prev, doc)
    for f in doc["changes"]["figures"]:
        f["shown_before"] = False  # as if the previous audit had hidden every figure
    from essex_standard.render.facts import PublicFacts, words
    from essex_standard.render.public_owner import public_changes

    view = public_changes(doc, PublicFacts(doc), words(doc["model"]))
    assert view["figures"] == [] and view["hidden"] == len(doc["changes"]["figures"])


@pytest.mark.parametrize(("content", "words"), [
    (None, "no such file for the previous audit"),
    ("not json", "is not valid JSON"),
    (json.dumps({"schema_version": "0.9.0"}), "schema version 0.9.0"),
    (json.dumps({"schema_version": "1.3.0", "fairness": {}}), "was not judged against"),
])
def test_a_wrong_previous_file_is_refused(tmp_path, content, words):
    path = tmp_path / "prev.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ResultsError, match=r"prev\.json") as info:
        load_previous(path)
    assert words in str(info.value)


def test_a_previous_audit_against_another_standard_or_later_is_refused(two_audits):
    _, before, _ = two_audits
    doc = copy.deepcopy(before.doc)
    other = copy.deepcopy(doc)
    other["standard"]["id"] = "our-fork"
    with pytest.raises(ResultsError, match="against the Standard 'our-fork'"):
        compare(other, doc)
    later = copy.deepcopy(doc)
    later["model"]["audit_date"] = "2027-01-01"
    with pytest.raises(ResultsError, match="after this one"):
        compare(later, doc)


def test_previous_on_the_command_line_exits_2_when_missing(tmp_path, capsys):
    from essex_standard.cli import main

    (tmp_path / "audit.yaml").write_text(yaml.safe_dump(BASE))
    with pytest.raises(SystemExit) as exc:
        main(["audit", str(tmp_path / "audit.yaml"), "--previous",
              str(tmp_path / "nope.json"), "--out", str(tmp_path / "out")])
    assert exc.value.code == 2
    assert "nope.json: no such file for the previous audit" in capsys.readouterr().err


def test_audit_frame_takes_a_decision_and_a_previous_audit(two_audits):
    from essex_standard import audit_frame

    tmp, _, config = two_audits
    df = pd.read_csv(config.parent / "d.csv")
    result = audit_frame(df, y_true="y", y_pred="p", sensitive_features=["g"],
                         reference={"g": "A"}, bootstrap=0, decision=DECISION,
                         previous_audit=str(tmp / "before.json"),
                         model={"name": "Tiny", "audit_date": "2026-01-01"})
    assert result.doc["decision"]["outcome"] == "continue_with_conditions"
    assert result.doc["changes"]["previous"]["audit_date"] == "2025-01-01"


def test_the_decision_is_in_the_model_card_and_the_atrs_annex(csc_result):
    from essex_standard.render.atrs import atrs_record
    from essex_standard.render.model_card import render_model_card_markdown

    card = render_model_card_markdown(csc_result)
    assert "**Decision after this audit:** Keep using the model, on conditions:" in card
    annex = atrs_record(csc_result)["annex_essex_standard_audit"]
    assert annex["owner_decision"].startswith("Keep using the model, on conditions:")
    assert "Data Ethics Committee (fictional), 2025-03-19" in annex["owner_decision"]


def test_a_decision_dated_before_the_audit_is_warned_about():
    doc = {"model": {"owner": "X", "audit_date": "2026-02-01"}, "decision": DECISION}
    assert any(line.startswith("decision.date is 2026-01-05, before the audit date")
               for line in warnings(doc))
    doc["model"]["audit_date"] = "2026-01-05"
    assert not any(line.startswith("decision.date") for line in warnings(doc))
