"""How the public outputs mark a hidden figure, and say why it is hidden.

Disclosure control (:mod:`essex_standard.privacy`) hides a figure for one of two reasons:

* **primary** (``c``, the Government Statistical Service's symbol for confidential): the
  figure rests on a count below ``min_cell``, too few people to show;
* **secondary** (``s``): the figure is about enough people, but showing it would let a reader
  work out a hidden figure about a smaller group by subtracting from a total.

Both marks carry their reason in the table cell (an ``abbr`` title) and in the key and the
glossary, so neither is described as "about very few people" when it is not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..privacy import Disclosure, figure_of

#: The mark shown in place of a hidden figure, by reason.
MARKS = {"primary": "c", "secondary": "s"}


def _few(disclosure: Disclosure, people: str) -> str:
    m = disclosure.min_cell
    if disclosure.suppress_zero or m <= 2:
        return f"fewer than {m} {people}" if m > 1 else f"no {people}"
    return f"between 1 and {m - 1} {people}"


def marks(disclosure: Disclosure, people: str) -> dict[str, dict[str, str]]:
    """Each reason's mark, a short reason for the cell's title and the key's full sentence.

    >>> from essex_standard.privacy import Disclosure
    >>> m = marks(Disclosure(min_cell=10, suppress_zero=True), "families")
    >>> m["primary"]["mark"], m["primary"]["short"]
    ('c', 'hidden: too few families')
    >>> m["secondary"]["mark"]
    's'
    """
    return {
        "primary": {
            "mark": MARKS["primary"],
            "short": f"hidden: too few {people}",
            "long": f"We hid this figure because it is about too few {people}: it rests on "
                    f"{_few(disclosure, people)}, so it could help someone identify a person.",
        },
        "secondary": {
            "mark": MARKS["secondary"],
            "short": "hidden so that a smaller group's figure cannot be worked out",
            "long": f"We hid this figure so that a smaller group's figure cannot be worked out. "
                    f"It is about enough {people} to show, but with it someone could take the "
                    f"other figures away from a total and find a figure we hid because it is "
                    f"about too few {people}.",
        },
    }


def hidden_named(doc: Mapping[str, Any], disclosure: Disclosure, groups: list[dict[str, Any]],
                 metric: str | list[str] | None) -> list[dict[str, Any]]:
    """Groups a report names (e.g. as failing a check) whose figure for ``metric`` (one name
    or several) is hidden, each with the reason, so the report can say so beside the name."""
    names = [metric] if isinstance(metric, str) else list(metric or [])
    out = []
    for g in groups:
        attr, group = g.get("attribute"), g.get("group")
        if attr is None or group is None:
            continue
        try:
            states = {disclosure.state(attr, group, figure_of(m)) for m in names}
        except KeyError:
            continue
        state = "primary" if "primary" in states else "secondary" if "secondary" in states \
            else "shown"
        if state != "shown":
            out.append({"attribute": attr, "group": group, "reason": state,
                        "row_hidden": disclosure.row_hidden(attr, group)})
    return out
