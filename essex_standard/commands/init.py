"""``essex-standard init DATA``: write a commented ``audit.yaml`` from a data file's columns.

The first config is the hardest step for a new user, and most of it can be read off the
data: the outcome is a two-valued column named like one, the score a number named like one
(or between 0 and 1), the protected characteristics the columns named like the Equality Act's.
What cannot be read off (where scores become flags; a column that might be the outcome) is
asked on a terminal, accepted with ``--yes``, or written with a ``TODO`` comment when nobody
is there to ask.  Every guess carries a comment saying why, so the file teaches its own keys.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

import click
import yaml

from ..guess import Guess, Guesses, guess_columns

SCHEMA_HINT = "Every key is explained in docs/config.md, with a JSON Schema for editors."


def _interactive() -> bool:
    """Ask only when a person is at a terminal (never in CI or under a pipe)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _read(path: Path) -> Any:
    """Every column of the data file, checked as the audit itself reads it."""
    from ..errors import DataError
    from ..io import read_table, sniff_separator

    if not path.is_file():
        raise DataError(f"{path}: no such data file. Pass a CSV or Parquet file to start from.")
    if path.suffix.lower() == ".csv":
        import pandas as pd

        try:
            header = list(pd.read_csv(path, nrows=0, sep=sniff_separator(path),
                                      encoding="utf-8-sig").columns)
        except (ValueError, OSError, UnicodeDecodeError) as exc:
            raise DataError(f"{path}: could not read the header row: {exc}.") from None
    else:
        try:
            import pyarrow.parquet as pq

            header = pq.read_schema(path).names
        except ImportError:
            header = []  # read_table says what to install
        except (OSError, ValueError) as exc:
            raise DataError(f"{path}: could not read the file: {exc}.") from None
    return read_table(path, header)


def _scalar(value: Any) -> str:
    """A YAML scalar, quoted only where YAML needs it ('yes', '1.0', 'a: b')."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).strip()
    return text.removesuffix("...").strip()


class _Asker:
    """Confirms unsure guesses: prompts at a terminal, else keeps them and counts TODOs."""

    def __init__(self, ask: bool, mark: bool = True):
        self.ask = ask
        self.mark = mark
        """Write TODO comments for unsure guesses (not with --yes, which accepts them)."""
        self.todo: list[str] = []

    def flagged(self, key: str) -> bool:
        return self.mark and key in self.todo

    def column(self, key: str, guess: Guess, columns: list[str]) -> Guess:
        if guess.sure:
            return guess
        if not self.ask:
            self.todo.append(key)
            return guess
        choices = ", ".join(columns)
        answer = click.prompt(
            f"{key}: {guess.why}. Which column? (one of: {choices}; '-' for none)",
            default=guess.column or "-", show_default=True,
            type=click.Choice([*columns, "-"]), show_choices=False)
        return Guess(None if answer == "-" else answer, "chosen at the prompt", True)

    def number(self, key: str, value: float | None, why: str) -> tuple[float | None, bool]:
        if value is None:
            return None, False
        if not self.ask:
            self.todo.append(key)
            return value, False
        return click.prompt(f"{key}: {why}", default=value, type=float), True

    def protected(self, g: Guesses) -> list[Guess]:
        if g.protected or not self.ask:
            if not g.protected:
                self.todo.append("protected")
            return g.protected
        answer = click.prompt(
            "No column is named like a protected characteristic. Which columns hold them? "
            f"(comma-separated; candidates: {', '.join(g.candidates) or 'none'})", default="")
        chosen = [c.strip() for c in answer.split(",") if c.strip()]
        return [Guess(c, "chosen at the prompt", True) for c in chosen]


def _relative(data: Path, out: Path) -> str:
    """``data`` as the config will find it: relative to the config's folder when nearby."""
    rel = os.path.relpath(data.resolve(), out.resolve().parent)
    return str(data.resolve()) if rel.startswith(os.pardir + os.sep + os.pardir) else rel


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _line(key: str, value: Any, why: str, todo: bool, indent: str = "  ") -> str:
    note = f"TODO: check: {why}" if todo else why
    return f"{indent}{key}: {_scalar(value)}    # {note}"


