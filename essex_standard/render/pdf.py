"""HTML → tagged PDF (PDF/UA-1) with WeasyPrint, imported only when a PDF is asked for."""

from __future__ import annotations

import gc
import io
import os
import re
import sys
from collections.abc import Callable
from typing import Any

from ..errors import EssexStandardError

# A closed <details> element prints collapsed (report-base.css hides everything but its
# summary), so its content is dropped before layout: WeasyPrint would otherwise parse and
# style it for nothing.  Only innermost elements are matched, so nesting stays intact.
_CLOSED_DETAILS = re.compile(
    r"(<details(?![^>]*\bopen\b)[^>]*>\s*<summary\b.*?</summary>)(?:(?!<details\b).)*?(</details>)",
    re.S,
)


def collapse_closed_details(html: str) -> str:
    """Drop the content of every closed ``<details>``, keeping its summary.

    >>> collapse_closed_details('<details><summary>More</summary><table></table></details>')
    '<details><summary>More</summary></details>'
    >>> collapse_closed_details('<details open><summary>S</summary><p>kept</p></details>')
    '<details open><summary>S</summary><p>kept</p></details>'
    """
    return _CLOSED_DETAILS.sub(r"\1\2", html)


# An inline SVG chart opens with its <title> and <desc> (render/charts.py).
_SVG_TITLE_DESC = re.compile(
    r"(<svg\b[^>]*>\s*<title\b[^>]*>)(.*?)(</title>\s*<desc\b[^>]*>)(.*?)(</desc>)", re.S
)

_SVG_DESC_ONLY = re.compile(r"(<svg\b[^>]*>)(\s*<desc\b[^>]*>)(.*?)(</desc>)", re.S)


def svg_alt_text(html: str) -> str:
    """Put each chart's description (the figures it plots) into its ``<title>``.

    WeasyPrint takes a tagged PDF figure's alternate text from the SVG ``<title>`` alone, so
    without this a screen reader in the PDF hears "ethnicity: selection rate by group" and none
    of the values the chart shows.  The HTML keeps title and description apart (both are read
    through ``aria-labelledby``); this runs on the PDF's copy only.

    >>> svg_alt_text('<svg role="img"><title id="t">Rates</title><desc id="d">A: 20%.</desc></svg>')
    '<svg role="img"><title id="t">Rates. A: 20%.</title><desc id="d">A: 20%.</desc></svg>'
    >>> svg_alt_text('<svg role="img"><desc id="d">A: 20%.</desc></svg>')
    '<svg role="img"><title>A: 20%.</title><desc id="d">A: 20%.</desc></svg>'
    """

    def join(m: re.Match) -> str:
        title, desc = m.group(2).strip(), m.group(4).strip()
        alt = f"{title.rstrip('.')}. {desc}" if desc and desc not in title else title
        return f"{m.group(1)}{alt}{m.group(3)}{m.group(4)}{m.group(5)}"

    html = _SVG_TITLE_DESC.sub(join, html)
    # A chart titled by a visible heading outside it (aria-labelledby, the public report's
    # charts) has no <title>: its description, which names every figure, becomes the alt text.
    return _SVG_DESC_ONLY.sub(lambda m: f"{m.group(1)}<title>{m.group(3)}</title>"
                                        f"{m.group(2)}{m.group(3)}{m.group(4)}", html)


def add_id_tree(document, pdf) -> None:
    """Give the structure tree the ``IDTree`` its table header IDs need (WeasyPrint finisher).

    WeasyPrint tags each ``<th>`` with an ``ID`` and each ``<td>`` with ``Headers`` naming
    them, but writes no ID tree, so a reader cannot resolve a cell's headers (PDF/UA-1 7.5,
    ISO 32000-1 14.7.2: IDs are found through the structure tree root's ``IDTree``).  This adds
    it as one flat name tree (keys sorted, as a name tree requires).
    """
    del document
    # pydyf's classes, taken from the document rather than imported (pydyf comes with
    # WeasyPrint and is not a requirement of its own).
    dictionary, array = type(pdf.catalog), type(pdf.pages["Kids"])
    root, ids = None, []
    for obj in pdf.objects:
        if not isinstance(obj, dictionary):
            continue
        kind = obj.get("Type")
        if kind == "/StructTreeRoot":
            root = obj
        elif kind == "/StructElem" and "ID" in obj:
            ids.append((obj["ID"].string, obj))
    if root is None or not ids:
        return
    ids.sort(key=lambda item: item[0].encode("utf-8"))
    names = array()
    for _, element in ids:
        names.extend([element["ID"], element.reference])
    tree = dictionary({"Names": names})
    pdf.add_object(tree)
    root["IDTree"] = tree.reference


#: How to give WeasyPrint the Pango libraries it loads at import time (README: "PDF output").
INSTALL_HELP = (
    "Install Pango, then run again: "
    "Debian/Ubuntu: sudo apt install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0; "
    "Fedora/RHEL: sudo dnf install pango; "
    "macOS: brew install pango; "
    "Windows: install MSYS2, run 'pacman -S mingw-w64-x86_64-pango' and set "
    "WEASYPRINT_DLL_DIRECTORIES=C:\\msys64\\mingw64\\bin. "
    "See https://doc.courtbouillon.org/weasyprint/stable/first_steps.html"
)


