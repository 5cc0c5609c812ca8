"""Two small adapters for the docs site (``mkdocs.yml`` names them); nothing else uses them.

* ``DoctestFences``, a griffe extension: our docstrings carry runnable doctests (``>>>``) in
  their prose, which Markdown would render as nested block quotes.  Each run of doctest lines
  and its expected output becomes a fenced ``pycon`` block, so the API reference shows them as
  code; Sphinx roles (``:func:`x```) become code spans.  The docstrings themselves stay plain
  doctests (pytest runs them).
* ``on_files`` / ``on_page_markdown``, MkDocs hooks: the guides link to files outside
  ``docs/`` (the example configs, the shipped schemas), which read well on a code host.  The
  hooks copy each such file into the site under ``repo/`` and point the link there, so the
  site works on its own and a link to a file that does not exist still fails the strict build.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import griffe

ROOT = Path(__file__).resolve().parent.parent
_OUTSIDE = re.compile(r"\]\(((?:\.\./)+)([^)#\s]+)((?:#[^)\s]*)?)\)")


def fence_doctests(text: str) -> str:
    r"""Wrap each doctest run (``>>>`` lines, their ``...`` continuations and output).

    >>> fence_doctests("Intro.\n\n>>> 1 + 1\n2\n\nMore.").splitlines()
    ['Intro.', '', '```pycon', '>>> 1 + 1', '2', '```', '', 'More.']
    """
    out: list[str] = []
    inside = False
    for line in text.splitlines():
        starts = line.lstrip().startswith(">>>")
        if starts and not inside:
            out.append("```pycon")
            inside = True
        elif inside and not line.strip():
            out.append("```")
            inside = False
        out.append(line)
    if inside:
        out.append("```")
    return "\n".join(out)


_ROLE = re.compile(r":(?:func|class|data|mod|meth|attr|exc|obj):`~?([^`]+)`")


def plain_roles(text: str) -> str:
    """Sphinx roles (``:func:`x```) as Markdown code, which MkDocs renders.

    >>> plain_roles("see :func:`essex_standard.frames.frame_inputs` and :data:`~X`")
    'see `essex_standard.frames.frame_inputs` and `X`'
    """
    return _ROLE.sub(r"`\1`", text)


class DoctestFences(griffe.Extension):
    """Render doctests as code blocks and Sphinx roles as code (see the module docstring)."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = plain_roles(fence_doctests(obj.docstring.value))


def _repo_target(page_src: str, ups: str, rest: str) -> Path | None:
    """The repository file a ``../`` link from a docs page points at, if it leaves docs/."""
    page_dir = (ROOT / "docs" / page_src).parent
    target = (page_dir / (ups + rest)).resolve()
    docs = (ROOT / "docs").resolve()
    if docs in target.parents or not target.is_file() or ROOT not in target.parents:
        return None
    return target


def on_files(files: Any, config: Any) -> Any:
    """Add every repository file linked from a page (outside docs/) to the site, under repo/."""
    from mkdocs.structure.files import File

    for page in list(files.documentation_pages()):
        text = Path(page.abs_src_path).read_text(encoding="utf-8")
        for ups, rest, _ in _OUTSIDE.findall(text):
            target = _repo_target(page.src_uri, ups, rest)
            if target is None:
                continue
            dest = "repo/" + target.relative_to(ROOT).as_posix()
            if files.get_file_from_path(dest) is None:
                files.append(File.generated(config, dest, abs_src_path=str(target)))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Point links to repository files at their copies under repo/."""
    depth = page.file.src_uri.count("/")

    def swap(match: re.Match[str]) -> str:
        ups, rest, anchor = match.groups()
        target = _repo_target(page.file.src_uri, ups, rest)
        if target is None:
            return match.group(0)
        return f"]({'../' * depth}repo/{target.relative_to(ROOT).as_posix()}{anchor})"

    return _OUTSIDE.sub(swap, markdown)
