"""The order and names in which a protected characteristic's groups are shown.

Groups come out of the data sorted as text, which puts age bands in the order 0-4, 10-15,
16-17, 5-9 and shows coded values as codes (A92).  Every output lists groups in the order of
``results.json``, so they are arranged once, here, right after coding:

* by default in the data's *natural* order: numbers inside a value compare as numbers
  (0-4, 5-9, 10-15, 16-17; 2, 10), text as text ignoring case;
* ``protected[].order`` (a list of values) puts the values it lists first, in that order;
  values it leaves out follow in natural order;
* ``protected[].labels`` (value → label) renames coded values (``A92: female``) in every
  output; ``reference`` and ``order`` may use either the value or its label.

"Not recorded" (``(missing)``) always comes last.  A value in ``order`` or ``labels`` that the
data does not hold is an error naming the key and the value, never silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from .errors import ConfigError, DataError, shown
from .groups import MISSING, Grouping

GROUP_DISPLAY_KEYS = ("order", "labels")


def natural_key(label: str) -> tuple[tuple[int, int, str], ...]:
    """A sort key that compares runs of digits as numbers and text without case.

    >>> sorted(["10-15", "5-9", "16-17", "0-4"], key=natural_key)
    ['0-4', '5-9', '10-15', '16-17']
    >>> sorted(["item 10", "Item 2", "item 1"], key=natural_key)
    ['item 1', 'Item 2', 'item 10']
    """
    parts = re.findall(r"\d+|\D+", label)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p.casefold()) for p in parts)


def _text(value: Any, key: str, src: str) -> str:
    if value is None or isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ConfigError(f"{src}: '{key}' must hold group values as text, not {shown(value)}.")
    return str(value).strip()


def parse_group_display(item: Mapping[str, Any], i: int, src: str
                        ) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """``protected[i].order`` and ``protected[i].labels`` from the config, checked for shape:
    a list of distinct values, and a mapping of values to distinct, non-empty labels.

    >>> parse_group_display({"order": ["0-4", 5], "labels": {"A92": "female"}}, 0, "a.yaml")
    (('0-4', '5'), (('A92', 'female'),))
    >>> parse_group_display({"order": ["x", "x"]}, 2, "a.yaml")
    Traceback (most recent call last):
    ...
    essex_standard.errors.ConfigError: a.yaml: 'protected[2].order' lists 'x' twice.
    """
    order_raw, labels_raw = item.get("order"), item.get("labels")
    order: list[str] = []
    if order_raw is not None:
        if not isinstance(order_raw, list):
            raise ConfigError(f"{src}: 'protected[{i}].order' must be a list of the groups' "
                              f"values in the order to show them, not {shown(order_raw)}.")
        for k, v in enumerate(order_raw):
            value = _text(v, f"protected[{i}].order[{k}]", src)
            if value in order:
                raise ConfigError(f"{src}: 'protected[{i}].order' lists {shown(value)} twice.")
            order.append(value)
    labels: dict[str, str] = {}
    if labels_raw is not None:
        if not isinstance(labels_raw, Mapping):
            raise ConfigError(f"{src}: 'protected[{i}].labels' must map a value in the data to "
                              f"its label, e.g. 'labels: {{A92: female}}', not "
                              f"{shown(labels_raw)}.")
        for k, v in labels_raw.items():
            value = _text(k, f"protected[{i}].labels", src)
            label = _text(v, f"protected[{i}].labels.{value}", src)
            if not label:
                raise ConfigError(f"{src}: 'protected[{i}].labels.{value}' is empty.")
            if label == MISSING:
                raise ConfigError(f"{src}: 'protected[{i}].labels.{value}' is '{MISSING}', "
                                  "which is kept for values not recorded; choose another label.")
            if label in labels.values():
                raise ConfigError(f"{src}: 'protected[{i}].labels' gives two values the label "
                                  f"{shown(label)}; each group needs its own label.")
            labels[value] = label
    return tuple(order), tuple(labels.items())


def raw_value(value: str | None, labels: tuple[tuple[str, str], ...]) -> str | None:
    """The data's value for ``value`` given as a value or as its label.

    >>> raw_value("female", (("A92", "female"),)), raw_value("A91", (("A92", "female"),))
    ('A92', 'A91')
    """
    if value is None:
        return None
    inverse = {label: v for v, label in labels}
    return value if value in dict(labels) else inverse.get(value, value)


def arrange(g: Grouping, order: tuple[str, ...] = (),
            labels: tuple[tuple[str, str], ...] = ()) -> Grouping:
    """``g`` with its groups in display order and renamed by ``labels`` (codes renumbered to
    match, the reference group kept).

    >>> from essex_standard.groups import make_grouping
    >>> import pandas as pd
    >>> g = make_grouping("age", pd.Series(["10-15", "5-9", None, "0-4", "5-9"]))
    >>> arrange(g).labels
    ('0-4', '5-9', '10-15', '(missing)')
    >>> a = arrange(g, order=("10-15",), labels=(("0-4", "baby"),))
    >>> a.labels, a.codes.tolist(), a.labels[a.reference]
    (('10-15', 'baby', '5-9', '(missing)'), [0, 2, 3, 1, 2], '5-9')
    """
    present = [lab for lab in g.labels if lab != MISSING]
    mapping = dict(labels)
    for value in mapping:
        if value not in present:
            raise DataError(_unknown(g, "labels", value, present))
    wanted = [raw_value(v, labels) or v for v in order]
    for given, value in zip(order, wanted, strict=True):
        if value not in present:
            raise DataError(_unknown(g, "order", given, present))
    rest = sorted((lab for lab in present if lab not in wanted), key=lambda s: (natural_key(s), s))
    new = wanted + rest + ([MISSING] if MISSING in g.labels else [])
    shown_labels = [mapping.get(lab, lab) for lab in new]
    clash = sorted({lab for lab in shown_labels if shown_labels.count(lab) > 1})
    if clash:
        raise DataError(f"protected attribute {shown(g.name, 60)}: 'labels' names a group "
                        f"{shown(clash[0])}, which is also another group's value in the data; "
                        "give it a label of its own.")
    position = np.array([new.index(lab) for lab in g.labels], dtype=np.int64)
    return Grouping(g.name, g.columns, position[g.codes], tuple(shown_labels),
                    int(position[g.reference]), g.reference_rule, tuple(labels))


def _unknown(g: Grouping, key: str, value: str, present: list[str]) -> str:
    listed = ", ".join(shown(x, 40) for x in present[:20])
    return (f"protected attribute {shown(g.name, 60)}: '{key}' names {shown(value)}, which "
            f"does not occur in the data. The groups are: {listed}. Fix 'protected[].{key}' "
            "in the config.")
