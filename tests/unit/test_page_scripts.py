"""The page JavaScript has one shape: every template loads its code as a same-origin ES module, and only the
shared library reads the CSRF token (so there is one place that sends it)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "api" / "templates"
STATIC = ROOT / "api" / "static"
LIB = STATIC / "js" / "lib"

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
TYPE = re.compile(r"""\btype\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
CSRF_META = re.compile(r"csrf-token", re.IGNORECASE)


def _script_tags() -> list[tuple[str, str]]:
    tags = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        for attrs in SCRIPT_TAG.findall(template.read_text(encoding="utf-8")):
            tags.append((str(template.relative_to(ROOT)), attrs))
    return tags


def test_every_template_script_is_a_module_or_data() -> None:
    tags = _script_tags()
    assert tags, "the templates load no script at all"
    classic = []
    for where, attrs in tags:
        kind = TYPE.search(attrs)
        value = kind.group(1).lower() if kind else "text/javascript"
        if value == "module":
            assert "src=" in attrs, f"{where}: inline module script (the CSP allows only same-origin files)"
        elif value != "application/json":  # a data block, never executed
            classic.append(f"{where}: <script{attrs}>")
    assert classic == []


def test_only_the_library_reads_the_csrf_meta_tag() -> None:
    scripts = [p for p in STATIC.rglob("*.js") if "vendor" not in p.relative_to(STATIC).parts]
    assert scripts
    readers = sorted(str(p.relative_to(STATIC)) for p in scripts if CSRF_META.search(p.read_text(encoding="utf-8")))
    assert readers == ["js/lib/http.js"]
