"""HTML → tagged PDF (PDF/UA-1) with WeasyPrint, imported only when a PDF is asked for."""

from __future__ import annotations

import io

from ..errors import EssexStandardError


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
    weasyprint.HTML(string=html, base_url=".").write_pdf(
        buffer, pdf_variant="pdf/ua-1", uncompressed_pdf=False
    )
    return buffer.getvalue()
