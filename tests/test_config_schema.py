"""The JSON Schema for audit.yaml (for editors) agrees with the parser: every key the parser
accepts is in the schema and every key in the schema is accepted; the bundled configs are
valid under it; an unknown key is refused by both."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from essex_standard import config as cfgmod
from essex_standard.config import parse_config
from essex_standard.errors import EssexStandardError
from essex_standard.metrics import calibration, drift, over_time
from essex_standard.metrics.rates import RATES
from essex_standard.privacy import PRESETS, PRIVACY_KEYS
from essex_standard.resources import schema_path
from essex_standard.standard.configured import OVERRIDE_KEYS, STANDARD_KEYS

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads(schema_path("audit-config.schema.json").read_text(encoding="utf-8"))
CONFIGS = sorted(ROOT.glob("examples/*/audit*.yaml"))


class _Yaml12Loader(yaml.SafeLoader):
    """YAML as editors read it (YAML 1.2 core: no timestamps, so dates stay text)."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _node(*path: str) -> dict:
    node = SCHEMA
    for step in path:
        node = node["items"] if step == "[]" else node["properties"][step]
    if "oneOf" in node:  # protected items: a name or a mapping
        node = next(n for n in node["oneOf"] if n.get("type") == "object")
    return node


def _props(*path: str) -> dict:
    return _node(*path)["properties"]


KEY_SETS = {
    "top level": ((), cfgmod.TOP_LEVEL_KEYS),
    "model": (("model",), cfgmod.MODEL_TEXT_FIELDS + cfgmod.MODEL_LIST_FIELDS),
    "model.impact_assessments[]": (("model", "impact_assessments", "[]"),
                                   cfgmod.MODEL_ITEM_KEYS["impact_assessments"][1]),
    "model.risks[]": (("model", "risks", "[]"), cfgmod.MODEL_ITEM_KEYS["risks"][1]),
    "data": (("data",), cfgmod.DATA_KEYS),
    "estimator": (("estimator",), cfgmod.ESTIMATOR_KEYS),
    "protected[]": (("protected", "[]"), cfgmod.PROTECTED_KEYS),
    "standard": (("standard",), STANDARD_KEYS),
    "privacy": (("privacy",), PRIVACY_KEYS),
    "calibration": (("calibration",), calibration.OPTION_KEYS),
    "drift": (("drift",), drift.OPTION_KEYS),
    "over_time": (("over_time",), over_time.OPTION_KEYS),
}


def test_the_schema_is_valid_and_has_a_resolvable_kind_of_id():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    for name in ("audit-config.schema.json", "results.schema.json"):
        schema_id = json.loads(schema_path(name).read_text(encoding="utf-8"))["$id"]
        assert schema_id.startswith("urn:essex-standard:schema:"), schema_id
        assert ".invalid" not in schema_id


@pytest.mark.parametrize("where", list(KEY_SETS))
def test_every_parser_key_is_in_the_schema_and_vice_versa(where):
    path, keys = KEY_SETS[where]
    node = _node(*path)
    assert set(node["properties"]) == set(keys), where
    assert node["additionalProperties"] is False, where


def test_enumerations_match_the_parser():
    assert _props("privacy")["preset"]["enum"] == list(PRESETS)
    assert _props("over_time")["metrics"]["items"]["enum"] == list(RATES)
    overrides = _props("standard")["overrides"]["additionalProperties"]
    assert set(overrides["properties"]) == set(OVERRIDE_KEYS)
    rules = [set(o.get("properties", {})) for o in _props("data")["threshold"]["oneOf"]]
    assert {"top_percent"} in rules and {"top_k"} in rules


def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(SCHEMA)


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_bundled_configs_are_valid_and_name_the_schema_for_editors(path):
    text = path.read_text(encoding="utf-8")
    errors = list(_validator().iter_errors(yaml.load(text, Loader=_Yaml12Loader)))
    assert not errors, [e.message for e in errors]
    first = text.splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    target = (path.parent / first.split("$schema=", 1)[1]).resolve()
    assert target == schema_path("audit-config.schema.json").resolve()


def _with_unknown_key(raw: dict, where: str) -> dict:
    raw = copy.deepcopy(raw)
    path, _ = KEY_SETS[where]
    node = raw
    for step in path:
        if step == "[]":
            node = node[0]
            continue
        if step == "protected":
            node[step] = [{"column": "sex"}]
        elif step in ("impact_assessments", "risks"):
            node[step] = [{"name": "x"}]
        else:
            node.setdefault(step, {})
        node = node[step]
    node["no_such_key"] = 1
    return raw


@pytest.mark.parametrize("where", list(KEY_SETS))
def test_an_unknown_key_is_refused_by_both(where):
    raw = {"data": {"path": "x.csv", "y_true": "y", "y_pred": "p"}, "protected": ["sex"]}
    assert not list(_validator().iter_errors(raw))
    bad = _with_unknown_key(raw, where)
    assert list(_validator().iter_errors(bad)), where
    if where == "estimator":
        bad["estimator"].update({"path": "m.skops", "features": ["a"]})
    if where == "drift":
        bad["data"]["reference"] = "ref.csv"
    if where == "over_time":
        bad["data"]["time"] = "date"
    with pytest.raises(EssexStandardError, match="no_such_key"):
        cfg = parse_config(bad, source="t", base_dir=ROOT)
        # Sections owned by later stages are checked by those stages.
        from essex_standard.privacy import resolve_privacy
        from essex_standard.standard.configured import standard_for_config

        calibration.parse_options(cfg.sections.get("calibration"))
        drift.parse_options(cfg.sections.get("drift"))
        over_time.parse_options(cfg.sections.get("over_time"))
        resolve_privacy(cfg.sections.get("privacy"))
        standard_for_config(cfg)
