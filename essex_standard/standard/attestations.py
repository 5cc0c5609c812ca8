"""Attestations: a person's answers to the attested criteria, in ``attestations.yaml``.

An answer is only worth what its provenance is worth, so each one records who gave it, in what
role, on what date, why, and where the evidence is.  The file is validated against the
Standard it answers: an answer to a criterion that does not exist, or to a measured one, is an
error naming the line, because a typo must not silently leave a criterion unanswered.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import StandardFileError
from .model import Standard
from .yamlfile import load_yaml, where

ANSWERS = ("yes", "no", "not applicable")
TOP_KEYS = ("standard", "standard_version", "answers")
ANSWER_KEYS = ("answer", "explanation", "evidence_link", "answered_by", "role", "date")
REQUIRED_KEYS = ("answer", "explanation", "answered_by", "role", "date")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Attestation:
    """One answer to an attested criterion."""

    answer: str
    explanation: str
    answered_by: str
    role: str
    date: str
    evidence_link: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        return {k: out[k] for k in ANSWER_KEYS}


@dataclass(frozen=True)
class Attestations:
    """All answers in one file, keyed by criterion id, with the file's provenance."""

    answers: dict[str, Attestation]
    path: str | None = None
    sha256: str | None = None


def normalise_answer(value: Any) -> str | None:
    """'yes' / 'no' / 'not applicable' from what a person (or YAML) wrote; None if unknown.

    YAML 1.1 reads an unquoted ``yes`` as ``True``; that is what the person meant.

    >>> normalise_answer(True), normalise_answer("N/A"), normalise_answer("maybe")
    ('yes', 'not applicable', None)
    """
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if not isinstance(value, str):
        return None
    text = " ".join(value.strip().lower().replace("_", " ").split())
    aliases = {"y": "yes", "n": "no", "na": "not applicable", "n/a": "not applicable",
               "not applicable": "not applicable", "yes": "yes", "no": "no"}
    return aliases.get(text)


