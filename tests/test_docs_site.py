"""The documentation site builds with warnings as errors, offline, and its API reference is
generated from the docstrings (so a broken link or a malformed docstring fails the suite)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("mkdocs")
pytest.importorskip("mkdocstrings_handlers.python")


def _support():
    spec = importlib.util.spec_from_file_location("mkdocs_support",
                                                  ROOT / "scripts" / "mkdocs_support.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    # No network: pip/HTTP proxies pointed nowhere, so a build that fetched anything would fail.
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "HTTP_PROXY": "http://127.0.0.1:9",
           "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


@pytest.mark.slow
def test_the_site_builds_strictly_with_every_guide(site):
    for page in ("index.html", "config/index.html", "api/index.html", "changelog/index.html"):
        assert (site / page).is_file(), page
    changelog = (site / "changelog" / "index.html").read_text(encoding="utf-8")
    assert "Unreleased" in changelog and "0.1.0" in changelog


def test_the_api_reference_comes_from_the_docstrings(site):
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    for name in ("essex_standard.pipeline.audit_frame", "essex_standard.result.AuditResult",
                 "essex_standard.config.load_config", "essex_standard.gate.evaluate"):
        assert f'id="{name}"' in api, name
    # Doctests render as code, not as nested block quotes.
    assert '<span class="gp">&gt;&gt;&gt; </span>' in api
    assert "<blockquote>" not in api


def test_links_to_repository_files_point_at_copies_in_the_site(site):
    config = (site / "config" / "index.html").read_text(encoding="utf-8")
    assert 'href="../repo/essex_standard/schema/audit-config.schema.json"' in config
    assert (site / "repo" / "essex_standard" / "schema" / "audit-config.schema.json").is_file()


def test_support_helpers():
    support = _support()
    assert support.fence_doctests("a\n>>> 1\n1\n\nb").splitlines() == [
        "a", "```pycon", ">>> 1", "1", "```", "", "b"]
    assert support.plain_roles(":class:`AuditConfig`") == "`AuditConfig`"
