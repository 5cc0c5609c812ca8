"""``essex-standard standard``: print the Standard's criteria (text or Markdown)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="standard")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text",
              show_default=True, help="Plain text for the terminal, or Markdown for docs.")
@click.option("--file", "path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A Standard YAML file (default: the bundled Essex Standard v1).")
def command(fmt: str, path: Path | None) -> None:
    """Print every principle and criterion of the Essex Standard.

    docs/standard.md is the output of 'essex-standard standard --format markdown'.
    """
    from ..standard import load_standard
    from ..standard.listing import as_markdown, as_text

    standard = load_standard(path)
    click.echo(as_markdown(standard) if fmt == "markdown" else as_text(standard), nl=False)
