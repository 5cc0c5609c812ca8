""""In short" of the public report: who is worse off, in words a resident reads at a glance.

Only the judge's findings are named: the gaps it found *not met*, oriented towards the
worse-off group (:mod:`.findings`), and, as the headline, the gap the judge marked ``worst``
in each criterion.  Nothing here compares a figure with a limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def and_list(names: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'.

    >>> and_list(["0-4"]), and_list(["0-4", "16-17"]), and_list(["0-4", "10-15", "16-17"])
    ('0-4', '0-4 and 16-17', '0-4, 10-15 and 16-17')
    """
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                "ten", "eleven", "twelve")


def number_words(n: int) -> str:
    """Small counts in words ("three of the four"), so that no count of groups reads like a
    count of people that disclosure control should have hidden.

    >>> number_words(3), number_words(14)
    ('three', '14')
    """
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else f"{n:,}"


def _shown(group: Any) -> str:
    return str(group).replace("(missing)", "not recorded")


def worse_off(doc: Mapping[str, Any], not_met: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The worse-off groups of the not-met findings, one entry per characteristic, in the
    order of the audit's characteristics and each one's groups in the data's order, with how
    many of the characteristic's groups that is: "three of the four groups by age band (0-4,
    10-15 and 16-17)"."""
    fairness = doc.get("fairness") or {}
    order = list(fairness)
    found: dict[Any, dict[str, Any]] = {}
    for f in not_met:
        entry = found.setdefault(f["attribute"], {"attribute": f["attribute"],
                                                  "label": f["label"], "groups": []})
        if f["worse"] not in entry["groups"]:
            entry["groups"].append(f["worse"])
    out = []
    for attr in sorted(found, key=lambda a: order.index(a) if a in order else len(order)):
        entry = found[attr]
        groups = list((fairness.get(attr) or {}).get("groups") or {})
        names = sorted(entry["groups"], key=lambda g: groups.index(g) if g in groups
                       else len(groups))
        out.append({**entry, "groups": [_shown(g) for g in names], "count": len(names),
                    "all": len(names) == len(groups),
                    "count_words": number_words(len(names)),
                    "of_words": number_words(len(groups)),
                    "text": and_list([_shown(g) for g in names])})
    return out


def headlines(not_met: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The gap the judge marked worst in each criterion, when its figures can be shown."""
    return [f for f in not_met if f.get("worst") and not f.get("hidden")]


def override_phrase(overrides: list[Mapping[str, Any]]) -> str | None:
    """What the owner did to the Standard's limits, in a phrase: *set* a limit the Standard
    leaves to them is not *changed* one.

    >>> override_phrase([{"default_known": True, "default": None}])
    'We set one limit that the Standard leaves to us'
    >>> override_phrase([{"default_known": True, "default": 0.1}, {"default_known": False}])
    'We changed two of its limits'
    """
    if not overrides:
        return None
    set_ = sum(1 for o in overrides if o.get("default_known") and o.get("default") is None)
    changed = len(overrides) - set_
    parts = []
    if set_:
        parts.append(f"set {number_words(set_)} limit{'s' if set_ != 1 else ''} that the "
                     f"Standard leaves to us")
    if changed:
        parts.append(f"changed {number_words(changed)} of its limits")
    return "We " + " and ".join(parts)
