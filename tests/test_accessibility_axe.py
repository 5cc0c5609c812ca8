"""axe-core in headless Chromium: zero WCAG 2.2 AA violations in the public and technical reports
of every bundled example, at a desktop width (1280 px) and a phone width (390 px).

Headless Chromium will not make its window narrower than about 500 px, so each page is loaded
in an ``<iframe>`` of the width under test; axe runs inside the frame and posts its results to
the wrapping page, whose DOM Chromium dumps.  The same frame reports the page's scroll width,
so the test also checks that nothing scrolls sideways at 390 px (WCAG 1.4.10 Reflow).

Needs Debian's ``chromium`` and axe-core from npm (``package.json`` pins it; ``npm install``
puts it in ``node_modules``).  The test never installs anything itself: it skips, saying why,
when Chromium or axe-core is absent.  ``.ci/run`` installs both so it runs in CI.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = (1280, 390)
RUNNER = """
<script>
axe.run(document, {runOnly: {type: "tag", values: %s}}).then(function (r) {
  var root = document.documentElement;
  parent.postMessage(JSON.stringify({violations: r.violations.map(function (v) {
    return {id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(function (n) { return n.target.join(" "); })};
  }), passes: r.passes.length, scroll_width: root.scrollWidth,
      client_width: root.clientWidth,
      clipped: Array.prototype.filter.call(document.querySelectorAll(".table-wrap"),
        function (e) { return e.scrollWidth > e.clientWidth; })
        .map(function (e) { return e.getAttribute("aria-label"); })}), "*");
});
</script>
"""
FRAME = """<!DOCTYPE html><html lang="en"><head><title>axe</title></head>
<body style="margin:0"><iframe title="report" src="page.html" scrolling="no"
 style="border:0;width:%dpx;height:2000px"></iframe>
<script>window.addEventListener("message", function (e) {
  var out = document.createElement("pre"); out.id = "axe-results";
  out.textContent = e.data; document.body.appendChild(out); });</script></body></html>
"""


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


@pytest.fixture(scope="session")
def axe_script() -> str:
    # No network inside pytest: .ci/run installs axe-core; a developer runs 'npm install'.
    if not AXE.exists():
        pytest.skip("axe-core is not installed (node_modules/axe-core is absent): run "
                    "'npm install' in the repository (package.json pins it) to enable the "
                    "accessibility test; .ci/run does this")
    return AXE.read_text(encoding="utf-8")


def run_axe(page: str, axe_script: str, width: int = 1280) -> dict:
    """axe-core's violations and passes for ``page`` shown ``width`` CSS pixels wide, with the
    page's scroll and client widths there."""
    browser = _chromium()
    if browser is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium); "
                    "the axe-core accessibility test needs a headless browser")
    injected = page.replace(
        "</body>", f"<script>{axe_script}</script>{RUNNER % json.dumps(TAGS)}</body>")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "page.html").write_text(injected, encoding="utf-8")
        path = Path(tmp) / "frame.html"
        path.write_text(FRAME % width, encoding="utf-8")
        proc = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--no-first-run",
             "--disable-sync", "--allow-file-access-from-files",
             f"--window-size={width + 40},2000",
             f"--user-data-dir={tmp}/profile", "--virtual-time-budget=30000", "--dump-dom",
             path.as_uri()],
            capture_output=True, text=True, timeout=120,
        )
    m = re.search(r'<pre id="axe-results">(.*?)</pre>', proc.stdout, re.S)
    assert m, f"axe did not report (chromium exit {proc.returncode}): {proc.stderr[-500:]}"
    return json.loads(html.unescape(m.group(1)))


@pytest.fixture(scope="session")
def later_result():
    """The children's social care example's later period (a re-audit)."""
    import essex_standard

    return essex_standard.audit(ROOT / "examples" / "childrens-social-care" / "audit-later.yaml")


def _public(result) -> str:
    from essex_standard.render.public import render_public_html

    return render_public_html(result)


def _technical(result) -> str:
    from essex_standard.render.html import render_technical_html

    return render_technical_html(result)


@pytest.mark.slow
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("render", [_public, _technical], ids=["public", "technical"])
@pytest.mark.parametrize("example", ["csc_result", "later_result", "compas_result"])
def test_report_has_no_wcag22_aa_violations(example, render, width, axe_script, request):
    result = run_axe(render(request.getfixturevalue(example)), axe_script, width)
    assert result["passes"] > 10
    assert result["violations"] == [], json.dumps(result["violations"], indent=1)
    assert result["client_width"] == width  # the frame has no scroll bar to narrow it
    # Reflow (WCAG 1.4.10): neither page scrolls sideways; the technical report's wide tables
    # scroll inside their own focusable region instead.
    assert result["scroll_width"] <= result["client_width"], result
    if render is _public:
        # Its group tables fit, so no caption is cut off by a table's own scroller.
        assert result["clipped"] == [], result["clipped"]
