"""A notice's Markdown as HTML that is safe to put into a page or a feed reader.

CommonMark with raw HTML off: every ``<`` the author typed reaches the page as ``&lt;``,
so no tag, attribute or script of theirs survives. Links and images keep only targets a
reader can follow without harm (``http``, ``https``, ``mailto``; images ``http(s)`` only);
anything else (``javascript:``, ``data:``, ``vbscript:``, relative paths that would
resolve against whichever site shows the notice) stays as plain text. Links leave with
``rel="nofollow noopener"``: an author's link earns no ranking and cannot reach back into
the page that opened it. Pure: no I/O, the same body always renders the same HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

LINK_SCHEMES = ("http://", "https://", "mailto:")
IMAGE_SCHEMES = ("http://", "https://")
LINK_REL = "nofollow noopener"


def allowed_link(url: str) -> bool:
    """Whether a (normalised) link target may become an ``href`` or ``src``."""
    return url.strip().lower().startswith(LINK_SCHEMES)


def _drop_unfollowable_links(state: StateCore) -> None:
    """An empty destination (``[x]()``) passes ``validateLink`` unasked: keep its text only."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        kept: list[Token] = []
        dropping = False  # links do not nest in CommonMark: the next close is this one's
        for token in block.children:
            if token.type == "link_open" and not allowed_link(str(token.attrGet("href") or "")):
                dropping = True
            elif token.type == "link_close" and dropping:
                dropping = False
            else:
                kept.append(token)
        block.children = kept


def _link_open(
    renderer: RendererHTML,
    tokens: Sequence[Token],
    index: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    tokens[index].attrSet("rel", LINK_REL)
    return renderer.renderToken(tokens, index, options, env)


def _image(
    renderer: RendererHTML,
    tokens: Sequence[Token],
    index: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    token = tokens[index]
    source = str(token.attrGet("src") or "")
    if not source.strip().lower().startswith(IMAGE_SCHEMES):
        # A mailto: "image": show what it describes, not a broken picture.
        return renderer.renderInlineAsText(token.children or [], options, env)
    token.attrSet("referrerpolicy", "no-referrer")
    return renderer.image(tokens, index, options, env)


@cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False})
    parser.validateLink = allowed_link  # type: ignore[method-assign]
    parser.core.ruler.push("drop_unfollowable_links", _drop_unfollowable_links)
    parser.add_render_rule("link_open", _link_open)
    parser.add_render_rule("image", _image)
    return parser


@lru_cache(maxsize=512)
def render_markdown(body: str) -> str:
    """The HTML of a notice's body (cached: lists and feeds render the same bodies often)."""
    html: Any = _parser().render(body)
    return str(html)
