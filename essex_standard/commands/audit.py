"""``essex-standard audit CONFIG --out DIR``: measure, judge, and write every output."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

ONLY_HELP = (
    "Write only these outputs (comma-separated): results, technical-html, technical-pdf, "
    "public-html, public-pdf, model-card-md, model-card-json, atrs-json, atrs-md. "
    "results.json is always written: every other output is rendered from it."
)


@click.command(name="audit")
@click.argument("config", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("audit-output"),
    show_default=True,
    help="Folder to write results.json and the reports into (created if needed; replaced as "
         "a whole: other files in it are kept, sub-folders are refused).",
)
@click.option("--only", default=None, metavar="NAMES", help=ONLY_HELP)
@click.option("--previous", "previous", type=click.Path(dir_okay=False, path_type=Path),
              default=None, metavar="FILE",
              help="The previous audit's results.json: the reports then say what changed "
                   "since it. Overrides 'previous_audit:' in CONFIG.")
@click.option("-q", "--quiet", is_flag=True,
              help="No progress display (it is shown only when stderr is a terminal anyway).")
def command(config: Path, out_dir: Path, only: str | None, quiet: bool,
            previous: Path | None) -> None:
    """Audit the model described by CONFIG (an audit.yaml) and write the reports.

    \b
    Writes nine files into OUT, all or none:
      results.json           every figure and verdict (the reports are rendered from it)
      technical-report.html  for reviewers; every figure, not for publication
      technical-report.pdf   the same, paginated for print
      public-report.html     plain-English report for residents (small counts hidden)
      public-report.pdf      the same, as PDF
      model-card.md          model card with Hugging Face metadata
      model-card.json        the same as Model Card Toolkit JSON
      atrs.json              UK Algorithmic Transparency Recording Standard record
      atrs.md                the same record as Markdown

    \b
    The outputs are written into a temporary folder beside OUT and moved into place only when
    all are complete: OUT always holds one complete set, the old one or the new one. Problems
    with OUT (not writable, a file in the way, a full disk, another audit writing to it) are
    reported before the audit starts.

    \b
    Exit codes: 0 the outputs were written, whatever the verdict (use 'essex-standard gate'
    to fail a release); 2 bad input, a problem with OUT, or interrupted (nothing changed);
    3 the set is incomplete because a renderer is missing on this machine (e.g. the PDFs
    without Pango): everything else was written.
    """
    from ..config import load_config
    from ..outputs import INCOMPLETE_EXIT_CODE, open_output_folder, select_outputs, write_outputs
    from ..pipeline import audit
    from ..progress import Progress

    names = select_outputs(only)
    cfg = load_config(config)
    if previous is not None:
        from dataclasses import replace

        cfg = replace(cfg, previous=previous, raw={**cfg.raw, "previous_audit": str(previous)})
    with _stop_on_signals() as stopped:
        folder = open_output_folder(out_dir, names)
        try:
            with folder, Progress(total=3 + len(names), enabled=False if quiet else None) as bar:
                result = audit(cfg, step=bar.step)
                written = write_outputs(result, out_dir, names, folder=folder, step=bar.step)
        except KeyboardInterrupt:
            what = "SIGTERM" if stopped and stopped[-1] == signal.SIGTERM else "interrupted"
            state = ("the new outputs were already in place" if folder.committed
                     else "nothing was changed")
            click.echo(f"Stopped ({what}): {state} in {out_dir}.", err=True)
            raise click.exceptions.Exit(2) from None
    warn_notes(result.doc)
    click.echo(summary_text(result))
    click.echo("Wrote:")
    for path in written:
        click.echo(f"  {Path(out_dir) / path.name}")
    if written.skipped:
        for name, why in written.skipped.items():
            click.echo(f"warning: {name} was not written. {why}", err=True)
        click.echo(f"The set in {out_dir} is incomplete (exit code {INCOMPLETE_EXIT_CODE}).",
                   err=True)
        raise click.exceptions.Exit(INCOMPLETE_EXIT_CODE)


@contextmanager
def _stop_on_signals() -> Iterator[list[int]]:
    """Turn SIGTERM into the same clean stop as Ctrl-C (the temporary folder is removed)."""
    received: list[int] = []

    def on_term(signum: int, frame: object) -> None:
        received.append(signum)
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, on_term)
    except ValueError:  # not the main thread: leave signals alone
        yield received
        return
    try:
        yield received
    finally:
        signal.signal(signal.SIGTERM, previous)


def warn_notes(doc: dict) -> None:
    """Print on stderr what the audit could not measure because of its input (results.json
    ``notes``), so that nothing is dropped without a word on the console either; then each
    statement the reports need and the config does not give, and each attestation whose
    dates do not hold together (:func:`essex_standard.statements.warnings`)."""
    from ..statements import warnings

    for note in [*doc.get("notes", []), *warnings(doc)]:
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