def _text(source: str, entry: Mapping[str, Any], key: str, path: str) -> str | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, (dt.date, int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise StandardFileError(f"{where(source, entry, key)}: '{path}.{key}' must be "
                                f"non-empty text, not {value!r}.")
    return " ".join(value.split())


def _date(source: str, entry: Mapping[str, Any], path: str, today: dt.date) -> str:
    value = entry["date"]
    text = value.isoformat() if isinstance(value, dt.date) else str(value).strip()
    try:
        day = dt.date.fromisoformat(text) if _DATE.match(text) else None
    except ValueError:
        day = None
    if day is None:
        raise StandardFileError(f"{where(source, entry, 'date')}: '{path}.date' is {value!r}; "
                                "write the date as YYYY-MM-DD, e.g. 2025-03-31.")
    if day > today:
        raise StandardFileError(f"{where(source, entry, 'date')}: '{path}.date' is {text}, "
                                "in the future; give the date the answer was given.")
    return text


def parse_answer(source: str, cid: str, entry: Any, container: Any, standard: Standard,
                 today: dt.date | None = None) -> Attestation:
    """Validate one answer to criterion ``cid``."""
    path = f"answers.{cid}"
    if not isinstance(entry, Mapping):
        raise StandardFileError(f"{where(source, container, cid)}: '{path}' must be a mapping "
                                f"with {', '.join(REQUIRED_KEYS)} (and evidence_link).")
    for key in entry:
        if key not in ANSWER_KEYS:
            raise StandardFileError(f"{where(source, entry, key)}: '{path}.{key}' is not a known "
                                    f"key. Allowed: {', '.join(ANSWER_KEYS)}.")
    for key in REQUIRED_KEYS:
        if entry.get(key) is None:
            raise StandardFileError(f"{where(source, container, cid)}: '{path}.{key}' is "
                                    "missing; every answer records it.")
    answer = normalise_answer(entry["answer"])
    if answer is None:
        raise StandardFileError(f"{where(source, entry, 'answer')}: '{path}.answer' is "
                                f"{entry['answer']!r}; answer yes, no or not applicable.")
    criterion = standard.criterion(cid)
    if answer == "not applicable" and not criterion.allow_not_applicable:
        raise StandardFileError(f"{where(source, entry, 'answer')}: '{path}.answer' is 'not "
                                f"applicable', but {cid} ({criterion.title}) applies to every "
                                "model; answer yes or no.")
    return Attestation(
        answer=answer,
        explanation=str(_text(source, entry, "explanation", path)),
        answered_by=str(_text(source, entry, "answered_by", path)),
        role=str(_text(source, entry, "role", path)),
        date=_date(source, entry, path, today or dt.date.today()),
        evidence_link=_text(source, entry, "evidence_link", path),
    )


def parse_attestations(text: str, source: str, standard: Standard,
                       today: dt.date | None = None) -> Attestations:
    """Parse and validate an attestations file against ``standard``."""
    import hashlib

    raw = load_yaml(text, source)
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise StandardFileError(f"{source}: an attestations file must be a YAML mapping with "
                                "'answers'.")
    for key in raw:
        if key not in TOP_KEYS:
            raise StandardFileError(f"{where(source, raw, key)}: '{key}' is not a known key. "
                                    f"Allowed: {', '.join(TOP_KEYS)}.")
    if raw.get("standard") not in (None, standard.id):
        raise StandardFileError(f"{where(source, raw, 'standard')}: 'standard' is "
                                f"{raw['standard']!r}, but the audit uses '{standard.id}'.")
    answers_raw = raw.get("answers") or {}
    if not isinstance(answers_raw, Mapping):
        raise StandardFileError(f"{where(source, raw, 'answers')}: 'answers' must map criterion "
                                "ids (e.g. O1) to answers.")
    attested = {c.id for c in standard.attested}
    answers = {}
    for cid, entry in answers_raw.items():
        cid = str(cid)
        if cid not in attested:
            what = ("is a measured criterion: the audit measures it, no one answers it"
                    if any(c.id == cid for c in standard.criteria)
                    else f"is not a criterion of {standard.id} {standard.version}")
            raise StandardFileError(f"{where(source, answers_raw, cid)}: 'answers.{cid}' {what}. "
                                    f"Attested criteria: {', '.join(sorted(attested))}.")
        answers[cid] = parse_answer(source, cid, entry, answers_raw, standard, today)
    return Attestations(answers, source, hashlib.sha256(text.encode("utf-8")).hexdigest())


def load_attestations(path: str | Path, standard: Standard, shown: str | None = None
                      ) -> Attestations:
    """Read ``attestations.yaml``; ``shown`` is the path as the user wrote it."""
    file = Path(path)
    if not file.is_file():
        raise StandardFileError(f"{shown or file}: no such attestations file. Create it with "
                                "'essex-standard assess'.")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise StandardFileError(f"{shown or file}: not a UTF-8 text file.") from None
    return parse_attestations(text, shown or str(file), standard)


HEADER = """\
# Answers to the attested criteria of {title} {version}.
# Written by 'essex-standard assess'; name this file in audit.yaml as
#   attestations: {name}
# Each answer records who gave it, their role and the date; 'evidence_link' points at
# something a reviewer can open (a published record, a signed-off document).
"""


def dump_attestations(answers: Mapping[str, Attestation], standard: Standard, name: str) -> str:
    """The YAML text of an attestations file, criteria in the Standard's order."""
    order = [c.id for c in standard.attested if c.id in answers]
    body = {
        "standard": standard.id,
        "standard_version": standard.version,
        "answers": {cid: {k: v for k, v in answers[cid].to_dict().items() if v is not None}
                    for cid in order},
    }
    text = yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=88)
    return HEADER.format(title=standard.title, version=standard.version, name=name) + text
