"""The console's files: served from the package with a Content-Security-Policy that
allows only this origin, and built so that policy needs no exception (no inline script,
style or event handler; every module and word it asks for exists)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from app.console.router import CONTENT_SECURITY_POLICY

STATIC = Path(__file__).parents[2] / "app" / "console" / "static"
SCRIPTS = sorted((STATIC / "js").rglob("*.js"))


async def test_the_page_and_its_files_carry_the_strict_policy(client: httpx.AsyncClient) -> None:
    page = await client.get("/console")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    asset = await client.get("/console/assets/js/main.js")
    assert asset.status_code == 200
    assert "javascript" in asset.headers["content-type"]
    for response in (page, asset):
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
    directives = dict(item.split(" ", 1) for item in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


async def test_assets_are_revalidated_with_an_etag(client: httpx.AsyncClient) -> None:
    first = await client.get("/console/assets/console.css")
    assert first.headers["cache-control"] == "no-cache"
    again = await client.get(
        "/console/assets/console.css", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path",
    [
        "/console/assets/missing.js",
        "/console/assets/../router.py",
        "/console/assets/%2e%2e/router.py",
        "/console/assets/..%2f__init__.py",
    ],
)
async def test_nothing_outside_the_static_folder_is_served(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert "import" not in response.text


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "script":
            if not named.get("src"):
                self.inline.append("<script> without src")
            else:
                self.sources.append(str(named["src"]))
        if tag == "style":
            self.inline.append("<style>")
        if tag == "link" and named.get("href"):
            self.sources.append(str(named["href"]))
        for name, _ in attrs:
            if name == "style" or name.startswith("on"):
                self.inline.append(f"{tag} {name}=")


def test_the_page_has_no_inline_script_style_or_handler() -> None:
    markup = _Markup()
    markup.feed((STATIC / "index.html").read_text())
    assert markup.inline == []
    for source in markup.sources:
        assert source.startswith("console/assets/"), source
        assert (STATIC / source.removeprefix("console/assets/")).is_file(), source


def test_scripts_never_write_markup_or_styles_as_text() -> None:
    for script in SCRIPTS:
        text = script.read_text()
        for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "eval(", "new Function"):
            assert forbidden not in text, f"{script.name}: {forbidden}"
        assert 'setAttribute("style"' not in text, script.name


# The one module allowed to turn a string into elements: a notice's server-rendered body,
# parsed inert and copied through an allow-list. Any other parser would bypass it.
HTML_PARSERS = ("DOMParser", "parseFromString", "createContextualFragment", "HTMLUnsafe", "srcdoc")


def test_only_the_markup_module_parses_html() -> None:
    parsing = {
        script.relative_to(STATIC / "js").as_posix()
        for script in SCRIPTS
        if any(parser in script.read_text() for parser in HTML_PARSERS)
    }
    assert parsing == {"markup.js"}


def test_links_to_other_sites_open_without_an_opener_or_referrer() -> None:
    for script in SCRIPTS:
        for line in script.read_text().splitlines():
            if 'target: "_blank"' in line:
                assert 'rel: "noopener noreferrer"' in line, f"{script.name}: {line.strip()}"


def test_every_imported_module_exists() -> None:
    for script in SCRIPTS:
        for target in re.findall(r'from "(\.[^"]+)"', script.read_text()):
            assert (script.parent / target).resolve().is_file(), f"{script.name}: {target}"


def test_both_languages_have_every_word_the_scripts_ask_for() -> None:
    english = json.loads((STATIC / "i18n" / "en.json").read_text())
    german = json.loads((STATIC / "i18n" / "de.json").read_text())
    assert english.keys() == german.keys()
    assert all(german[key].strip() for key in german)
    asked = {
        key for script in SCRIPTS for key in re.findall(r'\bt\("([a-zA-Z.]+)"', script.read_text())
    }
    assert asked, "no t(...) calls found: the pattern no longer matches the scripts"
    assert asked - english.keys() == set()
