"""model-card.json opens in the Model Card Toolkit; model-card.md opens in huggingface_hub.

The Toolkit (``ModelCard().from_json``) first validates against its JSON schema, then walks the
document and raises ``no such field named ...`` for any key its ``model_card.proto`` lacks. The
schema leaves most objects open, so both checks are needed: the schema check here uses the
upstream file we ship, and the field check parses upstream's ``.proto`` (tests/data).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from essex_standard.render.model_card import (
    model_card_toolkit,
    render_model_card_json,
    render_model_card_markdown,
)

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parent.parent


def proto_messages() -> dict[str, dict[str, str]]:
    """Each message of model_card.proto with its fields and their types.

    >>> proto_messages()["ConfidenceInterval"]
    {'lower_bound': 'string', 'upper_bound': 'string'}
    """
    text = re.sub(r"//[^\n]*", "", (DATA / "model_card.proto").read_text())
    messages = {}
    for name, body in re.findall(r"message (\w+) \{(.*?)\n\}", text, flags=re.S):
        fields = re.findall(r"(?:optional |repeated )?([\w.]+) (\w+) = \d+;", body)
        messages[name] = {field: kind for kind, field in fields}
    return messages


def unknown_fields(card: dict) -> list[str]:
    """Paths of keys the Toolkit's parser would reject (it skips ``schema_version``)."""
    messages = proto_messages()
    bad: list[str] = []

    def walk(node: dict, message: str, path: str) -> None:
        for key, value in node.items():
            if path == "" and key == "schema_version":
                continue
            kind = messages[message].get(key)
            if kind is None:
                bad.append(f"{path}{key}")
                continue
            items = value if isinstance(value, list) else [value]
            for i, item in enumerate(items):
                if isinstance(item, dict):
                    walk(item, kind, f"{path}{key}{f'[{i}]' if isinstance(value, list) else ''}.")

    walk(card, "ModelCard", "")
    return bad


def test_proto_parser_reads_every_message():
    messages = proto_messages()
    assert set(messages["PerformanceMetric"]) == {"type", "value", "slice", "confidence_interval"}
    assert set(messages["ModelCard"]) == {"model_details", "model_parameters",
                                          "quantitative_analysis", "considerations"}
    assert set(messages["License"]) == {"identifier", "custom_text"}  # inside a oneof
    assert len(messages) == len(re.findall(r"^message ", (DATA / "model_card.proto").read_text(),
                                           flags=re.M)) == 22


@pytest.mark.parametrize("fixture", ["compas_result", "csc_result"])
def test_card_is_accepted_by_the_toolkit_schema_and_proto(fixture, request):
    card = json.loads(render_model_card_json(request.getfixturevalue(fixture)))
    schema = json.loads((ROOT / "essex_standard/schema/model-card-toolkit-v0.0.2.schema.json")
                        .read_text())
    jsonschema.Draft7Validator(schema).validate(card)
    assert unknown_fields(card) == []
    perf = card["quantitative_analysis"]["performance_metrics"]
    assert perf and all(set(m) <= {"type", "value", "slice", "confidence_interval"} for m in perf)


def test_a_field_the_proto_lacks_is_caught(compas_result):
    card = model_card_toolkit(compas_result)
    card["quantitative_analysis"]["performance_metrics"][0]["threshold"] = "score >= 5"
    card["model_details"]["owners"][0]["email"] = "x@example.org"
    assert sorted(unknown_fields(card)) == [
        "model_details.owners[0].email", "quantitative_analysis.performance_metrics[0].threshold"]


def test_threshold_and_verdicts_go_where_the_toolkit_has_room(compas_result):
    card = model_card_toolkit(compas_result)
    assert card["model_parameters"]["output_format_map"] == [
        {"key": "decision threshold", "value": "score >= 5"}]
    assert card["considerations"]["limitations"][0]["description"].startswith(
        "Essex Standard 1.0.0 verdict: not met.")
    risks = [r["name"] for r in card["considerations"]["ethical_considerations"]]
    assert any(r.startswith("Essex Standard F2 (") and ": not met" in r for r in risks)
    assert not any(r.startswith("Essex Standard") and ": met" in r for r in risks)


def test_hugging_face_reads_groups_and_intervals(tmp_path, compas_result, csc_result):
    from huggingface_hub import ModelCard, metadata_load

    path = tmp_path / "README.md"
    path.write_text(render_model_card_markdown(csc_result), encoding="utf-8")
    card = ModelCard.load(path)
    assert card.data.library_name == "sklearn"  # the example's model is a skops file
    results = card.data.eval_results
    assert len(results) == len(metadata_load(path)["model-index"][0]["results"][0]["metrics"])
    overall = [r for r in results if r.metric_config == "all"]
    assert {r.metric_type for r in overall} >= {"accuracy", "false_positive_rate", "roc_auc"}
    black = [r for r in results if r.metric_type == "false_positive_rate"
             and (r.metric_args or {}).get("group", "").startswith("Black")
             and r.metric_args["attribute"] == "ethnicity"]
    assert len(black) == 1
    lo, hi = black[0].metric_args["confidence_interval"]
    assert lo <= black[0].metric_value <= hi and black[0].metric_args["confidence_level"] == 0.95
    assert black[0].metric_args["reference_group"] == "White"
    assert all(r.verified is False for r in results)

    path.write_text(render_model_card_markdown(compas_result), encoding="utf-8")
    meta = metadata_load(path)
    assert meta["license"] == "other" and meta["license_name"].startswith("proprietary")
    assert "library_name" not in meta  # COMPAS is audited from its scores: no library known
    hidden = [m for m in meta["model-index"][0]["results"][0]["metrics"]
              if m.get("args", {}).get("group") == "Native American"]
    assert hidden == []  # suppressed groups are left out, never shown as a number
    assert yaml.safe_load(path.read_text().split("---\n")[1]) == meta
