"""The ``decision:`` section of audit.yaml, the audit date and the previous audit.

An audit is only half the story a council publishes: the other half is what its owner decided
after reading it (keep using the model, with conditions, pause it, withdraw it) and what its
ethics committee said.  Those are statements of the organisation, so they come from the config
and nowhere else; a report with no ``decision:`` says plainly that none has been recorded.

The audit date is the date the reports speak for.  When ``model.audit_date`` is not given it
is the run date (UTC, or the reproducible-build ``SOURCE_DATE_EPOCH`` when set), so that the
attestation checks always have a date to measure against and the cover never says "not
provided".
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from typing import Any

from .config_checks import check_keys
from .errors import ConfigError, shown

#: What the owner may decide.  The words are those a cover page prints (docs/config.md).
OUTCOMES: dict[str, str] = {
    "continue": "keep using the model",
    "continue_with_conditions": "keep using the model, on conditions",
    "pause": "stop using the model for now",
    "withdraw": "stop using the model for good",
}
DECISION_KEYS = ("outcome", "conditions", "reason", "decided_by", "role", "date",
                 "ethics_committee")
COMMITTEE_KEYS = ("name", "date", "view", "link")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def run_date(environ: Mapping[str, str] | None = None) -> dt.date:
    """Today in UTC, or the day of ``SOURCE_DATE_EPOCH`` when that is set (reproducible
    builds: the same inputs give the same results.json on any day and in any time zone).

    >>> run_date({"SOURCE_DATE_EPOCH": "0"}).isoformat()
    '1970-01-01'
    """
    epoch = (os.environ if environ is None else environ).get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).date()
    return dt.datetime.now(tz=dt.timezone.utc).date()


def parse_date(value: Any, key: str, src: str) -> dt.date:
    """A YYYY-MM-DD date (YAML may already have read it as a date), or a ConfigError."""
    text = value.isoformat() if isinstance(value, dt.date) else str(value).strip()
    day = None
    if _ISO.match(text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            day = None
    if day is None:
        raise ConfigError(f"{src}: '{key}' is {shown(value)}; write the date as YYYY-MM-DD, "
                          "e.g. 2026-03-31.")
    return day


def audit_date(model: Mapping[str, Any], src: str) -> str:
    """``model.audit_date`` checked, or the run date when it is not given.

    >>> audit_date({"audit_date": "2026-03-13"}, "audit.yaml")
    '2026-03-13'
    """
    value = model.get("audit_date")
    if value in (None, ""):
        return run_date().isoformat()
    day = parse_date(value, "model.audit_date", src)
    if day > run_date():
        raise ConfigError(f"{src}: 'model.audit_date' is {day}, in the future; give the date "
                          "of the audit (leave it out to use today's date).")
    return day.isoformat()


def _text(value: Any, key: str, src: str, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ConfigError(f"{src}: '{key}' is missing; see docs/config.md (decision).")
        return None
    if isinstance(value, (str, int, float, dt.date)) and not isinstance(value, bool):
        return " ".join(str(value).split())
    raise ConfigError(f"{src}: '{key}' must be text, not {shown(value)}.")


def _dated(value: Any, key: str, src: str) -> str:
    if value is None:
        raise ConfigError(f"{src}: '{key}' is missing; give the date as YYYY-MM-DD.")
    day = parse_date(value, key, src)
    if day > run_date():
        raise ConfigError(f"{src}: '{key}' is {day}, in the future; record a decision once it "
                          "has been made.")
    return day.isoformat()


def _committee(section: Any, src: str) -> dict[str, str]:
    if not isinstance(section, Mapping):
        raise ConfigError(f"{src}: 'decision.ethics_committee' must be a mapping with name, "
                          "date and view, e.g. {name: Data Ethics Committee, date: 2026-03-20, "
                          "view: 'Supports continued use if ...'}.")
    check_keys("decision.ethics_committee.", section, COMMITTEE_KEYS, src)
    out = {"name": str(_text(section.get("name"), "decision.ethics_committee.name", src, True)),
           "date": _dated(section.get("date"), "decision.ethics_committee.date", src),
           "view": str(_text(section.get("view"), "decision.ethics_committee.view", src, True))}
    link = _text(section.get("link"), "decision.ethics_committee.link", src)
    if link:
        out["link"] = link
    return out


def parse_decision(section: Any, src: str) -> dict[str, Any] | None:
    """Validate ``decision:``: what the owner decided after this audit, who, when, and the
    ethics committee's view.

    >>> parse_decision({"outcome": "continue_with_conditions", "conditions": ["Re-audit"],
    ...                 "decided_by": "Director", "date": "2026-01-05"}, "a.yaml")["conditions"]
    ['Re-audit']
    """
    if section is None:
        return None
    if not isinstance(section, Mapping):
        raise ConfigError(f"{src}: 'decision' must be a mapping with outcome, decided_by and date "
                          "(and conditions, reason, role, ethics_committee); see docs/config.md.")
    check_keys("decision.", section, DECISION_KEYS, src)
    outcome = section.get("outcome")
    if outcome not in OUTCOMES:
        raise ConfigError(f"{src}: 'decision.outcome' is {shown(outcome)}; use one of "
                          f"{', '.join(OUTCOMES)}.")
    conditions = section.get("conditions")
    if conditions is None:
        conditions = []
    if not isinstance(conditions, list):
        raise ConfigError(f"{src}: 'decision.conditions' must be a list of conditions, e.g. "
                          "['Re-audit within six months'].")
    listed = [str(_text(c, f"decision.conditions[{i}]", src, True))
              for i, c in enumerate(conditions)]
    if outcome == "continue_with_conditions" and not listed:
        raise ConfigError(f"{src}: 'decision.outcome' is continue_with_conditions but "
                          "'decision.conditions' lists none; list them, or use 'continue'.")
    if outcome == "continue" and listed:
        raise ConfigError(f"{src}: 'decision.conditions' are given but 'decision.outcome' is "
                          "continue; use continue_with_conditions.")
    out: dict[str, Any] = {
        "outcome": outcome,
        "conditions": listed,
        "decided_by": _text(section.get("decided_by"), "decision.decided_by", src, True),
        "date": _dated(section.get("date"), "decision.date", src),
    }
    for key in ("role", "reason"):
        value = _text(section.get(key), f"decision.{key}", src)
        if value:
            out[key] = value
    if section.get("ethics_committee") is not None:
        out["ethics_committee"] = _committee(section["ethics_committee"], src)
    return out


def parse_previous(value: Any, src: str) -> str | None:
    """``previous_audit:``: the results.json of the audit before this one (a path)."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{src}: 'previous_audit' must be the path of the previous audit's "
                          f"results.json, not {shown(value)}.")
    return value.strip()