class RendererUnavailable(EssexStandardError):
    """An optional renderer cannot run on this machine (a system library is missing).

    ``audit`` skips the outputs that need it and exits 3 (the set is incomplete); ``report
    --format pdf`` has nothing else to write and exits 3 with the same message.
    """

    exit_code = 3


_weasyprint_error: str | None = None


def load_weasyprint():
    """Import WeasyPrint, or raise :class:`RendererUnavailable` saying what to install.

    WeasyPrint loads Pango (through cffi) when imported: without it the import raises
    ``OSError: cannot load library 'libgobject-2.0-0'``, not ``ImportError``.  The failure is
    remembered, so a second PDF does not retry it.
    """
    global _weasyprint_error
    if _weasyprint_error is None:
        try:
            import weasyprint

            return weasyprint
        except (ImportError, OSError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            _weasyprint_error = (
                f"PDF output needs WeasyPrint and the Pango libraries, which could not be "
                f"loaded ({first[:200]}). {INSTALL_HELP}"
            )
    raise RendererUnavailable(_weasyprint_error)


def html_to_pdf(html: str) -> bytes:
    """Render an HTML document to a tagged, accessible PDF (``pdf_variant="pdf/ua-1"``).

    The document title and language come from the HTML (``<title>``, ``<html lang>``).
    Charts' alternate text carries their figures (:func:`svg_alt_text`) and table header IDs
    are resolvable (:func:`add_id_tree`).

    The cyclic garbage collector is paused while WeasyPrint works: it builds tens of
    thousands of boxes and PDF objects that stay alive until the end, so every collection in
    between scans them for nothing (about a tenth of the time of the technical report).  They
    are freed when it finishes, as before.
    """
    weasyprint = load_weasyprint()
    import logging

    # WeasyPrint logs every CSS property it ignores; those are not the user's problem.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    buffer = io.BytesIO()
    html = svg_alt_text(collapse_closed_details(html))
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        weasyprint.HTML(string=html, base_url=".").write_pdf(
            buffer, pdf_variant="pdf/ua-1", uncompressed_pdf=False, finisher=add_id_tree
        )
    finally:
        if was_enabled:
            gc.enable()
    return buffer.getvalue()


#: Set to 1 to render every output in this process (debugging, profiling).
NO_FORK_ENV = "ESSEX_STANDARD_NO_FORK"


class Aside:
    """One output rendered in a forked process while this process renders the others.

    WeasyPrint is single-threaded Python, and the technical report's PDF takes most of the time
    ``audit`` spends writing its outputs; on a machine with two or more cores, rendering it
    beside the others brings the time to write all nine down to about the time of that PDF
    alone.  The child is a ``fork`` of this process (it shares the result without pickling
    it) and sends back the bytes, or the exception, through a pipe.  If it dies without an
    answer, :meth:`result` renders in this process instead, so the outputs never depend on
    the child succeeding.
    """

    def __init__(self, render: Callable[[Any], bytes], result: Any) -> None:
        import multiprocessing

        self._render, self._result = render, result
        ctx = multiprocessing.get_context("fork")
        self._conn, child_conn = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_aside_child, daemon=True,
                                 args=(render, result, child_conn, os.getpid()))
        self._proc.start()
        child_conn.close()

    def result(self) -> bytes:
        """The rendered bytes (raises what the renderer raised)."""
        try:
            status, payload = self._conn.recv()
        except (EOFError, OSError):
            status, payload = "lost", None
        finally:
            self.close()
        if status == "ok":
            return payload
        if status == "error":
            raise payload
        return self._render(self._result)

    def close(self) -> None:
        """Stop the child if it is still running (an interrupted or failed run)."""
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join()
        self._conn.close()


def _die_with_parent(parent: int) -> None:
    """Have Linux kill this child when its parent dies (``prctl(PR_SET_PDEATHSIG)``).

    A parent killed outright (SIGKILL) cannot stop its child, and the child holds copies of
    the parent's file descriptors, including the output folder's lock: without this, the next
    audit would find the folder locked until the orphan finished its PDF.
    """
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the call above
        os._exit(1)


def _aside_child(render: Callable[[Any], bytes], result: Any, conn, parent: int) -> None:
    import pickle
    import signal

    # Ctrl-C is the parent's to handle; the parent stops the child with SIGTERM, which must
    # end it quietly (not run the handler the parent installed, inherited through fork).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent)
    # The child ends as soon as it has sent its answer: nothing it allocates needs collecting,
    # so the collector stays off (html_to_pdf leaves it as it found it), which also spares
    # the full collection of WeasyPrint's boxes that would otherwise run before the answer.
    gc.disable()
    try:
        message = ("ok", render(result))
    except Exception as exc:  # noqa: BLE001 - sent to the parent, which raises it
        message = ("error", exc)
        try:
            pickle.dumps(exc)
        except Exception:  # noqa: BLE001
            message = ("error", RuntimeError(f"{type(exc).__name__}: {exc}"))
    conn.send(message)
    conn.close()


def start_aside(render: Callable[[Any], bytes], result: Any) -> Aside | None:
    """Start ``render(result)`` in a forked process, or None where that would not help.

    Only on Linux (``fork`` is unsafe on macOS and missing on Windows), with at least two
    CPUs available to this process, and unless ``ESSEX_STANDARD_NO_FORK`` is set.
    """
    if os.environ.get(NO_FORK_ENV) or not sys.platform.startswith("linux"):
        return None
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if (cpus or 1) < 2:
        return None
    try:
        return Aside(render, result)
    except OSError:
        return None
