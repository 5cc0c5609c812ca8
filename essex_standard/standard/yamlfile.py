"""YAML that remembers where things are, so errors can name the line and the key.

PyYAML's ``safe_load`` forgets positions and silently keeps the last of two duplicate keys;
for a Standard or an attestations file a duplicated ``F2:`` would quietly discard an answer.
This loader records the line of every mapping key and sequence item and refuses duplicates.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import StandardFileError


class YamlMap(dict):
    """A mapping that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line) if hasattr(self, "key_lines") else self.line


class YamlList(list):
    """A sequence that knows its own line and the line of each item (1-based)."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        lines = getattr(self, "item_lines", [])
        return lines[index] if index < len(lines) else self.line


class _Loader(yaml.SafeLoader):
    """SafeLoader that builds :class:`YamlMap` / :class:`YamlList` with positions."""


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> YamlMap:
    loader.flatten_mapping(node)
    out = YamlMap()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in out:
            raise _DuplicateKey(key, line, out.key_lines[key])
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = line
    return out


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> YamlList:
    out = YamlList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


class _DuplicateKey(Exception):
    def __init__(self, key: Any, line: int, first: int):
        super().__init__(key)
        self.key, self.line, self.first = key, line, first


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def load_yaml(text: str, source: str) -> Any:
    """Parse YAML text; syntax errors and duplicate keys become a :class:`StandardFileError`.

    >>> doc = load_yaml("a: 1\\nb:\\n  - x\\n", "demo.yaml")
    >>> doc.line_of("b"), doc["b"].line_of(0)
    (2, 3)
    """
    try:
        return yaml.load(text, Loader=_Loader)
    except _DuplicateKey as exc:
        raise StandardFileError(
            f"{source}, line {exc.line}: the key '{exc.key}' appears twice (first on line "
            f"{exc.first}). Keep one of them."
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise StandardFileError(f"{source}{where}: not valid YAML: {problem}.") from None


def read_yaml(path: Path, what: str) -> Any:
    """Read a YAML file, with errors that say which file and what it should be."""
    if not path.is_file():
        raise StandardFileError(f"{path}: no such {what} file.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise StandardFileError(f"{path}: not a UTF-8 text file; save the {what} as UTF-8.") \
            from None
    return load_yaml(text, str(path))


def line_of(container: Any, key: Any) -> int:
    """Line of ``key`` in a positioned mapping or sequence; 0 when unknown."""
    if isinstance(container, (YamlMap, YamlList)):
        return container.line_of(key)
    return 0


def where(source: str, container: Any, key: Any) -> str:
    """``"file, line N"`` for a key of a positioned container (just the file if unknown)."""
    line = line_of(container, key)
    return f"{source}, line {line}" if line else source
