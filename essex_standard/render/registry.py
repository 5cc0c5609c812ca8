"""The report outputs ``audit --out DIR`` writes, by file name (see :mod:`essex_standard.outputs`).

Each renderer is a function of the result alone and returns bytes.  Public outputs (public
report, model card, ATRS record) apply disclosure control; the technical report does not.
"""

from __future__ import annotations

from collections.abc import Callable

from ..result import AuditResult

Renderer = Callable[[AuditResult], bytes]


def _public_html(r: AuditResult) -> bytes:
    from .public import render_public_html

    return render_public_html(r).encode("utf-8")


def _public_pdf(r: AuditResult) -> bytes:
    from .pdf import html_to_pdf
    from .public import render_public_html

    return html_to_pdf(render_public_html(r))


def _technical_pdf(r: AuditResult) -> bytes:
    from .html import render_technical_html
    from .pdf import html_to_pdf

    return html_to_pdf(render_technical_html(r))


def _card_md(r: AuditResult) -> bytes:
    from .model_card import render_model_card_markdown

    return render_model_card_markdown(r).encode("utf-8")


def _card_json(r: AuditResult) -> bytes:
    from .model_card import render_model_card_json

    return render_model_card_json(r).encode("utf-8")


def _atrs_json(r: AuditResult) -> bytes:
    from .atrs import render_atrs_json

    return render_atrs_json(r).encode("utf-8")


def _atrs_md(r: AuditResult) -> bytes:
    from .atrs import render_atrs_markdown

    return render_atrs_markdown(r).encode("utf-8")


def report_renderers() -> dict[str, Renderer]:
    """File name → renderer for every report output."""
    return {
        "technical-report.pdf": _technical_pdf,
        "public-report.html": _public_html,
        "public-report.pdf": _public_pdf,
        "model-card.md": _card_md,
        "model-card.json": _card_json,
        "atrs.json": _atrs_json,
        "atrs.md": _atrs_md,
    }


#: Outputs meant for publication: disclosure control applies.
PUBLIC_OUTPUTS = ("public-report.html", "public-report.pdf", "model-card.md", "model-card.json",
                  "atrs.json", "atrs.md")