def render(data: Path, out: Path, g: Guesses, asker: _Asker) -> str:
    """The commented audit.yaml text for the guesses ``g`` (confirmed by ``asker``)."""
    columns = [*g.candidates]
    for guess in (g.y_true, g.y_pred, g.y_score, *g.protected, *g.skipped):
        if guess.column and guess.column not in columns:
            columns.append(guess.column)
    y_true = asker.column("data.y_true", g.y_true, columns)
    y_pred = g.y_pred
    y_score = asker.column("data.y_score", g.y_score, columns) if not y_pred.column else g.y_score
    lines = [
        f"# Written by 'essex-standard init' from {data.name} on {dt.date.today().isoformat()}.",
        "# Every value below was guessed from the column names and values: check each one",
        "# (TODO marks the guesses it was unsure of), then run",
        f"#   essex-standard audit {out.name} --out audit-output",
        f"# {SCHEMA_HINT}",
        "",
        "model:  # what the model is and who is accountable; shown in every report",
        "  # name: Re-referral risk model",
        "  # owner: the organisation and team accountable for the model",
        "  # purpose: what the model is for, in one sentence",
        "  # not_used_for: decisions the model must not inform",
        "",
        "data:",
        f"  path: {_scalar(_relative(data, out))}",
    ]
    if y_true.column:
        lines.append(_line("y_true", y_true.column, f"the outcome: {y_true.why}",
                           asker.flagged("data.y_true")))
    else:
        lines.append("  # y_true: the outcome column (without it only selection rates are "
                     "measured)")
    if y_pred.column:
        lines.append(_line("y_pred", y_pred.column, f"the decisions: {y_pred.why}", False))
    if y_score.column:
        lines.append(_line("y_score", y_score.column, f"the score: {y_score.why}",
                           asker.flagged("data.y_score")))
        if g.score_range is not None:
            low, high = g.score_range
            rng = [_number(low), _number(high)]
            meaning = "a probability" if rng == [0, 1] else "the range seen in the data"
            lines.append(_line("score_range", rng, meaning, False))
        if not y_pred.column:
            cut, _ = asker.number("data.threshold", g.threshold,
                                  "flag scores at or above which value?")
            lines.append(_line(
                "threshold", None if cut is None else _number(cut),
                "flag scores at or above this: the service's own cut-off, or a capacity rule "
                "such as {top_percent: 10}", asker.flagged("data.threshold")))
    protected = asker.protected(g)
    lines += ["", "protected:  # the characteristics to compare groups by (Equality Act 2010)"]
    for p in protected:
        lines.append(f"  - column: {_scalar(p.column)}    # {p.why}")
        lines.append("    # reference: the group others are compared with (default: largest)")
    if not protected:
        lines.append("  # TODO: no column is named like a protected characteristic; list them:")
        lines.append("  # - column: ethnicity")
    for s in g.skipped:
        lines.append(f"  # - column: {_scalar(s.column)}    # not added: {s.why}")
    lines += ["", "# Optional settings (defaults shown):", "# seed: 0", "# bootstrap: 1000",
              "# confidence_level: 0.95", "# min_group_size: 30", ""]
    return "\n".join(lines)


@click.command(name="init")
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("audit.yaml"), show_default=True, help="The config file to write.")
@click.option("--yes", "-y", is_flag=True, help="Accept every guess without asking.")
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
def command(data: Path, out: Path, yes: bool, force: bool) -> None:
    """Write a commented audit.yaml from the columns of DATA (a CSV or Parquet file).

    Guesses the outcome, score and protected columns; asks at a terminal when unsure (--yes
    accepts the guesses); without a terminal, unsure guesses are written with TODO comments.
    """
    from ..errors import ConfigError, EssexStandardError

    if out.exists() and not force:
        raise ConfigError(f"{out}: already exists; pass --force to overwrite it, or --out NAME.")
    guesses = guess_columns(_read(data))
    asker = _Asker(ask=not yes and _interactive(), mark=not yes)
    text = render(data, out, guesses, asker)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {out}.")
    if asker.todo and asker.mark:
        click.echo(f"Check the guesses marked TODO: {', '.join(asker.todo)}.")
    from ..config import load_config

    try:
        load_config(out)
    except EssexStandardError as exc:
        click.echo(f"It does not load yet: {exc}", err=True)
        return
    click.echo(f"Next: essex-standard audit {out} --out audit-output")
