"""Exceptions of our own, so the CLI can tell a user's mistake from a bug.

Every subclass of :class:`EssexStandardError` carries a message a reviewer can act on: which
file, key, column, row or value is wrong, and what to do.  The CLI prints it without a
traceback and exits with code 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class EssexStandardError(Exception):
    """Base class for errors caused by input the user can fix (exit code 2 in the CLI)."""

    exit_code = 2


class ConfigError(EssexStandardError):
    """The audit configuration is malformed: an unknown key, a wrong type, a bad value."""


class DataError(EssexStandardError):
    """A data file is missing, empty, unreadable, or a column holds values we cannot use."""


class ModelLoadError(EssexStandardError):
    """A model file cannot be loaded safely (untrusted pickle, unknown types, bad format)."""


class StandardFileError(EssexStandardError):
    """A Standard or attestations file is malformed."""


class ResultsError(EssexStandardError):
    """A results.json file is unreadable or does not match the schema."""


class EssexStandardWarning(UserWarning):
    """Something the user must know but that does not stop the audit (the CLI prints it as
    ``warning: ...``), e.g. that a trusted pickle's code was run."""


#: The longest value an error message repeats.  A hostile or broken input (a 10 MB header
#: line, a YAML alias bomb) must never turn into a 10 MB message.
SHOWN_CHARS = 80


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """``repr(value)`` cut to ``limit`` characters, saying how much was left out.

    >>> shown("abc")
    "'abc'"
    >>> shown("x" * 200, limit=10)
    "'xxxxxxxx… (202 characters in all)"
    """
    if isinstance(value, (dict, list, tuple, set)):
        try:
            text = _container_repr(value, limit)
        except RecursionError:
            return f"<a {type(value).__name__} nested too deeply to show>"
        return text if len(text) <= limit else f"{text[:limit - 1]}…"
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit - 1]}… ({len(text):,} characters in all)"


def _container_repr(value: object, limit: int) -> str:
    # repr() of a shared, aliased structure can be astronomically long; build only a prefix.
    out: list[str] = []
    size = 0

    def walk(v: object) -> None:
        nonlocal size
        if size > limit:
            return
        if isinstance(v, dict):
            out.append("{")
            for i, (k, item) in enumerate(v.items()):
                if i:
                    out.append(", ")
                out.append(f"{k!r}: ")
                walk(item)
                if size > limit:
                    break
            out.append("}")
        elif isinstance(v, (list, tuple, set)):
            out.append("[")
            for i, item in enumerate(v):
                if i:
                    out.append(", ")
                walk(item)
                if size > limit:
                    break
            out.append("]")
        else:
            piece = repr(v)[: limit + 1]
            out.append(piece)
        size = sum(len(p) for p in out)

    walk(value)
    text = "".join(out)
    return text if size <= limit else text[: limit + 1] + "…"
