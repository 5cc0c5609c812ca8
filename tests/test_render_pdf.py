"""Tagged PDFs: structure tree, language and title (each PDF rendered once per session)."""

from __future__ import annotations

import io

import pytest

pypdf = pytest.importorskip("pypdf")


@pytest.fixture(scope="session")
def pdfs(compas_result):
    from essex_standard.render.registry import report_renderers

    r = report_renderers()
    return {name: r[name](compas_result) for name in ("public-report.pdf", "technical-report.pdf")}


@pytest.mark.parametrize("name,title", [("public-report.pdf", "Transparency report: "),
                                        ("technical-report.pdf", "Technical audit report: ")])
@pytest.mark.slow
def test_pdf_is_tagged_with_language_and_title(pdfs, name, title):
    reader = pypdf.PdfReader(io.BytesIO(pdfs[name]))
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
