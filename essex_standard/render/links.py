"""Links from user data: only ``http``, ``https`` and ``mailto`` are ever made clickable.

An impact assessment's link, an attestation's evidence link or a contact address comes from a
config or answers file that anyone may have written; ``javascript:`` or ``data:`` URLs there
would run in the reader's browser (or PDF viewer).  Every template renders such values through
these filters (``link`` in HTML, ``url`` in Markdown), never into ``href`` directly.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape

#: A whole value that may become a link: an allowed scheme, then no blank, control character,
#: quote, angle bracket, backtick or backslash (browsers strip or decode those, which is how
#: ``java\tscript:`` slips past naive checks).  Case-insensitive, as browsers treat schemes.
_SAFE = re.compile(r"(?:https?://[^\s/?#@\\]|mailto:[^\s])[^\s\x00-\x1f\x7f<>\"'`\\]*", re.I)
MAX_URL = 2000


def safe_url(value: Any) -> str | None:
    """The value, trimmed, when it may be a link; otherwise None.

    >>> safe_url(" https://example.org/dpia ")
    'https://example.org/dpia'
    >>> [safe_url(v) for v in ("javascript:alert(1)", "data:text/html,x", "JavaScript:x",
    ...                        "java\\tscript:x", "[x](javascript:y)", "//evil.example", "")]
    [None, None, None, None, None, None, None]
    >>> safe_url("MAILTO:someone@example.org")
    'MAILTO:someone@example.org'
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) > MAX_URL or not _SAFE.fullmatch(text):
        return None
    return text


def html_link(url: Any, text: Any = None) -> Markup:
    """``<a href>`` for a safe URL; otherwise the text, with the refused value shown inert.

    >>> html_link("https://example.org", "DPIA")
    Markup('<a href="https://example.org">DPIA</a>')
    >>> html_link("javascript:alert(1)", "DPIA")
    Markup('DPIA <span class="muted">(link not made clickable: javascript:alert(1))</span>')
    >>> html_link('javascript:alert("x")')
    Markup('javascript:alert(&#34;x&#34;)')
    """
    shown = url if text is None or text == "" else text
    href = safe_url(url)
    if href is not None:
        return Markup('<a href="{}">{}</a>').format(href, shown)
    if text is None or text == "" or text == url:
        return escape(url)
    return Markup('{} <span class="muted">(link not made clickable: {})</span>').format(text, url)


def mailto(address: Any) -> Markup:
    """A contact address as a ``mailto:`` link (the address itself as text).

    >>> mailto("team@example.org")
    Markup('<a href="mailto:team@example.org">team@example.org</a>')
    >>> mailto('x@y.z" onclick="alert(1)')
    Markup('x@y.z&#34; onclick=&#34;alert(1)')
    """
    return html_link(f"mailto:{address}", address) if safe_url(f"mailto:{address}") \
        else escape(address)
