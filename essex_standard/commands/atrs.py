"""``essex-standard atrs results.json [--format json|markdown]``."""

from __future__ import annotations

from pathlib import Path

import click

from ._render import emit, load, output_option, results_argument


@click.command(name="atrs")
@results_argument
@click.option("--format", "fmt", type=click.Choice(["json", "markdown"]), default="json",
              show_default=True,
              help="json: validated against the shipped ATRS v3.0 schema. markdown: GOV.UK "
                   "section headings.")
@output_option
def command(results: Path, fmt: str, output: Path | None) -> None:
    """Write the UK Algorithmic Transparency Recording Standard (v3.0) record for RESULTS."""
    from ..render.atrs import render_atrs_json, render_atrs_markdown

    result = load(results)
    if fmt == "json":
        emit(render_atrs_json(result).encode("utf-8"), output, "atrs.json", results)
    else:
        emit(render_atrs_markdown(result).encode("utf-8"), output, "atrs.md", results)
