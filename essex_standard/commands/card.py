"""``essex-standard card results.json --format markdown|json``."""

from __future__ import annotations

from pathlib import Path

import click

from ._render import emit, load, output_option, results_argument


@click.command(name="card")
@results_argument
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown",
              show_default=True,
              help="markdown: Hugging Face model card with YAML metadata. json: Google Model "
                   "Card Toolkit schema v0.0.2.")
@output_option
def command(results: Path, fmt: str, output: Path | None) -> None:
    """Write the model card for RESULTS (small numbers suppressed; for publication)."""
    from ..render.model_card import render_model_card_json, render_model_card_markdown

    result = load(results)
    if fmt == "json":
        emit(render_model_card_json(result).encode("utf-8"), output, "model-card.json", results)
    else:
        emit(render_model_card_markdown(result).encode("utf-8"), output, "model-card.md", results)
