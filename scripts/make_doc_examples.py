"""Regenerate docs/examples/ (reports for both bundled examples) and docs/img/ screenshots.

    python scripts/make_doc_examples.py

Runs each example audit, writes every output into docs/examples/<name>/, then renders the
first pages of both PDF reports to PNG (needs poppler's pdftoppm) for docs/img/.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: In this order: the later period's audit.yaml names the first example's results.json in
#: docs/examples/ as its previous audit (previous_audit:), so that one is written first.
EXAMPLES = {"childrens-social-care": "examples/childrens-social-care/audit.yaml",
            "childrens-social-care-later": "examples/childrens-social-care/audit-later.yaml",
            "compas": "examples/compas/audit.yaml"}
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--hide-scrollbars"]


def screenshot_html(html: Path, target: Path, height: int = 2400) -> None:
    """Screenshot an HTML report in headless Chromium (a fresh profile each time)."""
    import tempfile

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("chromium not found: HTML screenshots not regenerated", file=sys.stderr)
        return
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                        f"--window-size=1400,{height}", f"--screenshot={target}",
                        html.resolve().as_uri()], check=True, capture_output=True, timeout=120)
    print(target.relative_to(ROOT))


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from essex_standard import audit
    from essex_standard.outputs import write_outputs

    for name, config in EXAMPLES.items():
        out = ROOT / "docs" / "examples" / name
        for path in write_outputs(audit(ROOT / config), out):
            print(path.relative_to(ROOT))
    if shutil.which("pdftoppm"):
        img = ROOT / "docs" / "img"
        img.mkdir(parents=True, exist_ok=True)
        src = ROOT / "docs" / "examples" / "childrens-social-care"
        for report, pages in (("public-report", (1, 5)), ("technical-report", (1, 2))):
            for page in pages:
                target = img / f"{report}-page{page}"
                subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", str(page), "-l", str(page),
                                "-singlefile", str(src / f"{report}.pdf"), str(target)],
                               check=True)
                print(target.with_suffix(".png").relative_to(ROOT))
    else:
        print("pdftoppm not found: screenshots not regenerated", file=sys.stderr)
    src = ROOT / "docs" / "examples" / "childrens-social-care"
    for report in ("public-report", "technical-report"):
        screenshot_html(src / f"{report}.html", ROOT / "docs" / "img" / f"{report}-html.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
