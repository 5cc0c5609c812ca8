"""Self-assessment: walk an analyst through the attested criteria and save the answers.

The answers file is rewritten (atomically) after every answer, so the analyst can stop at any
prompt — 'quit', Ctrl-C, a closed laptop — and carry on later: criteria already answered are
skipped unless ``review`` is asked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from .standard.attestations import (
    Attestation,
    dump_attestations,
    load_attestations,
    normalise_answer,
)
from .standard.model import Criterion, Standard

SKIP, QUIT = "skip", "quit"


@dataclass
class Progress:
    """Where a self-assessment stands."""

    answered: list[str]
    unanswered: list[str]
    stopped: bool = False


def read_existing(path: Path, standard: Standard) -> dict[str, Attestation]:
    """Answers already saved at ``path`` (none if the file does not exist yet)."""
    if not path.exists():
        return {}
    return dict(load_attestations(path, standard).answers)


def save(path: Path, answers: dict[str, Attestation], standard: Standard) -> None:
    """Write the answers file atomically (a half-written file would lose earlier answers)."""
    text = dump_attestations(answers, standard, path.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _ask_answer(c: Criterion, prompt: Callable[..., str]) -> str:
    options = "yes / no" + (" / not applicable" if c.allow_not_applicable else "") + \
        " / skip / quit"
    while True:
        raw = prompt(f"Answer ({options})").strip().lower()
        if raw in (SKIP, "s"):
            return SKIP
        if raw in (QUIT, "q"):
            return QUIT
        answer = normalise_answer(raw)
        if answer == "not applicable" and not c.allow_not_applicable:
            click.echo(f"  {c.id} applies to every model; answer yes or no.")
            continue
        if answer is not None:
            return answer
        click.echo(f"  Please type one of: {options}.")


def _ask_text(prompt: Callable[..., str], label: str, default: str | None = None,
              optional: bool = False) -> str | None:
    while True:
        value = prompt(label, default=default if default is not None else ("" if optional
                                                                            else None),
                       show_default=bool(default))
        value = " ".join(str(value).split())
        if value or optional:
            return value or None
        click.echo(f"  {label} is needed.")


def _ask_date(prompt: Callable[..., str], today: dt.date) -> str:
    while True:
        raw = str(prompt("Date answered (YYYY-MM-DD)", default=today.isoformat())).strip()
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            click.echo("  Write the date as YYYY-MM-DD.")
            continue
        if day > today:
            click.echo("  That date is in the future.")
            continue
        return day.isoformat()


def _show(c: Criterion, index: int, total: int) -> None:
    click.echo("")
    click.echo(f"[{index}/{total}] {c.id} {c.title} ({c.severity})")
    click.echo(f"  Why: {c.why}")
    click.echo(f"  Question: {c.question}")
    if c.guidance:
        click.echo(f"  Guidance: {c.guidance}")
    if c.evidence_required:
        click.echo("  A 'yes' needs an evidence link (a published page or signed-off document).")


def _ask_one(c: Criterion, who: dict[str, str | None], prompt: Callable[..., str],
             today: dt.date) -> Attestation | str:
    answer = _ask_answer(c, prompt)
    if answer in (SKIP, QUIT):
        return answer
    explanation = _ask_text(prompt, "Explanation (what, where, when)")
    link = _ask_text(prompt, "Evidence link (blank if none)", optional=True)
    if answer == "yes" and c.evidence_required and not link:
        click.echo(f"  Without a link, {c.id} will be 'insufficient evidence'.")
    who["answered_by"] = _ask_text(prompt, "Your name", who.get("answered_by"))
    who["role"] = _ask_text(prompt, "Your role", who.get("role"))
    return Attestation(answer=answer, explanation=str(explanation),
                       answered_by=str(who["answered_by"]), role=str(who["role"]),
                       date=_ask_date(prompt, today), evidence_link=link)


def interview(standard: Standard, path: Path, *, review: bool = False,
              prompt: Callable[..., str] = click.prompt,
              today: dt.date | None = None) -> Progress:
    """Ask every unanswered attested criterion (all of them with ``review``), saving as we go."""
    today = today or dt.date.today()
    answers = read_existing(path, standard)
    todo = [c for c in standard.attested if review or c.id not in answers]
    if answers and not review:
        click.echo(f"Resuming {path}: {len(answers)} answered, {len(todo)} to go.")
    last = list(answers.values())[-1] if answers else None
    who: dict[str, str | None] = {"answered_by": last.answered_by if last else None,
                                  "role": last.role if last else None}
    stopped = False
    for i, c in enumerate(todo, start=1):
        _show(c, i, len(todo))
        if c.id in answers:  # --review: show what is on file before asking again
            old = answers[c.id]
            click.echo(f"  On file: {old.answer}, by {old.answered_by} ({old.role}) on "
                       f"{old.date}: {old.explanation}")
            click.echo("  Answer 'skip' to keep it.")
        result = _ask_one(c, who, prompt, today)
        if result == QUIT:
            stopped = True
            break
        if isinstance(result, Attestation):
            answers[c.id] = result
            save(path, answers, standard)
    if answers:
        save(path, answers, standard)
    return progress(standard, answers, stopped)


def progress(standard: Standard, answers: dict[str, Attestation], stopped: bool = False
             ) -> Progress:
    ids = [c.id for c in standard.attested]
    return Progress([i for i in ids if i in answers], [i for i in ids if i not in answers],
                    stopped)
