"""Hostile configurations: YAML alias bombs, deep nesting, duplicate keys, and values that
must be refused before any work starts (each: exit 2, a message naming it, nothing written)."""

from __future__ import annotations

import pytest
import yaml
from _hostile_support import base_config, refused, write

from essex_standard.errors import ConfigError, StandardFileError
from essex_standard.standard.yamlfile import MAX_NODES, load_yaml


def bomb(levels: int = 9) -> str:
    """A 'billion laughs' flow value: 9 ** (levels + 1) strings once aliases are expanded."""
    value = "&l0 [" + ", ".join(['"lol"'] * 9) + "]"
    for k in range(1, levels + 1):
        value = f"&l{k} [{value}, " + ", ".join([f"*l{k - 1}"] * 8) + "]"
    return value


BASE = """\
model:
  name: {name}
data:
  path: d.csv
  y_true: y
  y_score: s
  threshold: {threshold}
protected:
  - column: sex
    reference: {reference}
  - eth
bootstrap: 0
calibration:
  bins: {bins}
"""
PLAIN = {"name": "m", "threshold": "0.5", "reference": "F", "bins": "10"}


@pytest.mark.parametrize("where", ["name", "threshold", "reference", "bins"])
def test_alias_bomb_in_any_value_is_refused_fast(tmp_path, capsys, where):
    text = BASE.format(**{**PLAIN, where: bomb()})
    assert len(text) < 2500  # about 1.6 KB of text ...
    config = write(tmp_path, text)
    # ... that would expand to billions of values: refused in well under a second's work.
    refused(capsys, tmp_path, config, "audit.yaml", "line", "alias", seconds=10)


def test_alias_bomb_in_the_attestations_file_is_refused(tmp_path, capsys):
    cfg = base_config()
    cfg["attestations"] = "att.yaml"
    config = write(tmp_path, cfg)
    (tmp_path / "att.yaml").write_text(f"answers:\n  O1: {bomb()}\n", encoding="utf-8")
    refused(capsys, tmp_path, config, "att.yaml", "alias", seconds=30)


def test_a_bomb_just_under_the_limit_is_still_read():
    # 9 ** 4 = 6,561 expanded strings: large but honest YAML is accepted.
    assert len(str(load_yaml(f"a: {bomb(3)}\n", "x.yaml"))) > 1000
    with pytest.raises(StandardFileError, match=f"more than {MAX_NODES:,} values"):
        load_yaml(f"a: {bomb(6)}\n", "x.yaml")


@pytest.mark.parametrize("text,needle", [
    ("a: " + "[" * 5000 + "]" * 5000 + "\n", "nested"),
    ("a: &x [1, *x]\n", "cycle"),
    ("a: " + "{b: " * 100 + "1" + "}" * 100 + "\n", "nested more than"),
])
def test_deep_or_cyclic_yaml_is_refused(tmp_path, capsys, text, needle):
    refused(capsys, tmp_path, write(tmp_path, text), needle)


def test_an_oversized_config_file_is_refused_unread(tmp_path, capsys):
    text = yaml.safe_dump(base_config()) + "#" + "x" * 3_000_000 + "\n"
    refused(capsys, tmp_path, write(tmp_path, text), "bytes", "refused")


@pytest.mark.parametrize("text,key,line", [
    ("data:\n  path: d.csv\n  y_true: y\n  y_true: s\n", "'y_true'", "line 4"),
    ("bootstrap: 0\nprotected: [sex]\nbootstrap: 100\n", "'bootstrap'", "line 3"),
    ("model:\n  name: a\n  name: b\n", "'name'", "line 3"),
])
def test_duplicate_keys_name_the_key_and_line(tmp_path, capsys, text, key, line):
    err = refused(capsys, tmp_path, write(tmp_path, text), key, line, "appears twice")
    assert "first on line" in err


@pytest.mark.parametrize("text,needle", [
    ("!!python/object/apply:os.system ['echo hi']\n", "python/object"),
    ("data: [unclosed\n", "not valid YAML"),
    ("- just\n- a list\n", "YAML mapping"),
])
def test_malformed_or_unsafe_yaml(tmp_path, capsys, text, needle):
    refused(capsys, tmp_path, write(tmp_path, text), needle)


def test_non_utf8_and_folder_configs(tmp_path, capsys):
    bad = tmp_path / "latin.yaml"
    bad.write_bytes("model: {name: caf\xe9}\n".encode("latin-1"))
    refused(capsys, tmp_path, bad, "UTF-8")
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    refused(capsys, tmp_path, folder, "is a directory")


