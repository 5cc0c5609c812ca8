"""Nothing injects: hostile names, paths and links pass through every output and none is live.

One audit is run with hostile values everywhere a user can put text: group values, the
protected column's name, the model's fields, impact-assessment links, an attestation's
evidence link, the contact address and the data file's own name (blank lines and an
``<img onerror>``).  Every output is then read the way its reader would: HTML parsed as HTML;
Markdown rendered by a CommonMark renderer with raw HTML allowed (as GitHub and Hugging Face
do, before their sanitisers); PDF link annotations listed.  Nothing may run, link anywhere but
http, https or mailto, or add markup; and the hostile text must still be there, as text.
"""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from essex_standard import outputs
from essex_standard.render.links import safe_url

GROUPS = [
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(2))\n\n<script>alert(3)</script>",
    "javascript:alert(4)",
    "data:text/html,<b>bold</b> | `tick` **em**",
]
COLUMN = 'eth"/onmouseover="alert(5)'
DATA_FILE = "d\n\n<img src=x onerror=alert(12)>.csv"
MODEL = {
    "name": "<script>alert(6)</script>\n\n# Heading [x](javascript:alert(13))",
    "owner": "<b onmouseover=alert(14)>Owner</b>",
    "purpose": "Purpose <iframe src=javascript:alert(15)></iframe>\n\n- list",
    "contact_email": '"onclick="alert(10)"<b>@y.z',
    "impact_assessments": [
        {"name": "DPIA <img src=x onerror=alert(16)>", "date": "2024-01-01",
         "link": "javascript:alert(7)"},
        {"name": "Data URL", "date": "2024-01-02",
         "link": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxNyk8L3NjcmlwdD4="},
        {"name": "Markdown link", "date": "2024-01-03", "link": "[x](javascript:alert(8))"},
        {"name": "Tab trick", "date": "2024-01-04", "link": "java\tscript:alert(18)"},
        {"name": "Good", "date": "2024-01-05", "link": "https://example.org/dpia"},
    ],
    "risks": [{"name": "<svg onload=alert(19)>", "description": "[y](javascript:alert(20))",
               "mitigation": "<a href='javascript:alert(21)'>fix</a>"}],
}
ALLOWED_SCHEMES = ("http://", "https://", "mailto:", "#")
FORBIDDEN_TAGS = {"script", "img", "iframe", "object", "embed", "form", "b", "base"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The folder of every non-PDF output of one hostile audit, and its result."""
    import essex_standard

    folder = tmp_path_factory.mktemp("hostile")
    rng = np.random.default_rng(3)
    n = 400
    df = pd.DataFrame({"y": rng.integers(0, 2, n), "s": rng.random(n).round(3),
                       COLUMN: [GROUPS[i % 4] for i in range(n)]})
    df["p"] = (df["s"] > 0.5).astype(int)
    df.to_csv(folder / DATA_FILE, index=False)
    answers = {"standard": "essex-standard", "standard_version": "1.0.0", "answers": {"O1": {
        "answer": "yes", "explanation": "<script>alert(22)</script>\n\n[z](javascript:x)",
        "evidence_link": "javascript:alert(9)", "answered_by": "<img src=x onerror=alert(23)>",
        "role": "DPO", "date": "2025-01-01"}}}
    (folder / "answers.yaml").write_text(yaml.safe_dump(answers))
    cfg = {"model": MODEL, "protected": [COLUMN], "bootstrap": 0, "min_group_size": 10,
           "attestations": "answers.yaml",
           "data": {"path": DATA_FILE, "y_true": "y", "y_pred": "p", "y_score": "s"}}
    (folder / "audit.yaml").write_text(yaml.safe_dump(cfg))
    result = essex_standard.audit(folder / "audit.yaml")
    names = [n for n in outputs.OUTPUT_NAMES.values() if not n.endswith(".pdf")]
    outputs.write_outputs(result, folder / "out", only=names)
    return folder / "out", result


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[str] = []
        self._in_heading = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_heading = tag in {"h1", "h2", "h3", "h4", "h5", "h6"}

    def handle_data(self, data):
        if self._in_heading:
            self.headings.append(data)

    def handle_endtag(self, tag):
        self._in_heading = False


def assert_inert_html(html: str, where: str) -> list[str]:
    """No hostile tag or handler, no link but http/https/mailto/#; returns the hrefs."""
    parser = _Tags()
    parser.feed(html)
    hrefs = []
    for tag, attrs in parser.tags:
        assert tag not in FORBIDDEN_TAGS, f"{where}: a <{tag}> tag is live: {attrs}"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"{where}: <{tag} {name}={value!r}> is live"
            if name in {"href", "src", "xlink:href", "action", "formaction", "data"}:
                assert (value or "").startswith(ALLOWED_SCHEMES), f"{where}: {name}={value!r}"
                hrefs.append(value)
    for text in parser.headings:
        assert "Heading" not in text or "alert(6)" in text, f"{where}: heading injected"
    return hrefs


def _markdown_to_html(text: str) -> tuple[dict, str]:
    from markdown_it import MarkdownIt

    front: dict = {}
    if text.startswith("---\n"):
        head, text = text[4:].split("\n---\n", 1)
        front = yaml.safe_load(head)
    return front, MarkdownIt("commonmark", {"html": True}).enable("table").render(text)


def test_html_reports_hold_the_hostile_text_and_nothing_live(hostile):
    out, _ = hostile
    for name in ("public-report.html", "technical-report.html"):
        html = (out / name).read_text()
        hrefs = assert_inert_html(html, name)
        assert "alert(6)" in html, f"{name}: the model name should be shown as text"
        assert not any("javascript" in h.lower() or h.startswith("data:") for h in hrefs)
    public = (out / "public-report.html").read_text()
    assert '<a href="https://example.org/dpia">Good</a>' in public, "a safe link stays a link"
    assert "link not made clickable: javascript:alert(7)" in public
    technical = (out / "technical-report.html").read_text()
    assert "javascript:alert(9)" in technical and 'href="javascript' not in technical


def test_markdown_outputs_render_to_nothing_live(hostile):
    out, _ = hostile
    for name in ("model-card.md", "atrs.md"):
        text = (out / name).read_text()
        front, html = _markdown_to_html(text)
        hrefs = assert_inert_html(html, name)
        assert all(safe_url(h) for h in hrefs if not h.startswith("#")), hrefs
        assert "alert(6)" in html, f"{name}: the model name should be shown as text"
        assert isinstance(front, dict)
    card = (out / "model-card.md").read_text()
    (line,) = [ln for ln in card.splitlines() if ln.startswith("- **Input file**")]
    assert "<img src=x onerror=alert(12)>" in line, "the path stays whole, inside a code span"
    _, html = _markdown_to_html(card)
    assert "&lt;img src=x onerror=alert(12)&gt;" in html


def test_json_outputs_keep_the_values_verbatim(hostile):
    out, _ = hostile
    doc = json.loads((out / "results.json").read_text())
    assert set(doc["fairness"][COLUMN]["groups"]) == set(GROUPS)
    for name in ("model-card.json", "atrs.json"):
        json.loads((out / name).read_text())  # parses: JSON has no markup to inject


def test_terminal_summary_does_not_interpret_the_names(hostile):
    from essex_standard.commands.audit import summary_text

    _, result = hostile
    assert "alert(6)" in summary_text(result)


@pytest.mark.slow
def test_pdf_reports_carry_no_script_and_only_safe_links(hostile):
    from pypdf import PdfReader

    from essex_standard.render.html import render_technical_html
    from essex_standard.render.pdf import html_to_pdf
    from essex_standard.render.public import render_public_html

    _, result = hostile
    for name, render in (("public", render_public_html), ("technical", render_technical_html)):
        pdf = html_to_pdf(render(result))
        assert b"/JavaScript" not in pdf and b"/JS " not in pdf and b"/Launch" not in pdf
        uris = []
        for page in PdfReader(io.BytesIO(pdf)).pages:
            for annot in page.get("/Annots") or []:
                action = annot.get_object().get("/A") or {}
                if "/URI" in action:
                    uris.append(str(action["/URI"]))
        assert all(safe_url(u) for u in uris), (name, uris)
        if name == "public":
            assert "https://example.org/dpia" in uris


def test_the_link_filter_is_used_wherever_a_template_makes_a_link():
    """No template puts a value straight into href or src: the filters decide."""
    root = Path(__file__).resolve().parent.parent / "templates"
    for path in [*root.glob("*.html"), *root.glob("partials/*.html")]:
        text = path.read_text()
        for attr in ('href="{{', "href='{{", 'src="{{', "src='{{"):
            assert attr not in text, f"{path.name}: {attr} bypasses the link filter"
    for path in root.glob("*.md"):
        assert "| safe" not in path.read_text(), f"{path.name}: '| safe' bypasses escaping"


# --------------------------------------------------------------------------- pathological names


@pytest.fixture(scope="module")
def huge_name_result():
    """Two 200 KB group names sharing their first 150 characters, and a short one."""
    from essex_standard import audit_frame

    huge = "N" * 150 + "a" * 200_000
    twin = "N" * 150 + "b" * 200_000
    rng = np.random.default_rng(5)
    n = 300
    df = pd.DataFrame({"y": rng.integers(0, 2, n), "g": [(huge, twin, "C")[i % 3]
                                                       for i in range(n)]})
    df["p"] = rng.integers(0, 2, n)
    return audit_frame(df, y_true="y", y_pred="p", sensitive_features=["g"], bootstrap=0,
                       min_group_size=10), huge, twin


def _longest_run(text: str, char: str) -> int:
    import re

    return max((len(m) for m in re.findall(f"{char}+", text)), default=0)


def test_a_200kb_group_name_is_shortened_in_the_reports(huge_name_result):
    from essex_standard.render.html import render_technical_html
    from essex_standard.render.labels import LABEL_LIMIT
    from essex_standard.render.public import render_public_html

    result, huge, twin = huge_name_result
    assert huge in result.to_json() and twin in result.to_json(), "results.json keeps them"
    for name, html in (("technical", render_technical_html(result)),
                       ("public", render_public_html(result))):
        assert _longest_run(html, "N") < LABEL_LIMIT, name
        assert _longest_run(html, "a") < LABEL_LIMIT and _longest_run(html, "b") < 10, name
        assert len(html) < 2_000_000, f"{name}: the name is repeated in full somewhere"
        assert "N" * (LABEL_LIMIT - 1) + "…" in html
        assert "N" * (LABEL_LIMIT - 1) + "… (2)" in html, "the two names stay distinct"
        assert "full names are in" in html


@pytest.mark.slow
def test_a_200kb_group_name_does_not_stall_the_pdf(huge_name_result):
    from essex_standard.render.html import render_technical_html
    from essex_standard.render.pdf import html_to_pdf

    result, _, _ = huge_name_result
    assert html_to_pdf(render_technical_html(result)).startswith(b"%PDF")
