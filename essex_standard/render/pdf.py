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


def html_to_pdf(html: str) -> bytes:
    """Render an HTML document to a tagged, accessible PDF (``pdf_variant="pdf/ua-1"``).

    The document title and language come from the HTML (``<title>``, ``<html lang>``).
    """
    try:
        import weasyprint
    except ImportError as exc:  # pragma: no cover - weasyprint is a dependency
        raise EssexStandardError(
            f"PDF output needs WeasyPrint, which could not be imported ({exc})."
        ) from None
    import logging

    # WeasyPrint logs every CSS property it ignores; those are not the user's problem.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    buffer = io.BytesIO()
    weasyprint.HTML(string=collapse_closed_details(html), base_url=".").write_pdf(
        buffer, pdf_variant="pdf/ua-1", uncompressed_pdf=False
    )
    return buffer.getvalue()
