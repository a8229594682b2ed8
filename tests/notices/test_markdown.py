"""A notice's Markdown renders to inert HTML: no tags, attributes or URLs of the author's."""

from __future__ import annotations

from html.parser import HTMLParser

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.notices.markdown import render_markdown
from tests.fixtures.factories import Market
from tests.notices.support import post_notice

TAGS = {
    "p", "em", "strong", "a", "img", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "br",
}  # fmt: skip
ATTRIBUTES = {"href", "rel", "src", "alt", "title", "referrerpolicy", "start", "class"}


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def assert_inert(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """Only Markdown's own tags; links to http(s)/mailto with rel; images from http(s)."""
    assert "<script" not in html.lower()
    parser = _Elements()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.elements:
        assert tag in TAGS, html
        assert set(attrs) <= ATTRIBUTES, html
        if tag == "a":
            href = (attrs["href"] or "").lower()
            assert href.startswith(("http://", "https://", "mailto:")), html
            assert attrs["rel"] == "nofollow noopener"
        if tag == "img":
            assert (attrs["src"] or "").lower().startswith(("http://", "https://")), html
        if "class" in attrs:  # a fenced block's language, as text the author chose
            assert tag == "code"
            assert (attrs["class"] or "").startswith("language-")
    return parser.elements


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
        "Hello <img src=x onerror=alert(1)> there",
        '<a href="javascript:alert(1)">click</a>',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](  javascript:alert(1)  )",
        "[click](&#106;avascript:alert(1))",
        "[click](java%0ascript:alert(1))",
        "[click](vbscript:msgbox(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "[click](file:///etc/passwd)",
        "[click](/relative/path)",
        "<javascript:alert(1)>",
        "![x](data:image/png;base64,iVBORw0KGgo=)",
        "![x](javascript:alert(1))",
        "![x](mailto:someone@example.org)",
        '![x](https://example.org/x.png "a\\" onerror=\\"alert(1)")',
        '[x](https://example.org "\\" onmouseover=\\"alert(1)")',
        "[ref]\n\n[ref]: javascript:alert(1)",
        "```html\n<script>alert(1)</script>\n```",
        "`<script>` in code",
        "<!-- comment --><style>body{}</style><iframe src=x></iframe>",
    ],
)
def test_dangerous_markdown_is_inert(body: str) -> None:
    html = render_markdown(body)
    elements = assert_inert(html)
    assert "javascript:" not in [attrs.get("href") for _, attrs in elements]


def test_markdown_renders_what_a_notice_needs() -> None:
    html = render_markdown(
        "# Call\n\nWe need **20k** masks, *type IIR*.\n\n"
        "1. Apply [here](https://example.org/apply)\n2. Mail <mailto:call@example.org>\n\n"
        "> Deadline: January\n\n![logo](https://example.org/logo.png)"
    )
    assert "<h1>Call</h1>" in html
    assert "<strong>20k</strong>" in html
    assert "<em>type IIR</em>" in html
    assert '<a href="https://example.org/apply" rel="nofollow noopener">here</a>' in html
    assert 'href="mailto:call@example.org"' in html
    assert "<blockquote>" in html
    assert '<img src="https://example.org/logo.png" alt="logo"' in html
    assert 'referrerpolicy="no-referrer"' in html
    assert render_markdown("[x](javascript:alert(1))") == "<p>[x](javascript:alert(1))</p>\n"
    assert render_markdown("![mail](mailto:a@example.org)") == "<p>mail</p>\n"
    assert render_markdown("<b>bold</b>") == "<p>&lt;b&gt;bold&lt;/b&gt;</p>\n"


FRAGMENTS = st.sampled_from(
    [
        "<script>", "</script>", "<img src=x onerror=alert(1)>", "javascript:", "JAVASCRIPT:",
        "vbscript:", "data:text/html,", "[x](", "![y](", "](", ")", "[", "]", "<", ">", "\"",
        "'", "`", "```", "\n", "\n\n", "&#106;", "&#x6A;", "&lt;", "%6A", "\\", "\t", "*",
        "_", "# ", "> ", "- ", "1. ", "    ", "<https://a.example>", "<javascript:x>",
        "mailto:", "http://", "https://", "onerror=", " title", "[r]: ", "\x00", "\u2028",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(FRAGMENTS | st.text(max_size=8), max_size=40).map("".join))
def test_any_body_renders_inert(body: str) -> None:
    assert_inert(render_markdown(body))


async def test_the_api_shows_the_rendered_body(client: httpx.AsyncClient, market: Market) -> None:
    notice = await post_notice(
        client, market.a1, body="<script>alert(1)</script> [go](javascript:alert(1)) **ok**"
    )
    assert notice["body"] == "<script>alert(1)</script> [go](javascript:alert(1)) **ok**"
    assert notice["body_html"] == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; [go](javascript:alert(1)) "
        "<strong>ok</strong></p>\n"
    )
