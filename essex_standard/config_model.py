"""The ``model:`` section of audit.yaml: free text about the model for the reports.

Every field must be text (a number or a date written bare in YAML is accepted): a mapping
such as ``name: {a: 1}`` would otherwise be printed as ``{'a': 1}`` in a public report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from .config_checks import check_keys
from .errors import ConfigError, shown

#: Free-text fields about the model that are carried into reports.  A report shows a missing
#: field as "not provided", never an invented value.
MODEL_TEXT_FIELDS: tuple[str, ...] = (
    "name",
    "version",
    "owner",
    "purpose",
    "not_used_for",
    "description",
    "benefit",
    "decision_use",
    "human_review",
    "training",
    "challenge",
    "senior_responsible_owner",
    "team",
    "contact_email",
    "third_parties",
    "data_sources",
    "data_sharing",
    "fairness_priority",
    "audit_date",
    # Wording for the public report's natural frequencies ("of every 100 families who were
    # not re-referred, 12 were flagged"): plural noun for a row, the outcome and the flag.
    "people",
    "outcome",
    "no_outcome",
    "flagged",
    # Further ATRS v3.0 fields (see docs/reports.md for the mapping).
    "website",
    "phase",
    "scope",
    "previous_process",
    "alternatives",
    "frequency",
    "model_task",
    "model_inputs",
    "model_outputs",
    "architecture",
    "maintenance",
    "data_collection",
    "data_cleaning",
    "data_access",
    "license",
    # GOV.UK filters for the ATRS record (docs/reports.md) and its source data URL.
    "organisation_type",
    "function",
    "region",
    "source_data_url",
)
#: Structured (non-text) fields under ``model:``: impact_assessments (list of {name, date,
#: link, description}), risks (list of {name, description, mitigation}), responses
#: (criterion id → what the organisation did about it) and suppliers (ATRS 2.1.4: list of
#: {name, companies_house_number, role, procurement_type, data_access_terms}), validated by
#: ``_parse_model_item``.
MODEL_LIST_FIELDS: tuple[str, ...] = ("impact_assessments", "risks", "responses", "suppliers")
MODEL_ITEM_KEYS = {
    "impact_assessments": (("name",), ("name", "date", "link", "description")),
    "risks": (("name",), ("name", "description", "mitigation")),
    "suppliers": (("name",), ("name", "companies_house_number", "role", "procurement_type",
                             "data_access_terms")),
}


def _parse_model_item(key: str, value: Any, src: str) -> Any:
    """Validate a structured ``model:`` field; values become plain strings."""
    if key == "responses":
        if not isinstance(value, Mapping) or not all(
            isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value.values()
        ):
            raise ConfigError(
                f"{src}: 'model.responses' must map a Standard criterion id to what was done "
                "about it, e.g. 'responses: {F2: \"We reviewed the threshold...\"}'."
            )
        return {str(k): str(v).strip() for k, v in value.items()}
    required, allowed = MODEL_ITEM_KEYS[key]
    if not isinstance(value, list):
        raise ConfigError(
            f"{src}: 'model.{key}' must be a list of mappings with keys {', '.join(allowed)}."
        )
    items = []
    for i, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise ConfigError(
                f"{src}: 'model.{key}[{i}]' must be a mapping with keys {', '.join(allowed)}; "
                f"got {shown(item)}."
            )
        check_keys(f"model.{key}[{i}].", item, allowed, src)
        for k, v in item.items():
            _check_text(v, f"model.{key}[{i}].{k}", src)
        for need in required:
            if not item.get(need):
                raise ConfigError(f"{src}: 'model.{key}[{i}].{need}' is missing.")
        items.append({k: str(v).strip() for k, v in item.items() if v is not None})
    return items


def parse_model(section: Any, src: str) -> dict[str, Any]:
    if section is None:
        return {}
    if not isinstance(section, Mapping):
        raise ConfigError(f"{src}: 'model' must be a mapping (name, version, owner, purpose...).")
    check_keys("model.", section, MODEL_TEXT_FIELDS + MODEL_LIST_FIELDS, src)
    out: dict[str, Any] = {}
    for key, value in section.items():
        if key in MODEL_LIST_FIELDS:
            out[key] = _parse_model_item(key, value, src)
        elif value is not None:
            _check_text(value, f"model.{key}", src)
            out[key] = str(value).strip()
    email = out.get("contact_email")
    if email and not _looks_like_email(email):
        raise ConfigError(
            f"{src}: 'model.contact_email' is {shown(email)}, which is not an e-mail address. Give "
            "one address such as transparency@example.gov.uk (one @, a dot in the domain, no "
            "spaces), or leave the key out."
        )
    return out


def _check_text(value: Any, key: str, src: str) -> None:
    """A free-text field must be text (or a number or date written bare in YAML)."""
    if value is None or isinstance(value, (str, int, float, bool, dt.date)):
        return
    raise ConfigError(
        f"{src}: '{key}' must be text, not {shown(value)}. Quote it if it holds a colon or "
        "brackets, e.g. name: \"Risk model: v2\"."
    )


def _looks_like_email(text: str) -> bool:
    """A sanity check, not RFC 5322: one ``@``, a dot inside the domain, no spaces.

    >>> _looks_like_email("team@example.gov.uk"), _looks_like_email("Team Inbox")
    (True, False)
    """
    if any(c.isspace() for c in text) or text.count("@") != 1:
        return False
    local, domain = text.split("@")
    return bool(local) and "." in domain and not domain.startswith(".") \
        and not domain.endswith(".")
