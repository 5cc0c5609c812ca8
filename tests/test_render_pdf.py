"""Tagged PDFs: structure tree, language and title, figure alternate text carrying the values,
table header IDs resolvable through an ID tree, contents leaders not tagged as text, and every
piece of text at least 7 pt (each PDF rendered once per session)."""

from __future__ import annotations

import io
import math
import os
import re

import pytest

pypdf = pytest.importorskip("pypdf")

from essex_standard.render.pdf import Aside, start_aside  # noqa: E402

MIN_PT = 7.0


@pytest.fixture(scope="session")
def pdfs(compas_result):
    from essex_standard.render.registry import report_renderers

    r = report_renderers()
    return {name: r[name](compas_result) for name in ("public-report.pdf", "technical-report.pdf")}


def _reader(data: bytes):
    return pypdf.PdfReader(io.BytesIO(data))


def _struct_elements(reader):
    """Every structure element, depth first."""
    root = reader.trailer["/Root"]["/StructTreeRoot"].get_object()
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if isinstance(node, pypdf.generic.IndirectObject):
            if node.idnum in seen:
                continue
            seen.add(node.idnum)
            node = node.get_object()
        if not isinstance(node, pypdf.generic.DictionaryObject):
            continue
        if node.get("/Type") == "/StructElem":
            yield node
        kids = node.get("/K")
        if isinstance(kids, pypdf.generic.ArrayObject):
            stack.extend(reversed(kids))
        elif kids is not None:
            stack.append(kids)


@pytest.mark.parametrize("name,title", [("public-report.pdf", "Transparency report: "),
                                        ("technical-report.pdf", "Technical audit report: ")])
@pytest.mark.slow
def test_pdf_is_tagged_with_language_and_title(pdfs, name, title):
    reader = _reader(pdfs[name])
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root, "no structure tree: the PDF is not tagged"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert str(root["/Lang"]).lower() == "en-gb"
    assert reader.metadata.title.startswith(title)
    assert "COMPAS" in reader.metadata.title
    kids = root["/StructTreeRoot"].get_object()["/K"]
    assert kids, "empty structure tree"
    text = reader.pages[-1].extract_text()
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in text


@pytest.mark.parametrize("name", ["public-report.pdf", "technical-report.pdf"])
@pytest.mark.slow
def test_table_header_ids_resolve_through_the_id_tree(pdfs, name):
    reader = _reader(pdfs[name])
    root = reader.trailer["/Root"]["/StructTreeRoot"].get_object()
    assert "/IDTree" in root, "header IDs without an ID tree cannot be resolved"
    names = root["/IDTree"].get_object()["/Names"]
    keys = [str(k) for k in names[::2]]
    assert keys == sorted(keys, key=lambda k: k.encode()), "a name tree's keys must be sorted"
    tree = {str(k): v.get_object() for k, v in zip(names[::2], names[1::2], strict=True)}
    headers_seen = 0
    for element in _struct_elements(reader):
        if element.get("/S") == "/TH":
            assert str(element["/ID"]) in tree
        attrs = element.get("/A")
        if element.get("/S") == "/TD" and attrs is not None and "/Headers" in attrs:
            for ref in attrs["/Headers"]:
                headers_seen += 1
                assert str(ref) in tree, f"cell header {ref} not in the ID tree"
                assert tree[str(ref)]["/S"] == "/TH"
    assert headers_seen > 20


@pytest.mark.slow
def test_chart_alt_text_carries_each_groups_figure_and_interval(pdfs, compas_result):
    reader = _reader(pdfs["technical-report.pdf"])
    alts = [str(e.get("/Alt", "")) for e in _struct_elements(reader) if e.get("/S") == "/Figure"]
    assert alts and all(alts), "every figure needs alternate text"
    section = compas_result.doc["fairness"]["race"]
    rate = next(a for a in alts if a.startswith("race: Selection rate by group"))
    for group, entry in section["groups"].items():
        m = entry["metrics"]["selection_rate"]
        lo, hi = m["ci"]
        assert (f"{group}: {100 * m['value']:.1f}% (95% interval {100 * lo:.1f}% to "
                f"{100 * hi:.1f}%)") in rate, group
    public = [str(e.get("/Alt", "")) for e in _struct_elements(_reader(pdfs["public-report.pdf"]))
              if e.get("/S") == "/Figure"]
    assert public and all(re.search(r"\d", a) for a in public), "public charts' values missing"


@pytest.mark.slow
def test_contents_leaders_are_not_text(pdfs):
    reader = _reader(pdfs["public-report.pdf"])
    first = reader.pages[0].extract_text()
    assert "Contents" in first
    assert not re.search(r"\.{4,}", first), "leader dots are tagged as text"
    # The page numbers are still there, after each entry.
    assert re.search(r"In short\s*\n?.*\d", first, re.S)


def _font_sizes(page):
    sizes = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])
            sizes.append((size * scale, text.strip()))

    page.extract_text(visitor_text=visit)
    return sizes


@pytest.mark.parametrize("name", ["public-report.pdf", "technical-report.pdf"])
@pytest.mark.slow
def test_all_text_including_chart_text_is_at_least_7pt(pdfs, name):
    reader = _reader(pdfs[name])
    small = [(i, round(s, 2), t[:30]) for i, page in enumerate(reader.pages, 1)
             for s, t in _font_sizes(page) if s < MIN_PT - 0.01]
    assert not small, f"text under {MIN_PT} pt (page, size, text): {small[:10]}"


# ---------------------------------------------------------------- rendering beside the others


def test_aside_returns_what_the_child_rendered():
    aside = Aside(lambda r: b"pdf:" + r + str(os.getpid()).encode(), b"x")
    out = aside.result()
    assert out.startswith(b"pdf:x") and out != b"pdf:x" + str(os.getpid()).encode()


def test_aside_raises_what_the_renderer_raised():
    from essex_standard.render.pdf import RendererUnavailable

    def broken(r):
        raise RendererUnavailable("no Pango here")

    with pytest.raises(RendererUnavailable, match="no Pango"):
        Aside(broken, None).result()


def test_aside_falls_back_to_this_process_when_the_child_dies():
    parent = os.getpid()

    def render(r):
        if os.getpid() != parent:
            os._exit(3)  # the child dies without an answer
        return b"rendered here"

    assert Aside(render, None).result() == b"rendered here"


def test_start_aside_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("ESSEX_STANDARD_NO_FORK", "1")
    assert start_aside(lambda r: b"", None) is None
