"""HTML → tagged PDF (PDF/UA-1) with WeasyPrint, imported only when a PDF is asked for."""

from __future__ import annotations

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
    """
    weasyprint = load_weasyprint()
    import logging

    # WeasyPrint logs every CSS property it ignores; those are not the user's problem.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    buffer = io.BytesIO()
    weasyprint.HTML(string=collapse_closed_details(html), base_url=".").write_pdf(
        buffer, pdf_variant="pdf/ua-1", uncompressed_pdf=False
    )
    return buffer.getvalue()
