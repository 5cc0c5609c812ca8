"""Shared checks for configuration sections: unknown keys, types, finite numbers.

Used by ``config`` and by the stages that validate their own sections (calibration, drift,
over time), so that every section refuses a misspelt key the same way.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from typing import Any

from .errors import ConfigError, shown


def suggest(word: str, options: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" Did you mean '{close[0]}'?" if close else ""


def check_keys(where: str, mapping: Mapping[str, Any], allowed: tuple[str, ...], src: str) -> None:
    """Refuse unknown keys under ``where`` (e.g. ``"drift."``), suggesting the closest one."""
    for key in mapping:
        if key not in allowed:
            raise ConfigError(
                f"{src}: unknown key {shown(f'{where}{key}')}.{suggest(str(key), allowed)} "
                f"Allowed keys here: {', '.join(allowed)}."
            )


def expect(value: Any, kind: type | tuple[type, ...], key: str, src: str, hint: str) -> Any:
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        raise ConfigError(f"{src}: '{key}' must be {hint}, not {shown(value)}.")
    if not isinstance(value, kind):
        raise ConfigError(f"{src}: '{key}' must be {hint}, not {shown(value)}.")
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{src}: '{key}' is {value}; it must be {hint} (a finite number).")
    return value
