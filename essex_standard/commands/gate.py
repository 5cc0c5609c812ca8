"""``essex-standard gate CONFIG.yaml|results.json``: exit 0 when the Standard is met."""

from __future__ import annotations

from pathlib import Path

import click


def _load_doc(target: Path) -> dict:
    from ..pipeline import audit
    from ..result import AuditResult

    if target.suffix.lower() == ".json":
        return AuditResult.load(target).doc
    from .audit import warn_notes

    doc = audit(target).doc
    warn_notes(doc)
    return doc


@click.command(name="gate")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--allow-incomplete", is_flag=True,
              help="Pass when the verdict is 'incomplete' (nothing failed, something missing).")
@click.option("--junit", "junit", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write JUnit XML here: one test case per criterion.")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A previous release's results.json: fail if a disparity got worse.")
def command(target: Path, allow_incomplete: bool, junit: Path | None,
            baseline: Path | None) -> None:
    """Fail a release that does not meet the Essex Standard.

    TARGET is an audit.yaml (the audit is run first) or a results.json. Exits 0 when the
    Standard is met, 1 when it is not met or incomplete (or a disparity regressed against
    --baseline), 2 on bad input.
    """
    import time

    from ..errors import EssexStandardError
    from ..gate import evaluate, junit_xml, report_text
    from ..result import AuditResult

    started = time.perf_counter()
    doc = _load_doc(target)
    base = AuditResult.load(baseline).doc if baseline is not None else None
    outcome = evaluate(doc, allow_incomplete=allow_incomplete, baseline=base, source=str(target))
    click.echo(report_text(outcome), nl=False)
    if junit is not None:
        try:
            junit.parent.mkdir(parents=True, exist_ok=True)
            junit.write_text(junit_xml(outcome, source=str(target),
                                       elapsed=time.perf_counter() - started,
                                       baseline_source=str(baseline) if baseline else None),
                             encoding="utf-8")
        except OSError as exc:
            raise EssexStandardError(f"{junit}: cannot write the JUnit file ({exc}).") from None
        click.echo(f"Wrote {junit}")
    if not outcome.passed:
        raise click.exceptions.Exit(1)
