"""A criterion's words for residents, held in the Standard file and filled in by the judge.

A criterion's ``why``, ``rule`` and ``words`` may name placeholders, e.g.
``must not differ by more than {threshold_in_100}`` or ``wrongly {flagged}``.  The judge fills
them with the threshold *applied* (after the owner's overrides) and with the model's own nouns
(``model.people``, ``model.flagged``...), and writes the sentences into ``results.json``; the
reports print them as they are.  So a council's new criterion reads as well as a built-in one
with no Python, and no report can state a limit other than the one the verdict used.

>>> fill("no more than {threshold_in_100} {people}", 0.1, {"people": "families"})
'no more than 10 in every 100 families'
>>> fill("between {low_x100} and {high_x100}", (0.6667, 1.5), {})
'between 67 and 150'
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

#: The model's own nouns (config ``model.people`` ...) and what to say when none is given.
DEFAULT_WORDS = {
    "people": "people",
    "outcome": "had the outcome the model predicts",
    "no_outcome": "did not have the outcome the model predicts",
    "flagged": "flagged",
}
#: Placeholders for a single threshold (every comparison except ``between``).
SINGLE = ("threshold", "threshold_in_100", "threshold_percent", "threshold_points",
          "threshold_upper_percent")
#: Placeholders for a ``[low, high]`` threshold (``comparison: between``).
PAIR = ("low", "high", "low_in_100", "high_in_100", "low_percent", "high_percent",
        "low_x100", "high_x100")
PLACEHOLDERS = SINGLE + PAIR + tuple(DEFAULT_WORDS)


def placeholders(text: str) -> list[str]:
    """The placeholder names a text uses, in order.

    >>> placeholders("at most {threshold_percent} of {people}")
    ['threshold_percent', 'people']
    """
    return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]


def problem(text: str, comparison: str) -> str | None:
    """Why ``text`` cannot be filled for a criterion with this comparison (None if it can)."""
    try:
        names = placeholders(text)
    except ValueError as e:
        return f"has a stray brace ({e}); write {{{{ or }}}} for a literal brace"
    allowed = (PAIR if comparison == "between" else SINGLE) + tuple(DEFAULT_WORDS)
    for name in names:
        if name not in PLACEHOLDERS:
            return f"names the placeholder {{{name}}}, which is not known. Known: " + \
                ", ".join(f"{{{p}}}" for p in allowed)
        if name not in allowed:
            kind = "a [low, high] pair" if comparison == "between" else "a single number"
            return (f"names {{{name}}}, but this criterion's threshold is {kind}. Use: "
                    + ", ".join(f"{{{p}}}" for p in allowed))
    return None


def _number(x: float) -> str:
    """30 → '30', 1000 → '1,000', 0.25 → '0.25'."""
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:.4g}"


def _in_100(x: float) -> str:
    return f"{round(100 * x, 2):g} in every 100"


def _percent(x: float) -> str:
    return f"{round(100 * x, 1):g}%"


def _points(x: float) -> str:
    v = round(100 * x, 2)
    return f"{v:g} percentage point{'' if v == 1 else 's'}"


def threshold_words(threshold: Any) -> dict[str, str]:
    """Every threshold placeholder's text for one threshold (a number or a pair)."""
    if threshold is None:
        return {}
    if isinstance(threshold, (list, tuple)):
        lo, hi = float(threshold[0]), float(threshold[1])
        return {"low": f"{lo:.4g}", "high": f"{hi:.4g}", "low_in_100": _in_100(lo),
                "high_in_100": _in_100(hi), "low_percent": _percent(lo),
                "high_percent": _percent(hi), "low_x100": f"{round(100 * lo):g}",
                "high_x100": f"{round(100 * hi):g}"}
    t = float(threshold)
    return {"threshold": _number(t), "threshold_in_100": _in_100(t),
            "threshold_percent": _percent(t), "threshold_points": _points(t),
            "threshold_upper_percent": _percent(1 / t) if t else "none"}


def nouns(model: Mapping[str, Any] | None) -> dict[str, str]:
    """The model's own nouns, each falling back to :data:`DEFAULT_WORDS`."""
    model = model or {}
    return {k: str(model.get(k) or v) for k, v in DEFAULT_WORDS.items()}


def fill(text: str | None, threshold: Any, words: Mapping[str, str],
         unset: str | None = None) -> str | None:
    """``text`` with its placeholders filled.  When it needs a threshold and none was set (the
    owner declares it), each threshold placeholder reads ``unset``, or the result is None.

    >>> fill("at least {threshold}", None, {}, unset="the level the owner sets")
    'at least the level the owner sets'
    """
    if text is None:
        return None
    values = {**DEFAULT_WORDS, **words, **threshold_words(threshold)}
    if threshold is None and unset is not None:
        values.update({k: unset for k in SINGLE + PAIR})
    try:
        return text.format_map(values)
    except KeyError:  # a threshold placeholder while no threshold is set (owner declares)
        return None
