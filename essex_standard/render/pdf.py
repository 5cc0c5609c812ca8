"""HTML → tagged PDF (PDF/UA-1) with WeasyPrint, imported only when a PDF is asked for."""

from __future__ import annotations

import gc
import io
import re

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


def svg_alt_text(html: str) -> str:
    """Put each chart's description (the figures it plots) into its ``<title>``.

    WeasyPrint takes a tagged PDF figure's alternate text from the SVG ``<title>`` alone, so
    without this a screen reader in the PDF hears "ethnicity: selection rate by group" and none
    of the values the chart shows.  The HTML keeps title and description apart (both are read
    through ``aria-labelledby``); this runs on the PDF's copy only.

    >>> svg_alt_text('<svg role="img"><title id="t">Rates</title><desc id="d">A: 20%.</desc></svg>')
    '<svg role="img"><title id="t">Rates. A: 20%.</title><desc id="d">A: 20%.</desc></svg>'
    """

    def join(m: re.Match) -> str:
        title, desc = m.group(2).strip(), m.group(4).strip()
        alt = f"{title.rstrip('.')}. {desc}" if desc and desc not in title else title
        return f"{m.group(1)}{alt}{m.group(3)}{m.group(4)}{m.group(5)}"

    return _SVG_TITLE_DESC.sub(join, html)


def add_id_tree(document, pdf) -> None:
    """Give the structure tree the ``IDTree`` its table header IDs need (WeasyPrint finisher).

    WeasyPrint tags each ``<th>`` with an ``ID`` and each ``<td>`` with ``Headers`` naming
    them, but writes no ID tree, so a reader cannot resolve a cell's headers (PDF/UA-1 7.5,
    ISO 32000-1 14.7.2: IDs are found through the structure tree root's ``IDTree``).  This adds
    it as one flat name tree (keys sorted, as a name tree requires).
    """
    import pydyf

    del document
    root, ids = None, []
    for obj in pdf.objects:
        if not isinstance(obj, pydyf.Dictionary):
            continue
        kind = obj.get("Type")
        if kind == "/StructTreeRoot":
            root = obj
        elif kind == "/StructElem" and "ID" in obj:
            ids.append((obj["ID"].string, obj))
    if root is None or not ids:
        return
    ids.sort(key=lambda item: item[0].encode("utf-8"))
    names = pydyf.Array()
    for key, element in ids:
        names.extend([pydyf.String(key), element.reference])
    tree = pydyf.Dictionary({"Names": names})
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
