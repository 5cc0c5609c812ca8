"""``essex-standard assess``: answer the attested criteria, or check an answers file."""

from __future__ import annotations

from pathlib import Path

import click


def _targets(config: Path | None, standard_file: Path | None, out: Path | None):
    """The Standard and the attestations path, from a config or from the options."""
    from ..standard import load_standard

    if config is not None:
        from ..config import load_config
        from ..standard.configured import standard_for_config_file

        cfg = load_config(config)
        standard, path = standard_for_config_file(cfg)
        return standard, out or path
    return load_standard(standard_file), out or Path("attestations.yaml")


@click.command(name="assess")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="An audit.yaml: use its Standard and its 'attestations' file.")
@click.option("--standard", "standard_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="A Standard YAML file (default: the bundled Essex Standard).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The attestations file to write (default: attestations.yaml).")
@click.option("--answers", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Validate this answers file without asking anything.")
@click.option("--review", is_flag=True, help="Ask again about criteria already answered.")
def command(config: Path | None, standard_file: Path | None, out: Path | None,
            answers: Path | None, review: bool) -> None:
    """Walk through the attested criteria and save the answers.

    Answers are saved after each one: type 'quit' (or press Ctrl-C) to stop, and run the
    command again to resume. With --answers, check a file instead: exit 0 when it is valid and
    complete, 1 when valid but some criteria are unanswered, 2 when invalid.
    """
    from ..assess import interview, progress
    from ..standard import load_attestations

    standard, path = _targets(config, standard_file, out)
    if answers is not None:
        found = load_attestations(answers, standard).answers
        state = progress(standard, dict(found))
        click.echo(f"{answers}: valid; {len(state.answered)} of "
                   f"{len(state.answered) + len(state.unanswered)} attested criteria answered.")
        if state.unanswered:
            click.echo(f"Not answered: {', '.join(state.unanswered)}.")
            raise click.exceptions.Exit(1)
        return
    click.echo(f"Self-assessment against {standard.title} {standard.version}; answers are "
               f"saved to {path} after each one.")
    try:
        state = interview(standard, path, review=review)
    except click.exceptions.Abort:
        # Ctrl-C or the end of input: every answer given so far is already saved.
        click.echo(f"\nStopped. The answers given so far are saved in {path}; run the same "
                   "command again to resume.")
        return
    click.echo("")
    click.echo(f"{len(state.answered)} of {len(state.answered) + len(state.unanswered)} "
               f"attested criteria answered; saved to {path}.")
    if state.unanswered:
        click.echo(f"Still to answer: {', '.join(state.unanswered)}. Run the same command "
                   "again to continue.")
