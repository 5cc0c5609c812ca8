"""``essex-standard audit CONFIG --out DIR``: measure, judge, and write every output."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="audit")
@click.argument("config", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("audit-output"),
    show_default=True,
    help="Folder to write results.json and the reports into (created if needed).",
)
def command(config: Path, out_dir: Path) -> None:
    """Audit the model described by CONFIG (an audit.yaml) and write the reports.

    \b
    Writes nine files into OUT (all or none):
      results.json           every figure and verdict (the reports are rendered from it)
      technical-report.html  for reviewers; every figure, not for publication
      technical-report.pdf   the same, paginated for print
      public-report.html     plain-English report for residents (small counts hidden)
      public-report.pdf      the same, as PDF
      model-card.md          model card with Hugging Face metadata
      model-card.json        the same as Model Card Toolkit JSON
      atrs.json              UK Algorithmic Transparency Recording Standard record
      atrs.md                the same record as Markdown

    Exits 0 when the audit completes, whatever the verdict (use 'essex-standard gate' to fail
    a release), and 2 on bad input.
    """
    from ..outputs import write_outputs
    from ..pipeline import audit

    result = audit(config)
    warn_notes(result.doc)
    written = write_outputs(result, out_dir)
    click.echo(summary_text(result))
    click.echo("Wrote:")
    for path in written:
        click.echo(f"  {path}")


def warn_notes(doc: dict) -> None:
    """Print on stderr what the audit could not measure because of its input (results.json
    ``notes``), so that nothing is dropped without a word on the console either."""
    for note in doc.get("notes", []):
        click.echo(f"warning: {note}", err=True)


def summary_text(result) -> str:
    """A few lines for the terminal: what was audited and the largest gaps."""
    doc = result.doc
    name = doc["model"].get("name", "unnamed model")
    lines = [f"Audited {name}: {doc['data']['rows']:,} rows, {len(doc['fairness'])} groupings."]
    for attr, section in doc["fairness"].items():
        dp = section["summary"]["demographic_parity_ratio"]
        value = dp.get("value")
        shown = f"{value:.2f}" if value is not None else "undefined"
        lines.append(
            f"  {attr}: {len(section['groups'])} groups, reference {section['reference_group']!r}, "
            f"selection-rate ratio (lowest/highest) {shown}"
        )
    standard = doc.get("standard")
    if standard:
        lines.append(f"Essex Standard: {standard['verdict']}")
    return "\n".join(lines)
