"""Markdown rendering that escapes every interpolated value by default.

Jinja2's HTML autoescaping would turn ``Black & Male`` into ``Black &amp; Male`` in a Markdown
file; instead a ``finalize`` hook backslash-escapes every ``{{ value }}`` so that a group or
model name cannot open a link, an HTML tag, a table cell or emphasis.  Text the template
itself builds (tables, headings) is trusted; values wrapped in :class:`MdSafe` pass through.
"""

from __future__ import annotations

import re
from typing import Any

from ..resources import templates_dir
from .html import fmt_ci, fmt_num, fmt_pct

#: Characters that can start Markdown or HTML anywhere in a line.  Brackets are escaped, so
#: parentheses cannot complete a link; "<" is escaped, so ">" cannot close a tag.
_SPECIAL = re.compile(r"([\\`*_\[\]<|~#])")
_ENTITY = re.compile(r"&(?=#?\w+;)")


class MdSafe(str):
    """A string the template trusts (already Markdown)."""


def md_escape(value: Any) -> str:
    """Escape a value for inline Markdown: no markup, no line breaks.

    >>> print(md_escape("<b>x</b> | [y](z) &amp; R&D"))
    \\<b>x\\</b> \\| \\[y\\](z) \\&amp; R&D
    """
    if value is None:
        return ""
    if isinstance(value, MdSafe):
        return str(value)
    text = " ".join(str(value).split())
    text = _SPECIAL.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    # A leading "-", "=", "+" or ">" could start a list, a heading underline or a quote.
    return re.sub(r"^([-=+>])", r"\\\1", text)


def md_url(value: Any) -> str:
    """A URL as an autolink when it is an http, https or mailto address, else escaped text.

    >>> print(md_url("https://example.org/a_b"), md_url("javascript:alert(1)"))
    <https://example.org/a_b> javascript:alert(1)
    >>> print(md_url("[x](javascript:alert(1))"))
    \\[x\\](javascript:alert(1))
    """
    from .links import safe_url

    href = safe_url(value)
    if href is not None:
        return MdSafe(f"<{href}>")
    return md_escape(value)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def md_code(value: Any) -> str:
    """A value (a file path) as an inline code span: shown literally, never markup.

    Line breaks and other control characters are shown as escapes (a blank line would end
    the code span and let the rest be read as Markdown or HTML); the fence is longer than any
    run of backticks inside.

    >>> print(md_code("data/a\\n\\n<img src=x onerror=alert(1)>.csv"))
    `data/a\\n\\n<img src=x onerror=alert(1)>.csv`
    >>> print(md_code("a``b"))
    ```a``b```
    """
    text = _CONTROL.sub(lambda m: repr(m.group())[1:-1], str(value))
    runs = [len(r) for r in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return MdSafe(f"{fence}{pad}{text}{pad}{fence}")


def markdown_environment():
    import jinja2

    from .labels import capitalize_first

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=md_escape,
    )
    env.filters.update(
        num=lambda v, d=3: MdSafe(md_escape(fmt_num(v, d))),
        pct=lambda v, d=1: MdSafe(md_escape(fmt_pct(v, d))),
        ci=lambda v, d=3, pct=False: MdSafe(md_escape(fmt_ci(v, d, pct))),
        url=md_url,
        code=md_code,
        safe=MdSafe,
        capitalize=capitalize_first,  # upper-case the first letter only ("NHS" stays "NHS")
    )
    return env
