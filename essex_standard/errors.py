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
