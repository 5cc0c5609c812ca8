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
ANSWER_KEYS = ("answer", "explanation", "evidence_link", "answered_by", "role", "date",
               "review_by")
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
    review_by: str | None = None
    """When the answer is next due for review (e.g. a monitoring plan's next review): once
    that date has passed, the answer no longer counts as evidence."""

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        return {k: out[k] for k in ANSWER_KEYS if k != "review_by" or out[k] is not None}


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


def _date(source: str, entry: Mapping[str, Any], path: str, today: dt.date,
          key: str = "date") -> str:
    value = entry[key]
    text = value.isoformat() if isinstance(value, dt.date) else str(value).strip()
    try:
        day = dt.date.fromisoformat(text) if _DATE.match(text) else None
    except ValueError:
        day = None
    if day is None:
        raise StandardFileError(f"{where(source, entry, key)}: '{path}.{key}' is {value!r}; "
                                "write the date as YYYY-MM-DD, e.g. 2025-03-31.")
    if day > today and key == "date":
        raise StandardFileError(f"{where(source, entry, key)}: '{path}.date' is {text}, "
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
        review_by=(None if entry.get("review_by") is None
                   else _date(source, entry, path, today or dt.date.today(), "review_by")),
    )


#: Words by which an answer cites the audit it is part of.  An answer dated before the audit
#: cannot rest on it; one that says so is contradicting its own date.
_CITES_AUDIT = re.compile(r"\b(this|the present|the current) (audit|report)\b|"
                          r"\bthese (audit )?(results|findings)\b", re.IGNORECASE)
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
_MENTION = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b|"
                      r"\b(?:(\d{1,2}) )?(" + "|".join(_MONTHS) + r") (\d{4})\b", re.IGNORECASE)


def _mentioned(text: str) -> list[tuple[str, dt.date, dt.date]]:
    """The dates an explanation names, each as (words, first day, last day): "May 2025" is the
    whole month, "2025-09-30" and "3 May 2025" one day.

    >>> [(w, a.isoformat(), b.isoformat()) for w, a, b in _mentioned("due May 2025")]
    [('May 2025', '2025-05-01', '2025-05-31')]
    """
    out = []
    for m in _MENTION.finditer(text):
        try:
            if m.group(1):
                day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                out.append((m.group(0), day, day))
                continue
            year, month = int(m.group(6)), _MONTHS.index(m.group(5).lower()) + 1
            if m.group(4):
                day = dt.date(year, month, int(m.group(4)))
                out.append((m.group(0), day, day))
                continue
            first = dt.date(year, month, 1)
            last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1))
            out.append((m.group(0), first, last))
        except ValueError:  # 2025-02-30: not a date, so nothing to check
            continue
    return out


def answer_problems(cid: str, answer: Attestation, audit_date: str | None
                    ) -> tuple[list[str], list[str]]:
    """What is wrong with an answer's dates, measured against the audit date: in words for
    the console and the technical report, and (second list) each reason that stops a *yes*
    from counting as evidence, in words for the public report (empty when it counts).

    * dated after the audit: the audit cannot have relied on it (a warning, nothing more);
    * citing "this audit" while dated before it: the answer cannot rest on what it cites;
    * a ``review_by`` date, or a date the explanation names as still to come when the answer
      was given ("sessions scheduled for May 2025"), that has passed by the audit date: the
      answer is out of date until someone says what happened.

    >>> a = Attestation("yes", "Next review due 2025-09-30.", "A", "Lead", "2025-03-10")
    >>> answer_problems("R4", a, "2026-03-13")[1]
    ['it spoke of 2025-09-30 as still to come, and that date has passed']
    >>> answer_problems("R4", a, "2025-03-14")
    ([], [])
    """
    if not audit_date:
        return [], []
    try:
        audit = dt.date.fromisoformat(str(audit_date))
    except ValueError:
        return [], []
    given = dt.date.fromisoformat(answer.date)
    problems: list[str] = []
    stale: list[str] = []
    if given > audit:
        problems.append(f"answers.{cid} is dated {answer.date}, after the audit date "
                        f"({audit_date}): the audit cannot have relied on it. Check both dates.")
    cited = _CITES_AUDIT.search(answer.explanation)
    if cited and given < audit:
        stale.append(f"it speaks of \"{cited.group(0)}\" but was given before the audit")
        problems.append(f"answers.{cid} cites \"{cited.group(0)}\" but is dated {answer.date}, "
                        f"before the audit ({audit_date}), so it cannot rest on it. Answer "
                        "again once the audit's results are known.")
    if answer.review_by and dt.date.fromisoformat(answer.review_by) < audit:
        stale.append(f"it was due to be reviewed by {answer.review_by}")
        problems.append(f"answers.{cid} was due for review by {answer.review_by}, before the "
                        f"audit ({audit_date}). Say what the review found and answer again.")
    for words, first, last in _mentioned(answer.explanation):
        if first > given and last < audit:
            stale.append(f"it spoke of {words} as still to come, and that date has passed")
            problems.append(f"answers.{cid} (given {answer.date}) names {words} as still to "
                            f"come, and that date had passed by the audit ({audit_date}). Say "
                            "what happened and answer again.")
    return problems, stale


def judge_answer(criterion: Any, attestations: Attestations | None,
                 audit_date: str | None = None) -> tuple[str, str, dict[str, Any] | None]:
    """(verdict, reason, evidence) for an attested criterion: the judge's attestation part.

    A *yes* counts only with the evidence the criterion requires and dates that hold together
    (:func:`answer_problems`); otherwise the verdict is "insufficient evidence", with the
    reason.  A *no* stays "not met" whatever its dates; its problems are still recorded.
    """
    cid = criterion.id
    answer = attestations.answers.get(cid) if attestations else None
    if answer is None:
        where_ = "no attestations file was given" if attestations is None else \
            f"{attestations.path} has no answer for {cid}"
        return "not assessed", f"Not answered: {where_}. Run 'essex-standard assess'.", None
    who = f"{answer.answered_by} ({answer.role}) on {answer.date}"
    problems, stale = answer_problems(cid, answer, audit_date)
    evidence = answer.to_dict()
    if problems:
        evidence["problems"] = problems
    if stale:
        evidence["out_of_date"] = stale
    if answer.answer == "no":
        return "not met", f"Answered no by {who}: {answer.explanation}", evidence
    said = "Not applicable, according to" if answer.answer == "not applicable" else \
        "Answered yes by"
    if stale:
        return "insufficient evidence", (f"{said} {who}, but the answer is out of date: "
                                         f"{' '.join(problems)}"), evidence
    if answer.answer == "not applicable":
        return "met", f"Not applicable, according to {who}: {answer.explanation}", evidence
    if criterion.evidence_required and not answer.evidence_link:
        return "insufficient evidence", (f"Answered yes by {who}, but without the evidence "
                                         "link this criterion requires."), evidence
    return "met", f"Answered yes by {who}: {answer.explanation}", evidence


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
