"""The ATRS record against GOV.UK's own publishing schema and the standard's field list.

GOV.UK's files (copied unedited, provenance in tests/data/PROVENANCE.md) are the judges here:
the metadata block must be valid under publishing-api's ``algorithmic_transparency_record_
metadata`` definition, and each value must be one specialist-publisher allows.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from essex_standard.errors import ConfigError
from essex_standard.render.atrs import atrs_record, render_atrs_json, render_atrs_markdown
from essex_standard.render.atrs_govuk import govuk_metadata

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parent.parent
FIELDS = json.loads((DATA / "atrs-v3.0-fields.json").read_text())["fields"]
FINDER = json.loads((ROOT / "essex_standard" / "schema" / "atrs-govuk-finder.json").read_text())
PREFIX = "algorithmic_transparency_record_"


def _govuk_metadata_validator() -> jsonschema.Validator:
    schema = json.loads((DATA / "govuk-specialist-document-publisher_v2.schema.json").read_text())
    wrapper = {**schema, "$ref": "#/definitions/algorithmic_transparency_record_metadata"}
    for key in ("type", "required", "properties", "additionalProperties"):
        wrapper.pop(key, None)
    cls = jsonschema.validators.validator_for(schema)
    return cls(wrapper)


def _finder_problems(meta: dict) -> list[str]:
    """What specialist-publisher would refuse: a missing required facet, a value not allowed."""
    problems = []
    for facet in FINDER["facets"]:
        key, props = facet["key"], facet.get("specialist_publisher_properties", {})
        if key not in meta:
            if "required" in props.get("validations", {}):
                problems.append(f"missing {key}")
            continue
        allowed = {a["value"] for a in facet.get("allowed_values", [])}
        values = meta[key] if isinstance(meta[key], list) else [meta[key]]
        if props.get("select") == "one" and isinstance(meta[key], list):
            problems.append(f"{key} must be one value")
        problems += [f"{key}={v} not allowed" for v in values if allowed and v not in allowed]
    return problems


@pytest.mark.slow
@pytest.mark.parametrize("fixture", ["csc_result", "compas_result"])
def test_metadata_is_valid_for_govuk(fixture, request):
    record = json.loads(render_atrs_json(request.getfixturevalue(fixture)))
    meta = record["metadata"]
    _govuk_metadata_validator().validate(meta)
    assert meta[PREFIX + "atrs_version"] == "v3.0"  # GOV.UK's form, as in its example ("v2.1")
    problems = _finder_problems(meta)
    # Neither example organisation is on GOV.UK's list (one invented, one American): the
    # record says so instead of choosing another organisation's value.
    org = meta[PREFIX + "organisation"]
    assert problems[0] == f"{PREFIX}organisation={org} not allowed"
    gaps = record["annex_essex_standard_audit"]["before_publishing_on_govuk"]
    assert any(org in g and "ask the ATRS team" in g for g in gaps)
    if fixture == "csc_result":
        assert problems == problems[:1]
        assert meta[PREFIX + "phase"] == "production"
        assert meta[PREFIX + "organisation_type"] == ["local-authority"]
        assert meta[PREFIX + "date_published"] == "2025-03-14"
    else:  # the COMPAS example fixes its audit date (it would otherwise be the run date)
        assert problems == problems[:1]
        assert meta[PREFIX + "date_published"] == "2026-03-13"


def test_metadata_validator_can_fail():
    with pytest.raises(jsonschema.ValidationError):
        _govuk_metadata_validator().validate({PREFIX + "date_published": "14/03/2025"})
    with pytest.raises(jsonschema.ValidationError):
        _govuk_metadata_validator().validate({PREFIX + "fairness": "x"})
    assert f"{PREFIX}phase=pilot not allowed" in _finder_problems({PREFIX + "phase": "pilot"})


def test_phase_and_types_come_from_govuk_lists():
    meta, gaps = govuk_metadata({"owner": "Home Office", "phase": "Beta/Pilot",
                                 "organisation_type": "Ministerial department; local authority",
                                 "region": "England, London", "audit_date": "2026-01-02"}, "3.0")
    assert meta == {PREFIX + "organisation": "home-office", PREFIX + "phase": "beta-pilot",
                    PREFIX + "organisation_type": ["ministerial-department", "local-authority"],
                    PREFIX + "region": ["england", "london"],
                    PREFIX + "date_published": "2026-01-02", PREFIX + "atrs_version": "v3.0"}
    assert gaps == [] and _finder_problems(meta) == []
    meta, gaps = govuk_metadata({"owner": "Home Office", "phase": "live"}, "3.0")
    assert PREFIX + "phase" not in meta
    assert gaps[0].startswith("Phase: 'live' is not one of GOV.UK's values (Pre-deployment, "
                              "Beta/Pilot")
    assert any(g.startswith("Organisation type: not given") for g in gaps)


def _leaves(schema: dict, path: str = "") -> list[tuple[str, str]]:
    """(path, title) of every numbered field in our JSON Schema, in document order."""
    out = []
    for key, sub in schema.get("properties", {}).items():
        p = f"{path}.{key}" if path else key
        title = sub.get("title", "")
        if re.match(r"\d+(\.\d+)+ ", title):
            out.append((p, title))
        if sub.get("type") == "array" and "properties" in sub.get("items", {}):
            out += _leaves(sub["items"], p + "[]")
        else:
            out += _leaves(sub, p)
    return out


def test_schema_follows_the_field_list():
    schema = json.loads((ROOT / "essex_standard" / "schema" / "atrs-v3.0.schema.json").read_text())
    numbered = _leaves(schema)
    assert numbered == [(f["path"], f"{f['number']} {f['heading']}") for f in FIELDS]


def test_markdown_has_every_numbered_field_in_order(compas_result):
    md = render_atrs_markdown(compas_result)
    headings = re.findall(r"^### (\d+(?:\.\d+)+) - (.+)$", md, flags=re.M)
    assert headings == [(f["number"], f["heading"]) for f in FIELDS]
    # The audit's statement is an annex after the numbered fields, never a field of its own.
    assert "Fairness analysis" not in "".join(h for _, h in headings)
    assert md.index("## Annex: the Essex Standard audit") > md.index("### 2.5.2 - Risks")


def test_every_field_is_in_the_record(compas_result):
    record = atrs_record(compas_result)
    for field in FIELDS:
        node = record
        for part in field["path"].split("."):
            node = node[part[:-2]][0] if part.endswith("[]") else node[part]
        assert node is not None and node != "", field
    supplier = record["tier_2"]["owner_and_responsibility"]["external_suppliers"][0]
    assert supplier["name"].startswith("Northpointe")
    assert record["tier_2"]["owner_and_responsibility"]["external_supplier_involvement"] == "Yes"
    data = record["tier_2"]["tool_specification"]["data_specification"]
    assert data["source_data_url"] == "https://github.com/propublica/compas-analysis"
    assert record["dataset_cards"][0]["name"] == "data/compas-two-years.csv"


def test_not_used_for_is_never_the_scope(csc_result):
    not_used_for = csc_result.doc["model"]["not_used_for"]
    record = json.loads(render_atrs_json(csc_result))
    assert record["tier_2"]["description_and_rationale"]["scope"] == \
        csc_result.doc["model"]["purpose"]
    assert not_used_for[:40] not in json.dumps(record)
    assert record["tier_2"]["owner_and_responsibility"]["external_supplier_involvement"] == "No"


def test_audit_findings_are_a_risk_with_the_owners_response(csc_result):
    risks = atrs_record(csc_result)["tier_2"]["risks_mitigations_and_impact_assessments"]["risks"]
    audit = risks[-1]
    assert audit["name"].endswith("(found by the Essex Standard audit)")
    # The judge's findings, both figures and how sure (render/findings.py).
    assert ("Not met: 0-4 (age band): 78 of every 100 families who were re-referred within a "
            "year were missed, against 49 in 100 for 10-15") in audit["description"]
    assert audit["mitigation"].startswith("F1: We do not use a flag")


def test_supplier_config_is_checked(tmp_path):
    from essex_standard.config import load_config

    cfg = (ROOT / "examples" / "compas" / "audit.yaml").read_text()
    cfg = cfg.replace("companies_house_number:", "company_number:")
    (tmp_path / "data").symlink_to(ROOT / "examples" / "compas" / "data")
    (tmp_path / "audit.yaml").write_text(cfg)
    with pytest.raises(ConfigError, match=r"model\.suppliers\[0\]\.company_number"):
        load_config(tmp_path / "audit.yaml")
