"""YAML that remembers where things are, so errors can name the line and the key.

PyYAML's ``safe_load`` forgets positions and silently keeps the last of two duplicate keys;
for a Standard or an attestations file a duplicated ``F2:`` would quietly discard an answer.
This loader records the line of every mapping key and sequence item and refuses duplicates.

It is the one YAML loader of the tool (audit.yaml, Standards, attestations), and it refuses
hostile files before building anything: a file over :data:`MAX_BYTES`, nesting deeper than
:data:`MAX_DEPTH`, or aliases that would expand to more than :data:`MAX_NODES` values (a
"billion laughs" alias bomb is 1.6 KB of text and billions of values once expanded).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import EssexStandardError, StandardFileError

#: Limits far above any real configuration, Standard or attestations file (the bundled
#: Standard has a few thousand values), and far below what would hang or exhaust memory.
MAX_BYTES = 2_000_000
MAX_DEPTH = 64
MAX_NODES = 200_000


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


class _TooLarge(Exception):
    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.message, self.line = message, line


def _check_size(root: yaml.Node) -> None:
    """Refuse a node graph that is too deep, cyclic, or expands to too many values.

    Aliases make the composed graph a DAG that can be exponentially larger once expanded;
    the expanded size of each node is computed once (memoised), so the check itself is linear
    in the text.
    """
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            on_path.discard(key)
            total = 1 + sum(size[id(c)] for c in children)
            if total > MAX_NODES:
                raise _TooLarge(
                    f"it holds more than {MAX_NODES:,} values once its aliases ('*name', "
                    "repeating an anchor '&name') are expanded; a file this large is refused as "
                    "a likely alias bomb", node.start_mark.line + 1)
            size[key] = total
            continue
        if key in size:
            continue
        if key in on_path:
            raise _TooLarge("an alias refers to a value that contains it (a cycle)",
                            node.start_mark.line + 1)
        if depth > MAX_DEPTH:
            raise _TooLarge(f"values are nested more than {MAX_DEPTH} levels deep",
                            node.start_mark.line + 1)
        on_path.add(key)
        stack.append((node, depth, True))
        for child in children:
            if id(child) in on_path:
                raise _TooLarge("an alias refers to a value that contains it (a cycle)",
                                child.start_mark.line + 1)
            if id(child) not in size:
                stack.append((child, depth + 1, False))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


class _DuplicateKey(Exception):
    def __init__(self, key: Any, line: int, first: int):
        super().__init__(key)
        self.key, self.line, self.first = key, line, first


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def _compose_and_construct(text: str) -> Any:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_size(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def load_yaml(
    text: str, source: str, error: type[EssexStandardError] = StandardFileError
) -> Any:
    """Parse YAML text safely; syntax errors, duplicate keys and oversized or hostile files
    become ``error`` (a :class:`StandardFileError` unless told otherwise) naming the line.

    >>> doc = load_yaml("a: 1\\nb:\\n  - x\\n", "demo.yaml")
    >>> doc.line_of("b"), doc["b"].line_of(0)
    (2, 3)
    >>> try:
    ...     load_yaml("a: 1\\na: 2\\n", "demo.yaml")
    ... except StandardFileError as exc:
    ...     print(exc)
    demo.yaml, line 2: the key 'a' appears twice (first on line 1). Keep one of them.
    """
    from ..errors import shown

    if len(text) > MAX_BYTES:
        raise error(
            f"{source}: the file is {len(text):,} characters long; YAML files over "
            f"{MAX_BYTES:,} are refused (a configuration is a few kilobytes)."
        )
    try:
        return _compose_and_construct(text)
    except _DuplicateKey as exc:
        raise error(
            f"{source}, line {exc.line}: the key {shown(exc.key)} appears twice (first on line "
            f"{exc.first}). Keep one of them."
        ) from None
    except _TooLarge as exc:
        raise error(f"{source}, line {exc.line}: refused: {exc.message}.") from None
    except RecursionError:
        raise error(
            f"{source}: refused: values are nested too deeply to read (at most {MAX_DEPTH} "
            "levels)."
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = str(getattr(exc, "problem", None) or exc)[:300]
        if not mark:
            raise error(f"{source}: not valid YAML: {problem}.") from None
        line, column = mark.line + 1, mark.column + 1
        if issubclass(error, StandardFileError):
            raise error(f"{source}, line {line}, column {column}: not valid YAML: {problem}.") \
                from None
        raise error(f"{source}: not valid YAML at line {line}, column {column}: {problem}.") \
            from None


def read_yaml(
    path: Path, what: str, error: type[EssexStandardError] = StandardFileError,
    source: str | None = None,
) -> Any:
    """Read a YAML file, with errors that say which file and what it should be.

    The size is checked before the file is read, so a huge file is refused without loading it.
    """
    source = source or str(path)
    if not path.is_file():
        kind = "a folder" if path.is_dir() else ("not a regular file" if path.exists() else "")
        if kind:
            raise error(f"{source} is {kind}, not a {what} file.")
        raise error(f"{source}: no such {what} file.")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise error(
            f"{source}: the file is {size:,} bytes; YAML files over {MAX_BYTES:,} bytes are "
            f"refused (a {what} file is a few kilobytes)."
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise error(f"{source}: not a UTF-8 text file; save the {what} as UTF-8.") from None
    except OSError as exc:
        raise error(f"{source}: cannot read the {what} file ({exc.strerror}).") from None
    return load_yaml(text, source, error)


def line_of(container: Any, key: Any) -> int:
    """Line of ``key`` in a positioned mapping or sequence; 0 when unknown."""
    if isinstance(container, (YamlMap, YamlList)):
        return container.line_of(key)
    return 0


def where(source: str, container: Any, key: Any) -> str:
    """``"file, line N"`` for a key of a positioned container (just the file if unknown)."""
    line = line_of(container, key)
    return f"{source}, line {line}" if line else source
