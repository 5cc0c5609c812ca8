"""Display labels: names longer than :data:`LABEL_LIMIT` characters are shortened in reports.

A group, attribute or model name can be any length in the data (a 20,000-character group name
is legal CSV), and the reports repeat each name in tables, charts and findings: WeasyPrint then
spends minutes laying out unbreakable words.  The reports therefore show a long name cut to
its first characters and an ellipsis, and say that the full name is in ``results.json``
(which always keeps it whole).  The Markdown and JSON outputs are not laid out, so they keep
full names.

Shortening is done once, on a copy of the document the HTML reports are rendered from, so
every table, chart, caption and finding agrees; two long names that share their beginning get
distinct labels ("…", "… (2)").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LABEL_LIMIT = 100


def capitalize_first(text: object) -> str:
    """The text with its first letter upper-cased and nothing else changed.

    Jinja's own ``capitalize`` (and ``str.capitalize``) lower-case the rest, turning
    "NHS trust" into "Nhs trust" and "over $50K" into "Over $50k"; a name a council typed must
    reach the reader as typed.

    >>> capitalize_first("nHS trust"), capitalize_first("$50K or more"), capitalize_first("")
    ('NHS trust', '$50K or more', '')
    """
    s = str(text)
    return s[:1].upper() + s[1:]
NOTE = ("Some names are longer than {limit} characters; they are shortened in this report and "
        "end in “…”. The full names are in results.json.")


def long_names(doc: Mapping[str, Any], limit: int = LABEL_LIMIT) -> list[str]:
    """The attribute, group and model names longer than ``limit``, longest first.

    >>> long_names({"fairness": {"sex": {"groups": {"F": {}, "x" * 120: {}},
    ...                                  "reference_group": "F"}}})[0][:3]
    'xxx'
    """
    names: set[str] = set()
    model_name = (doc.get("model") or {}).get("name")
    if isinstance(model_name, str):
        names.add(model_name)
    for attr, section in (doc.get("fairness") or {}).items():
        names.add(attr)
        names.update(str(g) for g in (section.get("groups") or {}))
        if section.get("reference_group") is not None:
            names.add(str(section["reference_group"]))
    return sorted((n for n in names if len(n) > limit), key=lambda n: (-len(n), n))


def shortened(names: list[str], limit: int = LABEL_LIMIT) -> dict[str, str]:
    """Long name → its label: the first characters, an ellipsis, a number if needed.

    >>> labels = shortened(["a" * 150, "a" * 140], limit=10)
    >>> sorted(labels.values())
    ['aaaaaaaaa…', 'aaaaaaaaa… (2)']
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in sorted(names):
        base = " ".join(name[: limit - 1].split()) + "…"
        label, k = base, 1
        while label in used:
            k += 1
            label = f"{base} ({k})"
        used.add(label)
        out[name] = label
    return out


def _replace(value: Any, labels: list[tuple[str, str]]) -> Any:
    if isinstance(value, str):
        for name, label in labels:
            if name in value:
                value = value.replace(name, label)
        return value
    if isinstance(value, Mapping):
        return {_replace(k, labels): _replace(v, labels) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_replace(v, labels) for v in value]
    return value


def display_doc(doc: dict[str, Any], limit: int = LABEL_LIMIT) -> tuple[dict[str, Any], bool]:
    """The document with long names shortened everywhere (and a note), and whether any was.

    The original document is not changed; without long names it is returned as is.

    >>> doc = {"model": {"name": "M"}, "notes": [],
    ...        "fairness": {"g": {"groups": {"A": {}, "B" * 300: {}}, "reference_group": "A"}}}
    >>> shown, changed = display_doc(doc)
    >>> changed, max(len(g) for g in shown["fairness"]["g"]["groups"]), len(shown["notes"])
    (True, 100, 1)
    """
    names = long_names(doc, limit)
    if not names:
        return doc, False
    labels = shortened(names, limit)
    shown = _replace(doc, [(n, labels[n]) for n in names])  # longest first
    shown["notes"] = [*(shown.get("notes") or []), NOTE.format(limit=limit)]
    return shown, True
