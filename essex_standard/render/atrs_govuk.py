"""GOV.UK publishing metadata for an ATRS record.

GOV.UK files each algorithmic transparency record under a few filter values (its *facets*):
organisation, organisation type, function, capability, phase, region, date published and ATRS
version. Their keys and allowed values are GOV.UK's own, copied unedited from
``alphagov/specialist-publisher`` into ``essex_standard/schema/atrs-govuk-finder.json``
(provenance in ``tests/data/PROVENANCE.md``). The config gives them in words ("Local
authority", "Production (synthetic example)"); this module turns the words into GOV.UK's
values, and says which required value is missing or not in GOV.UK's list, so that the record
states what still has to be done before it can be published instead of guessing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

FINDER_FILE = "atrs-govuk-finder.json"
PREFIX = "algorithmic_transparency_record_"
#: The config key under ``model:`` that fills each GOV.UK facet given in words.
FACET_CONFIG = {
    "organisation_type": "organisation_type",
    "function": "function",
    "region": "region",
    "phase": "phase",
}


@lru_cache(maxsize=1)
def finder_facets() -> dict[str, dict[str, Any]]:
    """GOV.UK's facets for algorithmic transparency records, by short key ("phase")."""
    from ..resources import schema_path

    finder = json.loads(schema_path(FINDER_FILE).read_text(encoding="utf-8"))
    return {f["key"].removeprefix(PREFIX): f for f in finder["facets"]}


def slug(text: str) -> str:
    """GOV.UK's style of value: lower case, words joined by hyphens.

    >>> slug("Example County Council")
    'example-county-council'
    >>> slug("Beta/Pilot")
    'beta-pilot'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("'", "")).strip("-")


def facet_value(facet: str, text: str) -> str | None:
    """The allowed value of ``facet`` that ``text`` names, or None.

    Matches a label or a value, ignoring case and punctuation, or a text that starts with one
    ("Production (synthetic example)" is production). The longest match wins, so
    "Private Beta" is not read as "Beta/Pilot".

    >>> facet_value("phase", "Production (synthetic example)")
    'production'
    >>> facet_value("phase", "pilot") is None
    True
    >>> facet_value("organisation_type", "Local authority")
    'local-authority'
    """
    wanted = slug(text)
    best: tuple[int, str] | None = None
    for allowed in finder_facets()[facet].get("allowed_values", []):
        for form in (slug(allowed["label"]), allowed["value"]):
            matches = wanted == form or wanted.startswith(form + "-")
            if matches and (best is None or len(form) > best[0]):
                best = (len(form), allowed["value"])
    return best[1] if best else None


def facet_label(facet: str, value: Any) -> str:
    """GOV.UK's label for a facet value (or values), for people to read.

    >>> facet_label("phase", "beta-pilot")
    'Beta/Pilot'
    """
    if isinstance(value, list):
        return ", ".join(facet_label(facet, v) for v in value)
    labels = {a["value"]: a["label"] for a in finder_facets()[facet].get("allowed_values", [])}
    return labels.get(value, str(value))


def govuk_metadata(model: Mapping[str, Any], atrs_version: str) -> tuple[dict[str, Any], list[str]]:
    """The record's GOV.UK metadata, and what stands in the way of publishing it.

    Returns ``(metadata, gaps)``: metadata keyed as GOV.UK keys it (only the facets the config
    gives), and one plain sentence per required facet that is missing or not in GOV.UK's list.
    """
    facets = finder_facets()
    meta: dict[str, Any] = {}
    gaps: list[str] = []
    organisation = re.split(r"[,(]", str(model.get("owner") or ""))[0].strip()
    if organisation:
        value = slug(organisation)
        meta[PREFIX + "organisation"] = value
        known = {a["value"] for a in facets["organisation"]["allowed_values"]}
        if value not in known:
            gaps.append(f"Organisation: '{value}' is not yet in GOV.UK's list of organisations "
                        "for these records; ask the ATRS team to add it.")
    for facet, key in FACET_CONFIG.items():
        text = model.get(key)
        if not text:
            continue
        multiple = facets[facet].get("specialist_publisher_properties", {}).get("select") \
            == "multiple"
        parts = [p.strip() for p in re.split(r"[;,]", str(text)) if p.strip()] if multiple \
            else [str(text)]
        values = []
        for part in parts:
            value = facet_value(facet, part)
            if value is None:
                labels = ", ".join(a["label"] for a in facets[facet]["allowed_values"])
                gaps.append(f"{facets[facet]['name']}: '{part}' is not one of GOV.UK's values "
                            f"({labels}).")
            elif value not in values:
                values.append(value)
        if values:
            meta[PREFIX + facet] = values if multiple else values[0]
    if model.get("audit_date"):
        meta[PREFIX + "date_published"] = str(model["audit_date"])
    meta[PREFIX + "atrs_version"] = f"v{atrs_version}"
    for facet, spec in facets.items():
        required = "required" in spec.get("specialist_publisher_properties", {}).get(
            "validations", {})
        if required and PREFIX + facet not in meta and not any(
                g.startswith(spec["name"] + ":") for g in gaps):
            gaps.append(f"{spec['name']}: not given in the config"
                        + (f" (model.{FACET_CONFIG[facet]})." if facet in FACET_CONFIG else
                           " (model.owner)." if facet == "organisation" else
                           " (model.audit_date)." if facet == "date_published" else "."))
    return meta, gaps
