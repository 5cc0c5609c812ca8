"""Shared plumbing for commands that render an output from results.json alone."""

from __future__ import annotations

import sys
from pathlib import Path

import click


def load(results: Path):
    from ..result import AuditResult

    return AuditResult.load(results)


def emit(content: bytes, output: Path | None, default_name: str, results: Path) -> None:
    """Write to OUTPUT ('-' = standard output), or next to results.json by default."""
    if output is not None and str(output) == "-":
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
        return
    import os
    import tempfile

    path = output if output is not None else results.resolve().parent / default_name
    tmp = None
    try:
        # A unique temporary name beside the target, renamed over it when complete: an
        # interrupted run never leaves a half-written file under the real name.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes it private; give the usual mode
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        from ..errors import EssexStandardError

        raise EssexStandardError(f"{path}: cannot write the output ({exc}).") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    click.echo(f"Wrote {path}", err=True)


output_option = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write ('-' for standard output). Default: beside results.json.",
)
results_argument = click.argument("results", type=click.Path(dir_okay=False, path_type=Path))
