"""``essex-standard report results.json --audience public|technical --format html|pdf``."""

from __future__ import annotations

from pathlib import Path

import click

from ._render import emit, load, output_option, results_argument


@click.command(name="report")
@results_argument
@click.option("--audience", type=click.Choice(["public", "technical"]), default="public",
              show_default=True,
              help="public: for residents, with small numbers suppressed. technical: every "
                   "figure, for reviewers (not for publication).")
@click.option("--format", "fmt", type=click.Choice(["html", "pdf"]), default="html",
              show_default=True, help="HTML page or tagged PDF (PDF/UA-1).")
@output_option
def command(results: Path, audience: str, fmt: str, output: Path | None) -> None:
    """Render a report from RESULTS (a results.json written by 'essex-standard audit').

    Needs only results.json: no data, no model.
    """
    result = load(results)
    if audience == "public":
        from ..render.public import render_public_html as render
    else:
        from ..render.html import render_technical_html as render
    html = render(result)
    if fmt == "pdf":
        from ..render.pdf import html_to_pdf

        content = html_to_pdf(html)
    else:
        content = html.encode("utf-8")
    emit(content, output, f"{audience}-report.{fmt}", results)
