"""Write every output of an audit into a folder, all or nothing.

Each output is rendered in memory first; only when all of them rendered are they written, each
atomically (temporary file, then rename), so a failure never leaves half a report beside a
stale results.json.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .errors import EssexStandardError
from .result import AuditResult, validate

#: output file name → renderer(result) -> bytes.  Later stages register more outputs here.
Renderer = Callable[[AuditResult], bytes]


def renderers() -> dict[str, Renderer]:
    from .render.html import render_technical_html
    from .render.registry import report_renderers

    return {
        "results.json": lambda r: r.to_json().encode("utf-8"),
        "technical-report.html": lambda r: render_technical_html(r).encode("utf-8"),
        **report_renderers(),
    }


def write_outputs(result: AuditResult, out_dir: Path) -> list[Path]:
    """Render all outputs, then write them; returns the paths written."""
    validate(result.doc)
    rendered = {name: render(result) for name, render in renderers().items()}
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EssexStandardError(f"{out_dir}: cannot create the output folder ({exc}).") from None
    written = []
    for name, content in rendered.items():
        path = out_dir / name
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(content)
        tmp.replace(path)
        written.append(path)
    return written
