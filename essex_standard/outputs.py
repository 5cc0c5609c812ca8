"""Which outputs an audit writes, and writing them into a folder all or none.

The folder itself is handled by :class:`~essex_standard.outfolder.OutputFolder`: checked before
the audit starts, filled in a temporary folder beside it, swapped into place when complete.

An output whose renderer is missing from this machine (the PDFs need Pango, which WeasyPrint
loads at import time and which Windows and macOS lack by default) is *skipped with a reason*
rather than stopping the audit: results.json, the HTML and the Markdown outputs are still
written, and the command line exits with :data:`INCOMPLETE_EXIT_CODE` so a script can tell a
complete set from an incomplete one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from .errors import EssexStandardError
from .outfolder import OutputFolder
from .result import AuditResult, validate

Renderer = Callable[[AuditResult], bytes]

#: Short name (for ``audit --only``) → file name, in the order they are written.
OUTPUT_NAMES: dict[str, str] = {
    "results": "results.json",
    "technical-html": "technical-report.html",
    "technical-pdf": "technical-report.pdf",
    "public-html": "public-report.html",
    "public-pdf": "public-report.pdf",
    "model-card-md": "model-card.md",
    "model-card-json": "model-card.json",
    "atrs-json": "atrs.json",
    "atrs-md": "atrs.md",
}

#: Exit code of ``audit`` when some outputs could not be written because a renderer is missing
#: (e.g. the PDFs without Pango): every other output was written and moved into place.
INCOMPLETE_EXIT_CODE = 3

#: Free space asked for before an audit starts (or the size of the outputs it replaces, if
#: larger): a disk with less than this is reported before minutes of work, not after.
MIN_FREE_BYTES = 256 * 1024


def renderers() -> dict[str, Renderer]:
    """File name → renderer(result) → bytes, for every output."""
    from .render.html import render_technical_html
    from .render.registry import report_renderers

    return {
        "results.json": lambda r: r.to_json().encode("utf-8"),
        "technical-report.html": lambda r: render_technical_html(r).encode("utf-8"),
        **report_renderers(),
    }


def select_outputs(only: str | Iterable[str] | None = None) -> list[str]:
    """The file names to write for ``--only`` (comma-separated short or file names).

    ``results.json`` is always among them: every other output is rendered from it, and the
    ``report``, ``card``, ``atrs`` and ``gate`` commands read it, so a folder without it could
    not be checked or re-rendered later.

    >>> select_outputs("public-html")
    ['results.json', 'public-report.html']
    >>> len(select_outputs(None))
    9
    >>> select_outputs("pdf")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    essex_standard.errors.EssexStandardError: --only: unknown output 'pdf'. Choose from: ...
    """
    if only is None:
        return list(OUTPUT_NAMES.values())
    items = only.split(",") if isinstance(only, str) else list(only)
    by_file = {f: f for f in OUTPUT_NAMES.values()}
    chosen = {"results.json"}
    for item in (i.strip() for i in items):
        if not item:
            continue
        name = OUTPUT_NAMES.get(item) or by_file.get(item)
        if name is None:
            raise EssexStandardError(
                f"--only: unknown output {item!r}. Choose from: {', '.join(OUTPUT_NAMES)}."
            )
        chosen.add(name)
    return [f for f in OUTPUT_NAMES.values() if f in chosen]


def open_output_folder(out_dir: str | Path, names: Iterable[str] | None = None) -> OutputFolder:
    """Check ``out_dir``, lock it and create its temporary folder, before any work is done.

    Raises :class:`~essex_standard.outfolder.OutputFolderError` (exit code 2) when the folder
    cannot be used.  Use it as a context manager: leaving it uncommitted changes nothing.
    """
    del names  # every output name may be replaced, whichever are written this time
    return OutputFolder(Path(out_dir), allowed=OUTPUT_NAMES.values(),
                        min_free=MIN_FREE_BYTES).open()


class OutputSet(list):
    """The paths written (a list), plus ``skipped``: file name → why it could not be written."""

    def __init__(self, paths: Iterable[Path] = (), skipped: dict[str, str] | None = None):
        super().__init__(paths)
        self.skipped: dict[str, str] = dict(skipped or {})

    @property
    def complete(self) -> bool:
        return not self.skipped


Step = Callable[[str], AbstractContextManager[object]]

#: Rendered beside the others in a second process when there are other outputs to write.
ASIDE = "technical-report.pdf"


def write_outputs(
    result: AuditResult,
    out_dir: str | Path,
    only: str | Iterable[str] | None = None,
    *,
    folder: OutputFolder | None = None,
    step: Step | None = None,
) -> OutputSet:
    """Render the chosen outputs into a temporary folder and move it into place as a whole.

    ``folder``: an :func:`open_output_folder` already checked (the CLI opens it before the
    audit starts); ``step(label)``: a context manager around each output (progress display).
    A missing optional renderer skips its output (see ``OutputSet.skipped``); any other
    failure leaves ``out_dir`` exactly as it was.
    """
    from .render.pdf import RendererUnavailable, start_aside

    names = select_outputs(only)
    validate(result.doc)
    step = step or (lambda label: nullcontext())
    table = renderers()
    # The technical PDF (most of the time) renders in a second process meanwhile, if it helps.
    aside = start_aside(table[ASIDE], result) if ASIDE in names and len(names) > 2 else None
    order = [n for n in names if n != ASIDE] + [ASIDE] if aside else names
    try:
        with folder or open_output_folder(out_dir, names) as target:
            written, skipped = {}, {}
            for name in order:
                with step(f"Writing {name}"):
                    try:
                        content = aside.result() if aside and name == ASIDE else table[name](result)
                    except RendererUnavailable as exc:
                        skipped[name] = str(exc)
                        continue
                    written[name] = target.write(name, content)
            target.commit()
    finally:
        if aside:
            aside.close()
    return OutputSet([written[n] for n in names if n in written], skipped)