def _with(changes: dict) -> dict:
    cfg = base_config()
    for dotted, value in changes.items():
        node = cfg
        *parents, last = dotted.split(".")
        for p in parents:
            node = node[p]
        node[last] = value
    return cfg


VALUE_CASES = [
    ({"data.threshold": float("nan")}, "'data.threshold' is nan", "finite"),
    ({"data.threshold": float("-inf")}, "'data.threshold' is -inf", "finite"),
    ({"data.threshold": float("inf")}, "'data.threshold' is inf", "finite"),
    ({"data.threshold": 5, "data.score_range": [0, 1]}, "nobody would be flagged", "[0, 1]"),
    ({"data.threshold": 0, "data.score_range": [0, 1]}, "everybody would be flagged", "[0, 1]"),
    ({"data.threshold": {"top_percent": float("nan")}}, "top_percent", "finite"),
    ({"data.score_range": [0, float("inf")]}, "'data.score_range'", "finite"),
    ({"data.score_range": [float("nan"), 1]}, "'data.score_range'", "finite"),
    ({"bootstrap": 1_000_000_000}, "'bootstrap' is 1,000,000,000", "at most 100,000"),
    ({"bootstrap": 100_001}, "'bootstrap'", "memory"),
    ({"confidence_level": float("nan")}, "'confidence_level'", "finite"),
    ({"model.name": {"a": 1}}, "'model.name' must be text", "{'a': 1}"),
    ({"model.owner": ["x", "y"]}, "'model.owner' must be text", "Quote it"),
    ({"model.impact_assessments": [{"name": {"x": 1}}]}, "'model.impact_assessments[0].name'",
     "must be text"),
    ({"protected": [{"column": "sex", "reference": {"a": 1}}]}, "'protected[0].reference'",
     "must be text"),
    ({"protected": [{"column": ["sex"]}]}, "'protected[0].column'", "must be text"),
    ({"protected": [{"column": "sex", "categorical": "yes"}]}, "'protected[0].categorical'",
     "true or false"),
    ({"data.path": {"x": 1}}, "'data.path' must be a file path", "{'x': 1}"),
    ({"data.missing_values": {"a": 1}}, "'data.missing_values'", "list"),
    ({"data.missing_values": [""]}, "'data.missing_values' lists a blank", "always missing"),
    ({"data.positive_label": float("nan")}, "'data.positive_label'", "single value"),
    ({"max_groups": 1}, "'max_groups' is 1", "from 2"),
    ({"max_groups": 10**9}, "'max_groups'", "10,000"),
    ({"data.y_true": "y" * 5000}, "no column", "characters in all"),
]


@pytest.mark.parametrize("changes,needle,hint", VALUE_CASES,
                         ids=[str(i) for i in range(len(VALUE_CASES))])
def test_bad_values_are_refused_before_any_work(tmp_path, capsys, changes, needle, hint):
    refused(capsys, tmp_path, write(tmp_path, _with(changes)), needle, hint)


def test_estimator_section_values(tmp_path, capsys):
    cfg = base_config()
    del cfg["data"]["y_score"], cfg["data"]["threshold"]
    cfg["estimator"] = {"path": ["m.skops"], "features": ["s"]}
    refused(capsys, tmp_path, write(tmp_path, cfg), "'estimator.path' must be a file path")


def test_audit_frame_threshold_nan_is_refused():
    from _hostile_support import frame

    import essex_standard

    with pytest.raises(ConfigError, match=r"'data\.threshold' is nan"):
        essex_standard.audit_frame(frame(), y_true="y", y_score="s", threshold=float("nan"),
                                   sensitive_features=["sex"], bootstrap=0)


def test_a_threshold_above_every_score_is_said_loudly():
    from _hostile_support import frame

    import essex_standard

    result = essex_standard.audit_frame(frame(), y_true="y", y_score="s", threshold=7,
                                        sensitive_features=["sex"], bootstrap=0)
    assert any("Nobody was flagged" in note and "7" in note for note in result.doc["notes"])


def test_alias_bomb_in_a_standard_file_is_refused(tmp_path, capsys):
    cfg = base_config()
    cfg["standard"] = {"path": "ours.yaml"}
    config = write(tmp_path, cfg)
    (tmp_path / "ours.yaml").write_text(f"id: ours\ntitle: {bomb()}\n", encoding="utf-8")
    refused(capsys, tmp_path, config, "ours.yaml", "alias", seconds=30)


def test_the_gate_command_reads_configs_with_the_same_loader(tmp_path, capsys):
    config = write(tmp_path, BASE.format(**{**PLAIN, "name": bomb()}))
    refused(capsys, tmp_path, config, "alias", command="gate", seconds=10)
